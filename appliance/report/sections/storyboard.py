"""A storyboard page per co-location occasion: what happened, on a map, and the events behind it.

The trial that set the benchmark was won on "a storyboard of tables and maps, clear to read".
Each page stands on its own: the occasion in words, its map (with what the marks mean), and its
events with the exhibit and row of both positions. Events are numbered as in Appendix A.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from appliance.analyses.colocate import Event, Occasion
from appliance.analyses.grading import GRADES
from appliance.report import fmt
from appliance.report.content import MapPicture, ReportContent
from appliance.report.fonts import para
from appliance.report.sections.picture import map_block
from appliance.report.styles import H1, H2, SMALL, p, table

MAX_ROWS = 14


def _radius(radius: float | None, method: str) -> str:
    return f"±{fmt.exact(radius)} m {method}" if radius is not None else f"no radius, {method}"


def event_rows(
    numbered: Sequence[tuple[int, Event]], tz: ZoneInfo, first: int
) -> list[tuple[str, ...]]:
    """Rows numbered as on the map (from 1 in the occasion) and as in Appendix A."""
    return [
        (
            str(n - first + 1),
            str(n),
            fmt.when(e.a_time, tz),
            fmt.clock(e.b_time, tz),
            fmt.metres(e.distance_m),
            _radius(e.a_radius_m, e.a_method),
            _radius(e.b_radius_m, e.b_method),
            e.grade,
            f"{e.a_source.exhibit}:{e.a_row}",
            f"{e.b_source.exhibit}:{e.b_row}",
        )
        for n, e in numbered
    ]


EVENT_HEADER = [
    "Map",
    "App. A",
    "A time",
    "B time",
    "Dist. (m)",
    "A position",
    "B position",
    "Grade",
    "A row",
    "B row",
]
EVENT_WIDTHS = [w * mm for w in (8, 10, 35, 19, 13, 22, 22, 15, 17, 17)]


def chosen(numbered: list[tuple[int, Event]]) -> list[tuple[int, Event]]:
    """All events when few; else the best graded, closest first, shown in time order.

    Grade before distance: two phones on one mast are "0 m" apart yet only possibly near each
    other, while a pair of GPS fixes 80 m apart says more; the page shows the strongest
    evidence, and Appendix A has every event.
    """
    if len(numbered) <= MAX_ROWS:
        return numbered
    best = sorted(
        numbered, key=lambda item: (GRADES.index(item[1].grade), item[1].distance_m, item[0])
    )[:MAX_ROWS]
    return sorted(best, key=lambda item: item[0])


def occasion_page(
    content: ReportContent, occasion: Occasion, picture: MapPicture | None, new_page: bool
) -> list[Flowable]:
    tz = ZoneInfo(content.timezone)
    a, b = content.a.name, content.b.name
    numbered = [
        (n, e) for n, e in enumerate(content.colocation.events, 1) if e.occasion == occasion.number
    ]
    shown = chosen(numbered)
    first, last = numbered[0][0], numbered[-1][0]
    exhibits = sorted(
        {e.a_source.exhibit for _, e in numbered} | {e.b_source.exhibit for _, e in numbered}
    )
    params = content.colocation.parameters
    story: list[Flowable] = [
        PageBreak() if new_page else Spacer(0, 2 * mm),
        Paragraph(
            f"Occasion {occasion.number}: {para(fmt.day(occasion.start, tz))}, "
            f"{para(fmt.clock(occasion.start, tz))} to {para(fmt.clock(occasion.end, tz))}",
            H2,
        ),
        p(
            f"{a} (A) and {b} (B) were recorded within {fmt.exact(params.within_m)} m "
            f"and {fmt.exact(params.window_s)} s of each other "
            f"{fmt.count(occasion.events)} times (events {first} to {last}) over "
            f"{fmt.duration((occasion.end - occasion.start).total_seconds())}. Closest: "
            f"{fmt.metres(occasion.min_distance_m)} m between the reported positions. Best grade: "
            f"{occasion.grade}. From exhibits {', '.join(exhibits)}."
        ),
        *map_block(picture),
        table(
            EVENT_HEADER, event_rows(shown, tz, first), EVENT_WIDTHS, font_size=7, right=(0, 1, 4)
        ),
    ]
    if len(shown) < len(numbered):
        story.append(
            p(
                f"The {len(shown)} best-graded of {fmt.count(len(numbered))} events (closest "
                "first among equal grades) are shown; all "
                f"are listed in Appendix A (events {first} to {last}).",
                SMALL,
            )
        )
    return story


def storyboard(content: ReportContent) -> list[Flowable]:
    story: list[Flowable] = [PageBreak(), Paragraph("3. Storyboard: the co-location occasions", H1)]
    occasions = content.colocation.occasions
    story.append(
        p(
            f"One page per occasion ({len(occasions)} in all), in time order. Times are in "
            f"{content.timezone}. Positions are given as the reported radius (±) and how they "
            "were obtained; rows as exhibit:row."
            if occasions
            else "There are no co-location occasions with these parameters."
        )
    )
    for index, occasion in enumerate(occasions):
        picture = content.occasion_maps.get(occasion.number)
        story.extend(occasion_page(content, occasion, picture, new_page=index > 0))
    return story
