"""Plain records crossing from parsers to the store.

Every record carries ``row``: the 1-based row, record or element number in its file (or a byte
offset where the format has no rows, said in the parser's docs), so each item in the case traces
back to the line it came from. Times are aware datetimes in UTC; ``time_flag`` says when a naive
local time could not be placed with certainty (see ``appliance.timeutil``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

KINDS = ("voice", "sms", "mms", "data", "chat")
METHODS = ("gps", "wifi", "cell", "fused", "visit", "path", "unknown")


@dataclass(frozen=True, slots=True)
class Observation:
    """A subject's device was reported at a position at a time."""

    row: int
    time: datetime
    lat: float
    lon: float
    radius_m: float | None = None
    method: str = "unknown"
    time_flag: str | None = None
    # The item's own id in the export (a Cellebrite model id), where the format has one.
    item_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Communication:
    """One call, message or data session, seen from ``line``: the identifier the record is for.

    ``direction`` is ``out`` when ``line`` originated it and ``in`` when ``line`` received it;
    ``other`` is the other party (already normalised), or None where the record has none.
    """

    row: int
    time: datetime
    kind: str
    direction: str
    line: str
    other: str | None
    duration_s: float | None = None
    cell_id: str | None = None
    imei: str | None = None
    imsi: str | None = None
    time_flag: str | None = None
    # The item's own id in the export (a Cellebrite model id), where the format has one.
    item_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell site: global id ``mcc-mnc-lac-cid``, position and the radius it serves."""

    row: int
    cell_id: str
    lat: float
    lon: float
    range_m: float | None = None
    radio: str | None = None
    azimuth_deg: float | None = None
    beamwidth_deg: float | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was read but not loaded, and why. Counted in the source's accounting."""

    row: int
    reason: str


@dataclass(frozen=True, slots=True)
class Warning:
    """Damage or doubt inside a row that was loaded (a flagged time, a repaired field)."""

    row: int
    message: str


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """A name a source gives an identifier: a phone-book contact or an app account.

    Not a row of the source's accounting: it says who an identifier is, not that anything
    happened. ``entry`` is the 1-based ordinal of the contact or account in its file.
    """

    entry: int
    kind: str  # "contact" or "account"
    identifier: str
    name: str | None = None
    service: str | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class SourceReference:
    """Where on the device an exported item came from (a file path and offset).

    Not a row: it points the reader of an item (``item_ref``) at the file on the device it was
    decoded from, so the defence can go back to the extraction and check it.
    """

    item_ref: str
    path: str
    offset: int | None = None
    size: int | None = None


Record = Observation | Communication | Cell | Rejection | Warning | DirectoryEntry | SourceReference
