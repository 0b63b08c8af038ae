"""A subject's frequent places (``places.sql``): ranked by local days seen, precise fixes only."""

from __future__ import annotations

from datetime import UTC, datetime

from appliance.analyses.places import frequent_places

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
