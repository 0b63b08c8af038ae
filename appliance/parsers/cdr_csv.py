"""Generic CDR CSV: the appliance's own call-record layout (DESIGN §8).

Header row required, matched case-insensitively and trimmed, in any column order, extra columns
allowed::

    start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi

Rows: row N is the Nth data row after the header (the header is row 0). Blank lines keep their
number but are not rows.

One row is one ``Communication`` seen from ``a_number`` (the line the records were obtained for):

* ``start_time``: ISO 8601 with an offset, or naive local time in the source's declared zone.
  A naive time in the skipped or repeated hour of a clock change is loaded with ``time_flag``
  set and followed by a Warning.
* ``type``: voice, sms, mms or data (``call`` and ``text`` are read as voice and sms).
* ``direction``: out or in (also outgoing/incoming and the network terms mo/mt).
* ``a_number``/``b_number``: any common written form, normalised to E.164 in the source's
  region. ``b_number`` may be empty only for data sessions.
* ``duration_s``: seconds, empty when not applicable; negative is rejected.
* ``cell_id``: ``mcc-mnc-lac-cid``, rewritten in the canonical form the cell lists use
  (``_csvutil.canonical_cell_id``). A malformed one is dropped with a Warning; the
  communication itself is still evidence and is loaded.
* ``imei``/``imsi``: kept as written, trimmed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from appliance.identifiers import normalise_phone
from appliance.model import Communication, Record, Warning
from appliance.parsers._csvutil import (
    built_rows,
    canonical_cell_id_text,
    headed_rows,
    quote,
    read_float,
    read_time,
    split_header_line,
    time_flag_warning,
)
from appliance.parsers.base import ParseContext, Parser, Probe
from appliance.parsers.registry import register

COLUMNS = (
    "start_time",
    "type",
    "direction",
    "a_number",
    "b_number",
    "duration_s",
    "cell_id",
    "imei",
    "imsi",
)
KIND_WORDS = {
    "voice": "voice",
    "call": "voice",
    "sms": "sms",
    "text": "sms",
    "mms": "mms",
    "data": "data",
}
DIRECTION_WORDS = {
    "out": "out",
    "outgoing": "out",
    "mo": "out",
    "in": "in",
    "incoming": "in",
    "mt": "in",
}


class _RowRejected(Exception):
    """A row that cannot be loaded; the message is the rejection reason."""


class CdrCsvParser(Parser):
    name = "cdr_csv"
    description = "Generic CDR CSV (start_time,type,direction,a_number,b_number,...)"
    version = "1"
    priority: ClassVar[int] = 20

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        names = set(split_header_line(probe.first_line))
        if names.issuperset(COLUMNS):
            return "header has " + ",".join(COLUMNS)
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        index, rows = headed_rows(stream, COLUMNS, (), "Generic CDR CSV")
        yield from built_rows(
            rows, index, lambda row, values: _communication(row, values, context), (_RowRejected,)
        )


def _communication(row: int, values: dict[str, str], context: ParseContext) -> list[Record]:
    """The one Communication for a row, then any warnings about it; _RowRejected if none."""
    try:
        time, flag = read_time(values["start_time"], "start_time", context.timezone)
    except ValueError as exc:
        raise _RowRejected(str(exc)) from None

    kind_text = values["type"].strip()
    kind = KIND_WORDS.get(kind_text.lower())
    if kind is None:
        raise _RowRejected(f"unknown type {quote(kind_text)}" if kind_text else "missing type")

    direction_text = values["direction"].strip()
    direction = DIRECTION_WORDS.get(direction_text.lower())
    if direction is None:
        raise _RowRejected(
            f"unknown direction {quote(direction_text)}" if direction_text else "missing direction"
        )

    line = normalise_phone(values["a_number"], context.region)
    if not line:
        raise _RowRejected("missing a_number")
    other: str | None = normalise_phone(values["b_number"], context.region)
    if not other:
        if kind != "data":
            raise _RowRejected("missing b_number")
        other = None

    duration_text = values["duration_s"].strip()
    duration: float | None = None
    if duration_text:
        try:
            duration = read_float(duration_text, "duration_s")
        except ValueError as exc:
            raise _RowRejected(str(exc)) from None
        if duration < 0:
            raise _RowRejected(f"negative duration_s {duration_text}")

    cell_text = values["cell_id"].strip()
    cell_id = canonical_cell_id_text(cell_text) if cell_text else None

    records: list[Record] = [
        Communication(
            row=row,
            time=time,
            kind=kind,
            direction=direction,
            line=line,
            other=other,
            duration_s=duration,
            cell_id=cell_id,
            imei=values["imei"].strip() or None,
            imsi=values["imsi"].strip() or None,
            time_flag=flag,
        )
    ]
    if flag is not None:
        records.append(time_flag_warning(row, values["start_time"], flag, context.timezone, time))
    if cell_text and cell_id is None:
        message = f"cell_id {quote(cell_text)} is not mcc-mnc-lac-cid; loaded without it"
        records.append(Warning(row, message))
    return records


register(CdrCsvParser)
