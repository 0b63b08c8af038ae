"""Web Mercator tile arithmetic and the shapes drawn around positions.

Tiles and maps use the Web Mercator projection of slippy maps (EPSG:3857), north up. Circles and
sectors are traced on a sphere of the WGS84 mean radius: over the few kilometres a map shows,
that differs from the ellipsoid by well under one per cent of the radius, far less than a
pixel's width at the zooms a map is drawn at, and the map states that positions are reported,
not measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # WGS84 mean radius (IUGG R1)
EQUATOR_M = 2 * math.pi * 6_378_137.0  # the Web Mercator sphere's circumference
MAX_LAT = 85.0511287798  # where Web Mercator's square world ends

LonLat = tuple[float, float]


def lon_to_x(lon: float, zoom: int) -> float:
    """Tile column (fractional) of a longitude at ``zoom``."""
    return (lon + 180.0) / 360.0 * (1 << zoom)


def lat_to_y(lat: float, zoom: int) -> float:
    """Tile row (fractional, XYZ: 0 at the north edge) of a latitude at ``zoom``."""
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    rad = math.radians(lat)
    return (1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * (1 << zoom)


def x_to_lon(x: float, zoom: int) -> float:
    return x / (1 << zoom) * 360.0 - 180.0


def y_to_lat(y: float, zoom: int) -> float:
    n = math.pi - 2.0 * math.pi * y / (1 << zoom)
    return math.degrees(math.atan(math.sinh(n)))


def metres_per_pixel(lat: float, zoom: int, tile_size: int = 256) -> float:
    """Ground metres per map pixel at a latitude (Web Mercator's scale grows away from the
    equator; over a city-sized map the change is a fraction of a per cent)."""
    return EQUATOR_M * math.cos(math.radians(lat)) / (tile_size * (1 << zoom))


def destination(lat: float, lon: float, bearing_deg: float, distance_m: float) -> LonLat:
    """The point ``distance_m`` from (lat, lon) along ``bearing_deg`` (clockwise from north)."""
    phi1, lam1 = math.radians(lat), math.radians(lon)
    theta, delta = math.radians(bearing_deg), distance_m / EARTH_RADIUS_M
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lam2 = lam1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return (math.degrees(lam2) + 540.0) % 360.0 - 180.0, math.degrees(phi2)


def circle(lat: float, lon: float, radius_m: float, steps: int = 72) -> list[LonLat]:
    """A closed ring of (lon, lat) points ``radius_m`` around a position."""
    ring = [destination(lat, lon, 360.0 * i / steps, radius_m) for i in range(steps)]
    return [*ring, ring[0]]


def sector(
    lat: float, lon: float, azimuth_deg: float, beamwidth_deg: float, range_m: float
) -> list[LonLat]:
    """A closed wedge: from the mast out to ``range_m``, ``beamwidth_deg`` wide about the
    azimuth. A beamwidth of 360 degrees or more is the whole circle."""
    if beamwidth_deg >= 360.0:
        return circle(lat, lon, range_m)
    start = azimuth_deg - beamwidth_deg / 2.0
    steps = max(2, math.ceil(beamwidth_deg / 5.0))
    arc = [
        destination(lat, lon, start + beamwidth_deg * i / steps, range_m) for i in range(steps + 1)
    ]
    return [(lon, lat), *arc, (lon, lat)]


@dataclass(frozen=True)
class View:
    """Where the map's pixels are: a zoom and the tile coordinates of the image's centre."""

    zoom: int
    x_center: float
    y_center: float
    width_px: int
    height_px: int
    tile_size: int = 256

    def to_px(self, lon: float, lat: float) -> tuple[float, float]:
        """Image pixel of a position (staticmap's own placement, unrounded)."""
        x = (lon_to_x(lon, self.zoom) - self.x_center) * self.tile_size + self.width_px / 2
        y = (lat_to_y(lat, self.zoom) - self.y_center) * self.tile_size + self.height_px / 2
        return x, y

    def to_lonlat(self, px: float, py: float) -> LonLat:
        x = (px - self.width_px / 2) / self.tile_size + self.x_center
        y = (py - self.height_px / 2) / self.tile_size + self.y_center
        return x_to_lon(x, self.zoom), y_to_lat(y, self.zoom)

    @property
    def centre_lat(self) -> float:
        return y_to_lat(self.y_center, self.zoom)

    def metres_per_pixel(self) -> float:
        return metres_per_pixel(self.centre_lat, self.zoom, self.tile_size)
