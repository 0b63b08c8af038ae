"""Streaming JSON and point helpers shared by the Google Timeline parsers.

The three post-2018 generations of Google location history (Semantic Location History, the
Android on-device ``Timeline.json`` and the iOS ``location-history.json``) are read the same
way: the file is never loaded whole. The chunked scanner of ``google_records`` walks the text
and cuts out one array element at a time (at most ``MAX_ELEMENT_CHARS`` characters and
``MAX_DEPTH`` levels deep), which ``json.loads`` then reads. An element that is too large, too
deep, cut off by the end of the file or not valid JSON is rejected and scanning goes on.

Each element is turned into zero or more *points*: a point is one place at one time that the
element states, such as the start of a visit or one vertex of a path. A point is read by a
``PointReader``, a callable that returns a ``Fix`` or raises ValueError with the reason it
cannot be loaded. ``element_records`` numbers the points: every point read takes the next row
number, and becomes one Observation or one Rejection. An element that cannot be read at all, or
states no point, takes one row and becomes one Rejection, so nothing is dropped silently and
``rows read = loaded + rejected`` holds.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import BinaryIO

from appliance.errors import NotThisFormat
from appliance.model import Observation, Record, Rejection, Warning
from appliance.parsers._csvutil import position_problem, quote, read_time, time_flag_warning
from appliance.parsers.base import ParseContext, open_text
from appliance.parsers.google_records import (
    LAT_WRAP,
    LON_WRAP,
    TRUNCATED,
    _e7,
    _integer,
)
from appliance.parsers.google_records import _Scanner as Scanner
from appliance.timeutil import EPOCH

MAX_ELEMENT_CHARS = 1024 * 1024
"""One element (a timeline object, segment or signal) longer than this is rejected unread."""
MAX_KEY_CHARS = 1024

# "geo:51.5,-0.12" (iOS, RFC 5870, optionally ";u=<metres>"), "51.5°, -0.12°" (Android) or a
# bare "51.5, -0.12". Digit counts are capped; the values are range-checked afterwards.
_NUMBER = r"[+-]?(?:\d{1,20}(?:\.\d{0,20})?|\.\d{1,20})"
_LATLNG = re.compile(
    rf"\s*(?:geo:)?\s*({_NUMBER})\s*°?\s*,\s*({_NUMBER})\s*°?\s*"
    rf"(?:;\s*crs=wgs84\s*)?(?:;\s*u=({_NUMBER})\s*)?",
    re.IGNORECASE,
)


_DECIMAL_TEXT = re.compile(rf"\s*{_NUMBER}(?:[eE][+-]?\d{{1,3}})?\s*")


class Broken(Exception):
    """The file's structure is damaged or cut off here; nothing after it can be read."""


# --- streaming ------------------------------------------------------------------------------


def scanner_for(stream: BinaryIO) -> Scanner:
    """A scanner over ``stream`` as text: BOM dropped, undecodable bytes replaced."""
    return Scanner(open_text(stream))


def enter_root(scanner: Scanner, char: str, message: str, hint: str) -> None:
    """Step into the root object or array (``char``), or NotThisFormat with ``message``."""
    if scanner.peek() != char:
        raise NotThisFormat(message, hint)
    scanner.pos += 1


def object_keys(scanner: Scanner) -> Iterator[str]:
    """The member names of the object just entered, in order; Broken where it is damaged.

    After each name the scanner stands at the member's value, which the caller must take
    (``take``, ``skip`` or ``array_items``) before asking for the next name.
    """
    while True:
        char = scanner.peek()
        if char == ",":
            scanner.pos += 1
            continue
        if char == "}":
            scanner.pos += 1
            return
        if char == "":
            raise Broken("the file ends before its root object closes (truncated?)")
        if char != '"':
            raise Broken(f"unexpected {char!r} where a member name should be")
        text, problem = scanner.value(MAX_KEY_CHARS)
        try:
            key = json.loads(text) if text is not None and problem is None else None
        except ValueError:
            key = None
        if not isinstance(key, str) or scanner.peek() != ":":
            raise Broken("a member name of the root object is not valid JSON")
        scanner.pos += 1
        if scanner.peek() == "":
            raise Broken(f"the file ends before the value of {key!r} (truncated?)")
        yield key


def skip(scanner: Scanner) -> None:
    """Walk past the value at the scanner without keeping it."""
    _, problem = scanner.value(0)
    if problem == TRUNCATED:
        raise Broken("the file ends inside a member of the root object (truncated?)")


def take(scanner: Scanner) -> tuple[str | None, str | None]:
    """The text of the value at the scanner, or None and why it cannot be used."""
    return scanner.value(MAX_ELEMENT_CHARS)


def array_items(scanner: Scanner, name: str) -> Iterator[tuple[str | None, str | None]]:
    """(text, None) or (None, problem) for each element of the array at the scanner.

    Raises Broken after the last element when the array never closes; ValueError before any
    element when the value is not an array at all.
    """
    if scanner.peek() != "[":
        raise ValueError(f"'{name}' is not an array")
    scanner.pos += 1
    while True:
        char = scanner.peek()
        if char == "]":
            scanner.pos += 1
            return
        if char == "":
            raise Broken(f"the file ends before the {name} array closes (truncated?)")
        if char == ",":
            scanner.pos += 1
            continue
        yield take(scanner)


# --- points ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stamp:
    """A time read from the file: UTC, its doubt flag, and the text it was read from."""

    time: datetime
    flag: str | None
    raw: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A point that can be loaded, and any damage noticed while reading it."""

    stamp: Stamp
    lat: float
    lon: float
    radius_m: float | None
    method: str
    notes: tuple[str, ...] = ()


PointReader = Callable[[], Fix]
Handler = Callable[[object, ParseContext], list[PointReader]]


class Rows:
    """Row numbers: each point read, or element that yields no point, takes the next one."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        self.last += 1
        return self.last


def failing(reason: str) -> PointReader:
    """A point that is read but can never be loaded, such as a waypoint with no time."""

    def read() -> Fix:
        raise ValueError(reason)

    return read


def element_records(
    rows: Rows, text: str | None, problem: str | None, handler: Handler, context: ParseContext
) -> Iterator[Record]:
    """The records of one array element: its points, or one Rejection for the element."""
    if text is None:
        yield Rejection(rows.next(), problem or "unreadable element")
        return
    try:
        item = json.loads(text)
    except (ValueError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        yield Rejection(rows.next(), f"element is not valid JSON ({detail})")
        return
    try:
        readers = handler(item, context)
    except ValueError as exc:
        yield Rejection(rows.next(), str(exc))
        return
    if not readers:
        yield Rejection(rows.next(), "element holds no position")
        return
    for read in readers:
        yield from point_records(rows.next(), read, context)


def point_records(row: int, read: PointReader, context: ParseContext) -> list[Record]:
    """One Observation (and its warnings) for a point, or one Rejection with the reason."""
    try:
        fix = read()
    except (ValueError, OverflowError) as exc:
        return [Rejection(row, str(exc) or type(exc).__name__)]
    stamp = fix.stamp
    records: list[Record] = [
        Observation(
            row=row,
            time=stamp.time,
            lat=fix.lat,
            lon=fix.lon,
            radius_m=fix.radius_m,
            method=fix.method,
            time_flag=stamp.flag,
        )
    ]
    if stamp.flag is not None:
        records.append(time_flag_warning(row, stamp.raw, stamp.flag, context.timezone, stamp.time))
    records.extend(Warning(row, note) for note in fix.notes)
    return records


def as_object(value: object, label: str) -> dict[str, object]:
    if not isinstance(value, dict):
        if value is None:
            raise ValueError(f"missing {label}")
        raise ValueError(f"{label} is a JSON {_json_type(value)}, not an object")
    return value


def as_list(value: object, label: str) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"{label} is a JSON {_json_type(value)}, not an array")
    return value


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def iso_stamp(value: object, label: str, tz: tzinfo) -> Stamp:
    """An ISO 8601 time; a naive one is read in ``tz`` and flagged when doubtful."""
    if value is None:
        raise ValueError(f"missing {label}")
    if not isinstance(value, str):
        raise ValueError(f"unreadable {label} {quote(str(value))}")
    time, flag = read_time(value, label, tz)
    return Stamp(time, flag, value)


def millis_stamp(value: object, label: str) -> Stamp:
    """Milliseconds since 1970 UTC, written as a number or a string of digits."""
    count = _integer(value, label)
    try:
        return Stamp(EPOCH + timedelta(milliseconds=count), None, str(value))
    except OverflowError:
        raise ValueError(f"{label} {count} out of range") from None


def shifted(stamp: Stamp, minutes: float, label: str) -> Stamp:
    """``stamp`` plus ``minutes``; the doubt flag and source text go with it."""
    try:
        return Stamp(stamp.time + timedelta(minutes=minutes), stamp.flag, stamp.raw)
    except OverflowError:
        raise ValueError(
            f"{label} {minutes:g} minutes after {quote(stamp.raw)} is out of range"
        ) from None


def number(value: object, label: str) -> float:
    """A finite number, written as a JSON number or a string (iOS writes numbers as strings)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"unreadable {label} {quote(str(value))}")
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            raise ValueError(f"unreadable {label} {quote(value)}")
        result = float(value)
    elif isinstance(value, int | float):
        result = float(value)
    else:
        raise ValueError(f"unreadable {label} {quote(str(value))}")
    if not math.isfinite(result):
        raise ValueError(f"{label} is not a finite number")
    return result


def radius(holder: dict[str, object], keys: tuple[str, ...], notes: list[str]) -> float | None:
    """The first accuracy present under ``keys`` in metres; damage is noted, never fatal."""
    for key in keys:
        value = holder.get(key)
        if value is None:
            continue
        try:
            result = number(value, key)
        except (ValueError, OverflowError) as exc:
            notes.append(f"{exc}; radius unknown")
            return None
        if result < 0:
            notes.append(f"negative {key} {result:g}; radius unknown")
            return None
        return result
    return None


def e7_position(holder: dict[str, object], lat_key: str, lon_key: str) -> tuple[float, float]:
    """A position in degrees times 10^7 (negative values written unsigned are wrapped back)."""
    lat = _e7(holder, lat_key, LAT_WRAP)
    lon = _e7(holder, lon_key, LON_WRAP)
    _check_position(lat, lon)
    return lat, lon


def text_position(value: object, label: str) -> tuple[float, float, float | None]:
    """A position written as text: ``geo:lat,lng`` (RFC 5870) or ``lat°, lng°``.

    An object holding such text under ``latLng`` (Android) is read too. The third value is the
    uncertainty a ``geo:`` URI states with ``;u=``, or None.
    """
    if isinstance(value, dict):
        for key in ("latLng", "LatLng", "point"):
            if key in value:
                return text_position(value[key], f"{label}.{key}")
        raise ValueError(f"{label} has no latLng")
    if value is None:
        raise ValueError(f"missing {label}")
    if not isinstance(value, str):
        raise ValueError(f"unreadable {label} {quote(str(value))}")
    match = _LATLNG.fullmatch(value)
    if match is None:
        raise ValueError(f"unreadable {label} {quote(value)}")
    lat, lon = float(match.group(1)), float(match.group(2))
    _check_position(lat, lon)
    uncertainty = float(match.group(3)) if match.group(3) is not None else None
    return lat, lon, uncertainty


def _check_position(lat: float, lon: float) -> None:
    problem = position_problem(lat, lon)
    if problem is not None:
        raise ValueError(problem)


def labelled(label: str, read: PointReader) -> PointReader:
    """``read`` with ``label`` put before the reason when the point cannot be loaded."""

    def labelled_read() -> Fix:
        try:
            return read()
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"{label}: {exc}") from None

    return labelled_read


def element_rows(
    rows: Rows,
    text: str | None,
    problem: str | None,
    handler: Handler,
    context: ParseContext,
    empty_ok: bool = False,
) -> Iterator[Record]:
    """``element_records``, except that an element stating no point may take no row."""
    if empty_ok and text is not None:
        try:
            item = json.loads(text)
            if not handler(item, context):
                return
        except (ValueError, RecursionError):
            pass  # element_records words the rejection
    yield from element_records(rows, text, problem, handler, context)


def read_root_object(
    stream: BinaryIO,
    context: ParseContext,
    arrays: dict[str, Handler],
    members: dict[str, Handler],
    format_name: str,
    hint: str,
) -> Iterator[Record]:
    """Records from a file whose root object holds arrays of elements.

    Each element of an array named in ``arrays`` goes to its handler; a member named in
    ``members`` is read whole (bounded like an element) and goes to its handler, taking no row
    if it states no point. Other members are walked past without being kept. NotThisFormat is
    raised, before any record, when the root is not an object or holds none of these names.
    Damage in the root object after the first of them ends the file with a Warning.
    """
    wanted = " or ".join(f"'{name}'" for name in (*arrays, *members))
    scanner = scanner_for(stream)
    enter_root(
        scanner, "{", f"the file's root is not a JSON object, so it is not {format_name}.", hint
    )
    rows = Rows()
    started = False
    try:
        for key in object_keys(scanner):
            if key in arrays:
                if scanner.peek() != "[":
                    if not started:
                        raise NotThisFormat(f"'{key}' is not an array.", hint)
                    yield Rejection(rows.next(), f"'{key}' is not an array")
                    skip(scanner)
                    continue
                started = True
                for text, problem in array_items(scanner, key):
                    yield from element_records(rows, text, problem, arrays[key], context)
            elif key in members:
                started = True
                text, problem = take(scanner)
                yield from element_rows(rows, text, problem, members[key], context, empty_ok=True)
            else:
                skip(scanner)
    except Broken as exc:
        if not started:
            raise NotThisFormat(
                f"{exc} before any {wanted} member, so it is not {format_name}.", hint
            ) from None
        yield Warning(rows.last, str(exc))
        return
    if not started:
        raise NotThisFormat(
            f"the file's root object has no {wanted} member, so it is not {format_name}.", hint
        )
