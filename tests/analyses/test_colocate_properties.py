"""Properties co-location must have whatever the data: symmetry, monotonicity, indifference
to clock changes, to how the evidence is split into files, and to loading it twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.analyses.colocate import Colocation, Parameters, colocate
from appliance.timeutil import zone

from . import reference
from .conftest import (
    SECOND,
    SETTINGS,
    TIMEZONE,
    Workbench,
    load_pair,
    moved,
    parameters,
    two_tracks,
    us_of,
    utc_datetime,
)
from .reference import Fix

LONDON = zone(TIMEZONE)

Key = tuple[int, float, float, int, float, float]


def keys(result: Colocation) -> set[Key]:
    """Events as the two fixes they pair: independent of files and rows."""
    found = {
        (us_of(e.a_time), e.a_lat, e.a_lon, us_of(e.b_time), e.b_lat, e.b_lon)
        for e in result.events
    }
    assert len(found) == len(result.events), "an event is listed twice"
    return found


def reference_keys(a: Sequence[Fix], b: Sequence[Fix], within: float, window: float) -> set[Key]:
    return {(*a[i - 1], *b[j - 1]) for i, j in reference.events(a, b, within, window)}


def spans(result: Colocation, shift_us: int = 0) -> list[tuple[int, int, int]]:
    return [
        (us_of(o.start) - shift_us, us_of(o.end) - shift_us, o.events) for o in result.occasions
    ]


# --- symmetry and monotonicity --------------------------------------------------------------


@settings(SETTINGS, max_examples=40)
@given(tracks=two_tracks(), params=parameters())
def test_swapping_a_and_b_mirrors_every_event(
    bench: Workbench, tracks: tuple[list[Fix], list[Fix]], params: tuple[float, float, float]
) -> None:
    a, b = tracks
    name_a, name_b = load_pair(bench, a, b)
    forward = colocate(bench.store, name_a, name_b, Parameters(*params))
    backward = colocate(bench.store, name_b, name_a, Parameters(*params))

    def facts(result: Colocation, mirrored: bool) -> set[tuple[object, ...]]:
        found: set[tuple[object, ...]] = set()
        for e in result.events:
            first = (e.a_row, us_of(e.a_time), e.a_lat, e.a_lon, e.a_radius_m)
            second = (e.b_row, us_of(e.b_time), e.b_lat, e.b_lon, e.b_radius_m)
            pair = (second, first) if mirrored else (first, second)
            found.add((*pair, us_of(e.time), round(e.distance_m, 6), e.grade))
        return found

    assert facts(forward, mirrored=False) == facts(backward, mirrored=True)
    assert len(forward.events) == len(backward.events)
    assert spans(forward) == spans(backward)


@settings(SETTINGS, max_examples=40)
@given(
    tracks=two_tracks(),
    within=st.lists(st.floats(50, 2000), min_size=2, max_size=2).map(sorted),
    window=st.lists(st.integers(0, 3600 * SECOND), min_size=2, max_size=2).map(sorted),
)
def test_events_grow_with_within_and_with_window(
    bench: Workbench, tracks: tuple[list[Fix], list[Fix]], within: list[float], window: list[int]
) -> None:
    a, b = tracks
    name_a, name_b = load_pair(bench, a, b)
    (w_small, w_large), (t_small, t_large) = within, [us / SECOND for us in window]

    def run(w: float, t: float) -> Colocation:
        return colocate(bench.store, name_a, name_b, Parameters(w, t, 1800.0))

    small, wider, longer, both = (
        run(w_small, t_small),
        run(w_large, t_small),
        run(w_small, t_large),
        run(w_large, t_large),
    )
    assert keys(small) <= keys(wider) <= keys(both)
    assert keys(small) <= keys(longer) <= keys(both)
    # More exactly: the smaller result is the larger one filtered by the smaller bounds.
    assert {
        (e.a_row, e.b_row)
        for e in both.events
        if e.distance_m <= w_small and abs(us_of(e.a_time) - us_of(e.b_time)) <= window[0]
    } == {(e.a_row, e.b_row) for e in small.events}


# --- clock changes ----------------------------------------------------------------------------

ANCHORS = {
    "summer": us_of(datetime(2024, 7, 14, 1, 0, tzinfo=UTC)),
    "spring change": us_of(datetime(2024, 3, 31, 1, 0, tzinfo=UTC)),
    "autumn change": us_of(datetime(2024, 10, 27, 1, 0, tzinfo=UTC)),
}
FORMS = ("z", "offset", "naive")


def written(t_us: int, form: str) -> str:
    """``t_us`` as a CSV time: UTC with Z, local with its offset, or naive local time.

    Naive local time is used only where it names one instant (not in the skipped or the
    repeated hour); there the offset form is written instead.
    """
    moment = utc_datetime(t_us)
    local = moment.astimezone(LONDON)
    if form == "z":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if form == "naive":
        wall = local.replace(tzinfo=None)
        folds = {wall.replace(tzinfo=LONDON, fold=f).utcoffset() for f in (0, 1)}
        if len(folds) == 1:
            return wall.isoformat(timespec="microseconds")
    return local.isoformat(timespec="microseconds")


@st.composite
def pattern(
    draw: st.DrawFn,
) -> tuple[list[tuple[int, float, float]], list[tuple[int, float, float]]]:
    """Fixes as (offset from the anchor in µs, lat, lon), within six hours either side."""
    centre = (51.5072, -0.1276)

    def fix() -> st.SearchStrategy[tuple[int, float, float]]:
        return st.tuples(
            st.one_of(
                st.integers(-6 * 3600, 6 * 3600).map(lambda s: s * SECOND),
                st.integers(-6 * 3600 * SECOND, 6 * 3600 * SECOND),
            ),
            st.floats(0, 360),
            st.floats(0, 2500),
        ).map(lambda x: (x[0], *moved(*centre, x[1], x[2])))

    a = draw(st.lists(fix(), max_size=15))
    b = draw(st.lists(fix(), max_size=15))
    # B near A at nearly the same time, so the clock-change hours hold events.
    for k in draw(st.lists(st.integers(0, max(len(a) - 1, 0)), max_size=6)) if a else []:
        dt, lat, lon = a[k]
        b.append(
            (
                dt + draw(st.sampled_from([0, 30 * SECOND, -250 * SECOND])),
                *moved(lat, lon, 45.0, 80.0),
            )
        )
    return a, b


@settings(SETTINGS, max_examples=25)
@given(
    fixes=pattern(),
    forms=st.lists(st.sampled_from(FORMS), min_size=64, max_size=64),
    params=parameters(),
)
def test_clock_changes_change_nothing(
    bench: Workbench,
    fixes: tuple[list[tuple[int, float, float]], list[tuple[int, float, float]]],
    forms: list[str],
    params: tuple[float, float, float],
) -> None:
    pattern_a, pattern_b = fixes
    results: dict[str, tuple[set[tuple[int, int]], list[tuple[int, int, int]]]] = {}
    for label, anchor in ANCHORS.items():
        a = [Fix(anchor + dt, lat, lon) for dt, lat, lon in pattern_a]
        b = [Fix(anchor + dt, lat, lon) for dt, lat, lon in pattern_b]
        name_a, name_b = bench.subject("a"), bench.subject("b")
        for name, track, offset in ((name_a, a, 0), (name_b, b, 32)):
            times = [written(f.t_us, forms[(offset + k) % len(forms)]) for k, f in enumerate(track)]
            bench.locations(name, track, times=times)
        result = colocate(bench.store, name_a, name_b, Parameters(*params))
        pairs = {(e.a_row, e.b_row) for e in result.events}
        assert pairs == reference.events(a, b, params[0], params[1]), label
        results[label] = (pairs, spans(result, anchor))
    assert results["spring change"] == results["summer"]
    assert results["autumn change"] == results["summer"]


# --- files ------------------------------------------------------------------------------------


def split(track: Sequence[Fix], parts: int, owner: Sequence[int]) -> list[list[Fix]]:
    files: list[list[Fix]] = [[] for _ in range(parts)]
    for k, fix in enumerate(track):
        files[owner[k % len(owner)] % parts].append(fix)
    return files


@settings(SETTINGS, max_examples=20)
@given(
    tracks=two_tracks(max_size=14),
    params=parameters(),
    owner=st.lists(st.integers(0, 5), min_size=1, max_size=40),
    overlap=st.lists(st.integers(0, 40), max_size=6),
)
def test_splitting_files_overlapping_them_or_loading_twice_changes_nothing(
    bench: Workbench,
    tracks: tuple[list[Fix], list[Fix]],
    params: tuple[float, float, float],
    owner: list[int],
    overlap: list[int],
) -> None:
    a, b = tracks
    within, window, _ = params
    expected = reference_keys(a, b, within, window)
    baseline: list[tuple[int, int, int]] | None = None
    for parts in (1, 2, 3):
        name_a, name_b = bench.subject("a"), bench.subject("b")
        for name, track in ((name_a, a), (name_b, b)):
            files = split(track, parts, owner)
            if parts > 1 and track:
                # Overlapping exports: some fixes appear in a second file too.
                for k in overlap:
                    files[(owner[k % len(owner)] + 1) % parts].append(track[k % len(track)])
            paths = [bench.location_file(f) for f in files]
            bench.load(paths, name)
            # The same file again: the same exhibit, already loaded, a no-op.
            again = bench.load(paths[:1], name)
            assert [s.status for s in again.sources] == ["already loaded"]
        result = colocate(bench.store, name_a, name_b, Parameters(*params))
        assert keys(result) == expected, f"{parts} file(s)"
        if baseline is None:
            baseline = spans(result)
        assert spans(result) == baseline, f"{parts} file(s)"
