"""The appendices: every co-location event and every zone position with the exhibit and row it
came from, and each source's row accounting with every rejected row and its reason.

Nothing a figure rests on is left out: a reader can take any line here back to the file."""

from __future__ import annotations

from pathlib import PurePath
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph

from appliance.report import fmt
from appliance.report.content import ReportContent
from appliance.report.fonts import para
from appliance.report.sections.summary import zone_heading
from appliance.report.sections.visits import SIGHTING_HEADER, SIGHTING_WIDTHS, sighting_rows
from appliance.report.styles import CELL, H1, H2, SMALL, p, table

EVENT_HEADER = [
    "#",
    "Occ.",
    "A time",
    "B time",
    "Dist. (m)",
    "A lat, lon",
    "±m",
    "B lat, lon",
    "±m",
    "Grade",
    "A row",
    "B row",
]
EVENT_WIDTHS = [
    9 * mm,
    8 * mm,
    31 * mm,
    16 * mm,
    13 * mm,
    27 * mm,
    9 * mm,
    27 * mm,
    9 * mm,
    13 * mm,
    13 * mm,
    13 * mm,
]


def _events(content: ReportContent) -> list[Flowable]:
    tz = ZoneInfo(content.timezone)
    events = content.colocation.events
    rows = [
        (
            str(n),
            str(e.occasion),
            fmt.when(e.a_time, tz),
            fmt.clock(e.b_time, tz),
            fmt.metres(e.distance_m),
            f"{fmt.exact(e.a_lat)}, {fmt.exact(e.a_lon)}",
            fmt.exact(e.a_radius_m),
            f"{fmt.exact(e.b_lat)}, {fmt.exact(e.b_lon)}",
            fmt.exact(e.b_radius_m),
            e.grade,
            f"{e.a_source.exhibit}:{e.a_row}",
            f"{e.b_source.exhibit}:{e.b_row}",
        )
        for n, e in enumerate(events, 1)
    ]
    story: list[Flowable] = [
        PageBreak(),
        Paragraph("Appendix A: every co-location event", H1),
        p(
            f"{fmt.count(len(events))} events, in time order (the storyboard tables give each "
            "event's number here and its number on the map). "
            f"A is {content.a.name}, B is {content.b.name}; times in {content.timezone}; "
            "distances between the reported positions in metres; ±m is each position's stated "
            "radius (- where none was given); rows as exhibit:row (the files are named on the "
            "cover and in Appendix C).",
            SMALL,
        ),
    ]
    if rows:
        story.append(table(EVENT_HEADER, rows, EVENT_WIDTHS, font_size=6, right=(0, 1, 4, 6, 8)))
    return story


def _sightings(content: ReportContent) -> list[Flowable]:
    if not content.zones:
        return []
    tz = ZoneInfo(content.timezone)
    story: list[Flowable] = [
        PageBreak(),
        Paragraph("Appendix B: every position inside an exclusion zone", H1),
    ]
    for zone in content.zones:
        story.append(Paragraph(para(zone_heading(zone)), H2))
        numbered = []
        n = 1
        for visit in zone.breaches.visits:
            for s in visit.sightings:
                numbered.append((n, visit.number, s))
                n += 1
        if not numbered:
            story.append(p("No position inside this zone.", SMALL))
            continue
        rows = [
            (row[0], str(visit), *row[1:])
            for (row, (_, visit, _s)) in zip(
                sighting_rows([(n, s) for n, _, s in numbered], tz), numbered, strict=True
            )
        ]
        header = [SIGHTING_HEADER[0], "Visit", *SIGHTING_HEADER[1:]]
        widths = [SIGHTING_WIDTHS[0], 10 * mm, *SIGHTING_WIDTHS[1:]]
        story.append(table(header, rows, widths, font_size=6.5, right=(0, 1, 3)))
    return story


def _sources(content: ReportContent) -> list[Flowable]:
    story: list[Flowable] = [
        PageBreak(),
        Paragraph("Appendix C: sources and row accounting", H1),
        p(
            "Every row read from every exhibit was either loaded or rejected with its reason: "
            "rows read = loaded + rejected. Nothing was dropped silently. Row N is the Nth data "
            "row of the file (for CSV, after the header).",
            SMALL,
        ),
        table(
            ["Exhibit", "File", "Format", "Subject", "Read", "Loaded", "Rejected", "Warnings"],
            [
                (
                    s.exhibit,
                    Paragraph(para(PurePath(s.path).name), CELL),
                    s.format,
                    Paragraph(para(s.subject or "-"), CELL),
                    fmt.count(s.rows_read),
                    fmt.count(s.loaded),
                    fmt.count(s.rejected),
                    fmt.count(s.warnings),
                )
                for s in content.sources
            ],
            [w * mm for w in (14, 56, 26, 18, 16, 16, 16, 16)],
            right=(4, 5, 6, 7),
        ),
    ]
    rejected = [(s.exhibit, row, reason) for s in content.sources for row, reason in s.rejections]
    if rejected:
        story.append(Paragraph("Rejected rows", H2))
        story.append(
            table(
                ["Exhibit", "Row", "Reason"],
                [(ex, str(row), Paragraph(para(reason), CELL)) for ex, row, reason in rejected],
                [18 * mm, 16 * mm, 144 * mm],
                right=(1,),
            )
        )
    return story


def appendices(content: ReportContent) -> list[Flowable]:
    return [*_events(content), *_sightings(content), *_sources(content)]
