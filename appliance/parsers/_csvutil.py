"""Helpers the parsers share: bounded CSV records, header mapping, times, positions, cell ids.

Most of this is about CSV, hence the name, but the time, position and cell-id rules live here
too so that every parser words a rejection the same way and writes a cell the same way.

Memory stays bounded whatever the input: a physical line longer than ``MAX_LINE_CHARS`` is
discarded as it is read (its record is rejected), and the ``csv`` module's own field limit stops
an unclosed quote from swallowing the rest of the file.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import BinaryIO, TextIO

from appliance.errors import NotThisFormat
from appliance.model import Record, Rejection, Warning
from appliance.parsers.base import open_text
from appliance.timeutil import iso_z, local_to_utc, parse_iso

MAX_LINE_CHARS = 1024 * 1024
"""One physical line longer than this is evidence of damage or hostility, never of data."""

_QUOTE_LIMIT = 60
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,4})?")
# ISO 8601 needs a date-time separator to carry a time of day; without one (2024-03-31,
# 20240331, 2024-W13-7) Python reads midnight, which would invent a time the record never gave.
_HAS_TIME_OF_DAY = re.compile(r"\d[Tt ]\d")
# mcc-mnc-lac-cid. Digit counts are capped so hostile input cannot make int() do big work;
# 12 digits is far above any real LAC/TAC (24 bits) or cell id (36 bits for NR).
_CELL_ID = re.compile(r"(\d{3})-(\d{2,3})-(\d{1,12})-(\d{1,12})")


def quote(value: str) -> str:
    """``value`` as it would be quoted in a rejection reason, shortened if it is long."""
    if len(value) > _QUOTE_LIMIT:
        value = value[:_QUOTE_LIMIT] + "…"
    return repr(value)


# --- cell ids -------------------------------------------------------------------------------


def canonical_cell_id(mcc: int, mnc: int, lac: int, cid: int) -> str:
    """The global cell id ``mcc-mnc-lac-cid`` every parser writes, so cells and CDRs join.

    Decimal integers without leading zeros, except that the MCC is always three digits (E.212)
    and the MNC at least two. OpenCelliD stores the MNC as an integer, so ``010`` and ``10``
    cannot be told apart there; writing the integer zero-padded to two digits is the only form
    both a cell list and a CDR can agree on.
    """
    return f"{mcc:03d}-{mnc:02d}-{lac}-{cid}"


def canonical_cell_id_text(text: str) -> str | None:
    """The canonical form of a written ``mcc-mnc-lac-cid``, or None if it is not one."""
    match = _CELL_ID.fullmatch(text.strip())
    if match is None:
        return None
    mcc, mnc, lac, cid = (int(part) for part in match.groups())
    return canonical_cell_id(mcc, mnc, lac, cid)


# --- values ---------------------------------------------------------------------------------


def read_float(raw: str, label: str) -> float:
    """A plain decimal number (no ``nan``, ``inf`` or ``1_000``), or ValueError with a reason."""
    text = raw.strip()
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"unreadable {label} {quote(text)}")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{label} {quote(text)} is not a finite number")
    return value


def position_problem(lat: float, lon: float) -> str | None:
    """Why ``lat``/``lon`` cannot be loaded as a position, or None if they can."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return "position is not a finite number"
    if not -90.0 <= lat <= 90.0:
        return f"latitude {lat} out of range"
    if not -180.0 <= lon <= 180.0:
        return f"longitude {lon} out of range"
    if lat == 0.0 and lon == 0.0:
        return "position 0,0 (null island) is a missing-fix marker"
    return None


def read_time(raw: str, label: str, tz: tzinfo) -> tuple[datetime, str | None]:
    """UTC and the doubt flag for an ISO 8601 time; naive times are read in ``tz``.

    Raises ValueError whose text is the rejection reason.
    """
    text = raw.strip()
    if not text:
        raise ValueError(f"missing {label}")
    try:
        moment = parse_iso(text)
        placed = local_to_utc(moment, tz)
    except (ValueError, OverflowError):
        raise ValueError(f"unreadable {label} {quote(text)}") from None
    if not _HAS_TIME_OF_DAY.search(text):
        raise ValueError(f"{label} {quote(text)} has no time of day")
    return placed


def time_flag_warning(row: int, raw: str, flag: str, tz: tzinfo, placed: datetime) -> Warning:
    """The warning that goes after a record whose naive local time could not be placed surely."""
    return Warning(row, f"local time {raw.strip()} is {flag} in {tz}; placed at {iso_z(placed)}")


# --- CSV ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvRecord:
    """One CSV record and its 1-based number in the file (blank records are numbered too)."""

    number: int
    fields: list[str]
    problem: str | None = None

    @property
    def is_blank(self) -> bool:
        """No data at all: an empty line, or only separators and spaces. Not a row."""
        return self.problem is None and not any(field.strip() for field in self.fields)


class _BoundedLines:
    """Lines of a text stream, each at most ``limit`` characters; longer ones are dropped.

    ``csv.reader`` pulls lines from this; ``overlong`` tells the caller that the record being
    built lost a line, so it must be rejected rather than loaded half-read.
    """

    def __init__(self, text: TextIO, limit: int) -> None:
        self._text = text
        self._limit = limit
        self.overlong = False

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self._text.readline(self._limit)
        if not line:
            raise StopIteration
        if len(line) >= self._limit and not line.endswith(("\n", "\r")):
            self.overlong = True
            while True:
                rest = self._text.readline(self._limit)
                if not rest or rest.endswith(("\n", "\r")):
                    break
            return "\n"
        return line


def csv_records(stream: BinaryIO, delimiter: str = ",") -> Iterator[CsvRecord]:
    """Every record of a delimited stream (comma unless a mapping profile names another), in
    order; unreadable ones carry a problem, and lines stay bounded."""
    lines = _BoundedLines(open_text(stream), MAX_LINE_CHARS)
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    while True:
        lines.overlong = False
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            yield CsvRecord(number, [], f"unreadable CSV record: {exc}")
            continue
        number += 1
        if lines.overlong:
            yield CsvRecord(number, [], f"line longer than {MAX_LINE_CHARS} characters")
        else:
            yield CsvRecord(number, fields)


def split_header_line(line: str) -> list[str]:
    """The column names in a header line, trimmed and lower-cased (for ``recognise``)."""
    try:
        names = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return []
    return [name.strip().lower() for name in names]


def column_index(
    header: Sequence[str], required: Sequence[str], optional: Sequence[str], format_name: str
) -> dict[str, int]:
    """Where each named column is; NotThisFormat naming the required ones that are missing."""
    names = [name.strip().lower() for name in header]
    index: dict[str, int] = {}
    for wanted in (*required, *optional):
        positions = [i for i, name in enumerate(names) if name == wanted]
        if len(positions) > 1:
            raise NotThisFormat(
                f"the {format_name} header names column {wanted!r} more than once.",
                "Rename or remove the duplicate column so each value has one meaning.",
            )
        if positions:
            index[wanted] = positions[0]
    missing = [name for name in required if name not in index]
    if missing:
        raise NotThisFormat(
            f"the header is not {format_name}: missing column(s) {', '.join(missing)}.",
            f"A {format_name} file starts with the header {','.join(required)}.",
        )
    return index


def headed_rows(
    stream: BinaryIO, required: Sequence[str], optional: Sequence[str], format_name: str
) -> tuple[dict[str, int], Iterator[tuple[int, list[str]] | Rejection]]:
    """The column index of a CSV file with a header row, and its data rows.

    Row N is the Nth record after the header, blank records included in the numbering (so in a
    file without quoted line breaks row N is line N+1) but not yielded: they hold no data.
    Records that cannot be read, or have fewer fields than the header, come as Rejections;
    surplus fields are allowed when empty (a trailing comma loses nothing).
    """
    records = csv_records(stream)
    header = next((r for r in records if not r.is_blank), None)
    if header is None or header.problem is not None:
        raise NotThisFormat(
            f"the file has no readable header row, so it is not {format_name}.",
            f"A {format_name} file starts with the header {','.join(required)}.",
        )
    index = column_index(header.fields, required, optional, format_name)
    return index, data_rows(records, header.number, len(header.fields))


def data_rows(
    records: Iterator[CsvRecord], header_number: int, width: int
) -> Iterator[tuple[int, list[str]] | Rejection]:
    """Rows after the header as (row, fields), numbered from 1; a damaged or wrong-width row
    is a Rejection; blank lines are not rows."""
    for record in records:
        row = record.number - header_number
        if record.problem is not None:
            yield Rejection(row, record.problem)
        elif record.is_blank:
            continue
        elif len(record.fields) < width or any(f.strip() for f in record.fields[width:]):
            yield Rejection(row, f"wrong number of columns: {len(record.fields)}, expected {width}")
        else:
            yield row, record.fields


def built_rows(
    rows: Iterable[tuple[int, list[str]] | Rejection],
    index: Mapping[str, int],
    build: Callable[[int, dict[str, str]], Iterable[Record]],
    rejected: tuple[type[Exception], ...] = (ValueError,),
) -> Iterator[Record]:
    """Each data row's named values built into records; a row ``build`` refuses by raising one
    of ``rejected`` becomes a Rejection with the exception's text as the reason.

    ``build`` returns all of a row's records at once, so a refused row yields nothing else.
    """
    for item in rows:
        if isinstance(item, Rejection):
            yield item
            continue
        row, fields = item
        values = {name: fields[i] for name, i in index.items()}
        try:
            records = list(build(row, values))
        except rejected as exc:
            yield Rejection(row, str(exc))
            continue
        yield from records
