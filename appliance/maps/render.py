"""Maps of a co-location occasion and of an exclusion-zone visit: the public API.

Pure functions of the analyses' plain results: no SQL, no case store. A map must not claim
more precision than the evidence has, because whatever a map shows tends to be read in court
as exact. So every position is drawn with its reported uncertainty to scale (a circle of the
reported radius, or the serving cell's wedge for positions from call records), a position with
no reported radius gets no circle and the key says its uncertainty is unknown, and the words
returned in ``legend`` say what each mark means and that dots are positions as reported, not
where the people were.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from appliance.analyses.breach import Breaches, Sighting
from appliance.analyses.cell_sectors import CellSector, Key
from appliance.analyses.colocate import Colocation, Event
from appliance.errors import UsageError
from appliance.maps import canvas
from appliance.maps.geo import View
from appliance.maps.scene import (
    COLOUR_A,
    COLOUR_B,
    COLOUR_CLOSEST,
    COLOUR_LINK,
    COLOUR_ZONE,
    RGB,
    KeyEntry,
    Link,
    Scene,
    Spot,
    Wedge,
    ZoneShape,
)
from appliance.maps.tiles import TileSet, installed_tiles
from appliance.textsafe import shown
from appliance.timeutil import zone as time_zone

__all__ = ["MapImage", "TileSet", "installed_tiles", "occasion_map", "visit_map"]

CAVEAT = (
    "Dots are positions as each source reported them, not where the people were: each device "
    "could have been anywhere in its circle or wedge. The map helps read the table; it is not "
    "a measurement."
)


@dataclass(frozen=True)
class MapImage:
    png: bytes  # the rendered map, PNG (palette, optimised)
    width_px: int
    height_px: int
    basemap: bool  # False when drawn on the coordinate grid fallback
    attribution: str  # tile attribution text ("" on the grid)
    legend: list[str]  # plain-words lines explaining markers, circles, times
    view: View | None = field(default=None, compare=False, repr=False)

    def pixel(self, lat: float, lon: float) -> tuple[float, float]:
        """Where a position falls on the image, in pixel-corner units: it lies in pixel
        (floor(x), floor(y)). For telling what a click or a pixel shows."""
        if self.view is None:
            raise ValueError("this map image carries no projection")
        x, y = self.view.to_px(lon, lat)
        return x, y + canvas.HEADER_PX


def occasion_map(
    colocation: Colocation,
    occasion: int,
    *,
    timezone: str,
    tiles: TileSet | None,
    width_px: int = 1200,
    height_px: int = 800,
    cells: Mapping[Key, CellSector] | None = None,
) -> MapImage:
    """Both subjects' positions for one occasion, numbered by event in time order.

    ``cells`` (from ``analyses.cell_sectors``) gives the serving cell's sector for positions
    from call records; without it such positions get their range as a circle.
    """
    events = colocation.occasion_events(occasion)
    found = [o for o in colocation.occasions if o.number == occasion]
    if not events or not found:
        raise UsageError(
            f"there is no occasion {occasion} in this co-location result.",
            f"Occasions are numbered 1 to {len(colocation.occasions)}.",
        )
    tz = time_zone(timezone)
    summary = found[0]
    a, b = shown(colocation.a), shown(colocation.b)
    spots = _event_spots(events, cells or {})
    title = (
        f"Occasion {occasion}: {a} and {b}, {_stamp(summary.start, tz)} to "
        f"{_until(summary.start, summary.end, tz)} ({timezone}), "
        f"{summary.events} event{'s' * (summary.events != 1)}, closest "
        f"{summary.min_distance_m:,.0f} m, grade {summary.grade}"
    )
    key = [
        KeyEntry(
            "dot",
            COLOUR_A,
            f"{a}: reported position, numbered by event",
            f"Blue dots: {a}'s reported positions, numbered by event.",
        ),
        KeyEntry(
            "dot",
            COLOUR_B,
            f"{b}: reported position, numbered by event",
            f"Orange dots: {b}'s reported positions, numbered by event.",
        ),
        KeyEntry(
            "link",
            COLOUR_LINK,
            "the two positions of one event",
            "Grey lines join the two positions of one event.",
        ),
        *_uncertainty_key(spots),
    ]
    lines = [title, *_key_words(key), _zone_words(timezone)]
    for number, event in enumerate(events, start=1):
        lines.append(_event_words(number, event, a, b, tz))
    return _finish(Scene(title, spots, key, _links(events)), lines, tiles, width_px, height_px)


def visit_map(
    breaches: Breaches,
    visit: int,
    *,
    timezone: str,
    tiles: TileSet | None,
    width_px: int = 1200,
    height_px: int = 800,
) -> MapImage:
    """The exclusion zone, the subject's sightings in one visit (numbered in time order) and
    the closest approach."""
    found = [v for v in breaches.visits if v.number == visit]
    if not found:
        raise UsageError(
            f"there is no visit {visit} in this exclusion-zone result.",
            f"Visits are numbered 1 to {len(breaches.visits)}.",
        )
    tz = time_zone(timezone)
    the_visit, zone = found[0], breaches.zone
    who = shown(breaches.subject)
    spots = [
        _spot(s.lat, s.lon, s.radius_m, COLOUR_A, str(n), None, s == the_visit.closest)
        for n, s in enumerate(the_visit.sightings, start=1)
    ]
    title = (
        f"Visit {visit}: {who} inside {zone.radius_m:,.0f} m of {zone.lat:.5f},{zone.lon:.5f}, "
        f"{_stamp(the_visit.entry, tz)} to {_until(the_visit.entry, the_visit.exit, tz)} "
        f"({timezone}), closest {the_visit.closest.distance_m:,.0f} m"
    )
    key = [
        KeyEntry(
            "zone",
            COLOUR_ZONE,
            f"exclusion zone: {zone.radius_m:,.0f} m around the cross",
            f"Red circle: the exclusion zone, {zone.radius_m:,.0f} m around the red cross at "
            f"{zone.lat:.5f},{zone.lon:.5f}.",
        ),
        KeyEntry(
            "dot",
            COLOUR_A,
            f"{who}: reported position, numbered in time order",
            f"Blue dots: {who}'s reported positions in this visit, numbered in time order.",
        ),
        KeyEntry(
            "ring",
            COLOUR_CLOSEST,
            "the closest approach",
            "Black ring: the position closest to the zone's centre.",
        ),
        *_uncertainty_key(spots),
    ]
    lines = [title, *_key_words(key), _zone_words(timezone)]
    lines.append(
        "Last seen outside before: "
        + (
            _stamp(the_visit.last_seen_before, tz)
            if the_visit.last_seen_before
            else "no earlier sighting"
        )
        + "; first seen outside after: "
        + (
            _stamp(the_visit.first_seen_after, tz)
            if the_visit.first_seen_after
            else "no later sighting"
        )
        + "."
    )
    for number, sighting in enumerate(the_visit.sightings, start=1):
        lines.append(_sighting_words(number, sighting, tz, sighting == the_visit.closest))
    scene = Scene(title, spots, key, zone=ZoneShape(zone.lat, zone.lon, zone.radius_m))
    return _finish(scene, lines, tiles, width_px, height_px)


def _finish(
    scene: Scene, lines: list[str], tiles: TileSet | None, width_px: int, height_px: int
) -> MapImage:
    drawn = canvas.draw(scene, tiles, width_px, height_px)
    attribution = tiles.attribution if (drawn.basemap and tiles is not None) else ""
    if drawn.basemap:
        packs = ", ".join(drawn.packs)
        lines.append(
            f"Base map: tile pack {packs}"
            + (f"; map data {attribution}." if attribution else "; no attribution given.")
        )
    else:
        lines.append("No map tiles cover this area: drawn on a latitude/longitude grid.")
    lines.append(CAVEAT)
    return MapImage(drawn.png, width_px, height_px, drawn.basemap, attribution, lines, drawn.view)


def _event_spots(events: list[Event], cells: Mapping[Key, CellSector]) -> list[Spot]:
    """One spot per distinct reported position per subject, labelled with its event numbers
    (a fix paired with several of the other's is drawn once)."""
    numbers: dict[tuple[str, float, float, float | None, Wedge | None], list[int]] = {}
    for number, e in enumerate(events, start=1):
        for side, lat, lon, radius, method, key in (
            ("a", e.a_lat, e.a_lon, e.a_radius_m, e.a_method, (e.a_source, e.a_row)),
            ("b", e.b_lat, e.b_lon, e.b_radius_m, e.b_method, (e.b_source, e.b_row)),
        ):
            wedge = _wedge(cells.get(key), radius) if method == "cell" else None
            numbers.setdefault((side, lat, lon, radius, wedge), []).append(number)
    # Shapes differ per report, but one place gets one label listing every event there.
    at_place: dict[tuple[str, float, float], list[int]] = {}
    for (side, lat, lon, _r, _w), ns in numbers.items():
        at_place.setdefault((side, lat, lon), []).extend(ns)
    spots = []
    for (side, lat, lon, radius, wedge), _ns in numbers.items():
        place = at_place.pop((side, lat, lon), None)
        label = _numbers(sorted(place)) if place else ""
        spots.append(_spot(lat, lon, radius, COLOUR_A if side == "a" else COLOUR_B, label, wedge))
    return spots


def _wedge(cell: CellSector | None, radius_m: float | None) -> Wedge | None:
    if cell is None or cell.azimuth_deg is None or cell.beamwidth_deg is None:
        return None
    reach = cell.range_m if cell.range_m is not None else radius_m
    if reach is None or reach <= 0:
        return None
    return Wedge(cell.azimuth_deg, cell.beamwidth_deg, reach)


def _spot(
    lat: float,
    lon: float,
    radius_m: float | None,
    colour: RGB,
    label: str,
    wedge: Wedge | None,
    highlight: bool = False,
) -> Spot:
    return Spot(lat, lon, colour, label, radius_m, wedge, highlight)


def _numbers(ns: list[int]) -> str:
    if len(ns) <= 3:
        return ",".join(map(str, ns))
    if ns == list(range(ns[0], ns[-1] + 1)):
        return f"{ns[0]}-{ns[-1]}"
    return f"{ns[0]},{ns[1]},..."


def _links(events: list[Event]) -> list[Link]:
    pairs = {((e.a_lat, e.a_lon), (e.b_lat, e.b_lon)) for e in events}
    return [Link(a, b) for a, b in sorted(pairs)]


def _uncertainty_key(spots: list[Spot]) -> list[KeyEntry]:
    entries = []
    if any(s.radius_m and s.wedge is None for s in spots):
        entries.append(
            KeyEntry(
                "circle",
                COLOUR_LINK,
                "reported uncertainty, to scale",
                "Shaded circles: each position's reported uncertainty radius, drawn to scale.",
            )
        )
    if any(s.wedge for s in spots):
        entries.append(
            KeyEntry(
                "wedge",
                COLOUR_LINK,
                "serving cell's sector (the dot is the mast)",
                "Shaded wedges: for a position from a call record, the serving cell's sector "
                "(azimuth, beamwidth, range from the cell list); the dot is the mast, not the "
                "phone.",
            )
        )
    if any(s.radius_m is None and s.wedge is None for s in spots):
        entries.append(
            KeyEntry(
                "none",
                COLOUR_LINK,
                "no circle: uncertainty not reported",
                "A dot with no circle: its source reported no uncertainty, so it is unknown, "
                "not zero.",
            )
        )
    return entries


def _key_words(key: list[KeyEntry]) -> list[str]:
    return [entry.sentence for entry in key]


def _zone_words(timezone: str) -> str:
    return f"Times are local to {timezone} (clock time there, summer time included)."


def _day(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %d %b %Y")


def _clock(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M:%S %Z")


def _stamp(moment: datetime, tz: ZoneInfo) -> str:
    return f"{_day(moment, tz)} {_clock(moment, tz)}"


def _until(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """The end time, with its date when it falls on a later local day than the start."""
    same_day = start.astimezone(tz).date() == end.astimezone(tz).date()
    return _clock(end, tz) if same_day else _stamp(end, tz)


def _radius(radius_m: float | None, method: str) -> str:
    within = f"within {radius_m:,.0f} m" if radius_m is not None else "uncertainty not reported"
    return f"{shown(method)}, {within}"


def _event_words(number: int, e: Event, a: str, b: str, tz: ZoneInfo) -> str:
    return (
        f"{number}. {_clock(e.time, tz)}: {a} at {e.a_lat:.5f},{e.a_lon:.5f} "
        f"({_radius(e.a_radius_m, e.a_method)}; {shown(e.a_source.exhibit)} row {e.a_row}, "
        f"{_clock(e.a_time, tz)}); {b} at {e.b_lat:.5f},{e.b_lon:.5f} "
        f"({_radius(e.b_radius_m, e.b_method)}; {shown(e.b_source.exhibit)} row {e.b_row}, "
        f"{_clock(e.b_time, tz)}); {e.distance_m:,.0f} m apart; grade {e.grade}."
    )


def _sighting_words(number: int, s: Sighting, tz: ZoneInfo, closest: bool) -> str:
    return (
        f"{number}. {_clock(s.time, tz)}: at {s.lat:.5f},{s.lon:.5f} "
        f"({_radius(s.radius_m, s.method)}; {shown(s.source.exhibit)} row {s.row}); "
        f"{s.distance_m:,.0f} m from the centre; grade {s.grade}"
        + ("; the closest approach." if closest else ".")
    )
