"""Reading what a base map draws from OpenStreetMap data (``.osm.pbf`` or ``.osm``), with
pyosmium (libosmium): roads, railways, waterways, water, parks and woods, and buildings.

Geometry is kept in Web Mercator world units (0..1 west to east and north to south), so a tile
at any zoom is a scale and a shift away. Areas come from osmium's area assembler, which builds
closed ways and multipolygon relations alike (a river bank or a park with holes).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import osmium

from appliance.errors import MapDataUnreadable
from appliance.maps.geo import MAX_LAT, x_to_lon, y_to_lat

Point = tuple[float, float]


@dataclass(frozen=True)
class Feature:
    """One thing to draw: its layer and class (see ``style``), and its rings or line."""

    layer: str  # "landuse", "water", "building", "waterway", "railway", "road"
    kind: str  # e.g. "park", "primary"
    parts: tuple[tuple[Point, ...], ...]  # rings, each outer followed by its holes; or a line
    osm_id: int
    outer: tuple[bool, ...] = (True,)  # per part: an outer ring (True) or a hole (False)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        xs = [p[0] for part in self.parts for p in part]
        ys = [p[1] for part in self.parts for p in part]
        return min(xs), min(ys), max(xs), max(ys)


def extent(features: Iterable[Feature]) -> tuple[float, float, float, float]:
    """West, south, east and north of what ``features`` hold, in degrees."""
    xs = [p[0] for f in features for part in f.parts for p in part]
    ys = [p[1] for f in features for part in f.parts for p in part]
    return x_to_lon(min(xs), 0), y_to_lat(max(ys), 0), x_to_lon(max(xs), 0), y_to_lat(min(ys), 0)


def world(lon: float, lat: float) -> Point:
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    rad = math.radians(lat)
    return (lon + 180.0) / 360.0, (
        1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi
    ) / 2


_GREEN = {
    ("leisure", "park"): "park",
    ("leisure", "garden"): "park",
    ("leisure", "pitch"): "pitch",
    ("leisure", "playground"): "park",
    ("leisure", "recreation_ground"): "park",
    ("landuse", "grass"): "park",
    ("landuse", "recreation_ground"): "park",
    ("landuse", "village_green"): "park",
    ("landuse", "cemetery"): "park",
    ("landuse", "meadow"): "park",
    ("landuse", "allotments"): "park",
    ("landuse", "forest"): "wood",
    ("natural", "wood"): "wood",
    ("natural", "scrub"): "wood",
    ("natural", "grassland"): "park",
}
_WATER_AREAS = {
    ("natural", "water"),
    ("landuse", "reservoir"),
    ("landuse", "basin"),
    ("waterway", "riverbank"),
    ("waterway", "dock"),
}
_ROADS = {
    "motorway": "motorway",
    "motorway_link": "motorway",
    "trunk": "trunk",
    "trunk_link": "trunk",
    "primary": "primary",
    "primary_link": "primary",
    "secondary": "secondary",
    "secondary_link": "secondary",
    "tertiary": "tertiary",
    "tertiary_link": "tertiary",
    "residential": "minor",
    "unclassified": "minor",
    "living_street": "minor",
    "road": "minor",
    "service": "service",
    "pedestrian": "path",
    "footway": "path",
    "path": "path",
    "cycleway": "path",
    "steps": "path",
    "track": "path",
    "bridleway": "path",
}
_RAILWAYS = {"rail", "light_rail", "subway", "tram", "narrow_gauge", "monorail"}
_WATERWAYS = {"river", "stream", "canal", "drain", "ditch"}


class _Collector(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.features: list[Feature] = []

    def way(self, w: Any) -> None:
        tags = w.tags
        highway, railway, waterway = tags.get("highway"), tags.get("railway"), tags.get("waterway")
        if highway in _ROADS and tags.get("area") != "yes":
            self._line(w, "road", _ROADS[highway])
        elif railway in _RAILWAYS:
            self._line(w, "railway", "tram" if railway == "tram" else "rail")
        elif waterway in _WATERWAYS:
            self._line(w, "waterway", "river" if waterway in {"river", "canal"} else "stream")

    def area(self, a: Any) -> None:
        tags = a.tags
        layer_kind = _area_class(tags)
        if layer_kind is None:
            return
        parts: list[tuple[Point, ...]] = []
        flags: list[bool] = []
        try:
            for outer in a.outer_rings():
                parts.append(tuple(world(n.lon, n.lat) for n in outer))
                flags.append(True)
                for inner in a.inner_rings(outer):
                    parts.append(tuple(world(n.lon, n.lat) for n in inner))
                    flags.append(False)
        except osmium.InvalidLocationError:
            return  # a ring with a node outside the extract: not drawable
        if parts:
            self.features.append(Feature(*layer_kind, tuple(parts), a.id, tuple(flags)))

    def _line(self, w: Any, layer: str, kind: str) -> None:
        try:
            line = tuple(world(n.lon, n.lat) for n in w.nodes)
        except osmium.InvalidLocationError:
            line = tuple(world(n.lon, n.lat) for n in w.nodes if n.location.valid())
        if len(line) >= 2:
            self.features.append(Feature(layer, kind, (line,), w.id))


def _area_class(tags: Any) -> tuple[str, str] | None:
    if "building" in tags and tags.get("building") != "no":
        return "building", "building"
    for key in ("natural", "landuse", "waterway"):
        if (key, tags.get(key)) in _WATER_AREAS:
            return "water", "water"
    for key in ("leisure", "landuse", "natural"):
        kind = _GREEN.get((key, tags.get(key, "")))
        if kind:
            return "landuse", kind
    return None


def read(path: Path, progress: Callable[[str], None] = lambda _m: None) -> list[Feature]:
    """Every drawable feature in an OSM file, in a fixed order (layer, id) so that builds are
    byte-for-byte repeatable."""
    if not path.is_file():
        raise MapDataUnreadable(f"{path} is not a file.", "Give an .osm.pbf extract.")
    collector = _Collector()
    try:
        collector.apply_file(str(path), locations=True)
    except (RuntimeError, ValueError) as exc:
        raise MapDataUnreadable(
            f"cannot read {path.name} as OpenStreetMap data ({exc}).",
            "Give an .osm.pbf (or .osm XML) extract, e.g. from a regional download.",
        ) from None
    if not collector.features:
        raise MapDataUnreadable(
            f"{path.name} holds no roads, water, parks, railways or buildings to draw.",
            "Check that it is an extract of the area wanted.",
        )
    progress(f"read {len(collector.features):,} features from {path.name}")
    return sorted(collector.features, key=lambda f: (f.layer, f.kind, f.osm_id, f.parts))
