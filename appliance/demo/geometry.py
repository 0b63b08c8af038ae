"""The generator's own geometry: distances, bearings, offsets and road-like routes.

Not the analyses' yardstick: the demo is checked against the analyses, so it keeps its own."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0

LatLon = tuple[float, float]


def distance_m(a: LatLon, b: LatLon) -> float:
    """Great-circle (haversine) distance; the generator's own yardstick, not the analysis'."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def bearing(a: LatLon, b: LatLon) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.degrees(math.atan2(y, x)) % 360


def offset(p: LatLon, bearing_deg: float, metres: float) -> LatLon:
    """The point ``metres`` from ``p`` on ``bearing_deg`` (flat-earth; fine below a few km)."""
    b = math.radians(bearing_deg)
    dlat = metres * math.cos(b) / M_PER_DEG
    dlon = metres * math.sin(b) / (M_PER_DEG * math.cos(math.radians(p[0])))
    return (p[0] + dlat, p[1] + dlon)


def jitter(p: LatLon, sigma_m: float, rng: random.Random) -> LatLon:
    north, east = rng.gauss(0, sigma_m), rng.gauss(0, sigma_m)
    return (p[0] + north / M_PER_DEG, p[1] + east / (M_PER_DEG * math.cos(math.radians(p[0]))))


def wiggly_line(a: LatLon, b: LatLon, rng: random.Random, wiggle: float) -> list[LatLon]:
    """A road-like polyline from a to b: a smooth sideways bend plus small kinks, ends fixed."""
    length = distance_m(a, b)
    n = max(2, min(60, int(length / 200)))
    coslat = math.cos(math.radians(a[0]))
    east, north = (b[1] - a[1]) * coslat * M_PER_DEG, (b[0] - a[0]) * M_PER_DEG
    norm = math.hypot(east, north) or 1.0
    side_e, side_n = -north / norm, east / norm
    cap = 2 * wiggle * length
    amp1 = max(-cap, min(cap, rng.gauss(0, wiggle * length)))
    amp2 = max(-cap / 2, min(cap / 2, rng.gauss(0, wiggle * length / 2)))
    points = [a]
    for i in range(1, n):
        f = i / n
        bend = amp1 * math.sin(math.pi * f) + amp2 * math.sin(2 * math.pi * f)
        bend += rng.gauss(0, 15) * math.sin(math.pi * f)
        lat = a[0] + (b[0] - a[0]) * f + bend * side_n / M_PER_DEG
        lon = a[1] + (b[1] - a[1]) * f + bend * side_e / (M_PER_DEG * coslat)
        points.append((lat, lon))
    points.append(b)
    return points


class Route:
    """A polyline travelled at an uneven pace (lights, junctions): position by time fraction."""

    def __init__(self, points: Sequence[LatLon], rng: random.Random) -> None:
        self.points = list(points)
        segments = [distance_m(p, q) for p, q in zip(self.points, self.points[1:], strict=False)]
        self.length_m = sum(segments)
        weights = [s * rng.uniform(0.6, 1.6) for s in segments]
        total = sum(weights) or 1.0
        fractions, acc = [0.0], 0.0
        for w in weights:
            acc += w
            fractions.append(acc / total)
        self.fractions = fractions

    def at(self, f: float) -> LatLon:
        if f <= 0:
            return self.points[0]
        if f >= 1:
            return self.points[-1]
        i = min(bisect_right(self.fractions, f) - 1, len(self.points) - 2)
        f0, f1 = self.fractions[i], self.fractions[i + 1]
        u = (f - f0) / (f1 - f0) if f1 > f0 else 0.0
        (lat0, lon0), (lat1, lon1) = self.points[i], self.points[i + 1]
        return (lat0 + (lat1 - lat0) * u, lon0 + (lon1 - lon0) * u)
