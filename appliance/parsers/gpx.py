"""GPX 1.0 and 1.1 tracks, routes and waypoints (www.topografix.com/GPX).

Rows: row N is the Nth point element in document order, counting ``trkpt``, ``rtept`` and
``wpt`` together (the three are numbered in one sequence, whatever track, segment or route
holds them). Point-like elements of other namespaces inside ``<extensions>`` are not points.

Each point with a usable ``<time>`` becomes one ``Observation``:

* Times are ``xsd:dateTime``. Offsets and ``Z`` are honoured; a time without an offset is UTC,
  because the GPX schema says so ("not local time"), whatever zone the source declares.
* A time before the GPS epoch (1980-01-06) cannot come from a satellite fix; it is what a
  receiver writes before its clock is set (gpxpy's Mojstrovka.gpx carries 1901-12-13T20:45:52,
  the 32-bit minimum), so the point is rejected rather than placed a century early.
* ``radius_m`` is left unknown: HDOP is not a distance, and turning it into metres would be a
  guess that a co-location grade would then rely on.
* ``method`` is ``gps`` unless the point names its source in ``<src>`` (GPSLogger writes the
  Android provider there): ``network`` (Android's cell-and-Wi-Fi provider) becomes ``fused``,
  ``wifi``/``cell``/``fused`` are kept, any other named source is ``unknown``.

Safety: the file is streamed with ``iterparse`` and every finished element is dropped, so memory
holds one path of open elements, not the document. A document type declaration or entity
declaration is refused before the parser sees it (expat would expand internal entities), as is an
XML declaration naming an encoding whose bytes could hide one. Nesting deeper than
``MAX_DEPTH`` or more than ``MAX_SILENT_BYTES`` without a single element boundary is refused.
Whitespace before the XML declaration is skipped (OsmAnd writes a newline there; expat alone
would refuse the file). XML that breaks after points were read ends the file with a Warning; a
point cut off by the break is rejected.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO, ClassVar

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.model import Observation, Record, Rejection, Warning
from appliance.parsers._csvutil import position_problem, quote, read_float, read_time
from appliance.parsers._xmlsafe import GuardedStream
from appliance.parsers.base import ParseContext, Parser, Probe
from appliance.parsers.registry import register
from appliance.timeutil import iso_z

NAMESPACES = ("http://www.topografix.com/GPX/1/0", "http://www.topografix.com/GPX/1/1")
POINTS = ("trkpt", "rtept", "wpt")
GPS_EPOCH = datetime(1980, 1, 6, tzinfo=UTC)
MAX_DEPTH = 256
SOURCE_METHODS = {
    "gps": "gps",
    "network": "fused",
    "fused": "fused",
    "wifi": "wifi",
    "cell": "cell",
}

_ROOT_TAG = re.compile(r"<gpx(\s[^>]*)?>")
_DEFAULT_NS = re.compile(r"""\bxmlns\s*=\s*["']([^"']*)["']""")


class GpxParser(Parser):
    name = "gpx"
    description = "GPX 1.0/1.1 track, route and waypoint files"
    version = "1"
    priority: ClassVar[int] = 30

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        match = _ROOT_TAG.search(probe.text)
        if match is None:
            return None
        namespace = _DEFAULT_NS.search(match.group(1) or "")
        if namespace is None:
            return "root element <gpx> without a namespace"
        if namespace.group(1) in NAMESPACES:
            return f"root element <gpx> in namespace {namespace.group(1)}"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        guard = GuardedStream(stream, "GPX")
        stack: list[ET.Element] = []
        names: dict[str, str] = {}
        point_tags: set[str] = set()
        point: ET.Element | None = None
        time_text: str | None = None
        times = 0  # <time> children of the current point; only the first is kept
        source: str | None = None
        row = 0
        try:
            for event, elem in ET.iterparse(guard, events=("start", "end")):
                guard.silent_bytes = 0
                if event == "start":
                    if not stack:
                        names = _gpx_names(elem.tag)
                        point_tags = {names[name] for name in POINTS}
                        guard.in_prolog = False
                    stack.append(elem)
                    if len(stack) > MAX_DEPTH:
                        raise InputTooLarge(
                            f"the GPX file nests elements more than {MAX_DEPTH} deep.",
                            "Check the file: it is damaged or built to exhaust memory.",
                        )
                    if point is None and len(stack) > 1 and elem.tag in point_tags:
                        point, time_text, times, source = elem, None, 0, None
                    continue

                stack.pop()
                if point is not None and len(stack) >= 1 and stack[-1] is point:
                    if elem.tag == names["time"]:
                        times += 1
                        time_text = elem.text if times == 1 else time_text
                    elif elem.tag == names["src"]:
                        source = elem.text
                if elem is point:
                    row += 1
                    yield from _observation(row, point, time_text, times, source)
                    point = None
                # Drop the finished element. The tree runs ahead of the events (a whole chunk is
                # parsed before its events are read), so later siblings may already be attached;
                # but earlier ones were dropped at their own end, so this one is the first child.
                if stack and len(stack[-1]) and stack[-1][0] is elem:
                    del stack[-1][0]
        except ET.ParseError as exc:
            if not stack and not names:
                raise NotThisFormat(
                    f"the file is not well-formed XML, so it is not GPX ({exc}).",
                    "Check that the file is complete and is a GPX export.",
                ) from None
            if point is not None:
                row += 1
                yield Rejection(row, f"point cut off by malformed XML ({exc})")
            yield Warning(row, f"XML is not well-formed ({exc}); reading stopped after row {row}")


def _gpx_names(root_tag: str) -> dict[str, str]:
    """The qualified tag names to look for, given the root's; NotThisFormat if it is not GPX."""
    namespace, local = "", root_tag
    if root_tag.startswith("{"):
        namespace, _, local = root_tag[1:].partition("}")
    if local != "gpx" or (namespace and namespace not in NAMESPACES):
        raise NotThisFormat(
            f"the root element is {quote(root_tag)}, not a GPX 1.0 or 1.1 <gpx>.",
            "Choose the parser for this file's real format, or check the file.",
        )
    prefix = f"{{{namespace}}}" if namespace else ""
    return {name: prefix + name for name in (*POINTS, "time", "src")}


def _observation(
    row: int, point: ET.Element, time_text: str | None, times: int, source: str | None
) -> list[Record]:
    """The Observation for one point element, or the Rejection saying why there is none."""
    if times == 0:
        return [Rejection(row, "point has no time")]
    if times > 1:
        return [Rejection(row, f"point has {times} time elements")]
    try:
        # GPX times without an offset are UTC by the schema, so UTC is the "local" zone.
        time, _ = read_time(time_text or "", "time", UTC)
    except ValueError as exc:
        return [Rejection(row, str(exc))]
    if time < GPS_EPOCH:
        reason = (
            f"time {iso_z(time)} is before the GPS epoch (1980-01-06): "
            "the receiver's clock was not set"
        )
        return [Rejection(row, reason)]
    try:
        lat = _coordinate(point, "lat")
        lon = _coordinate(point, "lon")
    except ValueError as exc:
        return [Rejection(row, str(exc))]
    problem = position_problem(lat, lon)
    if problem is not None:
        return [Rejection(row, problem)]
    method = "gps"
    if source is not None and source.strip():
        method = SOURCE_METHODS.get(source.strip().lower(), "unknown")
    return [Observation(row=row, time=time, lat=lat, lon=lon, radius_m=None, method=method)]


def _coordinate(point: ET.Element, name: str) -> float:
    text = point.get(name)
    if text is None:
        raise ValueError(f"point has no {name} attribute")
    return read_float(text, name)


register(GpxParser)
