"""An independent, brute-force reference for the analyses of DESIGN §6, for the tests only.

Nothing here imports the appliance. It is written from the definitions' words, as plainly as
possible, so that a mistake in the product (a pruning grid, a window function, a merge) cannot
be repeated here by sharing code:

* every pair of fixes is compared (O(n*m)); the time test runs first only because it is cheap,
  the result does not depend on the order of the two tests;
* distance is GeographicLib's geodesic on the WGS84 ellipsoid, in metres;
* times are whole microseconds since 1970-01-01T00:00:00Z, so every comparison is exact.

Exact duplicate fixes. The product counts a subject's fix once when the subject reports the
same time (to the microsecond), the same latitude and the same longitude more than once, in one
file or across files (the QUALIFY in ``colocate_events.sql`` and ``breach.sql``): a duplicate
row is the same fix exported twice, not a second sighting. The reference does the same: of the
copies, the first in load order (file order, then row order) is kept; later copies are dropped
before anything is compared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import NamedTuple

from geographiclib.geodesic import Geodesic

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Fix(NamedTuple):
    """A reported position: time in microseconds since the epoch (UTC), WGS84 degrees."""

    t_us: int
    lat: float
    lon: float


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance on the WGS84 ellipsoid, metres."""
    return float(Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2)["s12"])


def to_us(seconds: float) -> int:
    """A parameter in seconds as whole microseconds."""
    return round(seconds * 1_000_000)


def unique_fixes(points: Sequence[Fix]) -> dict[int, Fix]:
    """1-based index -> fix, keeping only the first of exact duplicates (see module docstring)."""
    seen: set[Fix] = set()
    kept: dict[int, Fix] = {}
    for index, fix in enumerate(points, start=1):
        if fix in seen:
            continue
        seen.add(fix)
        kept[index] = fix
    return kept


# --- co-location --------------------------------------------------------------------------


def events(
    a_points: Sequence[Fix], b_points: Sequence[Fix], within_m: float, window_s: float
) -> set[tuple[int, int]]:
    """Every (a_index, b_index), 1-based, with |t_a - t_b| <= window and distance <= within."""
    window_us = to_us(window_s)
    a_fixes, b_fixes = unique_fixes(a_points), unique_fixes(b_points)
    found: set[tuple[int, int]] = set()
    for i, a in a_fixes.items():
        for j, b in b_fixes.items():
            if abs(a.t_us - b.t_us) > window_us:
                continue
            if distance_m(a.lat, a.lon, b.lat, b.lon) <= within_m:
                found.add((i, j))
    return found


def event_time(a: Fix, b: Fix) -> int:
    """An event's time: the earlier of its two fixes."""
    return min(a.t_us, b.t_us)


def occasions(event_times: Iterable[int], gap_s: float) -> list[tuple[int, int, int]]:
    """(start, end, number of events) per occasion, in time order.

    Events sorted by time; an event starts a new occasion when its time is more than ``gap``
    after the previous event's time.
    """
    gap_us = to_us(gap_s)
    result: list[list[int]] = []
    previous: int | None = None
    for t in sorted(event_times):
        if previous is None or t - previous > gap_us:
            result.append([t, t, 1])
        else:
            result[-1][1] = t
            result[-1][2] += 1
        previous = t
    return [(start, end, count) for start, end, count in result]


# --- contacts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comm:
    """One record of a communication as one source lists it.

    ``caller`` and ``callee`` are canonical identifiers (the test knows who called whom);
    ``source`` is the load order of the source (1, 2, ...) and ``row`` its data row.
    """

    t_us: int
    kind: str
    caller: str
    callee: str
    source: int
    row: int
    duration_s: float | None = None


@dataclass
class _Communication:
    kind: str
    caller: str
    callee: str
    start: int
    sources: set[int]
    answered: bool


def merge(records: Iterable[Comm], tolerance_s: float) -> list[_Communication]:
    """Records grouped into communications, by the documented matching rule.

    Two records are the same communication when they come from different sources, have the same
    kind, caller and callee, and start no more than the tolerance apart. Records are taken in
    time order; each joins the earliest communication still open to it (same kind, caller and
    callee, started no more than the tolerance before it, nothing yet from its source), or
    starts a new one. A communication's time is its first record's.
    """
    tolerance_us = to_us(tolerance_s)
    found: list[_Communication] = []
    for record in sorted(records, key=lambda r: (r.t_us, r.source, r.row)):
        home = None
        for candidate in found:  # in order of starting, so the first match is the earliest
            if (
                (candidate.kind, candidate.caller, candidate.callee)
                == (record.kind, record.caller, record.callee)
                and record.t_us - candidate.start <= tolerance_us
                and record.source not in candidate.sources
            ):
                home = candidate
                break
        if home is None:
            home = _Communication(
                record.kind, record.caller, record.callee, record.t_us, set(), False
            )
            found.append(home)
        home.sources.add(record.source)
        home.answered = home.answered or (record.duration_s or 0) > 0
    return found


def local_day(t_us: int, tz: tzinfo) -> date:
    return (EPOCH + timedelta(microseconds=t_us)).astimezone(tz).date()


@dataclass(frozen=True)
class ContactCounts:
    per_day: dict[date, Counter[str]]
    totals: Counter[str]
    answered: Counter[str]
    first: int | None
    last: int | None


def contacts(
    records: Iterable[Comm],
    a_ids: set[str],
    b_ids: set[str],
    tz: tzinfo,
    tolerance_s: float = 60.0,
) -> ContactCounts:
    """Communications between A and B, once each, by ``<kind>_a_to_b``/``<kind>_b_to_a``.

    Only non-zero counts appear. Days are local calendar days in ``tz``.
    """
    between = [
        r
        for r in records
        if (r.caller in a_ids and r.callee in b_ids) or (r.caller in b_ids and r.callee in a_ids)
    ]
    per_day: dict[date, Counter[str]] = {}
    totals: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    times = []
    for c in merge(between, tolerance_s):
        direction = "a_to_b" if c.caller in a_ids else "b_to_a"
        key = f"{c.kind}_{direction}"
        per_day.setdefault(local_day(c.start, tz), Counter())[key] += 1
        totals[key] += 1
        if c.kind == "voice" and c.answered:
            answered[direction] += 1
        times.append(c.start)
    return ContactCounts(
        per_day, totals, answered, min(times) if times else None, max(times) if times else None
    )


# --- exclusion zones ------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    entry: int
    exit: int
    sightings: int
    closest_m: float
    before: int | None
    after: int | None


def visits(
    points: Sequence[Fix],
    radii: Sequence[float | None],
    lat: float,
    lon: float,
    radius_m: float,
    gap_s: float,
) -> list[Visit]:
    """Visits inside the circle, from one subject's fixes given in load (file, row) order.

    ``radii[k]`` is the uncertainty radius reported with ``points[k]`` (None: not reported,
    taken as zero). A fix is inside when its reported point's geodesic distance from the centre
    is at most the zone's radius; certainly outside when even the nearest edge of its own
    uncertainty circle is beyond the zone's radius (distance - its radius > zone radius); and
    otherwise undecided (a coarse fix that may or may not have been inside): an undecided fix
    neither ends a visit nor counts as a sighting in one, so it is set aside.

    Of the remaining fixes, in time order (ties in load order), a visit is a run of inside
    fixes; it ends at a fix certainly outside, or when the next inside fix comes more than
    ``gap`` after the previous one. ``before`` and ``after`` are the times of the remaining
    fixes just before the visit's first sighting and just after its last.
    """
    gap_us = to_us(gap_s)
    decided: list[tuple[Fix, bool, float]] = []
    kept = unique_fixes(points)
    for index in sorted(kept, key=lambda k: (kept[k].t_us, k)):
        fix = kept[index]
        distance = distance_m(fix.lat, fix.lon, lat, lon)
        own = radii[index - 1] or 0.0
        if distance <= radius_m:
            decided.append((fix, True, distance))
        elif distance - own > radius_m:
            decided.append((fix, False, distance))
    runs: list[list[int]] = []
    for k, (fix, inside, _) in enumerate(decided):
        if not inside:
            continue
        if k > 0 and decided[k - 1][1] and fix.t_us - decided[k - 1][0].t_us <= gap_us:
            runs[-1].append(k)
        else:
            runs.append([k])
    result = []
    for run in runs:
        first, last = run[0], run[-1]
        result.append(
            Visit(
                entry=decided[first][0].t_us,
                exit=decided[last][0].t_us,
                sightings=len(run),
                closest_m=min(decided[k][2] for k in run),
                before=decided[first - 1][0].t_us if first > 0 else None,
                after=decided[last + 1][0].t_us if last + 1 < len(decided) else None,
            )
        )
    return result
