"""Small pieces the analyses share: periods, provenance labels, time conversion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from appliance.errors import UsageError
from appliance.store.case import CaseStore, Subject
from appliance.timeutil import from_epoch_us

EARLIEST = datetime(1900, 1, 1)
LATEST = datetime(2200, 1, 1)


@dataclass(frozen=True)
class Period:
    """A closed period [start, end] in UTC; None means open."""

    start: datetime | None = None
    end: datetime | None = None

    def bounds(self) -> tuple[datetime, datetime]:
        """Naive UTC bounds for binding to the store's TIMESTAMP columns."""
        lo = self.start.astimezone(UTC).replace(tzinfo=None) if self.start else EARLIEST
        hi = self.end.astimezone(UTC).replace(tzinfo=None) if self.end else LATEST
        return lo, hi


@dataclass(frozen=True)
class SourceLabel:
    exhibit: str
    path: str
    format: str


def source_labels(store: CaseStore) -> dict[int, SourceLabel]:
    """Each source's exhibit reference, file and format, for provenance in results."""
    rows = store.rows(
        "SELECT s.id, e.ref, e.original_path, s.format FROM sources s "
        "JOIN exhibits e ON e.id = s.exhibit_id"
    )
    return {int(r[0]): SourceLabel(str(r[1]), str(r[2]), str(r[3])) for r in rows}


def two_subjects(store: CaseStore, a: str, b: str) -> tuple[Subject, Subject]:
    """Subjects A and B, which must be two different people."""
    subject_a, subject_b = store.subject(a), store.subject(b)
    if subject_a.id == subject_b.id:
        raise UsageError(
            f"A and B are both {subject_a.name!r}.", "Name two different subjects with --a and --b."
        )
    return subject_a, subject_b


def utc(us: int) -> datetime:
    return from_epoch_us(int(us))
