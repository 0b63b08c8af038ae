"""Every record of a communication between A and B, with the communication it is counted as.

``contacts`` gives the counts; this gives the records behind them, for an export a defence
expert can check line by line. It runs the same query (``contacts.sql``) and the same matching
rule (``dedupe.merge``), so the number of communications here is the contacts total, and the
number of records is its ``matching.records``. Within each communication the first record in
time order is the one it is counted under; any others are marked as merged duplicates of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from appliance.analyses import sql
from appliance.analyses.common import Period, SourceLabel, source_labels, two_subjects, utc
from appliance.analyses.dedupe import DEFAULT_TOLERANCE_S, Record, merge
from appliance.store.case import CaseStore


@dataclass(frozen=True)
class CommunicationRecord:
    communication: int
    counted: bool
    time: datetime
    kind: str
    direction: str
    caller: str
    callee: str
    duration_s: float | None
    time_flag: str | None
    source: SourceLabel
    row: int


@dataclass(frozen=True)
class CommunicationList:
    a: str
    b: str
    tolerance_s: float
    communications: int
    records: list[CommunicationRecord]


def communications(
    store: CaseStore,
    a: str,
    b: str,
    period: Period | None = None,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> CommunicationList:
    """Every record between A and B, grouped into communications numbered in time order."""
    subject_a, subject_b = two_subjects(store, a, b)
    lo, hi = (period or Period()).bounds()
    table = store.fetch(
        sql.load("contacts"), {"a": subject_a.id, "b": subject_b.id, "from_t": lo, "to_t": hi}
    )
    by_key = {(r["source_id"], r["row"]): r for r in table.to_pylist()}
    del table
    groups = merge(
        (
            Record(r["source_id"], r["row"], r["t_us"], r["kind"], r["caller"], r["callee"])
            for r in by_key.values()
        ),
        tolerance_s,
    )
    labels = source_labels(store)
    listed: list[CommunicationRecord] = []
    for number, group in enumerate(groups, start=1):
        # A communication's direction is its first record's, as contacts counts it.
        direction = "a_to_b" if by_key[group.records[0]]["a_to_b"] else "b_to_a"
        for position, key in enumerate(group.records):
            r = by_key.pop(key)  # each row object is held once: here, then as a record
            listed.append(
                CommunicationRecord(
                    communication=number,
                    counted=position == 0,
                    time=utc(r["t_us"]),
                    kind=r["kind"],
                    direction=direction,
                    caller=r["caller"],
                    callee=r["callee"],
                    duration_s=r["duration_s"],
                    time_flag=r["time_flag"],
                    source=labels[r["source_id"]],
                    row=r["row"],
                )
            )
    return CommunicationList(subject_a.name, subject_b.name, tolerance_s, len(groups), listed)
