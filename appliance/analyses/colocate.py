"""Co-location of two subjects: events and occasions exactly as DESIGN §6 defines them.

The search is one SQL query (``colocate_events.sql``), which returns every event in time order.
This module binds its parameters, then numbers the events into occasions, grades them and
sums up each occasion with Arrow's vectorised kernels (``colocation_tables``: the whole
co-location as columns), and finally turns the columns into plain dataclasses (``colocate``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from appliance.analyses import sql
from appliance.analyses.common import Period, SourceLabel, source_labels, two_subjects, utc
from appliance.analyses.grading import GRADES
from appliance.errors import UsageError
from appliance.store.case import CaseStore
from appliance.timeutil import iso_z

DEFAULT_WITHIN_M = 500.0
DEFAULT_WINDOW_S = 300.0
DEFAULT_GAP_S = 1800.0
# Pruning grid: these change only speed, never the events (see colocate_events.sql).
# Measured on two subjects with 1,000,000 fixes each (appliance bench dense): 4 x reach and
# 4 x window list each of B's fixes in about 3.5 cells and keep candidates few.
CELL_FACTOR = 4.0
BUCKET_FACTOR = 4.0
_GRADE_NAMES = pa.array(GRADES, pa.string())


@dataclass(frozen=True)
class Parameters:
    within_m: float = DEFAULT_WITHIN_M
    window_s: float = DEFAULT_WINDOW_S
    gap_s: float = DEFAULT_GAP_S
    period: Period = field(default_factory=Period)

    def __post_init__(self) -> None:
        for name in ("within_m", "window_s", "gap_s"):
            value = getattr(self, name)
            if not value >= 0 or value == float("inf"):
                raise UsageError(f"{name} must be a finite number of zero or more, not {value}.")

    def as_json(self) -> dict[str, Any]:
        lo, hi = self.period.start, self.period.end
        return {
            "within_m": _num(self.within_m),
            "window_s": _num(self.window_s),
            "gap_s": _num(self.gap_s),
            "from": iso_z(lo) if lo else None,
            "to": iso_z(hi) if hi else None,
            "distance": "geodesic on the WGS84 ellipsoid (GeographicLib)",
            "bounds": "inclusive",
        }


@dataclass(frozen=True)
class Event:
    occasion: int
    time: datetime
    a_time: datetime
    b_time: datetime
    distance_m: float
    a_lat: float
    a_lon: float
    b_lat: float
    b_lon: float
    a_radius_m: float | None
    b_radius_m: float | None
    a_method: str
    b_method: str
    grade: str
    a_source: SourceLabel
    a_row: int
    b_source: SourceLabel
    b_row: int

    def as_json(self) -> dict[str, Any]:
        return {
            "a_time": iso_z(self.a_time),
            "b_time": iso_z(self.b_time),
            "distance_m": round(self.distance_m, 1),
            "a_lat": self.a_lat,
            "a_lon": self.a_lon,
            "b_lat": self.b_lat,
            "b_lon": self.b_lon,
            "a_radius_m": self.a_radius_m,
            "b_radius_m": self.b_radius_m,
            "a_method": self.a_method,
            "b_method": self.b_method,
            "grade": self.grade,
            "a_source": self.a_source.exhibit,
            "a_row": self.a_row,
            "b_source": self.b_source.exhibit,
            "b_row": self.b_row,
            "occasion": self.occasion,
        }


@dataclass(frozen=True)
class Occasion:
    number: int
    start: datetime
    end: datetime
    events: int
    min_distance_m: float
    grade: str

    def as_json(self) -> dict[str, Any]:
        return {
            "occasion": self.number,
            "start": iso_z(self.start),
            "end": iso_z(self.end),
            "events": self.events,
            "min_distance_m": round(self.min_distance_m, 1),
            "grade": self.grade,
        }


@dataclass(frozen=True)
class Colocation:
    a: str
    b: str
    parameters: Parameters
    events: list[Event]
    occasions: list[Occasion]

    def as_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "parameters": self.parameters.as_json(),
            "events": [e.as_json() for e in self.events],
            "occasions": [o.as_json() for o in self.occasions],
        }


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def query_parameters(a_id: int, b_id: int, params: Parameters) -> dict[str, Any]:
    """The bound parameters of ``colocate_events.sql``."""
    lo, hi = params.period.bounds()
    within = params.within_m
    window_us = round(params.window_s * 1_000_000)
    return {
        "a": a_id,
        "b": b_id,
        "within_m": within,
        "window_us": window_us,
        # Rounding in the east/north coordinates is far below a millimetre; a millimetre of
        # slack keeps the prune conservative without changing any result.
        "reach_m": within + 0.001,
        # The SQL relies on cells of at least twice the reach and buckets of at least twice
        # the window (a box then spans at most two cells per dimension).
        "cell_m": max((within + 0.001) * CELL_FACTOR, 1.0),
        "bucket_us": max(window_us * 2, round(window_us * BUCKET_FACTOR), 1_000_000),
        "from_t": lo,
        "to_t": hi,
    }


def colocation_tables(
    store: CaseStore, a_id: int, b_id: int, params: Parameters
) -> tuple[pa.Table, pa.Table]:
    """The whole co-location as columns: (events, occasions).

    Events: the query's rows in time order, plus ``occasion`` and ``grade``. Occasions: one row
    per occasion (``occasion``, ``start_us``, ``end_us``, ``events``, ``min_distance_m``,
    ``grade``), in order. ``colocate`` turns both into dataclasses; the benchmark times this.
    """
    events = store.fetch(sql.load("colocate_events"), query_parameters(a_id, b_id, params))
    occasion = occasion_numbers(events.column("t_us"), round(params.gap_s * 1_000_000))
    rank = grade_ranks(
        events.column("distance_m"),
        params.within_m,
        events.column("a_radius_m"),
        events.column("b_radius_m"),
    )
    events = events.append_column("occasion", occasion)
    events = events.append_column("grade", pc.take(_GRADE_NAMES, rank))
    summary = (
        pa.table(
            {
                "occasion": occasion,
                "t_us": events.column("t_us"),
                "distance_m": events.column("distance_m"),
                "rank": rank,
            }
        )
        # Single-threaded, so groups come out in order of first appearance (and sorted anyway).
        .group_by("occasion", use_threads=False)
        .aggregate(
            [
                ("t_us", "min"),
                ("t_us", "max"),
                ("t_us", "count"),
                ("distance_m", "min"),
                ("rank", "min"),
            ]
        )
        .sort_by("occasion")
    )
    occasions = pa.table(
        {
            "occasion": summary.column("occasion"),
            "start_us": summary.column("t_us_min"),
            "end_us": summary.column("t_us_max"),
            "events": summary.column("t_us_count"),
            "min_distance_m": summary.column("distance_m_min"),
            "grade": pc.take(_GRADE_NAMES, summary.column("rank_min")),
        }
    )
    return events, occasions


def occasion_numbers(t_us: pa.ChunkedArray | pa.Array, gap_us: int) -> pa.Array:
    """Occasion numbers (1, 2, ...) of events already in time order (DESIGN §6).

    An event starts a new occasion when its time is more than ``gap_us`` after the previous
    event's time; the first event starts occasion 1. Events with equal times never split, so
    the order among them does not matter.
    """
    times = t_us.combine_chunks() if isinstance(t_us, pa.ChunkedArray) else t_us
    # pairwise_diff leaves the first event's difference null: it starts occasion 1.
    starts = pc.fill_null(pc.greater(pc.pairwise_diff(times), gap_us), True)
    numbers: pa.Array = pc.cumulative_sum(starts.cast(pa.int32()))
    return numbers


def grade_ranks(
    distance_m: pa.ChunkedArray,
    within_m: float,
    a_radius_m: pa.ChunkedArray,
    b_radius_m: pa.ChunkedArray,
) -> pa.Array:
    """Each event's grade as its index in ``grading.GRADES`` (0 is the best).

    ``grading.grade`` over whole columns: the same double-precision sums and comparisons in
    the same order (spread = ra + rb, then distance + spread), so the same grade bit for bit.
    A missing radius leaves the spread null, hence ``unknown``.
    """
    spread = pc.add(a_radius_m, b_radius_m)
    certain = pc.less_equal(pc.add(distance_m, spread), within_m)
    probable = pc.less_equal(spread, within_m)
    certain_, probable_, possible_, unknown_ = (
        pa.scalar(GRADES.index(g), pa.int8())
        for g in ("certain", "probable", "possible", "unknown")
    )
    rank = pc.fill_null(
        pc.if_else(certain, certain_, pc.if_else(probable, probable_, possible_)), unknown_
    )
    ranks: pa.Array = rank.combine_chunks() if isinstance(rank, pa.ChunkedArray) else rank
    return ranks


def colocate(store: CaseStore, a: str, b: str, params: Parameters) -> Colocation:
    subject_a, subject_b = two_subjects(store, a, b)
    table, summary = colocation_tables(store, subject_a.id, subject_b.id, params)
    labels = source_labels(store)
    column = {name: table.column(name).to_pylist() for name in table.column_names}
    a_times, b_times = _moments(column["a_t_us"]), _moments(column["b_t_us"])
    # An event's time is the earlier of its two times: the same moment, so the same object.
    times = [
        ta if a_us <= b_us else tb
        for ta, tb, a_us, b_us in zip(
            a_times, b_times, column["a_t_us"], column["b_t_us"], strict=True
        )
    ]
    # Positionally, in Event's field order: keywords cost about 0.4 s more for 658,240 events.
    events = list(
        map(
            Event,
            column["occasion"],
            times,
            a_times,
            b_times,
            column["distance_m"],
            column["a_lat"],
            column["a_lon"],
            column["b_lat"],
            column["b_lon"],
            column["a_radius_m"],
            column["b_radius_m"],
            column["a_method"],
            column["b_method"],
            column["grade"],
            [labels[s] for s in column["a_source_id"]],
            column["a_row"],
            [labels[s] for s in column["b_source_id"]],
            column["b_row"],
        )
    )
    occasions = [
        Occasion(
            number=r["occasion"],
            start=utc(r["start_us"]),
            end=utc(r["end_us"]),
            events=r["events"],
            min_distance_m=r["min_distance_m"],
            grade=r["grade"],
        )
        for r in summary.to_pylist()
    ]
    return Colocation(subject_a.name, subject_b.name, params, events, occasions)


def _moments(values: list[int]) -> list[datetime]:
    """``utc`` of each value, converting each distinct value once: in a dense co-location the
    same fix is in many events (about 150 each in the benchmark)."""
    moment = {us: utc(us) for us in set(values)}
    return [moment[us] for us in values]
