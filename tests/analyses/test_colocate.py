"""Co-location (DESIGN §6) against the brute-force reference, on random and on built data.

Every example goes through the real path: location CSV files on disk, the real loader, the
encrypted case database, the product's SQL. Events are compared as (a_row, b_row) pairs: the
1-based data rows of the two subjects' files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from appliance.analyses.colocate import Colocation, Parameters, colocate

from . import reference
from .conftest import (
    BASE_US,
    EXTREMES,
    PLACES,
    SECOND,
    SETTINGS,
    Workbench,
    load_pair,
    moved,
    parameters,
    two_tracks,
    us_of,
)
from .reference import Fix

DISTANCE_SLACK_M = 1e-6  # DuckDB's and Python's GeographicLib agree to about 1e-9 m


# --- the comparison -------------------------------------------------------------------------


def assert_matches_reference(
    result: Colocation, a: Sequence[Fix], b: Sequence[Fix], within: float, window: float, gap: float
) -> None:
    expected = reference.events(a, b, within, window)
    event(f"events: {'none' if not expected else 'few' if len(expected) < 10 else 'many'}")
    event(f"occasions: {min(len(result.occasions), 3)}")
    got = [(e.a_row, e.b_row) for e in result.events]
    assert len(got) == len(set(got)), "an event is listed twice"
    assert set(got) == expected

    for e in result.events:
        fa, fb = a[e.a_row - 1], b[e.b_row - 1]
        assert (us_of(e.a_time), e.a_lat, e.a_lon) == fa
        assert (us_of(e.b_time), e.b_lat, e.b_lon) == fb
        assert us_of(e.time) == reference.event_time(fa, fb)
        assert e.distance_m == pytest.approx(
            reference.distance_m(fa.lat, fa.lon, fb.lat, fb.lon), abs=DISTANCE_SLACK_M
        )
    times = [us_of(e.time) for e in result.events]
    assert times == sorted(times), "events are not in time order"

    timed = [(reference.event_time(a[i - 1], b[j - 1]), (i, j)) for i, j in expected]
    want = reference.occasions([t for t, _ in timed], gap)
    have = [(us_of(o.start), us_of(o.end), o.events) for o in result.occasions]
    assert have == want
    for occasion, (start, end, _) in zip(result.occasions, want, strict=True):
        inside = [
            reference.distance_m(a[i - 1].lat, a[i - 1].lon, b[j - 1].lat, b[j - 1].lon)
            for t, (i, j) in timed
            if start <= t <= end
        ]
        assert occasion.min_distance_m == pytest.approx(min(inside), abs=DISTANCE_SLACK_M)
    numbers = [e.occasion for e in result.events]
    assert numbers == sorted(numbers)
    assert sorted(set(numbers)) == [o.number for o in result.occasions]
    assert [o.number for o in result.occasions] == list(range(1, len(result.occasions) + 1))


# --- random data ----------------------------------------------------------------------------


@SETTINGS
@given(tracks=two_tracks(), params=st.lists(parameters(), min_size=1, max_size=3))
def test_events_and_occasions_equal_the_reference(
    bench: Workbench,
    tracks: tuple[list[Fix], list[Fix]],
    params: list[tuple[float, float, float]],
) -> None:
    a, b = tracks
    name_a, name_b = load_pair(bench, a, b)
    for within, window, gap in params:
        result = colocate(bench.store, name_a, name_b, Parameters(within, window, gap))
        assert_matches_reference(result, a, b, within, window, gap)


@settings(SETTINGS, max_examples=60)
@given(
    tracks=two_tracks(centres=tuple(EXTREMES.values()), spread_m=1500.0),
    params=st.lists(parameters(), min_size=1, max_size=2),
)
def test_extreme_places_equal_the_reference(
    bench: Workbench,
    tracks: tuple[list[Fix], list[Fix]],
    params: list[tuple[float, float, float]],
) -> None:
    a, b = tracks
    name_a, name_b = load_pair(bench, a, b)
    for within, window, gap in params:
        result = colocate(bench.store, name_a, name_b, Parameters(within, window, gap))
        assert_matches_reference(result, a, b, within, window, gap)


# --- bounds, built exactly ------------------------------------------------------------------


@pytest.mark.parametrize("window", [0.0, 0.000001, 0.5, 1.0, 300.0, 3599.999999, 3600.0])
def test_time_bound_is_inclusive_to_the_microsecond(bench: Workbench, window: float) -> None:
    t = BASE_US + 1800 * SECOND
    w = round(window * SECOND)
    lat, lon = PLACES["london"]
    a = [Fix(t, lat, lon)]
    # B's fixes are a metre or two apart (so none is a duplicate of another) and all within 10 m.
    offsets = [w, -w, w + 1, -w - 1]
    b = [Fix(t + dt, *moved(lat, lon, 90.0 * k, 1.0 + k * 0.5)) for k, dt in enumerate(offsets)]
    name_a, name_b = load_pair(bench, a, b)
    result = colocate(bench.store, name_a, name_b, Parameters(10.0, window, 0.0))
    got = {(e.a_row, e.b_row) for e in result.events}
    inside = {(1, 1), (1, 2)}
    assert got == inside
    assert got == reference.events(a, b, 10.0, window)


@pytest.mark.parametrize("place", ["london", "quito", "reykjavik", "antimeridian, north"])
@pytest.mark.parametrize("within", [50.0, 500.0, 1234.5, 2000.0])
def test_distance_bound_is_inclusive(bench: Workbench, place: str, within: float) -> None:
    centre = {**PLACES, **EXTREMES}[place]
    t = BASE_US
    a = [Fix(t, *centre)]
    azimuths = [0.0, 45.0, 90.0, 135.0, 180.0, 247.5, 315.0]
    b = []
    for azimuth in azimuths:
        b.append(Fix(t, *moved(*centre, azimuth, within - 0.01)))
        b.append(Fix(t, *moved(*centre, azimuth, within + 0.01)))
    name_a, name_b = load_pair(bench, a, b)
    result = colocate(bench.store, name_a, name_b, Parameters(within, 0.0, 0.0))
    got = {(e.a_row, e.b_row) for e in result.events}
    assert got == {(1, row) for row in range(1, len(b) + 1, 2)}, "just inside in, just outside out"
    assert got == reference.events(a, b, within, 0.0)


def test_a_pair_exactly_within_apart_is_an_event(bench: Workbench) -> None:
    """Inclusive to the last bit: ``within`` set to the distance the product itself measured."""
    lat, lon = PLACES["reykjavik"]
    a = [Fix(BASE_US, lat, lon)]
    b = [Fix(BASE_US, *moved(lat, lon, az, 300.0 + az)) for az in (0.0, 33.3, 111.0, 270.0)]
    name_a, name_b = load_pair(bench, a, b)
    measured = colocate(bench.store, name_a, name_b, Parameters(1000.0, 0.0, 0.0)).events
    assert len(measured) == len(b)
    for e in measured:
        exact = colocate(bench.store, name_a, name_b, Parameters(e.distance_m, 0.0, 0.0))
        assert (e.a_row, e.b_row) in {(x.a_row, x.b_row) for x in exact.events}
        nearer = colocate(
            bench.store, name_a, name_b, Parameters(math.nextafter(e.distance_m, 0.0), 0.0, 0.0)
        )
        assert (e.a_row, e.b_row) not in {(x.a_row, x.b_row) for x in nearer.events}


def test_zero_distance_and_zero_window_is_the_same_fix(bench: Workbench) -> None:
    lat, lon = PLACES["sydney"]
    a = [Fix(BASE_US, lat, lon)]
    b = [
        Fix(BASE_US, lat, lon),
        Fix(BASE_US, *moved(lat, lon, 10.0, 0.01)),
        Fix(BASE_US + 1, lat, lon),
    ]
    name_a, name_b = load_pair(bench, a, b)
    result = colocate(bench.store, name_a, name_b, Parameters(0.0, 0.0, 0.0))
    assert [(e.a_row, e.b_row) for e in result.events] == [(1, 1)]


def test_the_antimeridian_does_not_separate_neighbours(bench: Workbench) -> None:
    a = [Fix(BASE_US, 0.0, 179.999), Fix(BASE_US + SECOND, 60.0, 180.0)]
    b = [Fix(BASE_US, 0.0, -179.999), Fix(BASE_US + SECOND, 60.0, -180.0)]
    name_a, name_b = load_pair(bench, a, b)
    near = colocate(bench.store, name_a, name_b, Parameters(250.0, 60.0, 0.0))
    assert {(e.a_row, e.b_row) for e in near.events} == {(1, 1), (2, 2)}
    assert [round(e.distance_m, 1) for e in near.events] == [222.6, 0.0]
    far = colocate(bench.store, name_a, name_b, Parameters(200.0, 60.0, 0.0))
    assert {(e.a_row, e.b_row) for e in far.events} == {(2, 2)}
    for within in (200.0, 250.0):
        assert reference.events(a, b, within, 60.0) == {
            (e.a_row, e.b_row)
            for e in colocate(bench.store, name_a, name_b, Parameters(within, 60.0, 0.0)).events
        }


def test_across_the_pole(bench: Workbench) -> None:
    # Opposite meridians, 111 m from the pole on each side: 223 m apart across the top.
    a = [Fix(BASE_US, 89.999, 10.0), Fix(BASE_US + SECOND, 90.0, 0.0)]
    b = [Fix(BASE_US, 89.999, -170.0), Fix(BASE_US + SECOND, 90.0, 135.0)]
    name_a, name_b = load_pair(bench, a, b)
    result = colocate(bench.store, name_a, name_b, Parameters(250.0, 0.0, 0.0))
    assert {(e.a_row, e.b_row) for e in result.events} == {(1, 1), (2, 2)}
    assert result.events[0].distance_m == pytest.approx(223.388, abs=0.001)
    assert result.events[1].distance_m == pytest.approx(0.0, abs=1e-6)


def test_exact_duplicate_fixes_count_once(bench: Workbench) -> None:
    lat, lon = PLACES["london"]
    fix = Fix(BASE_US, lat, lon)
    a = [
        fix,
        fix,  # the same fix exported twice: dropped
        Fix(BASE_US, lat, lon + 1e-7),  # another place: kept
        Fix(BASE_US + 1, lat, lon),  # a microsecond later: kept
        fix,
    ]
    b = [Fix(BASE_US + 30 * SECOND, *moved(lat, lon, 0.0, 20.0))]
    name_a, name_b = load_pair(bench, a, b)
    result = colocate(bench.store, name_a, name_b, Parameters(100.0, 60.0, 1800.0))
    assert sorted((e.a_row, e.b_row) for e in result.events) == [(1, 1), (3, 1), (4, 1)]
    assert reference.events(a, b, 100.0, 60.0) == {(1, 1), (3, 1), (4, 1)}
    assert [(o.events) for o in result.occasions] == [3]


def test_occasions_split_only_on_a_gap_longer_than_gap(bench: Workbench) -> None:
    lat, lon = PLACES["london"]
    gap_s = 600
    # Event times (each min(t_a, t_b)) at 0, then exactly the gap later (same occasion), then
    # the gap and a microsecond later, twice (a new occasion each time).
    offsets = [0, gap_s * SECOND, 2 * gap_s * SECOND + 1, 3 * gap_s * SECOND + 2]
    a = [Fix(BASE_US + dt, lat, lon) for dt in offsets]
    b = [Fix(BASE_US + dt, *moved(lat, lon, 0.0, 5.0)) for dt in offsets]
    name_a, name_b = load_pair(bench, a, b)
    result = colocate(bench.store, name_a, name_b, Parameters(10.0, 0.0, float(gap_s)))
    spans = [(us_of(o.start) - BASE_US, us_of(o.end) - BASE_US, o.events) for o in result.occasions]
    assert spans == [(0, offsets[1], 2), (offsets[2], offsets[2], 1), (offsets[3], offsets[3], 1)]


GRADES = [
    # (distance, A's radius, B's radius, grade) with within = 100 m
    (50.0, 10.0, 20.0, "certain"),  # 50 + 30 <= 100: even at the far edges, within
    (50.0, 30.0, 30.0, "probable"),  # far edges 110 m apart, but 60 m of spread <= 100
    (50.0, 80.0, 40.0, "possible"),  # 120 m of spread: too coarse to show proximity
    (50.0, None, 5.0, "unknown"),  # a radius not reported
    (99.0, 0.0, 0.0, "certain"),
    (0.4, 0.0, 99.5, "certain"),
]


def test_every_event_is_graded_from_both_radii(bench: Workbench) -> None:
    lat, lon = PLACES["london"]
    hour = 3600 * SECOND
    a = [Fix(BASE_US + k * hour, lat, lon) for k in range(len(GRADES))]
    b = [Fix(BASE_US + k * hour, *moved(lat, lon, 60.0, d)) for k, (d, *_) in enumerate(GRADES)]
    name_a, name_b = bench.subject("a"), bench.subject("b")
    bench.locations(name_a, a, radii=[ra for _, ra, _, _ in GRADES])
    bench.locations(name_b, b, radii=[rb for _, _, rb, _ in GRADES])
    result = colocate(bench.store, name_a, name_b, Parameters(100.0, 0.0, 0.0))
    assert [(e.a_row, e.b_row) for e in result.events] == [(k, k) for k in range(1, 7)]
    assert [e.grade for e in result.events] == [g for *_, g in GRADES]
    assert [(e.a_radius_m, e.b_radius_m) for e in result.events] == [
        (ra, rb) for _, ra, rb, _ in GRADES
    ]
    assert [o.grade for o in result.occasions] == [g for *_, g in GRADES]
    # One occasion holding them all takes the best grade.
    together = colocate(bench.store, name_a, name_b, Parameters(100.0, 0.0, 86400.0))
    assert [(o.events, o.grade) for o in together.occasions] == [(6, "certain")]


def test_reference_self_check() -> None:
    """The reference itself, on data small enough to work out by hand."""
    a = [Fix(0, 51.5, 0.1), Fix(0, 51.5, 0.1), Fix(130 * SECOND, 51.5, 0.1)]
    b = [Fix(60 * SECOND, 51.5009, 0.1)]  # 100.1 m north, 60 s after A's first and 70 s before
    assert reference.events(a, b, 101.0, 60.0) == {(1, 1)}
    assert reference.events(a, b, 101.0, 70.0) == {(1, 1), (3, 1)}
    assert reference.events(a, b, 100.0, 70.0) == set()
    assert reference.events(a, b, 101.0, 59.999999) == set()
    assert reference.occasions([0, 5, 10, 30], 10.0 / SECOND) == [(0, 10, 3), (30, 30, 1)]
    assert reference.occasions([], 1.0) == []
