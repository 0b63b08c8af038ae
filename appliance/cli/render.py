"""Human-readable output of results. Times are shown in the case's zone, labelled."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from appliance.analyses.breach import Breaches
from appliance.analyses.colocate import Colocation
from appliance.analyses.contacts import COUNTED_KINDS, Contacts
from appliance.custody.ledger import Entry
from appliance.intake.verify import VerifyReport
from appliance.maps.tiles import PackInfo
from appliance.store.reports import IntakeReport
from appliance.textsafe import shown


def emit_json(document: Any, out: TextIO | None = None) -> None:
    """One JSON document on stdout and nothing else there (ASCII: safe on any terminal).

    The outer object and its lists are laid out a member and an item to a line; each item is
    written compact by the C encoder. A co-location of 100,000 events prints in a fraction of
    the time ``indent=2`` takes (that runs in Python), and an item per line reads and diffs.
    """
    stream = out or sys.stdout
    stream.write(json_text(document))
    stream.write("\n")


def json_text(document: Any, depth: int = 0) -> str:
    """``document`` as JSON: objects and lists opened a line per member up to two levels deep,
    anything deeper on one line."""

    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(", ", ": "))

    inner, outer = "  " * (depth + 1), "  " * depth
    if depth < 2 and isinstance(document, dict) and document:
        members = (
            f"{inner}{compact(str(k))}: {json_text(v, depth + 1)}" for k, v in document.items()
        )
        return "{\n" + ",\n".join(members) + f"\n{outer}}}"
    if depth < 2 and isinstance(document, list) and document:
        items = (f"{inner}{compact(item)}" for item in document)
        return "[\n" + ",\n".join(items) + f"\n{outer}]"
    return compact(document)


def local(moment: datetime, tz: ZoneInfo, fmt: str = "%a %d %b %Y %H:%M:%S") -> str:
    return moment.astimezone(tz).strftime(fmt)


def metres(value: float) -> str:
    return f"{value:,.0f} m" if value < 10_000 else f"{value / 1000:,.1f} km"


def tile_packs_text(packs: list[PackInfo], out: TextIO) -> None:
    """Map tile packs: what each covers."""
    for p in packs:
        west, south, east, north = p.bounds
        out.write(
            f"{shown(p.name)}  {p.format}  zoom {p.min_zoom}-{p.max_zoom}  {p.tile_count:,} tiles\n"
            f"    covers {west:.5f},{south:.5f} to {east:.5f},{north:.5f} (W,S to E,N)\n"
            f"    attribution: {shown(p.attribution) or '(none given)'}\n"
        )


def intake_text(report: IntakeReport, out: TextIO) -> None:
    for source in report.sources:
        out.write(
            f"{source.exhibit}  {shown(source.path)}\n"
            f"    format {source.format} ({shown(source.detection)})"
            f"{', subject ' + shown(source.subject) if source.subject else ''}\n"
        )
        if source.status != "loaded":
            out.write(f"    {source.status}\n")
            continue
        out.write(
            f"    rows read {source.rows_read:,} = loaded {source.loaded:,} + rejected "
            f"{source.rejected:,}; warnings {source.warnings:,}\n"
            f"    observations {source.observations:,}, communications "
            f"{source.communications:,}, cells {source.cells:,}\n"
        )
        for row, reason in source.rejections:
            out.write(f"    rejected row {row}: {shown(reason)}\n")
        if source.rejected > len(source.rejections):
            out.write(
                f"    ... and {source.rejected - len(source.rejections):,} more rejected rows\n"
            )
    for exhibit in report.exhibits:
        if exhibit.status == "verified":
            out.write(f"{exhibit.ref}  sha256 {exhibit.sha256}  {exhibit.size:,} bytes\n")
        else:  # never shown like a verified exhibit: it has no hash, and nothing of it is kept
            out.write(
                f"{exhibit.ref}  {exhibit.status.upper()}: not verified, no hash "
                f"({exhibit.size:,} bytes on the medium)\n"
            )
    for path, reason in report.skipped:
        out.write(f"not loaded: {shown(path)}: {shown(reason)}\n")
    for path, reason in report.failed:
        out.write(f"FAILED: {shown(path)}: {shown(reason)}\n")
    if report.custody_head:
        out.write(f"custody ledger head {report.custody_head}\n")


def verify_text(report: VerifyReport, out: TextIO) -> None:
    for ref in report.verified:
        out.write(f"verified    {shown(ref)}\n")
    for finding in report.incomplete:
        out.write(f"INCOMPLETE  {shown(finding.exhibit)}: {shown(finding.problem)}\n")
    for finding in report.problems:
        out.write(f"PROBLEM     {shown(finding.exhibit)}: {shown(finding.problem)}\n")
    verdict = "all verified" if report.ok else f"{len(report.problems)} problem(s)"
    out.write(
        f"{verdict}: {len(report.verified)} exhibit(s) re-read and re-hashed, "
        f"{len(report.incomplete)} incomplete; {report.entries} custody entries; "
        f"custody ledger head {report.head}\n"
    )


def custody_text(entries: list[Entry], head: str, out: TextIO) -> None:
    for e in entries:
        what = " ".join(
            part
            for part in (
                e.exhibit or "",
                shown(e.origin or ""),
                f"sha256 {e.sha256}" if e.sha256 else "",
                e.parser or "",
            )
            if part
        )
        why = e.details.get("reason") or e.details.get("error")
        because = f": {shown(str(why))}" if why else ""
        out.write(f"{e.seq:>5} {e.time} {shown(e.actor)}: {e.action} {what}{because}\n")
    out.write(f"custody ledger head {head}\n")


def colocation_text(result: Colocation, tz: ZoneInfo, out: TextIO, events: bool = False) -> None:
    p = result.parameters
    out.write(
        f"Co-location of {shown(result.a)} and {shown(result.b)}: within {p.within_m:g} m and "
        f"{p.window_s:g} s of each other; a new occasion after a gap of over {p.gap_s:g} s.\n"
        f"Times are local ({tz.key}).\n\n"
        f"{len(result.occasions)} occasions from {len(result.events)} events.\n"
    )
    if not result.occasions:
        return
    out.write(f"\n{'#':>4}  {'start':<25} {'end':<9} {'events':>6} {'closest':>9}  grade\n")
    for o in result.occasions:
        out.write(
            f"{o.number:>4}  {local(o.start, tz):<25} {local(o.end, tz, '%H:%M:%S'):<9} "
            f"{o.events:>6} {metres(o.min_distance_m):>9}  {o.grade}\n"
        )
    if events:
        out.write("\nEvents\n")
        for e in result.events:
            out.write(
                f"{e.occasion:>4}  {local(e.a_time, tz)}  {local(e.b_time, tz, '%H:%M:%S')}  "
                f"{metres(e.distance_m):>9}  {e.grade:<9} {e.a_source.exhibit}:{e.a_row} "
                f"{e.b_source.exhibit}:{e.b_row}\n"
            )


def contacts_text(result: Contacts, out: TextIO, per_day: bool = True) -> None:
    a, b = shown(result.a), shown(result.b)
    out.write(f"Contacts between {a} and {b} (days are local days in {result.timezone}).\n\n")
    head_ab, head_ba = f"{a} -> {b}", f"{b} -> {a}"
    out.write(f"{'':<14}{head_ab:>20}{head_ba:>20}\n")
    for kind in COUNTED_KINDS:
        ab, ba = result.totals[f"{kind}_a_to_b"], result.totals[f"{kind}_b_to_a"]
        if ab or ba or kind in ("voice", "sms"):
            out.write(f"{kind:<14}{ab:>20,}{ba:>20,}\n")
        if kind == "voice":
            out.write(
                f"{'  answered':<14}{result.answered_voice['a_to_b']:>20,}"
                f"{result.answered_voice['b_to_a']:>20,}\n"
            )
    total = sum(result.totals.values())
    out.write(f"\n{total:,} contacts")
    if result.first and result.last:
        zone = ZoneInfo(result.timezone)
        out.write(f", first {local(result.first, zone)}, last {local(result.last, zone)}")
    out.write(".\n")
    busiest = result.busiest_day
    if busiest:
        out.write(f"Busiest day: {busiest[0]:%a %d %b %Y} with {sum(busiest[1].values()):,}.\n")
    if result.merged:
        out.write(
            f"{result.merged:,} records were the same communication seen in another source "
            f"(within {result.tolerance_s:g} s) and were counted once.\n"
        )
    if per_day and result.per_day:
        kinds = [
            k for k in COUNTED_KINDS if any(result.totals[f"{k}_{d}"] for d in ("a_to_b", "b_to_a"))
        ]
        header = "".join(f"{k + ' ->':>10}{k + ' <-':>10}" for k in kinds)
        out.write(f"\n{'date':<12}{header}{'total':>8}\n")
        for day, counts in result.per_day:
            cells = "".join(
                f"{counts[f'{k}_a_to_b']:>10}{counts[f'{k}_b_to_a']:>10}" for k in kinds
            )
            out.write(f"{day.isoformat():<12}{cells}{sum(counts.values()):>8}\n")


def breach_text(result: Breaches, tz: ZoneInfo, out: TextIO) -> None:
    z = result.zone
    out.write(
        f"Exclusion zone: {z.radius_m:g} m around {z.lat:.5f},{z.lon:.5f}; subject "
        f"{shown(result.subject)}. Times are local ({tz.key}).\n\n"
        f"{len(result.visits)} visits.\n"
    )
    if result.visits:
        out.write(f"\n{'#':>4}  {'entry':<25} {'exit':<9} {'seen':>5} {'closest':>9}  grade\n")
    for v in result.visits:
        out.write(
            f"{v.number:>4}  {local(v.entry, tz):<25} {local(v.exit, tz, '%H:%M:%S'):<9} "
            f"{len(v.sightings):>5} {metres(v.closest.distance_m):>9}  {v.grade}\n"
        )
