"""Google Takeout location history, legacy ``Records.json`` (Location History, before 2024).

Layout: one top-level object whose ``locations`` array holds one object per fix::

    {"locations": [{"latitudeE7": 525121303, "longitudeE7": 134309551, "accuracy": 25,
                    "source": "GPS", "timestamp": "2013-04-15T06:31:26.860Z"}, ...]}

Rows: row N is the Nth element of the ``locations`` array (1-based).

* Position: ``latitudeE7``/``longitudeE7`` are degrees times 10^7. Some exports wrote negative
  values as unsigned 32-bit integers (a known Takeout bug), so a latitude above 900000000 or a
  longitude above 1800000000 has 2^32 subtracted before it is checked.
* Time: ``timestampMs`` (milliseconds since 1970 UTC, as a string or a number; older exports) or
  ``timestamp`` (ISO 8601; newer exports, always with ``Z`` in practice; a naive one is read in
  the source's declared zone and flagged like any local time).
* ``accuracy`` (metres) is the uncertainty radius.
* ``source`` gives the method: GPS, WIFI and CELL map to gps, wifi and cell; anything else, or no
  source, is ``fused`` (Google's own blend of providers).

Streaming: the file is never loaded whole (real exports run to gigabytes). A small scanner walks
the text, skips other top-level members, and hands each array element's text, at most
``MAX_ELEMENT_CHARS`` long and ``MAX_DEPTH`` deep, to ``json.loads``. An element too large, too
deep, cut off by the end of the file or not valid JSON is rejected and scanning goes on. A file
whose root is not an object with a ``locations`` array is not this format.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import BinaryIO, ClassVar, TextIO

from appliance.errors import NotThisFormat
from appliance.model import Observation, Record, Rejection, Warning
from appliance.parsers._csvutil import position_problem, quote, read_time, time_flag_warning
from appliance.parsers.base import ParseContext, Parser, Probe, open_text
from appliance.parsers.registry import register
from appliance.timeutil import EPOCH

MAX_ELEMENT_CHARS = 1024 * 1024
MAX_DEPTH = 64
MAX_KEY_CHARS = 1024
CHUNK_CHARS = 64 * 1024
LAT_WRAP = 900_000_000
LON_WRAP = 1_800_000_000
SOURCE_METHODS = {"GPS": "gps", "WIFI": "wifi", "CELL": "cell"}

_NON_SPACE = re.compile(r"[^ \t\r\n]")
_IN_STRING = re.compile(r'["\\]')
_STRUCTURE = re.compile(r'["{}\[\]]')
# JSON white space only: \s would also stop at characters ``peek`` does not skip (form feed,
# no-break space), and a value that ends where it starts would never be taken.
_SCALAR_END = re.compile(r'[ \t\r\n,\[\]{}"]')
_SCALAR_STOPS = frozenset(',[]{}"')  # a value that starts here is one stray character
_INTEGER = re.compile(r"-?\d{1,20}")

TRUNCATED = "the file ends inside this element (truncated)"
HINT = "A legacy Takeout Records.json is one object with a 'locations' array."


class _Scanner:
    """JSON text read in chunks, with enough structure to cut out one value at a time.

    ``pos`` is where the next value or separator starts; the buffer keeps everything from
    ``pos`` on, so a value being cut out stays whole however many chunks it spans.
    """

    def __init__(self, text: TextIO) -> None:
        self._text = text
        self.buf = ""
        self.pos = 0

    def _more(self) -> int:
        """Read a chunk, dropping what lies before ``pos``; returns the shift, or -1 at the end."""
        data = self._text.read(CHUNK_CHARS)
        if not data:
            return -1
        shift = self.pos
        self.buf = self.buf[shift:] + data
        self.pos = 0
        return shift

    def peek(self) -> str:
        """The next character that is not white space ("" at the end), without taking it."""
        while True:
            match = _NON_SPACE.search(self.buf, self.pos)
            if match is not None:
                self.pos = match.start()
                return self.buf[self.pos]
            self.pos = len(self.buf)
            if self._more() < 0:
                return ""

    def value(self, limit: int) -> tuple[str | None, str | None]:
        """Take the value at ``pos``: its text, or None and why it cannot be used.

        Only brackets and strings are tracked, which is all it takes to find where a value ends;
        whether the text is valid JSON is for ``json.loads`` to say. Text beyond ``limit``
        characters is not kept, so an oversized value costs time, not memory.
        """
        first = self.buf[self.pos]
        if first not in '{["':
            return self._scalar(limit)
        in_string = first == '"'
        depth = deepest = 0 if in_string else 1
        escaped = False
        discarded = 0
        i = self.pos + 1
        while in_string or depth > 0:
            if i >= len(self.buf):
                discarded = self._forget_if_over(discarded, limit)
                shift = self._more()
                if shift < 0:
                    self.pos = len(self.buf)
                    return None, TRUNCATED
                i -= shift
                continue
            if escaped:  # the character after a backslash, possibly a quote
                i += 1
                escaped = False
                continue
            match = (_IN_STRING if in_string else _STRUCTURE).search(self.buf, i)
            if match is None:
                i = len(self.buf)
                continue
            i = match.end()
            char = match.group()
            if char == "\\":
                escaped = True
            elif char == '"':
                in_string = not in_string
            elif char in "{[":
                depth += 1
                deepest = max(deepest, depth)
            else:
                depth -= 1
        return self._take(i, discarded, limit, deepest)

    def _scalar(self, limit: int) -> tuple[str | None, str | None]:
        """A number, literal or stray character: everything up to the next separator."""
        if self.buf[self.pos] in _SCALAR_STOPS:
            return self._take(self.pos + 1, 0, limit, 0)
        discarded = 0
        i = self.pos
        while True:
            match = _SCALAR_END.search(self.buf, i)
            if match is not None:
                i = match.start()
                break
            discarded = self._forget_if_over(discarded, limit)
            i = len(self.buf)
            shift = self._more()
            if shift < 0:
                break
            i -= shift
        return self._take(i, discarded, limit, 0)

    def _forget_if_over(self, discarded: int, limit: int) -> int:
        """Stop keeping a value's text once it is longer than ``limit``; returns what was let go."""
        kept = len(self.buf) - self.pos
        if discarded + kept > limit:
            self.pos = len(self.buf)
            return discarded + kept
        return discarded

    def _take(
        self, end: int, discarded: int, limit: int, deepest: int
    ) -> tuple[str | None, str | None]:
        if not discarded:
            end = max(end, self.pos + 1)  # always move on, whatever the input
        text = self.buf[self.pos : end]
        self.pos = end
        if discarded or len(text) > limit:
            return None, f"element is larger than {limit} characters"
        if deepest > MAX_DEPTH:
            return None, f"element is nested more than {MAX_DEPTH} levels deep"
        return text, None


def _locations(text: TextIO) -> Iterator[tuple[int, str | None, str | None]]:
    """(index, element text or None, problem or None) for each element of ``locations``.

    NotThisFormat is raised before the first element if the root is not an object holding a
    ``locations`` array. After the last element comes (0, None, reason) if the array never
    closes.
    """
    scanner = _Scanner(text)
    if scanner.peek() != "{":
        raise NotThisFormat(
            "the file's root is not a JSON object, so it is not Records.json.", HINT
        )
    scanner.pos += 1
    while True:
        char = scanner.peek()
        if char == ",":
            scanner.pos += 1
            continue
        if char != '"':
            raise NotThisFormat("the file's root object has no 'locations' array.", HINT)
        key_text, problem = scanner.value(MAX_KEY_CHARS)
        try:
            key = json.loads(key_text) if key_text is not None else None
        except ValueError:
            key = None
        if key is None or problem is not None or scanner.peek() != ":":
            raise NotThisFormat("the file's root object is not valid JSON.", HINT)
        scanner.pos += 1
        if scanner.peek() == "":
            raise NotThisFormat("the file ends before its 'locations' array.", HINT)
        if key == "locations":
            if scanner.peek() != "[":
                raise NotThisFormat("'locations' is not an array.", HINT)
            scanner.pos += 1
            break
        _, problem = scanner.value(0)  # another member: walked past, never kept
        if problem == TRUNCATED:
            raise NotThisFormat("the file ends before its 'locations' array.", HINT)

    index = 0
    while True:
        char = scanner.peek()
        if char == "]":
            return
        if char == "":
            yield 0, None, "the file ends before the locations array closes (truncated?)"
            return
        if char == ",":
            scanner.pos += 1
            continue
        index += 1
        element, problem = scanner.value(MAX_ELEMENT_CHARS)
        yield index, element, problem


class GoogleRecordsParser(Parser):
    name = "google_records"
    description = "Google Takeout location history, legacy Records.json (latitudeE7/longitudeE7)"
    version = "1"
    priority: ClassVar[int] = 30

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        head = probe.text[:4096]
        if not head.lstrip().startswith("{") or '"locations"' not in head:
            return None
        for marker in ("latitudeE7", "timestampMs"):
            if marker in head:
                return f"JSON object with a 'locations' array of {marker} fixes"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        last = 0
        for index, element, problem in _locations(open_text(stream)):
            if index == 0:
                yield Warning(last, problem or "the locations array does not close")
                continue
            last = index
            if element is None:
                yield Rejection(index, problem or "unreadable element")
                continue
            try:
                item = json.loads(element)
            except (ValueError, RecursionError) as exc:
                yield Rejection(index, f"element is not valid JSON ({_short(exc)})")
                continue
            try:
                yield from _observation(index, item, context)
            except ValueError as exc:
                yield Rejection(index, str(exc))


def _short(exc: Exception) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__


def _observation(row: int, item: object, context: ParseContext) -> list[Record]:
    """The Observation for one element; ValueError with the reason when there is none."""
    if not isinstance(item, dict):
        raise ValueError(f"element is a JSON {type(item).__name__}, not an object")
    lat = _e7(item, "latitudeE7", LAT_WRAP)
    lon = _e7(item, "longitudeE7", LON_WRAP)
    problem = position_problem(lat, lon)
    if problem is not None:
        raise ValueError(problem)
    time, flag, raw_time = _time(item, context)
    radius = _accuracy(item.get("accuracy"))
    source = item.get("source")
    method = SOURCE_METHODS.get(source.upper(), "fused") if isinstance(source, str) else "fused"
    records: list[Record] = [
        Observation(
            row=row, time=time, lat=lat, lon=lon, radius_m=radius, method=method, time_flag=flag
        )
    ]
    if flag is not None:
        records.append(time_flag_warning(row, raw_time, flag, context.timezone, time))
    return records


def _integer(value: object, name: str) -> int:
    """An integer written as a JSON number or a string of digits (both occur in exports)."""
    if isinstance(value, bool):
        raise ValueError(f"unreadable {name} {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    raise ValueError(f"unreadable {name} {quote(str(value))}")


def _e7(item: dict[str, object], name: str, wrap: int) -> float:
    if item.get(name) is None:
        raise ValueError(f"missing {name}")
    value = _integer(item[name], name)
    if value > wrap:
        value -= 2**32  # written unsigned by the Takeout bug; see the module docstring
    if abs(value) > 2**32:
        raise ValueError(f"{name} {value} out of range")
    return value / 1e7


def _time(item: dict[str, object], context: ParseContext) -> tuple[datetime, str | None, str]:
    """UTC time, doubt flag and the text it was read from."""
    millis = item.get("timestampMs")
    if millis is not None:
        count = _integer(millis, "timestampMs")
        try:
            return EPOCH + timedelta(milliseconds=count), None, str(millis)
        except OverflowError:
            raise ValueError(f"timestampMs {count} out of range") from None
    stamp = item.get("timestamp")
    if stamp is None:
        raise ValueError("missing timestamp")
    if not isinstance(stamp, str):
        raise ValueError(f"unreadable timestamp {quote(str(stamp))}")
    time, flag = read_time(stamp, "timestamp", context.timezone)
    return time, flag, stamp


def _accuracy(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"unreadable accuracy {quote(str(value))}")
    radius = float(value)
    if not math.isfinite(radius):
        raise ValueError("accuracy is not a finite number")
    if radius < 0:
        raise ValueError(f"negative accuracy {value}")
    return radius


register(GoogleRecordsParser)
