"""Counting each communication once when several sources record it.

The matching rule, shown with every contacts result:

  Two records are the same communication when they come from different sources, have the
  same kind, the same caller and the same callee, and start no more than ``tolerance``
  seconds apart (default 60 s: operators' clocks and handsets differ by seconds, rarely
  more). Records from the same source are never merged: a source that lists two calls lists
  two calls. Matching runs in time order; each record joins the earliest still-open group
  that has no record from its source yet, else starts a new group. A group's time is its
  earliest record's time.

This counts a burst of N identical texts seen by two operators as N, not 2N and not 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_TOLERANCE_S = 60.0


@dataclass
class Group:
    """One communication and the records (source, row) that show it."""

    t_us: int
    key: tuple[str, str, str]
    records: list[tuple[int, int]] = field(default_factory=list)
    sources: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Record:
    source_id: int
    row: int
    t_us: int
    kind: str
    caller: str
    callee: str


def merge(records: Iterable[Record], tolerance_s: float = DEFAULT_TOLERANCE_S) -> list[Group]:
    """Groups of records describing the same communication, in time order."""
    tolerance_us = round(tolerance_s * 1_000_000)
    by_key: dict[tuple[str, str, str], list[Record]] = {}
    for record in records:
        by_key.setdefault((record.kind, record.caller, record.callee), []).append(record)
    groups: list[Group] = []
    for key, items in by_key.items():
        items.sort(key=lambda r: (r.t_us, r.source_id, r.row))
        open_groups: list[Group] = []
        for record in items:
            # Groups that started too long ago can take no more records.
            open_groups = [g for g in open_groups if record.t_us - g.t_us <= tolerance_us]
            target = next((g for g in open_groups if record.source_id not in g.sources), None)
            if target is None:
                target = Group(record.t_us, key)
                open_groups.append(target)
                groups.append(target)
            target.records.append((record.source_id, record.row))
            target.sources.add(record.source_id)
    groups.sort(key=lambda g: (g.t_us, g.key))
    return groups
