"""Co-location of two subjects: events and occasions exactly as DESIGN §6 defines them.

The search is one SQL query (``colocate_events.sql``); this module binds its parameters, puts
the events in time order and numbers them into occasions (``colocation_table``: columns, for
callers that want thousands of events), then grades each event and groups the occasions
(``colocate``: occasions as dataclasses, events made into dataclasses only when read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from appliance.analyses import sql
from appliance.analyses.common import Period, SourceLabel, source_labels, two_subjects
from appliance.analyses.grading import GRADES, grade_column, grade_ranks
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


@dataclass(frozen=True, eq=False)
class Colocation:
    """The result: occasions at once, events made into objects only when read.

    A dense case has hundreds of thousands of events; a screen shows one occasion's, so
    ``occasion_events`` builds only those, and ``events`` builds them all on first use.
    ``read(start, count)`` gives events ``start`` to ``start + count - 1`` in time order.
    """

    a: str
    b: str
    parameters: Parameters
    occasions: list[Occasion]
    read: Callable[[int, int], list[Event]] = field(repr=False)

    @classmethod
    def of_events(
        cls, a: str, b: str, parameters: Parameters, events: list[Event], occasions: list[Occasion]
    ) -> Colocation:
        """A result from events already made (in time order, numbered into ``occasions``)."""
        return cls(a, b, parameters, occasions, lambda start, count: events[start : start + count])

    @property
    def event_count(self) -> int:
        return sum(o.events for o in self.occasions)

    @cached_property
    def events(self) -> list[Event]:
        return self.read(0, self.event_count)

    def occasion_span(self, number: int) -> tuple[int, int]:
        """Where occasion ``number``'s events are (first index, count): one contiguous run,
        since events are in order; (0, 0) when there is no such occasion."""
        start = 0
        for occasion in self.occasions:
            if occasion.number == number:
                return start, occasion.events
            start += occasion.events
        return 0, 0

    def occasion_events(self, number: int) -> list[Event]:
        """The events of occasion ``number``, in time order."""
        start, count = self.occasion_span(number)
        return self.read(start, count) if count else []

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
    (numbered from 1). Events are in time order, ties broken by the rest of the pair.
    """
    table = store.fetch(sql.load("colocate_events"), query_parameters(a_id, b_id, params))
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
    grades = grade_column(
        table.column("distance_m"),
        params.within_m,
        table.column("a_radius_m"),
        table.column("b_radius_m"),
    )
    read = partial(_events, table, grades, source_labels(store))
    return Colocation(subject_a.name, subject_b.name, params, _occasions(table, grades), read)


def _occasions(table: pa.Table, grades: pa.Array) -> list[Occasion]:
    """Occasions from events already numbered and in time order: first and last event time,
    number of events, closest distance and best grade of each."""
    if table.num_rows == 0:
        return []
    columns = pa.table(
        {
            "occasion": table.column("occasion"),
            "t_us": table.column("t_us"),
            "distance_m": table.column("distance_m"),
            "rank": grade_ranks(grades),
        }
    )
    groups = (
        columns.group_by("occasion", use_threads=False)
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
    return list(
        map(
            Occasion,
            groups.column("occasion").to_pylist(),
            _times(groups.column("t_us_min")),
            _times(groups.column("t_us_max")),
            groups.column("t_us_count").to_pylist(),
            groups.column("distance_m_min").to_pylist(),
            [GRADES[rank] for rank in groups.column("rank_min").to_pylist()],
        )
    )


def _times(us: pa.ChunkedArray | pa.Array) -> list[datetime]:
    # An offset of +00:00 makes Arrow give datetime.UTC, the zone every other result carries.
    times: list[datetime] = pc.cast(us, pa.timestamp("us", tz="+00:00")).to_pylist()
    return times


def _events(
    table: pa.Table, grades: pa.Array, labels: dict[int, SourceLabel], start: int, count: int
) -> list[Event]:
    """Events ``start`` to ``start + count - 1`` of a result as objects, built column by column
    (one conversion per column, not per value: a dense case has hundreds of thousands)."""
    part = table.slice(start, count)

    def values(name: str) -> list[Any]:
        return part.column(name).to_pylist()  # type: ignore[no-any-return]

    return list(
        map(
            Event,
            values("occasion"),
            _times(part.column("t_us")),
            _times(part.column("a_t_us")),
            _times(part.column("b_t_us")),
            values("distance_m"),
            values("a_lat"),
            values("a_lon"),
            values("b_lat"),
            values("b_lon"),
            values("a_radius_m"),
            values("b_radius_m"),
            values("a_method"),
            values("b_method"),
            grades.slice(start, count).to_pylist(),
            [labels[s] for s in values("a_source_id")],
            values("a_row"),
            [labels[s] for s in values("b_source_id")],
            values("b_row"),
        )
    )
