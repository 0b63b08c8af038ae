"""Co-location of two subjects: events and occasions exactly as DESIGN §6 defines them.

The search is one SQL query (``colocate_events.sql``); this module binds its parameters, puts
the events in time order and numbers them into occasions (``colocation_table``: columns, for
callers that want thousands of events), then grades each event and groups the occasions
(``colocate``: plain dataclasses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from appliance.analyses import sql
from appliance.analyses.common import Period, SourceLabel, source_labels, two_subjects, utc
from appliance.analyses.grading import best, grade
from appliance.errors import UsageError
from appliance.store.case import CaseStore
from appliance.timeutil import iso_z

DEFAULT_WITHIN_M = 500.0
DEFAULT_WINDOW_S = 300.0
DEFAULT_GAP_S = 1800.0
# Pruning grid: these change only speed, never the events (see colocate_events.sql), as long
# as cells are at least the reach and buckets at least the window. Measured on two subjects with
# 1,000,000 fixes each (appliance bench dense): cells of one reach and buckets of one window keep
# the cells' bounding boxes tight, so few candidate pairs survive; larger cells cost more.
CELL_FACTOR = 1.0
BUCKET_FACTOR = 1.0
# The order of events: by time, then the rest of the pair so that ties always come out alike.
EVENT_ORDER = ("t_us", "a_t_us", "b_t_us", "a_source_id", "a_row", "b_source_id", "b_row")


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
    lo, hi = params.period.bounds()
    within = params.within_m
    window_us = round(params.window_s * 1_000_000)
    return {
        "a": a_id,
        "b": b_id,
        "within_m": within,
        "window_us": window_us,
        # Rounding in the Earth-centred coordinates is far below a millimetre; a millimetre of
        # slack keeps the prune conservative without changing any result.
        "reach_m": within + 0.001,
        # The SQL relies on cells of at least the reach and buckets of at least the window (a
        # pair that meets both bounds is then in the same or neighbouring cells).
        "cell_m": max((within + 0.001) * max(CELL_FACTOR, 1.0), 1.0),
        "bucket_us": max(window_us, round(window_us * BUCKET_FACTOR), 1_000_000),
        "from_t": lo,
        "to_t": hi,
    }


def colocation_table(store: CaseStore, a_id: int, b_id: int, params: Parameters) -> pa.Table:
    """Every event between subjects ``a_id`` and ``b_id``, in time order, as columns.

    One row per event: both fixes' source, row, time (``a_t_us``, ``b_t_us``), position, radius
    and method, the event's time ``t_us``, its geodesic ``distance_m`` and its ``occasion``
    (numbered from 1).
    """
    table = store.fetch(sql.load("colocate_events"), query_parameters(a_id, b_id, params))
    table = table.take(pc.sort_indices(table, [(key, "ascending") for key in EVENT_ORDER]))
    return table.append_column("occasion", occasion_numbers(table.column("t_us"), params.gap_s))


def occasion_numbers(times_us: pa.ChunkedArray, gap_s: float) -> pa.Array:
    """Occasion of each event, for event times in order: a new one after a gap over ``gap_s``."""
    times = times_us.combine_chunks()
    if len(times) == 0:
        return pa.array([], pa.int32())
    gap_us = round(gap_s * 1_000_000)
    # The first event has no predecessor (a null difference): it starts occasion 1.
    starts = pc.fill_null(pc.greater(pc.pairwise_diff(times), gap_us), True)
    numbers: pa.Array = pc.cumulative_sum(pc.cast(starts, pa.int32()))
    return numbers


def colocate(store: CaseStore, a: str, b: str, params: Parameters) -> Colocation:
    subject_a, subject_b = two_subjects(store, a, b)
    table = colocation_table(store, subject_a.id, subject_b.id, params)
    labels = source_labels(store)
    events: list[Event] = []
    for r in table.to_pylist():
        events.append(
            Event(
                occasion=r["occasion"],
                time=utc(r["t_us"]),
                a_time=utc(r["a_t_us"]),
                b_time=utc(r["b_t_us"]),
                distance_m=r["distance_m"],
                a_lat=r["a_lat"],
                a_lon=r["a_lon"],
                b_lat=r["b_lat"],
                b_lon=r["b_lon"],
                a_radius_m=r["a_radius_m"],
                b_radius_m=r["b_radius_m"],
                a_method=r["a_method"],
                b_method=r["b_method"],
                grade=grade(r["distance_m"], params.within_m, r["a_radius_m"], r["b_radius_m"]),
                a_source=labels[r["a_source_id"]],
                a_row=r["a_row"],
                b_source=labels[r["b_source_id"]],
                b_row=r["b_row"],
            )
        )
    return Colocation(subject_a.name, subject_b.name, params, events, group_occasions(events))


def group_occasions(events: list[Event]) -> list[Occasion]:
    """Occasions from events already numbered and in time order."""
    occasions: list[Occasion] = []
    group: list[Event] = []
    for event in [*events, None]:
        if group and (event is None or event.occasion != group[0].occasion):
            occasions.append(
                Occasion(
                    number=group[0].occasion,
                    start=group[0].time,
                    end=group[-1].time,
                    events=len(group),
                    min_distance_m=min(e.distance_m for e in group),
                    grade=best([e.grade for e in group]),
                )
            )
            group = []
        if event is not None:
            group.append(event)
    return occasions
