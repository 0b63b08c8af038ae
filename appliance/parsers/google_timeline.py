"""Google Maps Timeline exported on an Android phone (``Timeline.json``, 2024 onwards).

Layout: one top-level object::

    {"semanticSegments": [
       {"startTime": "2024-05-01T10:00:00.000+01:00", "endTime": "...",
        "visit": {"topCandidate": {"placeLocation": {"latLng": "51.5°, -0.12°"}}}},
       {"startTime": "...", "endTime": "...",
        "activity": {"start": {"latLng": "51.5°, -0.12°"}, "end": {"latLng": "..."}}},
       {"startTime": "...", "endTime": "...",
        "timelinePath": [{"point": "51.5°, -0.12°", "time": "2024-05-01T10:05:00.000+01:00"}]}],
     "rawSignals": [
       {"position": {"LatLng": "51.5°, -0.12°", "accuracyMeters": 13, "source": "WIFI",
                     "timestamp": "2024-05-01T10:05:00.000+01:00"}},
       {"wifiScan": {...}}, {"activityRecord": {...}}],
     "userLocationProfile": {"frequentPlaces": [{"placeLocation": "51.5°, -0.12°",
                                                 "label": "HOME"}]}}

Points and what each one means (its ``method``):

* A ``visit`` is a *span*: the subject was at one place from ``startTime`` to ``endTime``. It is
  two points, ``visit`` Observations at ``visit.topCandidate.placeLocation``: one at the start
  time and one at the end time.
* An ``activity`` (a journey) gives a ``path`` point at ``activity.start`` at the start time and
  one at ``activity.end`` at the end time.
* Each ``timelinePath`` vertex is a ``path`` point at its own ``time`` (or, as in the iOS
  export, ``durationMinutesOffsetFromStartTime`` minutes after the segment's ``startTime``).
* A ``rawSignals`` ``position`` is a raw fix: its ``source`` gives the method (GPS, WIFI, CELL
  and FUSED map to gps, wifi, cell and fused; anything else, UNKNOWN or none is unknown), and
  ``accuracyMeters`` the radius. Other raw signals (``wifiScan``, ``activityRecord``) hold no
  position: each is one row, rejected with its kind named.
* ``userLocationProfile.frequentPlaces`` are places (home, work) with no time: each is read and
  rejected ("frequent place has no time").
* A segment holding no position (``timelineMemory``, a trip summary) is one rejected row.

Times are local times with their UTC offset ("2024-05-01T10:00:00.000+01:00"), converted to UTC
with that offset; a time without an offset is read in the source's declared zone and flagged
like any local time. Positions are "lat°, lng°" text (the degree signs may be missing).

Rows are points in document order: segments, then raw signals, then frequent places, in the
order the file has those members; within a segment the points come visit start, visit end,
activity start, activity end, path vertices in order. Row N is the Nth point read in the file.
An element that cannot be read (not JSON, too large) is one row with one Rejection.

Streaming: see ``appliance.parsers._jsonstream``. Other top-level members are walked past.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from appliance.model import Record
from appliance.parsers._csvutil import quote
from appliance.parsers._jsonstream import (
    Fix,
    PointReader,
    Stamp,
    as_list,
    as_object,
    failing,
    iso_stamp,
    labelled,
    number,
    radius,
    read_root_object,
    shifted,
    text_position,
)
from appliance.parsers.base import ParseContext, Parser, Probe
from appliance.parsers.registry import register

FORMAT = "an Android Timeline.json"
HINT = (
    "An Android Timeline.json is one object with 'semanticSegments', 'rawSignals' and "
    "'userLocationProfile' members."
)
SOURCE_METHODS = {"GPS": "gps", "WIFI": "wifi", "CELL": "cell", "FUSED": "fused"}
OFFSET_KEY = "durationMinutesOffsetFromStartTime"
_FIRST_MEMBER = re.compile(r'\s*\{\s*"(semanticSegments|rawSignals|userLocationProfile)"\s*:')


class GoogleTimelineParser(Parser):
    name = "google_timeline"
    description = "Google Maps Timeline.json exported on Android (semanticSegments, rawSignals)"
    version = "1"
    priority: ClassVar[int] = 30

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        match = _FIRST_MEMBER.match(probe.text)
        if match:
            return f"JSON object whose first member is '{match.group(1)}' (Android Timeline.json)"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        return read_root_object(
            stream,
            context,
            {"semanticSegments": segment_points, "rawSignals": _raw_signal},
            {"userLocationProfile": _profile},
            FORMAT,
            HINT,
        )


# --- segments (shared with the iOS export, which has the same structure) -------------------


def segment_points(item: object, context: ParseContext) -> list[PointReader]:
    """The points of one segment: visit, activity and timeline path, in that order."""
    segment = as_object(item, "element")
    if not any(key in segment for key in ("visit", "activity", "timelinePath")):
        if "timelineMemory" in segment:
            raise ValueError("timelineMemory segment holds no position (a trip summary)")
        raise ValueError("segment holds no visit, activity or timelinePath")
    readers: list[PointReader] = []
    if "visit" in segment:
        readers += _visit(segment, context)
    if "activity" in segment:
        readers += _activity(segment, context)
    if "timelinePath" in segment:
        try:
            vertices = as_list(segment["timelinePath"], "timelinePath")
        except ValueError as exc:
            readers.append(failing(str(exc)))
        else:
            readers += [_vertex(segment, vertex, context) for vertex in vertices]
    return readers


def _start(segment: dict[str, object], context: ParseContext) -> Stamp:
    return iso_stamp(segment.get("startTime"), "startTime", context.timezone)


def _end(segment: dict[str, object], context: ParseContext, notes: list[str]) -> Stamp:
    """The segment's end time; a segment that ends before it starts is noted."""
    end = iso_stamp(segment.get("endTime"), "endTime", context.timezone)
    try:
        start = _start(segment, context)
    except ValueError:
        return end
    if start.time > end.time:
        notes.append(f"segment ends ({end.raw}) before it starts ({start.raw})")
    return end


def _visit(segment: dict[str, object], context: ParseContext) -> list[PointReader]:
    def place() -> tuple[float, float, float | None]:
        visit = as_object(segment["visit"], "visit")
        candidate = as_object(visit.get("topCandidate"), "topCandidate")
        return text_position(candidate.get("placeLocation"), "placeLocation")

    def arrival() -> Fix:
        lat, lon, radius_m = place()
        return Fix(_start(segment, context), lat, lon, radius_m, "visit")

    def departure() -> Fix:
        lat, lon, radius_m = place()
        notes: list[str] = []
        return Fix(_end(segment, context, notes), lat, lon, radius_m, "visit", tuple(notes))

    return [labelled("visit start", arrival), labelled("visit end", departure)]


def _activity(segment: dict[str, object], context: ParseContext) -> list[PointReader]:
    activity = segment["activity"]
    if not isinstance(activity, dict):
        return [failing("activity is not an object")]

    def point(key: str) -> PointReader:
        def read() -> Fix:
            lat, lon, radius_m = text_position(activity[key], f"activity.{key}")
            notes: list[str] = []
            stamp = _start(segment, context) if key == "start" else _end(segment, context, notes)
            return Fix(stamp, lat, lon, radius_m, "path", tuple(notes))

        return labelled(f"activity {key}", read)

    return [point(key) for key in ("start", "end") if key in activity]


def _vertex(segment: dict[str, object], value: object, context: ParseContext) -> PointReader:
    def read() -> Fix:
        vertex = as_object(value, "vertex")
        lat, lon, radius_m = text_position(vertex.get("point"), "point")
        if vertex.get("time") is not None or vertex.get(OFFSET_KEY) is None:
            stamp = iso_stamp(vertex.get("time"), "time", context.timezone)
        else:
            minutes = number(vertex[OFFSET_KEY], OFFSET_KEY)
            if minutes < 0:
                raise ValueError(f"negative {OFFSET_KEY} {minutes:g}")
            stamp = shifted(_start(segment, context), minutes, OFFSET_KEY)
        return Fix(stamp, lat, lon, radius_m, "path")

    return labelled("timelinePath vertex", read)


# --- raw signals and the profile ------------------------------------------------------------


def _raw_signal(item: object, context: ParseContext) -> list[PointReader]:
    signal = as_object(item, "element")
    if "position" not in signal:
        kinds = ", ".join(sorted(signal)) or "an empty object"
        raise ValueError(f"raw signal {quote(kinds)} holds no position; not loaded")

    def read() -> Fix:
        position = as_object(signal["position"], "position")
        key = "LatLng" if "LatLng" in position else "latLng"
        lat, lon, _ = text_position(position.get(key), key)
        notes: list[str] = []
        radius_m = radius(position, ("accuracyMeters",), notes)
        stamp = iso_stamp(position.get("timestamp"), "timestamp", context.timezone)
        source = position.get("source")
        method = SOURCE_METHODS.get(source.upper(), "unknown") if isinstance(source, str) else None
        return Fix(stamp, lat, lon, radius_m, method or "unknown", tuple(notes))

    return [labelled("raw position", read)]


def _profile(item: object, context: ParseContext) -> list[PointReader]:
    """Frequent places: positions with no time, each read and rejected."""
    profile = as_object(item, "userLocationProfile")
    places = profile.get("frequentPlaces")
    if places is None:
        return []
    if not isinstance(places, list):
        return [failing("userLocationProfile.frequentPlaces is not an array")]
    readers: list[PointReader] = []
    for place in places:
        label = place.get("label") if isinstance(place, dict) else None
        named = f" ({quote(label)})" if isinstance(label, str) else ""
        readers.append(failing(f"frequent place{named} has no time"))
    return readers


register(GoogleTimelineParser)
