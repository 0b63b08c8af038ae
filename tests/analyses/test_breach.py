"""Exclusion-zone visits against the brute-force reference: entry, exit, sightings, closest.

The rule (``breach.sql``): a fix is inside when its reported point is within the zone's
radius, certainly outside when even the near edge of its own uncertainty circle is beyond it,
and undecided otherwise (a coarse fix overlapping the zone): undecided fixes neither end a
visit nor count in one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from appliance.analyses.breach import Breaches, Zone, breaches

from . import reference
from .conftest import BASE_US, PLACES, SECOND, SETTINGS, Workbench, moved, us_of
from .reference import Fix

DISTANCE_SLACK_M = 1e-6
EDGE_M = 1e-4

ZoneT = tuple[float, float, float]
Scenario = tuple[ZoneT, list[Fix], list[float | None]]


@st.composite
def around_a_zone(draw: st.DrawFn) -> Scenario:
    """A zone and a subject's fixes in and around it, with revisits, gaps, coarse fixes and
    duplicates."""
    centre = draw(st.sampled_from([*PLACES.values(), (0.0, 179.9999), (89.999, 0.0)]))
    radius = draw(st.one_of(st.sampled_from([50.0, 200.0, 500.0]), st.floats(20, 1000)))
    fixes: list[Fix] = []
    radii: list[float | None] = []
    t = BASE_US
    for _ in range(draw(st.integers(0, 40))):
        t += draw(
            st.one_of(
                st.sampled_from([0, SECOND, 60 * SECOND, 1800 * SECOND, 1800 * SECOND + 1]),
                st.integers(0, 2 * 3600 * SECOND),
            )
        )
        distance = draw(st.one_of(st.floats(0, radius), st.floats(0, 3 * radius)))
        uncertainty = draw(st.sampled_from([None, 0.0, 5.0, 5.0, 5.0, 50.0, 400.0, 2500.0]))
        # Exactly on an edge (the zone's, or the one past which a coarse fix is certainly
        # outside), two correct GeographicLib builds may differ in the last bits: keep fixes
        # a tenth of a millimetre off each edge, far beyond that and far below any evidence.
        for edge in (radius, radius + (uncertainty or 0.0)):
            if abs(distance - edge) < EDGE_M:
                distance = edge - EDGE_M
        fixes.append(Fix(t, *moved(*centre, draw(st.floats(0, 360)), distance)))
        radii.append(uncertainty)
    # Rows out of time order, and the same fix exported twice.
    order = draw(st.permutations(range(len(fixes))))
    fixes, radii = [fixes[k] for k in order], [radii[k] for k in order]
    for _ in range(draw(st.integers(0, 3)) if fixes else 0):
        at, copy = draw(st.integers(0, len(fixes))), draw(st.integers(0, len(fixes) - 1))
        fixes.insert(at, fixes[copy])
        radii.insert(at, radii[copy])
    return (centre[0], centre[1], radius), fixes, radii


def as_tuples(result: Breaches) -> list[tuple[object, ...]]:
    return [
        (
            us_of(v.entry),
            us_of(v.exit),
            len(v.sightings),
            us_of(v.last_seen_before) if v.last_seen_before else None,
            us_of(v.first_seen_after) if v.first_seen_after else None,
        )
        for v in result.visits
    ]


def assert_matches_reference(
    result: Breaches,
    fixes: Sequence[Fix],
    radii: Sequence[float | None],
    zone: ZoneT,
    gap_s: float,
) -> None:
    expected = reference.visits(fixes, radii, *zone, gap_s)
    want = [(v.entry, v.exit, v.sightings, v.before, v.after) for v in expected]
    assert as_tuples(result) == want
    for visit, wanted in zip(result.visits, expected, strict=True):
        assert visit.closest.distance_m == pytest.approx(wanted.closest_m, abs=DISTANCE_SLACK_M)
        for s in visit.sightings:
            fix = fixes[s.row - 1]
            assert (us_of(s.time), s.lat, s.lon) == fix
            assert s.radius_m == radii[s.row - 1]
            assert s.distance_m <= zone[2]
            assert s.distance_m == pytest.approx(
                reference.distance_m(fix.lat, fix.lon, zone[0], zone[1]), abs=DISTANCE_SLACK_M
            )
    assert [v.number for v in result.visits] == sorted(v.number for v in result.visits)


def load(bench: Workbench, fixes: Sequence[Fix], radii: Sequence[float | None]) -> str:
    subject = bench.subject("s")
    bench.locations(subject, fixes, radii=radii)
    return subject


@settings(SETTINGS, max_examples=80)
@given(case=around_a_zone(), gap_s=st.sampled_from([0.0, 60.0, 1800.0, 3600.0]))
def test_visits_equal_the_reference(bench: Workbench, case: Scenario, gap_s: float) -> None:
    zone, fixes, radii = case
    subject = load(bench, fixes, radii)
    result = breaches(bench.store, subject, Zone(*zone), gap_s=gap_s)
    event(f"visits: {min(len(result.visits), 3)}")
    assert_matches_reference(result, fixes, radii, zone, gap_s)


@pytest.mark.parametrize("radius", [25.0, 200.0, 1500.0])
def test_the_zone_edge_is_inclusive(bench: Workbench, radius: float) -> None:
    centre = PLACES["reykjavik"]
    fixes = []
    for k, azimuth in enumerate([0.0, 72.0, 144.0, 216.0, 288.0]):
        fixes.append(Fix(BASE_US + 2 * k * SECOND, *moved(*centre, azimuth, radius - 0.01)))
        fixes.append(Fix(BASE_US + (2 * k + 1) * SECOND, *moved(*centre, azimuth, radius + 0.01)))
    radii = [None] * len(fixes)  # exact points: a centimetre outside is certainly outside
    subject = load(bench, fixes, radii)
    result = breaches(bench.store, subject, Zone(*centre, radius))
    # Inside, outside, inside, ...: five visits of one sighting each.
    assert [[s.row for s in v.sightings] for v in result.visits] == [[1], [3], [5], [7], [9]]
    assert_matches_reference(result, fixes, radii, (*centre, radius), 1800.0)


def test_a_fix_exactly_on_the_edge_is_inside(bench: Workbench) -> None:
    """Inclusive to the last bit: the radius set to the distance the product itself measured."""
    centre = PLACES["sydney"]
    fixes = [Fix(BASE_US, *moved(*centre, 123.0, 250.0))]
    subject = load(bench, fixes, [None])
    [visit] = breaches(bench.store, subject, Zone(*centre, 1000.0)).visits
    exact = visit.closest.distance_m
    assert len(breaches(bench.store, subject, Zone(*centre, exact)).visits) == 1
    assert breaches(bench.store, subject, Zone(*centre, math.nextafter(exact, 0.0))).visits == []


def test_a_fix_whose_near_edge_is_on_the_edge_is_undecided(bench: Workbench) -> None:
    """Certainly outside means the near edge of the fix's circle is strictly beyond the zone."""
    centre = PLACES["sydney"]
    step = 60 * SECOND
    probe = [Fix(BASE_US, *moved(*centre, 200.0, 700.0))]
    measured = breaches(bench.store, load(bench, probe, [None]), Zone(*centre, 1000.0))
    distance = measured.visits[0].closest.distance_m
    zone_radius = 100.0
    on_edge = distance - zone_radius  # distance - on_edge == zone_radius, in IEEE doubles too
    assert distance - on_edge == zone_radius
    fixes = [Fix(BASE_US - step, *centre), probe[0], Fix(BASE_US + step, *centre)]
    for own, visits in ((on_edge, 1), (math.nextafter(on_edge, 0.0), 2)):
        radii: list[float | None] = [5.0, own, 5.0]
        subject = load(bench, fixes, radii)
        result = breaches(bench.store, subject, Zone(*centre, zone_radius))
        assert len(result.visits) == visits, own
        assert_matches_reference(result, fixes, radii, (*centre, zone_radius), 1800.0)


def test_a_coarse_fix_overlapping_the_zone_does_not_end_a_visit(bench: Workbench) -> None:
    centre, zone_radius = PLACES["london"], 100.0
    step = 60 * SECOND

    def at(k: int, metres: float) -> Fix:
        return Fix(BASE_US + k * step, *moved(*centre, 30.0, metres))

    fixes = [
        at(0, 10.0),  # inside
        at(1, 600.0),  # a cell fix 600 m away with a 1 km radius: undecided
        at(2, 20.0),  # inside: the same visit
        at(3, 300.0),  # 300 m away, radius 199.99: its near edge is beyond 100 m: outside
        at(4, 30.0),  # inside: a new visit
        at(5, 300.0),  # 300 m away, radius 200.5: near edge inside the zone: undecided
        at(6, 40.0),  # inside: the same visit
    ]
    radii: list[float | None] = [5.0, 1000.0, 5.0, 199.99, 5.0, 200.5, 5.0]
    subject = load(bench, fixes, radii)
    result = breaches(bench.store, subject, Zone(*centre, zone_radius))
    assert [[s.row for s in v.sightings] for v in result.visits] == [[1, 3], [5, 7]]
    assert as_tuples(result) == [
        (fixes[0].t_us, fixes[2].t_us, 2, None, fixes[3].t_us),
        (fixes[4].t_us, fixes[6].t_us, 2, fixes[3].t_us, None),
    ]
    assert_matches_reference(result, fixes, radii, (*centre, zone_radius), 1800.0)


def test_a_long_silence_inside_splits_a_visit(bench: Workbench) -> None:
    centre = PLACES["london"]
    gap = 1800 * SECOND
    times = [0, gap, 2 * gap + 1, 2 * gap + 2]  # exactly the gap: same visit; a µs more: new
    fixes = [Fix(BASE_US + t, *moved(*centre, 10.0 * k, 5.0 * k)) for k, t in enumerate(times)]
    radii: list[float | None] = [5.0] * len(fixes)
    subject = load(bench, fixes, radii)
    result = breaches(bench.store, subject, Zone(*centre, 50.0), gap_s=1800.0)
    assert [[s.row for s in v.sightings] for v in result.visits] == [[1, 2], [3, 4]]
    assert result.visits[0].closest.distance_m == pytest.approx(0.0, abs=1e-9)
    assert result.visits[1].closest.row == 3
    assert_matches_reference(result, fixes, radii, (*centre, 50.0), 1800.0)


def test_reference_self_check() -> None:
    centre = (51.5, -0.1)
    fixes = [
        Fix(0, *centre),
        Fix(10, 51.6, -0.1),  # 11 km away: outside
        Fix(20, *centre),
        Fix(20, *centre),  # a duplicate
        Fix(30, 51.6, -0.1),  # 11 km away, but with a 20 km radius: undecided
        Fix(5000 * SECOND, *centre),  # after a gap
    ]
    radii = [None, 0.0, 5.0, 5.0, 20_000.0, None]
    visits = reference.visits(fixes, radii, *centre, 100.0, 1800.0)
    assert [(v.entry, v.exit, v.sightings, v.before, v.after) for v in visits] == [
        (0, 0, 1, None, 10),
        (20, 20, 1, 10, 5000 * SECOND),
        (5000 * SECOND, 5000 * SECOND, 1, 20, None),
    ]
