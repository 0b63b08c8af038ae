"""A structural check of GeoJSON against RFC 7946, for the types the exports write.

Written for these tests (no schema package is pinned): every rule it applies is a MUST of the
RFC for FeatureCollection, Feature, Point and LineString; positions are [longitude, latitude]
with longitude in [-180, 180] and latitude in [-90, 90].
"""

from __future__ import annotations

from typing import Any


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def position_problems(position: Any, where: str) -> list[str]:
    if not isinstance(position, list) or len(position) not in (2, 3):
        return [f"{where}: a position is an array of 2 or 3 numbers, not {position!r}"]
    if not all(_number(v) for v in position):
        return [f"{where}: a position holds numbers only, not {position!r}"]
    lon, lat = position[0], position[1]
    problems = []
    if not -180 <= lon <= 180:
        problems.append(f"{where}: longitude {lon} out of range (lat and lon swapped?)")
    if not -90 <= lat <= 90:
        problems.append(f"{where}: latitude {lat} out of range (lat and lon swapped?)")
    return problems


def geometry_problems(geometry: Any, where: str) -> list[str]:
    if not isinstance(geometry, dict):
        return [f"{where}: geometry must be an object"]
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point":
        return position_problems(coordinates, where)
    if kind == "LineString":
        if not isinstance(coordinates, list) or len(coordinates) < 2:
            return [f"{where}: a LineString needs two or more positions"]
        return [p for i, c in enumerate(coordinates) for p in position_problems(c, f"{where}[{i}]")]
    return [f"{where}: unexpected geometry type {kind!r}"]


def problems(document: Any) -> list[str]:
    """Every way ``document`` breaks RFC 7946 (for the types checked); empty when valid."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return ["the top level must be a FeatureCollection object"]
    if "crs" in document:
        return ["RFC 7946 removed the crs member"]
    features = document.get("features")
    if not isinstance(features, list):
        return ["a FeatureCollection has a features array"]
    found = []
    for i, feature in enumerate(features):
        where = f"feature {i}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            found.append(f"{where}: not a Feature")
            continue
        if "geometry" not in feature or "properties" not in feature:
            found.append(f"{where}: a Feature has geometry and properties members")
            continue
        if not (feature["properties"] is None or isinstance(feature["properties"], dict)):
            found.append(f"{where}: properties must be an object or null")
        found.extend(geometry_problems(feature["geometry"], where))
    return found
