"""Generic location CSV: the appliance's own position layout (DESIGN §8).

Header row required, matched case-insensitively and trimmed, in any column order, further
columns allowed::

    time,lat,lon[,accuracy_m][,method]

``accuracy_m`` is part of the layout DESIGN §8 names, but a file without it is still read: its
positions are evidence, with an unknown uncertainty radius.

Rows: row N is the Nth data row after the header (the header is row 0). Blank lines keep their
number but are not rows.

One row is one ``Observation``:

* ``time``: ISO 8601 with an offset, or naive local time in the source's declared zone; a time
  in the skipped or repeated hour of a clock change is flagged and followed by a Warning.
* ``lat``/``lon``: WGS84 decimal degrees. Out of range, non-finite and exactly 0,0 (the usual
  "no fix" filler) are rejected.
* ``accuracy_m``: the uncertainty radius in metres; empty or absent means unknown, negative is
  rejected.
* ``method`` (optional column): gps, wifi, cell or fused. Empty or absent means ``unknown``; any
  other word is loaded as ``unknown`` with a Warning, because the position is still evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from appliance.model import Observation, Record, Warning
from appliance.parsers._csvutil import (
    built_rows,
    headed_rows,
    position_problem,
    quote,
    read_float,
    read_time,
    split_header_line,
    time_flag_warning,
)
from appliance.parsers.base import ParseContext, Parser, Probe
from appliance.parsers.registry import register

COLUMNS = ("time", "lat", "lon")
ACCURACY_COLUMN = "accuracy_m"
METHOD_COLUMN = "method"
METHODS = ("gps", "wifi", "cell", "fused")


class LocationCsvParser(Parser):
    name = "location_csv"
    description = "Generic location CSV (time,lat,lon[,accuracy_m][,method])"
    version = "1"
    # Generic: a more specific parser whose header happens to include these names goes first.
    priority: ClassVar[int] = 60

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        names = set(split_header_line(probe.first_line))
        if names.issuperset(COLUMNS):
            present = [*COLUMNS, *(c for c in (ACCURACY_COLUMN,) if c in names)]
            return "header has " + ",".join(present)
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        index, rows = headed_rows(
            stream, COLUMNS, (ACCURACY_COLUMN, METHOD_COLUMN), "Generic location CSV"
        )
        yield from built_rows(rows, index, lambda row, values: _observation(row, values, context))


def _observation(row: int, values: dict[str, str], context: ParseContext) -> list[Record]:
    """The Observation for a row and any warnings about it; ValueError with the reason if none."""
    time, flag = read_time(values["time"], "time", context.timezone)
    lat = _required_float(values["lat"], "lat")
    lon = _required_float(values["lon"], "lon")
    problem = position_problem(lat, lon)
    if problem is not None:
        raise ValueError(problem)

    accuracy_text = values.get(ACCURACY_COLUMN, "").strip()
    radius: float | None = None
    if accuracy_text:
        radius = read_float(accuracy_text, "accuracy_m")
        if radius < 0:
            raise ValueError(f"negative accuracy_m {accuracy_text}")

    method_text = values.get(METHOD_COLUMN, "").strip()
    method = method_text.lower() if method_text.lower() in METHODS else "unknown"

    records: list[Record] = [
        Observation(
            row=row, time=time, lat=lat, lon=lon, radius_m=radius, method=method, time_flag=flag
        )
    ]
    if flag is not None:
        records.append(time_flag_warning(row, values["time"], flag, context.timezone, time))
    if method_text and method_text.lower() not in (*METHODS, "unknown"):
        message = (
            f"method {quote(method_text)} is not one of {', '.join(METHODS)}; loaded as unknown"
        )
        records.append(Warning(row, message))
    return records


def _required_float(raw: str, label: str) -> float:
    if not raw.strip():
        raise ValueError(f"missing {label}")
    return read_float(raw, label)


register(LocationCsvParser)
