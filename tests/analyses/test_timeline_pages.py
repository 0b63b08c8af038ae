"""The timeline read page by page, each page starting just after the last item of the one
before, is the whole timeline in order: with ties in time across files and tables, for every
kind and for one kind, whatever the page size."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.analyses.timeline import Cursor, timeline, timeline_page

from .conftest import BASE_US, CDR_HEADER, SECOND, Workbench, iso_z
from .reference import Fix


def _whole(bench: Workbench) -> None:
    """Once per workbench: two location files and a call record sharing times exactly."""
    if getattr(bench, "_timeline_loaded", False):
        return
    a = bench.subject("tl", ["07700900001"])
    fixes = [Fix(BASE_US + (k // 3) * 60 * SECOND, 51.5 + k * 1e-4, -0.1) for k in range(30)]
    bench.locations(a, fixes)
    bench.locations(a, list(reversed(fixes)))  # the same times again, from another file
    lines = [
        f"{iso_z(BASE_US + (k // 2) * 60 * SECOND)},{'voice' if k % 2 else 'sms'},out,"
        f"07700900001,07700900002,{k},,,"
        for k in range(20)
    ]
    bench.load([bench.write(CDR_HEADER, lines, "cdr")], a)
    bench._timeline_loaded = True  # type: ignore[attr-defined]


def _key(item: object) -> tuple[object, ...]:
    return tuple(getattr(item, name) for name in ("time", "kind", "source", "row"))


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    size=st.integers(min_value=1, max_value=40), kind=st.sampled_from([None, "sms", "observation"])
)
def test_pages_after_a_cursor_are_the_whole_timeline(
    bench: Workbench, size: int, kind: str | None
) -> None:
    _whole(bench)
    everything = [i for i in timeline(bench.store) if kind is None or i.kind == kind]
    assert len({_key(i) for i in everything}) == len(everything)  # the order is total
    read: list[object] = []
    after: Cursor | None = None
    for _ in range(1_000):
        items, last = timeline_page(bench.store, kind=kind, after=after, limit=size)
        read.extend(items)
        if len(items) < size:
            break
        after = last
    assert [_key(i) for i in read] == [_key(i) for i in everything]
    assert len(everything) > 0
