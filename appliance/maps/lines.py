"""Reading a line network for the base map from GeoJSON or TopoJSON: transit lines, for
example, derived from OpenStreetMap and published as a small file (the London Underground
lines in ``vega-datasets``, drawn under the demo case's maps).

Each LineString or MultiLineString becomes a ``transit`` feature whose kind is its line name
(a ``name``, ``line`` or ``id``; ``style.TRANSIT`` gives known lines their colours). Other
geometries are skipped and counted. TopoJSON arcs are decoded as the specification says:
delta-encoded when the topology is quantized, an arc index ``~i`` meaning arc ``i`` reversed,
and the shared point where two arcs meet kept once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from appliance.errors import MapDataUnreadable
from appliance.maps.osm import Feature, Point, world

SUFFIXES = (".json", ".geojson", ".topojson")
MAX_BYTES = 64 * 1024 * 1024  # a city's lines are kilobytes; this refuses a stray dump
LAYER = "transit"

Progress = Callable[[str], None]


def is_lines_file(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def read(path: Path, progress: Progress = lambda _m: None) -> list[Feature]:
    """Every line in ``path`` (GeoJSON or TopoJSON), in file order, in Web Mercator units."""
    document = _load(path)
    kind = document.get("type") if isinstance(document, dict) else None
    try:
        if kind == "Topology":
            geometries = list(_topology(document))
        elif kind in ("FeatureCollection", "Feature", "LineString", "MultiLineString"):
            geometries = list(_geojson(document))
        else:
            raise MapDataUnreadable(
                f"{path.name} is JSON but neither GeoJSON nor TopoJSON (type {kind!r}).",
                "Give a GeoJSON FeatureCollection or a TopoJSON Topology of lines.",
            )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise MapDataUnreadable(
            f"{path.name} is not well-formed {kind}: {type(exc).__name__} {exc}.",
            "Check the file is complete; nothing was built from it.",
        ) from None
    features: list[Feature] = []
    skipped = 0
    for number, (name, lines) in enumerate(geometries, start=1):
        parts = tuple(tuple(world(lon, lat) for lon, lat in line) for line in lines)
        parts = tuple(part for part in parts if len(part) >= 2)
        if name is None or not parts:
            skipped += 1
            continue
        features.extend(Feature(LAYER, name, (part,), -number) for part in parts)
    progress(f"read {len(features):,} line(s) from {path.name}; {skipped:,} other item(s) skipped")
    if not features:
        raise MapDataUnreadable(
            f"{path.name} holds no lines to draw.",
            "Give a file of LineString or MultiLineString geometries.",
        )
    return features


def _load(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise MapDataUnreadable(
                f"{path.name} is {size:,} bytes, more than a line network needs "
                f"({MAX_BYTES:,} at most).",
                "Cut the file to the area wanted.",
            )
        return json.loads(path.read_bytes())
    except OSError as exc:
        raise MapDataUnreadable(
            f"cannot read {path}: {exc.strerror}.", "Check the path and try again."
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise MapDataUnreadable(
            f"{path.name} is not JSON ({exc}).", "Give a GeoJSON or TopoJSON file."
        ) from None


Lines = list[list[tuple[float, float]]]


def _name(item: dict[str, Any]) -> str | None:
    properties = item.get("properties") or {}
    for value in (properties.get("name"), properties.get("line"), item.get("id")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _lines(geometry: dict[str, Any], coordinates: Any) -> Lines | None:
    kind = geometry.get("type")
    if kind == "LineString":
        return [_positions(coordinates)]
    if kind == "MultiLineString":
        return [_positions(line) for line in coordinates]
    return None


def _positions(line: Any) -> list[tuple[float, float]]:
    points = [(float(p[0]), float(p[1])) for p in line]
    for lon, lat in points:
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180):
            raise ValueError(f"position ({lon}, {lat}) is not a longitude and latitude")
        if not -90 <= lat <= 90:
            raise ValueError(f"position ({lon}, {lat}) is not a longitude and latitude")
    return points


def _geojson(document: dict[str, Any]) -> Iterable[tuple[str | None, Lines]]:
    if document["type"] == "FeatureCollection":
        items = document["features"]
    elif document["type"] == "Feature":
        items = [document]
    else:
        items = [{"type": "Feature", "geometry": document, "properties": {}}]
    for item in items:
        geometry = item.get("geometry") or {}
        lines = _lines(geometry, geometry.get("coordinates"))
        yield _name(item), lines or []


def _topology(document: dict[str, Any]) -> Iterable[tuple[str | None, Lines]]:
    arcs = _arcs(document["arcs"], document.get("transform"))

    def arc(index: int) -> list[tuple[float, float]]:
        # ~i (that is -i - 1) is arc i walked backwards.
        return arcs[index] if index >= 0 else arcs[~index][::-1]

    def joined(indexes: list[int]) -> list[tuple[float, float]]:
        line: list[tuple[float, float]] = []
        for k, index in enumerate(indexes):
            points = arc(int(index))
            line.extend(points if k == 0 else points[1:])  # arcs share their meeting point
        return _positions(line)

    for obj in document["objects"].values():
        members = obj.get("geometries", []) if obj.get("type") == "GeometryCollection" else [obj]
        for member in members:
            kind = member.get("type")
            if kind == "LineString":
                yield _name(member), [joined(member["arcs"])]
            elif kind == "MultiLineString":
                yield _name(member), [joined(part) for part in member["arcs"]]
            else:
                yield None, []


def _arcs(raw: list[list[list[float]]], transform: Any) -> list[list[tuple[float, float]]]:
    if not transform:
        return [[(float(p[0]), float(p[1])) for p in arc] for arc in raw]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    decoded: list[list[tuple[float, float]]] = []
    for arc in raw:
        x = y = 0.0
        points = []
        for p in arc:
            x, y = x + p[0], y + p[1]  # quantized positions are differences from the last
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


__all__ = ["LAYER", "SUFFIXES", "Point", "is_lines_file", "read"]
