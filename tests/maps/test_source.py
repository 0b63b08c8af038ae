"""The tile source staticmap draws from: local packs only, never a URL; a missing or broken
tile is blank, never a failure."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from appliance.maps.render import occasion_map
from appliance.maps.source import decode_tile, offline_map
from appliance.maps.tiles import TileSet, inspect

from .conftest import colocation, event, make_mbtiles, near, png_tile

PLACE = (51.5416, -0.1022)


def tile_of(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    from appliance.maps.geo import lat_to_y, lon_to_x

    return int(lon_to_x(lon, zoom)), int(lat_to_y(lat, zoom))


def one_event_map(tiles: TileSet | None) -> Any:
    return occasion_map(
        colocation([event(1, PLACE, (PLACE[0] + 0.0005, PLACE[1]))]),
        1,
        timezone="Europe/London",
        tiles=tiles,
    )


def magenta_pack(tmp_path: Path) -> TileSet:
    tiles = []
    for zoom in range(14, 18):
        x, y = tile_of(*PLACE, zoom)
        tiles += [
            (zoom, x + dx, y + dy, png_tile((255, 0, 255)))
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
        ]
    return TileSet([inspect(make_mbtiles(tmp_path / "m.mbtiles", tiles), "m")])


def test_drawing_a_map_opens_no_socket(tmp_path: Path, no_network: list[Any]) -> None:
    with magenta_pack(tmp_path) as tiles:
        one_event_map(tiles)
    assert no_network == []


def test_the_url_path_of_staticmap_refuses(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="never fetches"):
        offline_map(100, 100, 0, None).get("https://tile.openstreetmap.org/1/0/0.png")


def test_tiles_from_a_pack_are_drawn(tmp_path: Path) -> None:
    with magenta_pack(tmp_path) as tiles:
        image = Image.open(io.BytesIO(one_event_map(tiles).png)).convert("RGB")
    assert near(image.getpixel((600, 120)), (255, 0, 255))


def test_missing_tiles_are_blank(tmp_path: Path) -> None:
    far = make_mbtiles(tmp_path / "far.mbtiles", [(16, 0, 0, png_tile((255, 0, 255)))])
    with TileSet([inspect(far, "far")]) as tiles:
        result = one_event_map(tiles)
    assert result.basemap is False


def test_a_broken_tile_is_blank(tmp_path: Path) -> None:
    tiles = []
    for zoom in range(14, 18):
        x, y = tile_of(*PLACE, zoom)
        tiles += [
            (zoom, x + dx, y + dy, b"\x89PNG\r\n\x1a\nbroken")
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
        ]
    with TileSet([inspect(make_mbtiles(tmp_path / "b.mbtiles", tiles), "b")]) as ts:
        image = Image.open(io.BytesIO(one_event_map(ts).png)).convert("RGB")
    assert not near(image.getpixel((600, 120)), (255, 0, 255))


def test_a_huge_image_in_a_tile_is_not_decoded() -> None:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")  # small file, 400 megapixels
    assert decode_tile(out.getvalue()) is None


def test_a_512_pixel_tile_is_reduced_to_the_map_tile_size() -> None:
    tile = decode_tile(png_tile((1, 2, 3), size=512))
    assert tile is not None and tile.size == (256, 256)


def test_importing_the_map_code_loads_no_network_library() -> None:
    # staticmap brings requests, whose urllib3 binds a socket at import; the USB intake imports
    # the whole package under a unit that allows no socket (tests/units/test_sandbox.py).
    import subprocess
    import sys

    code = (
        "import sys, appliance.maps.render, appliance.maps.build, appliance.maps.install; "
        "print(sorted(m for m in ('staticmap', 'requests', 'urllib3') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
