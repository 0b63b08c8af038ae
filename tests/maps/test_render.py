"""Occasion and visit maps: marks where the positions are, uncertainty to scale, the grid when
no tiles cover the area, plain words in the legend, and the same bytes every time."""

from __future__ import annotations

import io
import math
from typing import Any

import pytest
from PIL import Image

from appliance.analyses.breach import Zone
from appliance.analyses.cell_sectors import CellSector
from appliance.errors import UsageError
from appliance.maps.geo import destination
from appliance.maps.render import MapImage, occasion_map, visit_map
from appliance.maps.scene import COLOUR_A, COLOUR_B, COLOUR_CLOSEST, COLOUR_ZONE
from appliance.maps.tiles import TileSet

from .conftest import CDR, HELSINKI, breaches, colocation, event, near

A = (51.5416, -0.1022)
B = (51.5425, -0.1010)


def pixels(result: MapImage) -> Any:
    return Image.open(io.BytesIO(result.png)).convert("RGB")


def at(result: MapImage, lat: float, lon: float) -> tuple[int, int, int]:
    x, y = result.pixel(lat, lon)
    value: tuple[int, int, int] = pixels(result).getpixel((math.floor(x), math.floor(y)))
    return value


def tinted_orange(pixel: tuple[int, int, int]) -> bool:
    return pixel[0] - pixel[2] > 25


def simple(**kwargs: Any) -> MapImage:
    return occasion_map(
        colocation([event(1, A, B, **kwargs)]), 1, timezone="Europe/London", tiles=None
    )


def test_the_first_subject_is_drawn_at_its_position() -> None:
    result = simple()
    assert near(at(result, *A), COLOUR_A)


def test_the_second_subject_is_drawn_at_its_position() -> None:
    result = simple()
    assert near(at(result, *B), COLOUR_B)


def test_without_tiles_the_map_is_drawn_on_the_grid() -> None:
    result = simple()
    assert (result.basemap, result.attribution) == (False, "")


def test_the_grid_map_says_so_in_its_legend() -> None:
    assert "No map tiles cover this area: drawn on a latitude/longitude grid." in simple().legend


def test_the_same_input_gives_the_same_bytes() -> None:
    assert simple().png == simple().png


def test_the_map_is_a_palette_png_of_the_size_asked() -> None:
    result = occasion_map(
        colocation([event(1, A, B)]), 1, timezone="UTC", tiles=None, width_px=900, height_px=700
    )
    image = Image.open(io.BytesIO(result.png))
    assert (image.format, image.mode, image.size) == ("PNG", "P", (900, 700))


def test_times_are_in_the_case_zone() -> None:
    # 12:01 UTC on 30 July is 13:01 British Summer Time.
    assert any(line.startswith("1. 13:01:00 BST:") for line in simple().legend)


def test_the_legend_says_circles_are_uncertainty_to_scale() -> None:
    assert any("uncertainty radius, drawn to scale" in line for line in simple().legend)


def test_the_legend_says_a_missing_radius_is_unknown_not_zero() -> None:
    assert any("unknown, not zero" in line for line in simple(a_radius=None).legend)


def test_the_legend_says_dots_are_not_where_the_people_were() -> None:
    assert any("not where the people were" in line for line in simple().legend)


def test_each_event_is_traced_to_its_exhibits_and_rows() -> None:
    line = next(x for x in simple().legend if x.startswith("1. "))
    assert ("JS/1 row 11" in line, "JS/2 row 21" in line) == (True, True)


def test_an_uncertainty_circle_is_drawn_to_scale() -> None:
    result = simple(a_radius=150.0)
    inside = destination(*A, 225.0, 150.0 * 0.8)
    outside = destination(*A, 225.0, 150.0 * 1.3)
    blue = [at(result, lat, lon) for lon, lat in (inside, outside)]
    assert [p[2] - p[0] > 15 for p in blue] == [True, False]


def test_a_cell_position_is_drawn_as_its_sector() -> None:
    cells = {(CDR, 21): CellSector("234-30-1-2", B[0], B[1], 600.0, 90.0, 60.0)}
    result = occasion_map(
        colocation([event(1, A, B, b_radius=600.0, b_method="cell")]),
        1,
        timezone="Europe/London",
        tiles=None,
        cells=cells,
    )
    facing, behind = destination(*B, 90.0, 400.0), destination(*B, 270.0, 400.0)
    assert [tinted_orange(at(result, lat, lon)) for lon, lat in (facing, behind)] == [True, False]


def test_a_cell_position_without_a_known_sector_gets_its_range_as_a_circle() -> None:
    result = occasion_map(
        colocation([event(1, A, B, b_radius=600.0, b_method="cell")]),
        1,
        timezone="Europe/London",
        tiles=None,
    )
    lon, lat = destination(*B, 270.0, 400.0)
    assert tinted_orange(at(result, lat, lon))


def test_events_are_numbered_in_the_legend_in_time_order() -> None:
    events = [event(n, A, B) for n in (1, 2, 3)]
    result = occasion_map(colocation(events), 1, timezone="UTC", tiles=None)
    numbers = [line.split(".")[0] for line in result.legend if line[:1].isdigit()]
    assert numbers == ["1", "2", "3"]


def test_only_the_occasion_asked_for_is_drawn() -> None:
    far = (51.60, -0.30)
    events = [event(1, A, B), event(2, far, far, occasion=2)]
    result = occasion_map(colocation(events), 1, timezone="UTC", tiles=None)
    x, y = result.pixel(*far)
    assert not (0 <= x < result.width_px and 0 <= y < result.height_px)


def test_an_unknown_occasion_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no occasion 7"):
        occasion_map(colocation([event(1, A, B)]), 7, timezone="UTC", tiles=None)


def test_an_unknown_time_zone_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown time zone"):
        occasion_map(colocation([event(1, A, B)]), 1, timezone="Mars/Olympus", tiles=None)


def test_a_map_too_small_to_read_is_refused() -> None:
    with pytest.raises(UsageError, match="too small"):
        occasion_map(colocation([event(1, A, B)]), 1, timezone="UTC", tiles=None, width_px=300)


def test_hostile_names_are_shown_escaped() -> None:
    result = occasion_map(
        colocation([event(1, A, B)], a="evil\x1b[2J\u202e"), 1, timezone="UTC", tiles=None
    )
    assert ("\\x1b[2J\\u202e" in result.legend[0], "\x1b" in "".join(result.legend)) == (
        True,
        False,
    )


def test_a_map_on_a_real_basemap_credits_openstreetmap(helsinki_tiles: TileSet) -> None:
    here = (HELSINKI[0] + 0.001, HELSINKI[1] + 0.001)
    result = occasion_map(
        colocation([event(1, HELSINKI, here)]), 1, timezone="Europe/Helsinki", tiles=helsinki_tiles
    )
    assert (result.basemap, result.attribution) == (True, "© OpenStreetMap contributors, ODbL")


def test_markers_keep_their_colour_on_a_real_basemap(helsinki_tiles: TileSet) -> None:
    here = (HELSINKI[0] + 0.001, HELSINKI[1] + 0.001)
    result = occasion_map(
        colocation([event(1, HELSINKI, here)]), 1, timezone="Europe/Helsinki", tiles=helsinki_tiles
    )
    assert near(at(result, *HELSINKI), COLOUR_A)


def zone_map() -> MapImage:
    zone = Zone(A[0], A[1], 200.0)
    inside = [destination(*A, 45.0, d) for d in (150.0, 60.0, 120.0)]
    return visit_map(
        breaches([(lat, lon) for lon, lat in inside], zone),
        1,
        timezone="Europe/London",
        tiles=None,
    )


def test_the_zone_is_drawn_at_its_radius() -> None:
    lon, lat = destination(*A, 180.0, 200.0)
    assert near(at(zone_map(), lat, lon), COLOUR_ZONE, tolerance=12)


def test_the_closest_approach_is_ringed() -> None:
    result = zone_map()
    lon, lat = destination(*A, 45.0, 150.0)  # the first sighting: the fixture's closest
    x, y = result.pixel(lat, lon)
    ring = pixels(result).getpixel((math.floor(x), math.floor(y) - 12))
    assert near(ring, COLOUR_CLOSEST, tolerance=90)


def test_the_visit_legend_gives_the_zone_in_words() -> None:
    assert any(
        "exclusion zone, 200 m around the red cross at 51.54160,-0.10220" in line
        for line in zone_map().legend
    )


def test_an_unknown_visit_is_a_usage_error() -> None:
    zone = Zone(A[0], A[1], 200.0)
    with pytest.raises(UsageError, match="no visit 2"):
        visit_map(breaches([A], zone), 2, timezone="UTC", tiles=None)


def test_the_scale_bar_length_is_a_round_distance() -> None:
    from appliance.maps.canvas import nice_length

    assert [nice_length(v) for v in (0.9 * 1000, 345.0, 7.2, 2600.0)] == [
        500.0,
        200.0,
        5.0,
        2000.0,
    ]


def test_projection_round_trips() -> None:
    result = simple()
    assert result.view is not None
    lon, lat = result.view.to_lonlat(*result.view.to_px(A[1], A[0]))
    assert math.isclose(lat, A[0], abs_tol=1e-9) and math.isclose(lon, A[1], abs_tol=1e-9)


def test_an_occasion_past_midnight_gives_its_end_date() -> None:
    import dataclasses
    from datetime import UTC, datetime

    late = dataclasses.replace(event(1, A, B), time=datetime(2024, 7, 30, 23, 59, tzinfo=UTC))
    later = dataclasses.replace(event(2, A, B), time=datetime(2024, 7, 31, 0, 1, tzinfo=UTC))
    result = occasion_map(colocation([late, later]), 1, timezone="UTC", tiles=None)
    assert "to Wed 31 Jul 2024 00:01:00 UTC (UTC)" in result.legend[0]
