"""A page per exclusion-zone visit: entry, exit, the sightings either side, the closest approach,
its map and the positions behind it (numbered as in Appendix B)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from appliance.analyses.breach import Sighting, Visit
from appliance.analyses.grading import GRADES
from appliance.report import fmt
from appliance.report.content import MapPicture, ReportContent, ZoneResult
from appliance.report.fonts import para
from appliance.report.sections.picture import map_block
from appliance.report.sections.summary import zone_heading
from appliance.report.styles import H1, H2, SMALL, p, table

MAX_ROWS = 9
SIGHTING_HEADER = ["#", "Time", "From centre (m)", "Position", "Radius", "Kind", "Grade", "Row"]


def sighting_rows(numbered: list[tuple[int, Sighting]], tz: ZoneInfo) -> list[tuple[str, ...]]:
    return [
        (
            str(n),
            fmt.when(s.time, tz),
            fmt.metres(s.distance_m),
            f"{fmt.exact(s.lat)}, {fmt.exact(s.lon)}",
            f"±{fmt.exact(s.radius_m)} m" if s.radius_m is not None else "-",
            s.method,
            s.grade,
            f"{s.source.exhibit}:{s.row}",
        )
        for n, s in numbered
    ]


SIGHTING_WIDTHS = [10 * mm, 36 * mm, 22 * mm, 40 * mm, 18 * mm, 14 * mm, 16 * mm, 22 * mm]


def _rows(numbered: list[tuple[int, Sighting]], tz: ZoneInfo) -> list[tuple[int, tuple[str, ...]]]:
    """Each row with its Appendix B number, for numbering it as on the map as well."""
    return [(n, row) for (n, _s), row in zip(numbered, sighting_rows(numbered, tz), strict=True)]


def _visit_page(
    content: ReportContent, zone: ZoneResult, visit: Visit, picture: MapPicture | None, first: int
) -> list[Flowable]:
    tz = ZoneInfo(content.timezone)
    numbered = list(enumerate(visit.sightings, first))
    if len(numbered) > MAX_ROWS:
        closest = sorted(numbered, key=lambda i: (GRADES.index(i[1].grade), i[1].distance_m, i[0]))[
            :MAX_ROWS
        ]
        shown = sorted(closest, key=lambda i: i[0])
    else:
        shown = numbered
    before = (
        fmt.when(visit.last_seen_before, tz) if visit.last_seen_before else "no earlier position"
    )
    after = fmt.when(visit.first_seen_after, tz) if visit.first_seen_after else "no later position"
    c = visit.closest
    story: list[Flowable] = [
        Paragraph(
            f"Visit {visit.number} to {para(zone.name)}: {para(fmt.day(visit.entry, tz))}, "
            f"{para(fmt.clock(visit.entry, tz))} to {para(fmt.clock(visit.exit, tz))}",
            H2,
        ),
        p(
            f"{zone.breaches.subject} was recorded inside the zone "
            f"{fmt.count(len(visit.sightings))} times (positions {first} to "
            f"{first + len(numbered) - 1} in Appendix B), first at "
            f"{fmt.when(visit.entry, tz)} and last at {fmt.when(visit.exit, tz)} "
            f"({fmt.duration((visit.exit - visit.entry).total_seconds())}). Last position outside "
            f"before: {before}; first position outside after: {after}. Closest approach: "
            f"{fmt.metres(c.distance_m)} m from the centre at {fmt.when(c.time, tz)} "
            f"({c.method}, {c.source.exhibit}:{c.row}). Best grade: {visit.grade}."
        ),
        *map_block(picture, max_height=104 * mm),
        table(
            ["Map", "App. B", *SIGHTING_HEADER[1:]],
            [(str(row_n - first + 1), *row) for row_n, row in _rows(shown, tz)],
            [w * mm for w in (8, 11, 34, 20, 38, 16, 13, 16, 22)],
            font_size=7,
            right=(0, 1, 3),
        ),
    ]
    if len(shown) < len(numbered):
        story.append(
            p(
                f"The {len(shown)} best-graded of {fmt.count(len(numbered))} positions (closest "
                "first among equal grades) are shown; all "
                "are listed in Appendix B.",
                SMALL,
            )
        )
    return story


def visits(content: ReportContent) -> list[Flowable]:
    if not content.zones:
        return []
    story: list[Flowable] = [PageBreak(), Paragraph("4. Exclusion-zone visits", H1)]
    story.append(
        p(
            "One page per visit. The grade compares each position's radius with the zone: "
            "certain when the whole uncertainty circle lies inside the zone, probable when the "
            "radius is smaller than the zone, possible when it is larger."
        )
    )
    new_page = False
    for index, zone in enumerate(content.zones):
        story.append(p(zone_heading(zone) + f". {len(zone.breaches.visits)} visits."))
        number = 1
        for visit in zone.breaches.visits:
            story.append(PageBreak() if new_page else Spacer(0, 2 * mm))
            new_page = True
            picture = content.visit_maps.get((index, visit.number))
            story.extend(_visit_page(content, zone, visit, picture, number))
            number += len(visit.sightings)
    return story
