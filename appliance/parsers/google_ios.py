"""Google Maps Timeline exported on an iPhone (``location-history.json``, 2023 onwards).

Layout: a bare top-level array of segments; every number is written as a string::

    [{"startTime": "2023-12-27T13:32:18+01:00", "endTime": "2023-12-27T13:39:37+01:00",
      "activity": {"start": "geo:55.596349,24.740514", "end": "geo:55.605487,24.764872",
                   "distanceMeters": "1881.000000"}},
     {"startTime": "...", "endTime": "...",
      "visit": {"topCandidate": {"placeLocation": "geo:55.605843,24.764710"}}},
     {"startTime": "...", "endTime": "...",
      "timelinePath": [{"point": "geo:27.720007,-97.348044",
                        "durationMinutesOffsetFromStartTime": "49"}]},
     {"startTime": "...", "endTime": "...", "timelineMemory": {...}}]

Points and what each one means (its ``method``), as for the Android ``Timeline.json`` segments
(``appliance.parsers.google_timeline``, whose segment reader this module shares):

* A ``visit`` is a *span*: two ``visit`` points at ``topCandidate.placeLocation``, one at
  ``startTime`` and one at ``endTime``.
* An ``activity`` gives a ``path`` point at ``start`` at the start time and one at ``end`` at
  the end time.
* A ``timelinePath`` vertex is a ``path`` point at ``startTime`` plus
  ``durationMinutesOffsetFromStartTime`` minutes (a string such as "15"); it carries the
  segment's time offset, so it is placed in UTC exactly as the start time is.
* A ``timelineMemory`` segment (a trip summary) holds no position: one row, rejected.

Positions are ``geo:lat,lng`` URIs (RFC 5870); a ``;u=`` uncertainty, when present, is the
radius. Times carry their UTC offset; one without an offset is read in the source's declared
zone and flagged like any local time.

Rows are points in document order: segments in file order; within a segment the points come
visit start, visit end, activity start, activity end, path vertices in order. Row N is the Nth
point read in the file. A segment that cannot be read (not JSON, too large) is one row with one
Rejection.

Streaming: see ``appliance.parsers._jsonstream``. A file whose root is not an array, or whose
first element is an object with none of the segment members, is not this format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from appliance.errors import NotThisFormat
from appliance.model import Record, Warning
from appliance.parsers._jsonstream import (
    Broken,
    Rows,
    array_items,
    element_records,
    scanner_for,
)
from appliance.parsers.base import ParseContext, Parser, Probe
from appliance.parsers.google_timeline import segment_points
from appliance.parsers.registry import register

FORMAT = "an iOS location-history.json"
HINT = (
    "An iOS location-history.json is a JSON array of segments with startTime, endTime and "
    "visit, activity or timelinePath members."
)
SEGMENT_KEYS = frozenset(
    {"startTime", "endTime", "visit", "activity", "timelinePath", "timelineMemory"}
)
_ROOT = re.compile(r"\s*\[\s*\{")
_TIME_KEY = re.compile(r'"(?:startTime|endTime)"\s*:')
_GEO_VALUE = re.compile(r'"geo:\s*[+-]?\.?\d')


class GoogleIosParser(Parser):
    name = "google_ios"
    description = "Google Maps Timeline location-history.json exported on iOS (geo: positions)"
    version = "1"
    priority: ClassVar[int] = 30

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        text = probe.text
        if _ROOT.match(text) and _TIME_KEY.search(text) and _GEO_VALUE.search(text):
            return "JSON array of startTime/endTime segments with geo: positions"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        scanner = scanner_for(stream)
        if scanner.peek() != "[":
            raise NotThisFormat(
                f"the file's root is not a JSON array, so it is not {FORMAT}.", HINT
            )
        rows = Rows()
        first = True
        try:
            for text, problem in array_items(scanner, "root"):
                if first:
                    _check_first(text)
                    first = False
                yield from element_records(rows, text, problem, segment_points, context)
        except Broken as exc:
            yield Warning(rows.last, str(exc))


def _check_first(text: str | None) -> None:
    """NotThisFormat when the first element is readable but plainly not a segment."""
    if text is None:
        return
    try:
        item = json.loads(text)
    except (ValueError, RecursionError):
        return
    if not isinstance(item, dict) or not SEGMENT_KEYS & item.keys():
        raise NotThisFormat(
            f"the first element of the array is not a timeline segment, so it is not {FORMAT}.",
            HINT,
        )


register(GoogleIosParser)
