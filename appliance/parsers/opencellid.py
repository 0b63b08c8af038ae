"""OpenCelliD cell lists (also Mozilla Location Service exports, which share the layout).

Three layouts are read, told apart by the first record:

* the current export with its header
  ``radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal``
  (columns found by name, any order);
* the same 14 columns without a header, as OpenCelliD serves its per-country files (the first
  field is the radio: GSM, UMTS, LTE, CDMA or NR);
* the legacy 2008-era ``cells.txt``, headerless, 11 columns:
  ``id,lat,lon,mcc,mnc,lac,cellid,range,nbSamples,created,updated`` (no radio).

The caller has already decompressed ``.gz`` files.

Rows: with a header, row N is the Nth data row after it (the header is row 0); without one,
row N is the Nth line of the file (strictly, the Nth CSV record, which is the same unless a
quoted field spans lines). Blank lines keep their number but are not rows.

Each row is one ``Cell``. ``cell_id`` is the canonical ``mcc-mnc-lac-cid`` of
``_csvutil.canonical_cell_id`` (MCC three digits, MNC at least two, LAC and cell id as decimal
integers), the same form the CDR parser writes, so a CDR's cell joins its site. OpenCelliD's
"area" is the LAC (GSM/UMTS) or TAC (LTE/NR) and "cell" the full cell identity (for UMTS the
RNC and cell id combined), used as written. A ``range`` of 0 or empty means unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import BinaryIO, ClassVar

from appliance.errors import NotThisFormat
from appliance.model import Cell, Record
from appliance.parsers._csvutil import (
    CsvRecord,
    built_rows,
    canonical_cell_id,
    column_index,
    csv_records,
    data_rows,
    position_problem,
    quote,
    read_float,
    split_header_line,
)
from appliance.parsers.base import ParseContext, Parser, Probe
from appliance.parsers.registry import register

HEADER = (
    "radio",
    "mcc",
    "net",
    "area",
    "cell",
    "unit",
    "lon",
    "lat",
    "range",
    "samples",
    "changeable",
    "created",
    "updated",
    "averagesignal",
)
REQUIRED = ("mcc", "net", "area", "cell", "lon", "lat")
OPTIONAL = ("radio", "range")
# The legacy mnc, lac and cellid columns take the current names, so one row reader serves both.
LEGACY = (
    "id",
    "lat",
    "lon",
    "mcc",
    "net",
    "area",
    "cell",
    "range",
    "nbsamples",
    "created",
    "updated",
)
RADIOS = frozenset({"GSM", "UMTS", "LTE", "CDMA", "NR"})
FORMAT = "OpenCelliD cell list"

_LEGACY_ROW = re.compile(
    r"\d+,-?[\d.]+,-?[\d.]+,\d{1,3},\d{1,3},\d+,\d+,\d+,\d+,"
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
)
_CODE = re.compile(r"\d{1,12}")
_CODE_LIMITS = {"mcc": 999, "net": 999}


class OpenCellIdParser(Parser):
    name = "opencellid"
    description = "OpenCelliD / MLS cell list (with or without header; legacy cells.txt)"
    version = "1"
    priority: ClassVar[int] = 40

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        line = probe.first_line.strip()
        names = split_header_line(line)
        if tuple(names[: len(HEADER)]) == HEADER:
            return "header is radio,mcc,net,area,cell,unit,lon,lat,range,..."
        fields = line.split(",")
        if len(fields) == len(HEADER) and fields[0].strip().upper() in RADIOS:
            return f"headerless 14-column rows starting with a radio ({fields[0].strip()})"
        if _LEGACY_ROW.fullmatch(line):
            return "headerless 11-column legacy cells.txt rows (id,lat,lon,mcc,mnc,...)"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        records = csv_records(stream)
        first = next((r for r in records if not r.is_blank), None)
        if first is None or first.problem is not None:
            raise NotThisFormat(f"the file has no readable first row, so it is not an {FORMAT}.")
        names = [name.strip().lower() for name in first.fields]
        if "mcc" in names and "lat" in names:
            index = column_index(first.fields, REQUIRED, OPTIONAL, FORMAT)
            yield from _cells(records, first.number, len(names), index)
            return
        layout = _headerless_layout(first)
        index = {name: i for i, name in enumerate(layout)}
        yield from _cells(_again(first, records), 0, len(layout), index)


def _headerless_layout(first: CsvRecord) -> Sequence[str]:
    fields = first.fields
    if len(fields) == len(HEADER) and fields[0].strip().upper() in RADIOS:
        return HEADER
    if _LEGACY_ROW.fullmatch(",".join(field.strip() for field in fields)):
        return LEGACY
    raise NotThisFormat(
        f"the first row is neither an {FORMAT} header nor a cell row.",
        "Expected radio,mcc,net,area,cell,... (with or without that header) or legacy cells.txt.",
    )


def _again(first: CsvRecord, rest: Iterator[CsvRecord]) -> Iterator[CsvRecord]:
    yield first
    yield from rest


def _cells(
    records: Iterator[CsvRecord], header_number: int, width: int, index: dict[str, int]
) -> Iterator[Record]:
    rows = data_rows(records, header_number, width)
    yield from built_rows(rows, index, lambda row, values: [_cell(row, values)])


def _cell(row: int, values: dict[str, str]) -> Cell:
    """The Cell for one row; ValueError with the reason when the row cannot be one."""
    mcc, mnc, lac, cid = (_code(values[name], name) for name in ("mcc", "net", "area", "cell"))
    lat = read_float(values["lat"], "lat")
    lon = read_float(values["lon"], "lon")
    problem = position_problem(lat, lon)
    if problem is not None:
        raise ValueError(problem)
    range_text = values.get("range", "").strip()
    range_m = read_float(range_text, "range") if range_text else None
    if range_m is not None and range_m < 0:
        raise ValueError(f"negative range {range_text}")
    radio = values.get("radio", "").strip().upper() or None
    return Cell(
        row=row,
        cell_id=canonical_cell_id(mcc, mnc, lac, cid),
        lat=lat,
        lon=lon,
        range_m=range_m or None,
        radio=radio,
    )


def _code(raw: str, name: str) -> int:
    """A network code (MCC, MNC, LAC/TAC or cell identity): a non-negative decimal integer."""
    text = raw.strip()
    if not text:
        raise ValueError(f"missing {name}")
    if not _CODE.fullmatch(text):
        raise ValueError(f"unreadable {name} {quote(text)}")
    value = int(text)
    if value > _CODE_LIMITS.get(name, 10**12):
        raise ValueError(f"{name} {value} out of range")
    return value


register(OpenCellIdParser)
