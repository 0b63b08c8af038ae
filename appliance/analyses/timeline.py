"""One chronology across all sources, for a subject or for the whole case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.analyses import sql
from appliance.analyses.common import Period, SourceLabel, source_labels, utc
from appliance.store.case import CaseStore
from appliance.timeutil import iso_z

DEFAULT_LIMIT = 1_000_000


@dataclass(frozen=True)
class Item:
    time: datetime
    kind: str
    subject: str | None
    direction: str | None
    lat: float | None
    lon: float | None
    radius_m: float | None
    method: str | None
    source: SourceLabel
    row: int
    line: str | None
    other: str | None
    duration_s: float | None
    time_flag: str | None

    def as_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "time": iso_z(self.time),
            "kind": self.kind,
            "subject": self.subject,
            "direction": self.direction,
            "lat": self.lat,
            "lon": self.lon,
            "radius_m": self.radius_m,
            "source": self.source.exhibit,
            "row": self.row,
        }
        if self.kind != "observation":
            item.update(line=self.line, other=self.other, duration_s=self.duration_s)
        else:
            item["method"] = self.method
        if self.time_flag:
            item["time_flag"] = self.time_flag
        return item


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last item's place in the timeline's order."""

    t_us: int
    source_id: int
    row: int
    kind: str


def timeline(
    store: CaseStore,
    subject: str | None = None,
    period: Period | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> list[Item]:
    items, _cursor = timeline_page(store, subject, period, limit=limit, offset=offset)
    return items


def timeline_page(
    store: CaseStore,
    subject: str | None = None,
    period: Period | None = None,
    *,
    kind: str | None = None,
    after: Cursor | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> tuple[list[Item], Cursor | None]:
    """Up to ``limit`` items (of ``kind``, if given) just after ``after``, and the cursor of
    the last one (None when there are none)."""
    subject_id = store.subject(subject).id if subject else None
    lo, hi = (period or Period()).bounds()
    table = store.fetch(
        sql.load("timeline"),
        {
            "subject": subject_id,
            "from_t": lo,
            "to_t": hi,
            "kind": kind,
            "after_us": after.t_us if after else None,
            "after_source": after.source_id if after else None,
            "after_row": after.row if after else None,
            "after_kind": after.kind if after else None,
            "limit": limit,
            "offset": offset,
        },
    )
    labels = source_labels(store)
    rows = table.to_pylist()
    items = [
        Item(
            utc(r["t_us"]),
            r["kind"],
            r["subject"],
            r["direction"],
            r["lat"],
            r["lon"],
            r["radius_m"],
            r["method"],
            labels[r["source_id"]],
            r["row"],
            r["line"],
            r["other"],
            r["duration_s"],
            r["time_flag"],
        )
        for r in rows
    ]
    last = rows[-1] if rows else None
    cursor = Cursor(last["t_us"], last["source_id"], last["row"], last["kind"]) if last else None
    return items, cursor
