"""Reading a profile's rows out of a file: delimited text (plain or gzip) or an XLSX sheet.

Each row comes out as ``{column: value}`` under its number, or as a Rejection."""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, BinaryIO, cast

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.model import Rejection
from appliance.parsers._csvutil import (
    column_index,
    csv_records,
    data_rows,
)
from appliance.parsers._profile_spec import Profile
from appliance.parsers.base import ZIP_ERRORS

MAX_SHEET_ROWS = 1_048_576
"""Excel's own row limit; a sheet claiming more rows is damaged or hostile."""
MAX_MEMBER_BYTES = 1 << 30
"""The largest uncompressed workbook part read (a zip bomb declares far more)."""


Value = str | datetime | time
"""A cell as read: text, or (from a workbook) a date-time or time of day."""


class _Borrowed(io.RawIOBase):
    """A read-only view of a stream that closing (or a text wrapper's collection) leaves open."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream
        self.name = getattr(stream, "name", None)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def borrowed(stream: BinaryIO) -> BinaryIO:
    return cast(BinaryIO, io.BufferedReader(_Borrowed(stream)))


def split_header(line: str, delimiter: str) -> list[str]:
    try:
        names = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return []
    return [name.strip().lower() for name in names]


def csv_rows(
    stream: BinaryIO, profile: Profile
) -> Iterator[tuple[int, dict[str, Value]] | Rejection]:
    """The header's column index, then each data row as {column: text} or a Rejection."""
    records = csv_records(stream, profile.delimiter)
    header = next((r for r in records if not r.is_blank), None)
    layout = f"profile {profile.name}"
    if header is None or header.problem is not None:
        raise NotThisFormat(
            f"the file has no readable header row, so it is not {layout}.",
            f"Its header holds {','.join(profile.header)}.",
        )
    index = column_index(header.fields, profile.header, profile.optional, layout)
    for item in data_rows(records, header.number, len(header.fields)):
        if isinstance(item, Rejection):
            yield item
        else:
            row, fields = item
            yield row, {name: fields[i] for name, i in index.items()}


def gunzipped(
    rows: Iterator[tuple[int, dict[str, Value]] | Rejection],
) -> Iterator[tuple[int, dict[str, Value]] | Rejection]:
    """Rows of a gzip file read here (seekable parsers get it compressed); damage is named."""
    try:
        yield from rows
    except (OSError, EOFError, zlib.error) as exc:
        raise NotThisFormat(
            f"the compressed file could not be read to the end ({exc}).",
            "The file may be truncated or damaged; acquire it again.",
        ) from None


def sheet_rows(
    stream: BinaryIO, profile: Profile
) -> Iterator[tuple[int, dict[str, Value]] | Rejection]:
    """Rows of the profile's sheet, numbered like CSV rows (sheet row minus header row)."""
    values = _sheet_values(stream, profile)
    header_number = 0
    header: list[str] = []
    for number, cells in values:
        if any(as_text(c).strip() for c in cells):
            header_number, header = number, [as_text(c) for c in cells]
            break
    if not header:
        raise NotThisFormat(
            f"the sheet has no header row, so it is not profile {profile.name}.",
            f"Its header holds {','.join(profile.header)}.",
        )
    while header and not header[-1].strip():
        header.pop()
    index = column_index(header, profile.header, profile.optional, f"profile {profile.name}")
    width = len(header)
    for number, cells in values:
        row = number - header_number
        if not any(as_text(c).strip() for c in cells):
            continue
        if any(as_text(c).strip() for c in cells[width:]):
            yield Rejection(row, f"cells beyond the header's {width} columns")
            continue
        padded = list(cells) + [""] * (width - len(cells))
        yield row, {name: padded[i] for name, i in index.items()}


def _sheet_values(stream: BinaryIO, profile: Profile) -> Iterator[tuple[int, list[Value]]]:
    """(sheet row number, cell values) with openpyxl; a damaged workbook is NotThisFormat."""
    try:
        with zipfile.ZipFile(stream) as archive:
            sizes = [info.file_size for info in archive.infolist()]
    except ZIP_ERRORS as exc:
        raise NotThisFormat(f"the file is not a readable workbook ({exc}).") from None
    if any(size > MAX_MEMBER_BYTES for size in sizes):
        raise InputTooLarge(
            f"a part of the workbook expands beyond {MAX_MEMBER_BYTES} bytes.",
            "Export the sheet as CSV, or split the workbook.",
        )
    stream.seek(0)
    import openpyxl

    try:
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise NotThisFormat(f"the file is not a readable workbook ({exc}).") from None
    try:
        names = book.sheetnames
        sheet_name = profile.sheet
        if isinstance(sheet_name, int):
            if sheet_name >= len(names):
                raise NotThisFormat(
                    f"the workbook has no sheet {sheet_name} (0-based); it has {len(names)}.",
                    f"Profile {profile.name} reads sheet {sheet_name}.",
                )
            sheet_name = names[sheet_name]
        elif sheet_name not in names:
            raise NotThisFormat(
                f"the workbook has no sheet {sheet_name!r}.",
                f"Profile {profile.name} reads sheet {sheet_name!r}; it has {', '.join(names)}.",
            )
        sheet = book[sheet_name]
        sheet.reset_dimensions()  # ignore a stated size: it could pad every row hugely
        number = 0
        try:
            for cells in sheet.iter_rows(values_only=True):
                number += 1
                if number > MAX_SHEET_ROWS:
                    raise InputTooLarge(
                        f"the sheet has more than {MAX_SHEET_ROWS} rows, Excel's own limit.",
                        "The workbook is damaged; acquire it again or export it as CSV.",
                    )
                yield number, [_value(c) for c in cells]
        except (NotThisFormat, InputTooLarge):
            raise
        except Exception as exc:  # damaged sheet XML, bad CRC, bad cell reference...
            raise NotThisFormat(
                f"the workbook is damaged after sheet row {number} ({exc}).",
                "The file may be truncated or damaged; acquire it again.",
            ) from None
    finally:
        book.close()


def _value(cell: object) -> Value:
    """A workbook cell as text, except date-times and times of day, kept for the time columns."""
    if cell is None:
        return ""
    if isinstance(cell, datetime | time):
        return cell
    if isinstance(cell, date):
        return datetime(cell.year, cell.month, cell.day)
    if isinstance(cell, timedelta):
        seconds = int(cell.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return str(int(cell))
    return str(cell)


def as_text(value: Value) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, time):
        return value.isoformat()
    return value
