"""The cover: which case, which exhibits (with SHA-256), the custody head, software, parameters.

Everything a reader needs to reproduce the report is here: run the same software on the same
exhibits with these parameters and the figures must be the same; the custody ledger head pins
the case's history at the moment the report was made.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from appliance.report import fmt
from appliance.report.content import ReportContent
from appliance.report.fonts import para
from appliance.report.styles import CELL, H2, HASH, SMALL, TITLE, WIDTH, markup, p, table
from appliance.report.styles import facts as facts_table


def _period(content: ReportContent, tz: ZoneInfo) -> str:
    period = content.options.params.period
    if not period.start and not period.end:
        return "everything in the case (no period set)"
    start = fmt.when(period.start, tz) if period.start else "the earliest record"
    end = fmt.when(period.end, tz) if period.end else "the latest record"
    return f"{start} to {end}"


def parameters(content: ReportContent) -> list[tuple[str, str]]:
    """The parameters in words, as also given on the command line."""
    params = content.options.params
    tz = ZoneInfo(content.timezone)
    return [
        ("Subject A", f"{content.a.name} ({content.a.role})"),
        ("Subject B", f"{content.b.name} ({content.b.role})"),
        ("Period", _period(content, tz)),
        (
            "Co-location",
            f"within {fmt.exact(params.within_m)} m (--within {fmt.exact(params.within_m)}m) and "
            f"{fmt.exact(params.window_s)} s (--window {fmt.exact(params.window_s)}s) of each "
            f"other, bounds inclusive; a new occasion after a gap of more than "
            f"{fmt.exact(params.gap_s)} s (--gap {fmt.exact(params.gap_s)}s); geodesic distance "
            "on the WGS84 ellipsoid",
        ),
        (
            "Contacts",
            "a communication seen in several sources is counted once: same kind, caller and "
            f"callee, from different sources, starting within "
            f"{fmt.exact(content.options.match_within_s)} s",
        ),
        ("Local time", f"{content.timezone}; days are local calendar days"),
    ]


def cover(content: ReportContent) -> list[Flowable]:
    tz = ZoneInfo(content.timezone)
    generated = content.generated.astimezone(UTC)
    story: list[Flowable] = [
        markup("EVIDENTIAL REPORT: COMMUNICATIONS DATA", SMALL),
        Paragraph(f"Case {para(content.ref)}", TITLE),
        p(
            f"Contacts, co-location and exclusion-zone visits of {content.a.name} and "
            f"{content.b.name}, with the method used, its limits, and every event behind "
            "each figure."
        ),
        Spacer(0, 3 * mm),
    ]
    facts: list[tuple[str, Any]] = [
        ("Case", content.ref),
        (
            "Generated",
            f"{generated:%Y-%m-%d %H:%M:%S} UTC ({fmt.when(generated, tz)}). The only part of "
            "this document that differs between two reports on the same case and parameters.",
        ),
        ("Software", content.software),
        (
            "Custody ledger",
            Paragraph(
                f"head <font name='DejaVuSansMono'>{content.custody_head}</font> after "
                f"{content.custody_entries} entries; check with <b>appliance verify --case "
                f"{para(content.ref)}</b> or the exported verify_ledger.py",
                CELL,
            ),
        ),
        *parameters(content),
    ]
    story.append(
        facts_table(
            [(k, v if not isinstance(v, str) else Paragraph(para(v), CELL)) for k, v in facts],
            32 * mm,
        )
    )
    story.append(Paragraph("Subjects", H2))
    story.append(
        table(
            ["Name", "Role", "Identifiers attributed"],
            [
                (
                    Paragraph(para(s.name), CELL),
                    s.role,
                    Paragraph(para(", ".join(s.identifiers) or "-"), CELL),
                )
                for s in content.subjects
            ],
            [40 * mm, 20 * mm, WIDTH - 60 * mm],
        )
    )
    story.append(Paragraph("Exhibits (SHA-256 of each file as received)", H2))
    story.append(
        table(
            ["Exhibit", "File", "Bytes", "SHA-256"],
            [
                (
                    e.ref,
                    Paragraph(para(PurePath(e.path).name), CELL),
                    fmt.count(e.size),
                    Paragraph(e.sha256, HASH),
                )
                for e in content.exhibits
            ],
            [13 * mm, 54 * mm, 16 * mm, WIDTH - 83 * mm],
            right=(2,),
        )
    )
    story.append(
        p(
            "Each exhibit is sealed, encrypted, in the case's evidence store; "
            "appliance verify re-reads and re-hashes every one. Where each figure comes from "
            "is given as exhibit:row (row N is the Nth data row of the file; see Appendix C).",
            SMALL,
        )
    )
    return story
