"""The vectorised step of co-location against its plain, one-event-at-a-time definition, and
exact duplicates across files, which ``colocate_events.sql`` drops after its search.

``colocation_table`` numbers occasions over a whole Arrow column; here that is checked against
DESIGN §6's words, value by value.
"""

from __future__ import annotations

from datetime import UTC

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from appliance.analyses.colocate import Parameters, colocate, occasion_numbers
from appliance.analyses.grading import GRADES, best, grade, grade_column, grade_ranks

from . import reference
from .conftest import BASE_US, PLACES, SECOND, Workbench, moved, us_of
from .reference import Fix


def plain_occasions(times: list[int], gap: int) -> list[int]:
    """DESIGN §6: in time order, an event more than ``gap`` after the previous one starts anew."""
    numbers: list[int] = []
    for i, t in enumerate(times):
        starts = i == 0 or t - times[i - 1] > gap
        numbers.append((numbers[-1] if numbers else 0) + int(starts))
    return numbers


@given(
    steps=st.lists(st.integers(min_value=0, max_value=5_000), max_size=60),
    gap=st.integers(min_value=0, max_value=3_000),
    chunks=st.integers(min_value=1, max_value=3),
)
def test_occasion_numbers_follow_the_definition(steps: list[int], gap: int, chunks: int) -> None:
    times, t = [], 1_700_000_000_000_000
    for step in steps:
        t += step
        times.append(t)
    size = max(1, -(-len(times) // chunks))
    column = pa.chunked_array(
        [pa.array(times[i : i + size], pa.int64()) for i in range(0, len(times), size)],
        pa.int64(),
    )
    assert occasion_numbers(column, gap / 1_000_000).to_pylist() == plain_occasions(times, gap)


metres = st.floats(min_value=0.0, max_value=5_000.0, allow_nan=False)
radius = st.one_of(st.none(), metres)


@given(
    rows=st.lists(st.tuples(metres, radius, radius), max_size=40),
    within=metres,
    chunks=st.integers(min_value=1, max_value=3),
)
def test_grade_column_is_grade_event_by_event(
    rows: list[tuple[float, float | None, float | None]], within: float, chunks: int
) -> None:
    def column(i: int) -> pa.ChunkedArray:
        values = [row[i] for row in rows]
        size = max(1, -(-len(values) // chunks))
        parts = [pa.array(values[k : k + size], pa.float64()) for k in range(0, len(values), size)]
        return pa.chunked_array(parts, pa.float64())

    graded = grade_column(column(0), within, column(1), column(2))
    assert graded.to_pylist() == [grade(d, within, ra, rb) for d, ra, rb in rows]
    ranks = grade_ranks(graded).to_pylist()
    assert [GRADES[r] for r in ranks] == graded.to_pylist()
    if rows:
        assert GRADES[min(ranks)] == best(graded.to_pylist())


def test_each_occasion_is_built_alone_as_in_the_whole(bench: Workbench) -> None:
    """Screens build one occasion's events at a time: the same objects as the whole list,
    times in UTC, and the occasions' figures are those of their events."""
    lat, lon = PLACES["london"]
    a, b = [], []
    for visit in range(3):  # three meetings an hour apart, a few events each
        for k in range(3 + visit):
            t = BASE_US + visit * 3_600 * SECOND + k * 60 * SECOND
            a.append(Fix(t, *moved(lat, lon, 90.0, 20.0 * k)))
            b.append(Fix(t + SECOND, *moved(lat, lon, 0.0, 30.0 * visit)))
    name_a, name_b = bench.subject("a"), bench.subject("b")
    bench.locations(name_a, a, radius_m=10.0)
    bench.locations(name_b, b, radius_m=300.0)
    result = colocate(bench.store, name_a, name_b, Parameters(200.0, 30.0, 600.0))
    assert [o.number for o in result.occasions] == [1, 2, 3]
    for o in result.occasions:
        mine = result.occasion_events(o.number)
        assert mine == [e for e in result.events if e.occasion == o.number]
        assert len(mine) == o.events == 3 + o.number - 1
        assert (o.start, o.end) == (mine[0].time, mine[-1].time)
        assert o.min_distance_m == min(e.distance_m for e in mine)
        assert o.grade == best([e.grade for e in mine])
        assert all(e.time.tzinfo is UTC and o.start.tzinfo is UTC for e in mine)
    assert result.occasion_events(4) == []


# --- duplicates across files, through the real path ---------------------------------------


def test_copies_in_a_later_file_give_way_to_the_first(bench: Workbench) -> None:
    """The same fixes exported in two files: every event uses the earlier-loaded file's row
    (its radius shows which), whichever file holds the only copy of other fixes."""
    lat, lon = PLACES["london"]
    a = [Fix(BASE_US + k * 60 * SECOND, *moved(lat, lon, 90.0, 10.0 * k)) for k in range(6)]
    b = [Fix(BASE_US + k * 60 * SECOND + SECOND, *moved(lat, lon, 0.0, 5.0 * k)) for k in range(6)]
    name_a, name_b = bench.subject("a"), bench.subject("b")
    bench.locations(name_a, a[:4], radius_m=1.0)
    bench.locations(name_a, a[2:], radius_m=2.0)  # two copies again, then two new fixes
    bench.locations(name_b, b[1:], radius_m=3.0)
    bench.locations(name_b, b, radius_m=4.0)  # five copies, then B's first fix
    result = colocate(bench.store, name_a, name_b, Parameters(200.0, 30.0, 600.0))
    expected = reference.events(a, b, 200.0, 30.0)
    assert len(expected) == 6
    got = {(e.a_time, e.b_time): (e.a_radius_m, e.b_radius_m) for e in result.events}
    assert len(got) == len(result.events) == 6
    for e in result.events:
        k = round((us_of(e.a_time) - BASE_US) / (60 * SECOND))
        assert e.a_radius_m == (1.0 if k < 4 else 2.0)
        assert e.b_radius_m == (4.0 if k == 0 else 3.0)
        assert e.a_row == (k + 1 if k < 4 else k - 1)
        assert e.b_row == (1 if k == 0 else k)
