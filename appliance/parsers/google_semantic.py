"""Google Takeout Semantic Location History (monthly ``YYYY_MONTH.json`` files, 2018-2024).

Layout: one top-level object whose ``timelineObjects`` array holds one object per visit or
journey::

    {"timelineObjects": [
      {"placeVisit": {"location": {"latitudeE7": 515000000, "longitudeE7": -1200000},
                      "duration": {"startTimestamp": "2024-05-01T09:00:00Z",
                                   "endTimestamp": "2024-05-01T10:00:00Z"}}},
      {"activitySegment": {"startLocation": {...}, "endLocation": {...},
                           "duration": {...}, "waypointPath": {"waypoints": [...]},
                           "simplifiedRawPath": {"points": [...]}}}]}

Points and what each one means (its ``method``):

* A ``placeVisit`` is a *span*: the subject was at one place from ``duration.startTimestamp``
  to ``duration.endTimestamp``. It is two points, ``visit`` Observations at the same position:
  one at the arrival time and one at the departure time. Position: ``location.latitudeE7`` /
  ``longitudeE7`` (or the visit's ``centerLatE7``/``centerLngE7`` when the location has none,
  with a warning). Radius: the location's ``accuracyMetres``/``accuracyMeters``/``accuracy``
  when present; ``locationConfidence`` is a percentage, not a distance, and is not used. Each of
  its ``childVisits`` is a visit of its own, read after its parent.
* An ``activitySegment`` is a journey. Its ``startLocation`` is a ``path`` point at the start
  time and its ``endLocation`` a ``path`` point at the end time. ``waypointPath.waypoints`` and
  ``transitPath.transitStops`` carry no time, so each is read and rejected ("waypoint has no
  time"). ``simplifiedRawPath.points`` and ``parkingEvent`` carry their own ``timestamp`` (or
  ``timestampMs``) and are ``path`` points, with ``accuracyMeters`` as the radius.
* Times are ISO 8601 (``startTimestamp``, in practice UTC with ``Z``) or, in older files,
  milliseconds since 1970 UTC (``startTimestampMs``). A naive time is read in the source's
  declared zone and flagged like any local time.

Rows are points in document order: elements in file order; within one element the points come
visit start, visit end, child visits; or activity start, waypoints, raw path points, transit
stops, parking event, activity end. Row N is the Nth point read in the file. An element that
cannot be read (not JSON, too large, neither kind) is one row with one Rejection. A location
key that is present but unusable (``"startLocation": {}``) is a point read and rejected; an
absent key is no point.

Streaming: see ``appliance.parsers._jsonstream``. Other top-level members are walked past.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from appliance.model import Record
from appliance.parsers._jsonstream import (
    Fix,
    PointReader,
    Stamp,
    as_list,
    as_object,
    e7_position,
    failing,
    iso_stamp,
    labelled,
    millis_stamp,
    radius,
    read_root_object,
)
from appliance.parsers.base import ParseContext, Parser, Probe
from appliance.parsers.registry import register

FORMAT = "Semantic Location History"
HINT = "A Semantic Location History file is one object with a 'timelineObjects' array."
ACCURACY_KEYS = ("accuracyMetres", "accuracyMeters", "accuracy")
_FIRST_MEMBER = re.compile(r'\s*\{\s*"timelineObjects"\s*:\s*\[')


class GoogleSemanticParser(Parser):
    name = "google_semantic"
    description = "Google Takeout Semantic Location History (timelineObjects: visits, journeys)"
    version = "1"
    priority: ClassVar[int] = 30

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        if _FIRST_MEMBER.match(probe.text):
            return "JSON object whose first member is a 'timelineObjects' array"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        return read_root_object(
            stream, context, {"timelineObjects": _timeline_object}, {}, FORMAT, HINT
        )


def _timeline_object(item: object, context: ParseContext) -> list[PointReader]:
    element = as_object(item, "element")
    if "placeVisit" not in element and "activitySegment" not in element:
        raise ValueError("timeline object holds neither a placeVisit nor an activitySegment")
    readers: list[PointReader] = []
    if "placeVisit" in element:
        readers += _visit(element["placeVisit"], "placeVisit", context)
    if "activitySegment" in element:
        readers += _activity(element["activitySegment"], context)
    return readers


def _duration_stamp(holder: dict[str, object], which: str, context: ParseContext) -> Stamp:
    """The start or end time of a visit or journey (``which`` is "start" or "end")."""
    duration = as_object(holder.get("duration"), "duration")
    iso_key, ms_key = f"{which}Timestamp", f"{which}TimestampMs"
    if duration.get(iso_key) is None and duration.get(ms_key) is not None:
        return millis_stamp(duration[ms_key], f"duration.{ms_key}")
    return iso_stamp(duration.get(iso_key), f"duration.{iso_key}", context.timezone)


def _point_stamp(point: dict[str, object], context: ParseContext) -> Stamp:
    if point.get("timestamp") is None and point.get("timestampMs") is not None:
        return millis_stamp(point["timestampMs"], "timestampMs")
    return iso_stamp(point.get("timestamp"), "timestamp", context.timezone)


def _visit(value: object, label: str, context: ParseContext) -> list[PointReader]:
    """Arrival and departure points of a visit, then those of its child visits."""
    if not isinstance(value, dict):
        reason = f"{label}: " + ("missing" if value is None else "not an object")
        return [failing(reason), failing(reason)]

    def place(notes: list[str]) -> tuple[float, float, float | None]:
        location = value.get("location")
        if isinstance(location, dict) and location.get("latitudeE7") is not None:
            lat, lon = e7_position(location, "latitudeE7", "longitudeE7")
            return lat, lon, radius(location, ACCURACY_KEYS, notes)
        if value.get("centerLatE7") is not None:
            lat, lon = e7_position(value, "centerLatE7", "centerLngE7")
            notes.append("visit position taken from centerLatE7/centerLngE7 (location has none)")
            return lat, lon, None
        lat, lon = e7_position(as_object(location, "location"), "latitudeE7", "longitudeE7")
        return lat, lon, None

    def arrival() -> Fix:
        notes: list[str] = []
        lat, lon, radius_m = place(notes)
        stamp = _duration_stamp(value, "start", context)
        return Fix(stamp, lat, lon, radius_m, "visit", tuple(notes))

    def departure() -> Fix:
        notes: list[str] = []
        lat, lon, radius_m = place(notes)
        stamp = _duration_stamp(value, "end", context)
        try:
            start = _duration_stamp(value, "start", context)
        except ValueError:
            start = None
        if start is not None and start.time > stamp.time:
            notes.append(f"visit ends ({stamp.raw}) before it starts ({start.raw})")
        return Fix(stamp, lat, lon, radius_m, "visit", tuple(notes))

    readers = [labelled(f"{label} start", arrival), labelled(f"{label} end", departure)]
    children = value.get("childVisits")
    if children is not None:
        try:
            for child in as_list(children, "childVisits"):
                readers += _visit(child, "childVisit", context)
        except ValueError as exc:
            readers.append(failing(str(exc)))
    return readers


def _activity(value: object, context: ParseContext) -> list[PointReader]:
    """Start, timeless waypoints, raw path points, transit stops, parking and end of a journey."""
    if not isinstance(value, dict):
        return [failing("activitySegment is not an object")]
    readers: list[PointReader] = []
    if "startLocation" in value:
        readers.append(_end_point(value, "startLocation", "start", context))
    readers += _timeless(value.get("waypointPath"), "waypoints", "waypoint")
    raw_path = value.get("simplifiedRawPath")
    if raw_path is not None:
        try:
            points = as_list(as_object(raw_path, "simplifiedRawPath").get("points"), "points")
        except ValueError as exc:
            readers.append(failing(f"simplifiedRawPath: {exc}"))
        else:
            readers += [_raw_point(point, context) for point in points]
    readers += _timeless(value.get("transitPath"), "transitStops", "transit stop")
    if "parkingEvent" in value:
        readers.append(labelled("parkingEvent", _parking(value["parkingEvent"], context)))
    if "endLocation" in value:
        readers.append(_end_point(value, "endLocation", "end", context))
    return readers


def _end_point(
    segment: dict[str, object], key: str, which: str, context: ParseContext
) -> PointReader:
    def read() -> Fix:
        location = as_object(segment[key], key)
        notes: list[str] = []
        lat, lon = e7_position(location, "latitudeE7", "longitudeE7")
        radius_m = radius(location, ACCURACY_KEYS, notes)
        stamp = _duration_stamp(segment, which, context)
        return Fix(stamp, lat, lon, radius_m, "path", tuple(notes))

    return labelled(f"activity {which} ({key})", read)


def _timeless(holder: object, key: str, name: str) -> list[PointReader]:
    """Points with a position but no time: read, counted and rejected."""
    if holder is None:
        return []
    if not isinstance(holder, dict):
        return [failing(f"{name}s: the path is not an object")]
    items = holder.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        return [failing(f"{name}s: '{key}' is not an array")]
    return [failing(f"{name} has no time") for _ in items]


def _raw_point(value: object, context: ParseContext) -> PointReader:
    def read() -> Fix:
        point = as_object(value, "point")
        notes: list[str] = []
        lat, lon = e7_position(point, "latE7", "lngE7")
        radius_m = radius(point, ("accuracyMeters", "accuracyMetres", "accuracy"), notes)
        return Fix(_point_stamp(point, context), lat, lon, radius_m, "path", tuple(notes))

    return labelled("simplifiedRawPath point", read)


def _parking(value: object, context: ParseContext) -> PointReader:
    def read() -> Fix:
        event = as_object(value, "parkingEvent")
        location = as_object(event.get("location"), "location")
        notes: list[str] = []
        lat, lon = e7_position(location, "latitudeE7", "longitudeE7")
        radius_m = radius(location, ACCURACY_KEYS, notes)
        return Fix(_point_stamp(event, context), lat, lon, radius_m, "path", tuple(notes))

    return read


register(GoogleSemanticParser)
