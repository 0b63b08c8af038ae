"""CSV cells that a spreadsheet cannot run: the neutralisation rule, in one place.

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab
or carriage return) as a formula, and a formula can run commands or send data away (CSV
injection). Evidence is full of text nobody at the appliance chose: names, file names, message
parties. The rule (OWASP's convention, stated in every export's README):

* Every column is either a **number** column or a **text** column, fixed by the export's code.
* A number cell holds only a number the appliance computed or loaded, written plainly
  (``-0.1022``, ``51.5416``, ``1e-05``); it is checked against a strict number pattern, so it
  can begin with ``-`` and still cannot be a formula. Numbers stay numbers for any tool.
* A text cell first has control and direction-changing characters written as visible escapes
  (``\\x1b``, ``\\u202e``, as on screen), so it is one line and cannot begin with a tab or a
  carriage return. Then, if it begins with ``=``, ``+``, ``-``, ``@`` or ``'``, a single quote
  ``'`` is put in front. So ``+447700900123`` is written ``'+447700900123``: a spreadsheet shows
  it as text with its ``+`` kept, and removing one leading ``'`` from any text cell that has one
  gives the value back exactly (a value that itself began with ``'`` gets a second one).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TextIO

from appliance.textsafe import shown

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")

Kind = Literal["text", "number"]


def text_cell(value: object | None) -> str:
    """A text value as a cell no spreadsheet runs (empty for None)."""
    if value is None:
        return ""
    visible = shown(value)
    return QUOTE + visible if visible.startswith((*DANGEROUS, QUOTE)) else visible


def number_cell(value: int | float | None) -> str:
    """A number as a plain cell (empty for None). Anything that is not a finite number is a
    bug in the export, refused rather than written into evidence."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"a number column was given {type(value).__name__} {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"a number column was given {value!r}")
    written = repr(float(value)) if isinstance(value, float) else str(int(value))
    if not _NUMBER.fullmatch(written):
        raise ValueError(f"{written!r} is not a plain number")
    return written


def is_plain_number(cell: str) -> bool:
    """Whether a cell read back is a plain number (what a number column may hold)."""
    return bool(_NUMBER.fullmatch(cell))


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    meaning: str


def cell(column: Column, value: object) -> str:
    if column.kind == "number":
        if value is not None and not isinstance(value, int | float):
            raise TypeError(f"column {column.name} is a number column, given {value!r}")
        return number_cell(value)
    return text_cell(value)


def write_csv(handle: TextIO, columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> int:
    """A header and one line per row (RFC 4180: CRLF, quotes where needed); the row count.

    Rows are consumed one at a time, so a generator of rows is never held whole.
    """
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow([text_cell(c.name) for c in columns])
    count = 0
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"a row has {len(row)} values for {len(columns)} columns")
        writer.writerow([cell(c, v) for c, v in zip(columns, row, strict=True)])
        count += 1
    return count
