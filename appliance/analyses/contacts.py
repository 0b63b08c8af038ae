"""Contacts between two subjects (DESIGN §6): counted once, by kind and direction, per day.

Days are local calendar days in the case's time zone (so a call at 23:30 BST on 30 March is
counted on 30 March, though it was 22:30 UTC), correct on both sides of each clock change.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from appliance.analyses import sql
from appliance.analyses.common import Period, two_subjects, utc
from appliance.analyses.dedupe import DEFAULT_TOLERANCE_S, Record, merge
from appliance.model import KINDS
from appliance.store.case import CaseStore
from appliance.timeutil import iso_z, zone

COUNTED_KINDS = KINDS
DIRECTIONS = ("a_to_b", "b_to_a")
KEYS = tuple(f"{kind}_{d}" for kind in COUNTED_KINDS for d in DIRECTIONS)


@dataclass(frozen=True)
class Contacts:
    a: str
    b: str
    timezone: str
    tolerance_s: float
    totals: dict[str, int]
    answered_voice: dict[str, int]
    per_day: list[tuple[date, dict[str, int]]]
    first: datetime | None
    last: datetime | None
    records: int
    merged: int

    @property
    def busiest_day(self) -> tuple[date, dict[str, int]] | None:
        if not self.per_day:
            return None
        return max(self.per_day, key=lambda item: (sum(item[1].values()), -item[0].toordinal()))

    def as_json(self) -> dict[str, Any]:
        busiest = self.busiest_day
        return {
            "a": self.a,
            "b": self.b,
            "timezone": self.timezone,
            "totals": {**self.totals, "total": sum(self.totals.values())},
            "voice_answered": self.answered_voice,
            "per_day": [
                {"date": day.isoformat(), **counts, "total": sum(counts.values())}
                for day, counts in self.per_day
            ],
            "first": iso_z(self.first) if self.first else None,
            "last": iso_z(self.last) if self.last else None,
            "busiest_day": (
                {"date": busiest[0].isoformat(), **busiest[1], "total": sum(busiest[1].values())}
                if busiest
                else None
            ),
            "matching": {
                "rule": "same kind, caller and callee, from different sources, starting within "
                "the tolerance; records from one source are never merged",
                "tolerance_s": self.tolerance_s,
                "records": self.records,
                "merged_duplicates": self.merged,
            },
        }


def contacts(
    store: CaseStore,
    a: str,
    b: str,
    period: Period | None = None,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> Contacts:
    subject_a, subject_b = two_subjects(store, a, b)
    lo, hi = (period or Period()).bounds()
    table = store.fetch(
        sql.load("contacts"), {"a": subject_a.id, "b": subject_b.id, "from_t": lo, "to_t": hi}
    )
    rows = table.to_pylist()
    direction_of = {}
    duration_of = {}
    records = []
    for r in rows:
        records.append(
            Record(r["source_id"], r["row"], r["t_us"], r["kind"], r["caller"], r["callee"])
        )
        direction_of[(r["source_id"], r["row"])] = "a_to_b" if r["a_to_b"] else "b_to_a"
        duration_of[(r["source_id"], r["row"])] = r["duration_s"]
    groups = merge(records, tolerance_s)
    tz = zone(store.info.timezone)
    totals: Counter[str] = Counter({k: 0 for k in KEYS})
    answered: Counter[str] = Counter({d: 0 for d in DIRECTIONS})
    days: dict[date, Counter[str]] = {}
    for group in groups:
        first_record = group.records[0]
        direction = direction_of[first_record]
        key = f"{group.key[0]}_{direction}"
        totals[key] += 1
        if group.key[0] == "voice" and any((duration_of[r] or 0) > 0 for r in group.records):
            answered[direction] += 1
        day = utc(group.t_us).astimezone(tz).date()
        days.setdefault(day, Counter({k: 0 for k in KEYS}))[key] += 1
    return Contacts(
        a=subject_a.name,
        b=subject_b.name,
        timezone=store.info.timezone,
        tolerance_s=tolerance_s,
        totals=dict(totals),
        answered_voice=dict(answered),
        per_day=[(day, dict(days[day])) for day in sorted(days)],
        first=utc(groups[0].t_us) if groups else None,
        last=utc(max(g.t_us for g in groups)) if groups else None,
        records=len(records),
        merged=len(records) - len(groups),
    )
