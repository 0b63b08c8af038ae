"""A subject's frequent places (``places.sql``): ranked by local days seen, precise fixes only."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from appliance.analyses.places import CELL_M, frequent_places

from .conftest import Workbench, moved, us_of
from .reference import Fix

HOME = (51.5416, -0.1022)
WORK = (51.5203, -0.1050)


def at(day: int, hour: int, minute: int, place: tuple[float, float], metres: float = 0) -> Fix:
    lat, lon = moved(*place, 45.0, metres) if metres else place
    return Fix(us_of(datetime(2024, 3, day, hour, minute, tzinfo=UTC)), lat, lon)


def test_the_place_seen_on_most_days_comes_first(workbench: Workbench) -> None:
    who = workbench.subject("s")
    # Work: many fixes on one day. Home: one fix on each of three days.
    fixes = [at(4, 9, m, WORK, 5) for m in range(10)] + [at(d, 20, 0, HOME) for d in (4, 5, 6)]
    workbench.locations(who, fixes)
    places = frequent_places(workbench.store, who)
    assert [(p.days, p.positions) for p in places] == [(3, 3), (1, 10)]


def test_a_place_centre_is_the_mean_of_its_fixes(workbench: Workbench) -> None:
    who = workbench.subject("s")
    workbench.locations(who, [at(4, 20, 0, HOME, 10), at(5, 20, 0, HOME, 30)])
    [place] = frequent_places(workbench.store, who)
    lat = (moved(*HOME, 45.0, 10)[0] + moved(*HOME, 45.0, 30)[0]) / 2
    assert abs(place.lat - lat) < 1e-9


def test_local_days_follow_the_case_zone_not_utc(workbench: Workbench) -> None:
    who = workbench.subject("s")
    # 23:30 and 23:45 UTC on 1 July are 00:30 and 00:45 BST on 2 July: one local day, and
    # 00:15 UTC on 2 July (01:15 BST) is that same day.
    fixes = [
        Fix(us_of(datetime(2024, 7, 1, 23, 30, tzinfo=UTC)), *HOME),
        Fix(us_of(datetime(2024, 7, 2, 0, 15, tzinfo=UTC)), *HOME),
    ]
    workbench.locations(who, fixes)
    assert [p.days for p in frequent_places(workbench.store, who)] == [1]


def test_coarse_positions_name_no_place(workbench: Workbench) -> None:
    who = workbench.subject("s")
    workbench.locations(who, [at(d, 12, 0, WORK) for d in (4, 5, 6)], radius_m=1500.0)
    assert frequent_places(workbench.store, who) == []


def on_an_edge(place: tuple[float, float], cell_m: float = CELL_M) -> tuple[float, float]:
    """A point near ``place`` on the edge between two bins of ``places.sql``'s grid (a row
    boundary), in the middle of its column."""
    lat = math.floor(place[0] * 111320.0 / cell_m) * cell_m / 111320.0
    across = 111320.0 * math.cos(math.radians(lat)) / cell_m
    lon = (math.floor(place[1] * across) + 0.5) / across
    return lat, lon


def test_fixes_either_side_of_a_bin_edge_are_one_place(workbench: Workbench) -> None:
    who = workbench.subject("s")
    edge = on_an_edge(HOME)
    # 12 m north-east of the edge (the bin above) and, a minute later, 12 m due south of it
    # (the bin below), on each of three days.
    north = [at(d, 20, 0, edge, 12) for d in (4, 5, 6)]
    south = [Fix(f.t_us + 60_000_000, *moved(*edge, 180.0, 12)) for f in north]
    workbench.locations(who, north + south)
    [place] = frequent_places(workbench.store, who)
    assert (place.days, place.positions) == (3, 6)
    lat = sum(f.lat for f in north + south) / 6
    lon = sum(f.lon for f in north + south) / 6
    assert abs(place.lat - lat) < 1e-9 and abs(place.lon - lon) < 1e-9


def test_fixes_around_a_bin_corner_are_one_place_seen_on_every_day(
    workbench: Workbench,
) -> None:
    who = workbench.subject("s")
    lat, _ = on_an_edge(HOME)
    across = 111320.0 * math.cos(math.radians(lat)) / CELL_M
    corner = (lat, math.floor(HOME[1] * across) / across)
    # One fix in each of the four bins meeting at the corner, each on a day of its own.
    fixes = [
        Fix(us_of(datetime(2024, 3, 4 + n, 20, 0, tzinfo=UTC)), *moved(*corner, bearing, 15))
        for n, bearing in enumerate((45.0, 135.0, 225.0, 315.0))
    ]
    workbench.locations(who, fixes)
    [place] = frequent_places(workbench.store, who)
    assert (place.days, place.positions) == (4, 4)


def test_two_homes_in_neighbouring_bins_stay_two_places(workbench: Workbench) -> None:
    who = workbench.subject("s")
    edge = on_an_edge(HOME)
    # 80 m either side of the edge: neighbouring bins, centres 160 m apart.
    first = [Fix(at(d, 20, 0, edge).t_us, *moved(*edge, 0.0, 80)) for d in (4, 5)]
    second = [Fix(at(d, 21, 0, edge).t_us, *moved(*edge, 180.0, 80)) for d in (4, 5, 6)]
    workbench.locations(who, first + second)
    places = frequent_places(workbench.store, who)
    assert [(p.days, p.positions) for p in places] == [(3, 3), (2, 2)]


def test_a_daily_route_does_not_join_home_and_work_into_one_place(workbench: Workbench) -> None:
    who = workbench.subject("s")
    fixes = []
    for day in (4, 5, 6):
        fixes += [at(day, 8, m, HOME, 5) for m in range(5)]
        # The walk to work: a fix every 50 m, through a line of bins from one to the other.
        fixes += [
            at(day, 9, 0, (HOME[0] + (WORK[0] - HOME[0]) * k / 48, HOME[1])) for k in range(1, 48)
        ]
        fixes += [at(day, 17, m, WORK, 5) for m in range(5)]
    workbench.locations(who, fixes)
    top = frequent_places(workbench.store, who)[:2]
    assert all(p.days == 3 for p in top)
    near = {min((HOME, WORK), key=lambda c: (c[0] - p.lat) ** 2 + (c[1] - p.lon) ** 2) for p in top}
    assert near == {HOME, WORK}
    for p in top:
        home_or_work = HOME if abs(p.lat - HOME[0]) < abs(p.lat - WORK[0]) else WORK
        assert abs(p.lat - home_or_work[0]) * 111320.0 < 40.0
