"""The vectorised step of co-location against its plain, one-event-at-a-time definition, and
exact duplicates across files, which ``colocate_events.sql`` drops after its search.

``colocation_table`` numbers occasions over a whole Arrow column; here that is checked against
DESIGN §6's words, value by value.
"""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from appliance.analyses.colocate import Parameters, colocate, occasion_numbers

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
