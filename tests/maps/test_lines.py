"""Line networks for the base map (GeoJSON and TopoJSON), decoded as their specifications say,
drawn in their lines' colours, and refused with a clear error when they are not what they claim.
The real London Underground lines (OpenStreetMap data, fetched by ``make test``) are drawn under
the demo area and checked where the Victoria line runs."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from appliance.errors import MapDataUnreadable
from appliance.maps import lines, style
from appliance.maps.build import build, render_tile
from appliance.maps.geo import x_to_lon, y_to_lat
from appliance.maps.osm import world
from appliance.maps.tiles import TileSet, inspect

from .conftest import near

REPO = Path(__file__).resolve().parents[2]
LONDON_LINES = REPO / ".cache" / "basemap" / "londonTubeLines.json"
# Highbury & Islington station, where the Victoria line runs (and the demo victim lives).
HIGHBURY = (51.5463, -0.1040)


def write(tmp_path: Path, document: Any, name: str = "lines.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def degrees(feature_part: tuple[tuple[float, float], ...]) -> list[tuple[float, float]]:
    return [(round(x_to_lon(x, 0), 9), round(y_to_lat(y, 0), 9)) for x, y in feature_part]


def test_quantized_topojson_arcs_are_decoded_joined_and_reversed(tmp_path: Path) -> None:
    # Arc 0 runs (0,0) -> (2,0) -> (2,1); arc 1 runs (2,1) -> (3,3), both delta-encoded.
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.001, 0.002], "translate": [-0.2, 51.5]},
        "arcs": [[[0, 0], [2, 0], [0, 1]], [[2, 1], [1, 2]]],
        "objects": {
            "line": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "LineString", "arcs": [0, 1], "id": "Victoria"},
                    {"type": "LineString", "arcs": [-2], "id": "Central"},  # ~1: arc 1 reversed
                    {"type": "Point", "coordinates": [0, 0], "id": "a station"},
                ],
            }
        },
    }
    features = lines.read(write(tmp_path, topology))
    assert [(f.layer, f.kind) for f in features] == [
        ("transit", "Victoria"),
        ("transit", "Central"),
    ]

    def at(x: int, y: int) -> tuple[float, float]:
        return (round(-0.2 + 0.001 * x, 9), round(51.5 + 0.002 * y, 9))

    assert degrees(features[0].parts[0]) == [at(0, 0), at(2, 0), at(2, 1), at(3, 3)]
    assert degrees(features[1].parts[0]) == [at(3, 3), at(2, 1)]


def test_geojson_lines_and_multilines_are_named_from_their_properties(tmp_path: Path) -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Northern"},
                "geometry": {"type": "LineString", "coordinates": [[-0.1, 51.5], [-0.11, 51.52]]},
            },
            {
                "type": "Feature",
                "properties": {"line": "DLR"},
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [[[0.0, 51.5], [0.01, 51.5]], [[0.02, 51.5], [0.03, 51.51]]],
                },
            },
            {"type": "Feature", "properties": {}, "geometry": None},
        ],
    }
    features = lines.read(write(tmp_path, collection, "lines.geojson"))
    assert [f.kind for f in features] == ["Northern", "DLR", "DLR"]
    assert degrees(features[2].parts[0]) == [(0.02, 51.5), (0.03, 51.51)]


@given(
    points=st.lists(
        st.tuples(st.integers(-5_000, 5_000), st.integers(-5_000, 5_000)), min_size=2, max_size=30
    )
)
def test_delta_decoding_is_the_running_sum(points: list[tuple[int, int]]) -> None:
    """Any quantized arc: each decoded position is the running sum, scaled and shifted."""
    transform = {"scale": [1e-4, 2e-4], "translate": [-0.5, 51.0]}
    (arc,) = lines._arcs([[list(p) for p in points]], transform)
    x = y = 0
    for (lon, lat), (dx, dy) in zip(arc, points, strict=True):
        x, y = x + dx, y + dy
        assert (lon, lat) == (x * 1e-4 - 0.5, y * 2e-4 + 51.0)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\x89PNG not json", "is not JSON"),
        (b'{"type": "Polygon", "coordinates": []}', "neither GeoJSON nor TopoJSON"),
        (
            b'{"type": "Topology", "arcs": [[[0, 0]]], "objects": {"l": {"type": "LineString"}}}',
            "not well-formed",
        ),
        (
            b'{"type": "LineString", "coordinates": [[0, 0], [0, 95]]}',
            "not well-formed",
        ),
        (b'{"type": "FeatureCollection", "features": []}', "holds no lines"),
    ],
)
def test_what_is_not_a_line_network_is_refused(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "lines.json"
    path.write_bytes(content)
    with pytest.raises(MapDataUnreadable, match=says):
        lines.read(path)


def test_an_oversized_file_is_refused_before_it_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lines, "MAX_BYTES", 100)
    path = write(tmp_path, {"type": "FeatureCollection", "features": [], "pad": "x" * 200})
    with pytest.raises(MapDataUnreadable, match="more than a line network needs"):
        lines.read(path)


def tile_pixel(zoom: int, lat: float, lon: float) -> tuple[int, int]:
    """Where a position falls within its tile at ``zoom``."""
    x, y = world(lon, lat)
    n = 1 << zoom
    return math.floor((x * n % 1) * 256), math.floor((y * n % 1) * 256)


def drawn_near(
    image: Image.Image, px: int, py: int, colour: tuple[int, int, int], reach: int
) -> bool:
    """Some pixel within ``reach`` of (px, py) has the colour (lines are anti-aliased)."""
    return any(
        near(image.getpixel((px + dx, py + dy)), colour, tolerance=12)
        for dx in range(-reach, reach + 1)
        for dy in range(-reach, reach + 1)
        if 0 <= px + dx < image.width and 0 <= py + dy < image.height
    )


def test_a_known_line_is_drawn_in_its_colour_and_an_unknown_one_in_grey(tmp_path: Path) -> None:
    zoom, lat = 16, 51.5  # lines 4 px wide: their middle is their own colour
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {"type": "LineString", "coordinates": [[-0.2, at], [0.2, at]]},
            }
            for name, at in (("Victoria", lat), ("Some tram", lat + 0.0005))
        ],
    }
    features = lines.read(write(tmp_path, collection))
    x, y = world(-0.1, lat)
    n = 1 << zoom
    png = render_tile(features, zoom, math.floor(x * n), math.floor(y * n))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    px, py = tile_pixel(zoom, lat, -0.1)
    gx, gy = tile_pixel(zoom, lat + 0.0005, -0.1)
    assert drawn_near(image, px, py, style.TRANSIT["Victoria"], 2)
    assert drawn_near(image, gx, gy, style.TRANSIT_OTHER, 2)
    assert not drawn_near(image, gx, gy, style.TRANSIT["Victoria"], 2)
    assert near(image.getpixel((px, (py + gy) // 2)), style.LAND, tolerance=4)


@pytest.mark.skipif(
    not LONDON_LINES.exists(),
    reason=f"{LONDON_LINES} is absent: `make test` fetches it from the npm registry",
)
def test_the_real_underground_lines_are_drawn_under_the_demo_area(tmp_path: Path) -> None:
    credit = "Underground lines © OpenStreetMap contributors, ODbL (via vega-datasets)"
    built = build(
        LONDON_LINES,
        tmp_path / "london.mbtiles",
        zooms=(15, 15),
        bbox=(-0.12, 51.54, -0.09, 51.55),
        attribution=credit,
    )
    assert built.features > 300  # 394 line pieces between stations, 12 lines
    info = inspect(built.info.path, "london")
    assert info.attribution == credit
    x, y = world(HIGHBURY[1], HIGHBURY[0])
    n = 1 << 15
    with TileSet([info]) as tiles:
        found = tiles.tile(15, math.floor(x * n), math.floor(y * n))
    assert found is not None
    png = found[1]
    image = Image.open(io.BytesIO(png)).convert("RGB")
    px, py = tile_pixel(15, *HIGHBURY)
    assert drawn_near(image, px, py, style.TRANSIT["Victoria"], 12)  # within about 50 m
    assert not drawn_near(image, px, py, style.TRANSIT["Central"], 12)
