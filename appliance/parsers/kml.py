"""KML 2.0-2.2 documents (OGC KML, Google Earth) and KMZ archives holding one.

What is read: timed positions, as Google Earth, Google Takeout and GPS loggers write them.

* A ``Point`` in a ``Placemark`` (or ``PhotoOverlay``), also inside ``MultiGeometry``. Its time
  is the feature's own ``TimeStamp/when``; a feature with a ``TimeSpan`` uses its ``begin`` (the
  moment the device was first there: a span says when the feature was shown, and its start is
  the one instant the span vouches for). A feature with more than one time element uses the
  first and says so in a Warning. Times are not inherited from folders or documents.
  ``coordinates`` hold ``lon,lat[,alt]``: longitude first.
* Every sample of a ``gx:Track`` (also inside ``gx:MultiTrack``): the Nth ``<when>`` pairs
  with the Nth ``<gx:coord>``, which holds ``lon lat [alt]`` separated by spaces. Samples left
  unpaired (more whens than coords, or the reverse) are rejected.

Rows: row N is the Nth point in document order, counting each ``Point`` and each ``gx:Track``
sample in one sequence. Paths and areas (``LineString``, ``Polygon``, ``Model``) are not points:
a drawn path carries one time, if any, for many places. They are not rows; one Warning at the
end counts them. ``LookAt``/``Camera`` (where the viewer looked from) are not positions either.

Times: ``xsd:dateTime`` with ``Z`` or an offset is placed exactly. A time without an offset is
local time in the source's declared zone (the KML reference says so) and is flagged, with a
Warning, in the skipped or repeated hour of a clock change. A date without a time of day
(``2024-01-15``, ``2024-01``, ``2024``, all valid KML) is too coarse to place anyone anywhere
and is rejected. A point whose feature has no time is rejected ("no time").

``method`` is ``unknown``: KML says where, not how the position was obtained. ``radius_m`` is
unknown.

Safety: the XML is streamed (``_xmlsafe``): DOCTYPE and ENTITY are refused before expat sees
them, finished elements are dropped, nesting is capped, and so are the points buffered while a
placemark's time is still to come. XML that breaks after points were read ends the file with a
Warning; a point cut off by the break is not counted (it was never complete).

KMZ: a zip whose main document is ``doc.kml`` at the root, else the first ``.kml`` member at
the root, else the first ``.kml`` anywhere (Google's KMZ rule). It is read in place, never
extracted: no file is written, so a member name that would escape its folder on extraction
(``../x``, ``/etc/x``) is only noted in a Warning. Limits: at most ``MAX_MEMBERS`` members, the
main document at most ``MAX_KML_BYTES`` uncompressed and at most ``MAX_RATIO`` times its
compressed size (both checked on the declared sizes, and the uncompressed size again while
reading, since a zip's header can lie). A damaged archive (bad CRC, unreadable compression) is
refused as a whole, since points read before the damage cannot be trusted either.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from collections import deque
from collections.abc import Iterator, MutableSequence
from datetime import datetime, tzinfo
from typing import BinaryIO, ClassVar, TypeVar

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.model import Observation, Record, Rejection, Warning
from appliance.parsers._csvutil import (
    position_problem,
    quote,
    read_float,
    read_time,
    time_flag_warning,
)
from appliance.parsers._xmlsafe import (
    MAX_DEPTH,
    GuardedStream,
    Readable,
    drop,
    split_tag,
    too_deep,
)
from appliance.parsers.base import ZIP_ERRORS, ParseContext, Parser, Probe
from appliance.parsers.registry import register

KML_NAMESPACES = (
    "http://www.opengis.net/kml/2.2",
    "http://earth.google.com/kml/2.2",
    "http://earth.google.com/kml/2.1",
    "http://earth.google.com/kml/2.0",
)
GX_NAMESPACE = "http://www.google.com/kml/ext/2.2"
FEATURES = ("Placemark", "PhotoOverlay")
SHAPES = ("LineString", "Polygon", "Model")

MAX_PENDING = 1_000_000
"""Points held while a placemark's time is still to come, or samples of one gx:Track."""
MAX_MEMBERS = 10_000
MAX_KML_BYTES = 512 * 1024 * 1024
MAX_RATIO = 100
MAX_NAME_WARNINGS = 10

_T = TypeVar("_T")

# The root element, after an optional XML declaration, comments and processing instructions.
_ROOT = re.compile(r"\A\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<kml(?=[\s/>])([^>]*)>?", re.DOTALL)
_DEFAULT_NS = re.compile(r"""\bxmlns\s*=\s*["']([^"']*)["']""")
_DATE_ONLY = re.compile(r"-?\d{4,}(?:-\d{1,2}(?:-\d{1,2})?)?")
_COMMA = re.compile(r"\s*,\s*")


class KmlParser(Parser):
    name = "kml"
    description = "KML 2.0-2.2 placemarks with times and gx:Track tracks (Google Earth)"
    version = "1"
    priority: ClassVar[int] = 30

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        match = _ROOT.match(probe.text)
        if match is None:
            return None
        namespace = _DEFAULT_NS.search(match.group(1) or "")
        if namespace is None:
            return "root element <kml> without a namespace"
        if namespace.group(1) in KML_NAMESPACES:
            return f"root element <kml> in namespace {namespace.group(1)}"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        yield from _KmlReader(context.timezone, "KML").read(stream)


class KmzParser(Parser):
    name = "kmz"
    description = "KMZ archives (zipped KML), read in place without extracting"
    version = "1"
    seekable: ClassVar[bool] = True
    priority: ClassVar[int] = 25

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        kml = [name for name in probe.members if name.lower().endswith(".kml")]
        if any(name.lower() == "doc.kml" for name in kml):
            return "zip archive holding doc.kml (KMZ)"
        if kml and probe.name.lower().endswith(".kmz"):
            return f"zip archive named .kmz holding {kml[0]}"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        try:
            archive = zipfile.ZipFile(stream)
        except ZIP_ERRORS as exc:
            raise NotThisFormat(
                f"the file is not a readable zip archive, so it is not KMZ ({exc}).",
                "Check that the file is complete and is a KMZ export.",
            ) from None
        with archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise InputTooLarge(
                    f"the KMZ archive has {len(members)} members; more than {MAX_MEMBERS} is "
                    "not a KMZ a device or Google Earth writes.",
                    "Check the file: it is damaged or built to exhaust memory.",
                )
            yield from _name_warnings(members)
            main = _main_document(members)
            _check_member(main)
            try:
                with archive.open(main) as member:
                    bounded = _BoundedMember(member, min(main.file_size, MAX_KML_BYTES))
                    yield from _KmlReader(context.timezone, "KML").read(bounded)
            except ZIP_ERRORS as exc:
                raise NotThisFormat(
                    f"the KMZ member {quote(main.filename)} is damaged ({exc}).",
                    "Acquire the file again; nothing from a damaged archive is loaded.",
                ) from None
            except (NotImplementedError, RuntimeError) as exc:
                raise NotThisFormat(
                    f"the KMZ member {quote(main.filename)} cannot be read ({exc}).",
                    "Open the archive with a zip tool and read its KML directly.",
                ) from None


def _main_document(members: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    """doc.kml at the root, else the first .kml at the root, else the first .kml anywhere."""
    kml = [m for m in members if m.filename.lower().endswith(".kml") and not m.is_dir()]
    root = [m for m in kml if "/" not in m.filename.strip("/")]
    for candidates in ([m for m in root if m.filename.lower() == "doc.kml"], root, kml):
        if candidates:
            return candidates[0]
    raise NotThisFormat(
        "the zip archive holds no .kml document, so it is not KMZ.",
        "Choose the parser for this archive's real contents.",
    )


def _check_member(main: zipfile.ZipInfo) -> None:
    if main.flag_bits & 0x1:
        raise NotThisFormat(
            f"the KMZ member {quote(main.filename)} is encrypted.",
            "Obtain the password from the source and decrypt a copy.",
        )
    if main.file_size > MAX_KML_BYTES:
        raise InputTooLarge(
            f"the KMZ member {quote(main.filename)} declares {main.file_size:,} bytes; the "
            f"limit is {MAX_KML_BYTES:,}.",
            "Check the file: it is damaged or built to exhaust memory.",
        )
    if main.file_size > MAX_RATIO * max(main.compress_size, 1) and main.file_size > 1024 * 1024:
        raise InputTooLarge(
            f"the KMZ member {quote(main.filename)} expands {main.file_size:,} bytes from "
            f"{main.compress_size:,}, more than {MAX_RATIO} times: the mark of a zip bomb.",
            "Check the file's origin.",
        )


def _name_warnings(members: list[zipfile.ZipInfo]) -> Iterator[Warning]:
    unsafe = [m.filename for m in members if _escapes(m.filename)]
    for name in unsafe[:MAX_NAME_WARNINGS]:
        yield Warning(
            0,
            f"KMZ member name {quote(name)} would escape its folder if extracted; nothing is "
            "extracted, so it is only noted",
        )
    if len(unsafe) > MAX_NAME_WARNINGS:
        yield Warning(0, f"{len(unsafe) - MAX_NAME_WARNINGS} more such member names")


def _escapes(name: str) -> bool:
    path = name.replace("\\", "/")
    return (
        path.startswith("/")
        or re.match(r"[A-Za-z]:", path) is not None
        or ".." in (path.split("/"))
    )


class _BoundedMember:
    """A zip member's bytes, refused past ``limit`` whatever its header claimed."""

    def __init__(self, member: Readable, limit: int) -> None:
        self._member = member
        self._limit = limit
        self._total = 0

    def read(self, size: int = -1) -> bytes:
        data = self._member.read(size if size > 0 else 64 * 1024)
        self._total += len(data)
        if self._total > self._limit:
            raise InputTooLarge(
                f"the KMZ member expands past {self._limit:,} bytes, more than it declared or "
                "more than the limit.",
                "Check the file: it is damaged or built to exhaust memory.",
            )
        return data


class _KmlReader:
    """One pass over a KML document: the state of the streaming walk and its rows."""

    def __init__(self, tz: tzinfo, label: str) -> None:
        self.tz = tz
        self.label = label
        self.row = 0
        self.names: dict[str, str] = {}
        # The feature (Placemark) being read, its time, and points waiting for that time.
        self.feature: ET.Element | None = None
        self.times = 0
        self.time_text: str | None = None
        self.time_problem = "no time"
        self.time_value: str | None = None
        self.waiting: list[Record | tuple[int, str]] = []
        # The gx:Track and the Point being read.
        # A gx:Track's <when>s and gx:coords pair in order. Each pairs as soon as its partner
        # is there, so interleaved tracks stream; Google Earth's grouped form (all whens, then
        # all coords) holds the whens until the coords come.
        self.whens: deque[str] = deque()
        self.coords: deque[str] = deque()
        self.point_coords: str | None = None
        self.shapes = 0

    def read(self, stream: Readable) -> Iterator[Record]:
        guard = GuardedStream(stream, self.label)
        stack: list[ET.Element] = []
        try:
            for event, elem in ET.iterparse(guard, events=("start", "end")):
                guard.silent_bytes = 0
                if event == "start":
                    if not stack:
                        self.names = _kml_names(elem.tag)
                        guard.in_prolog = False
                    stack.append(elem)
                    if len(stack) > MAX_DEPTH:
                        raise too_deep(self.label)
                    self._start(elem)
                    continue
                stack.pop()
                yield from self._end(elem, stack)
                drop(stack, elem)
        except LookupError as exc:  # an encoding expat cannot name (the guard refuses most)
            raise NotThisFormat(
                f"the {self.label} file declares an unknown encoding ({exc}).",
                "Convert a copy to UTF-8 and read that.",
            ) from None
        except ET.ParseError as exc:
            if not self.names:
                raise NotThisFormat(
                    f"the file is not well-formed XML, so it is not {self.label} ({exc}).",
                    f"Check that the file is complete and is a {self.label} export.",
                ) from None
            # Points that were complete keep their outcome; their placemark never ended, so a
            # time still to come cannot arrive. Samples of an unfinished track are not rows.
            yield from self._finish_feature()
            cut = ""
            if self.whens or self.coords:
                cut = (
                    f"; an unfinished gx:Track ({len(self.whens)} <when>, "
                    f"{len(self.coords)} gx:coord) was not read"
                )
            yield Warning(
                self.row,
                f"XML is not well-formed ({exc}); reading stopped after row {self.row}{cut}",
            )
        if self.shapes:
            yield Warning(
                self.row,
                f"{self.shapes} path or area geometries (LineString, Polygon, Model) were not "
                "read: they carry no time for each of their places",
            )

    def _start(self, elem: ET.Element) -> None:
        tag, n = elem.tag, self.names
        if tag in (n["Placemark"], n["PhotoOverlay"]) and self.feature is None:
            self.feature, self.times, self.time_text = elem, 0, None
            self.time_problem = "no time"
        elif tag == n["gx:Track"]:
            self.whens, self.coords = deque(), deque()
        elif tag == n["Point"]:
            self.point_coords = None
        elif tag in (n["TimeStamp"], n["TimeSpan"]):
            self.time_value = None
        elif tag in (n["LineString"], n["Polygon"], n["Model"]):
            self.shapes += 1

    def _end(self, elem: ET.Element, stack: list[ET.Element]) -> Iterator[Record]:
        tag, n = elem.tag, self.names
        parent = stack[-1].tag if stack else None
        if tag == n["when"] and parent == n["gx:Track"]:
            if self.coords:
                yield from self._pair(elem.text or "", self.coords.popleft())
            else:
                self._hold(self.whens, elem.text or "")
        elif (tag, parent) in ((n["when"], n["TimeStamp"]), (n["begin"], n["TimeSpan"])):
            if self.time_value is None:
                self.time_value = elem.text or ""
        elif tag in (n["TimeStamp"], n["TimeSpan"]):
            if self.feature is not None and stack and stack[-1] is self.feature:
                yield from self._feature_time(tag)
        elif tag == n["gx:coord"] and parent == n["gx:Track"]:
            if self.whens:
                yield from self._pair(self.whens.popleft(), elem.text or "")
            else:
                self._hold(self.coords, elem.text or "")
        elif tag == n["coordinates"] and parent == n["Point"]:
            if self.point_coords is None:
                self.point_coords = elem.text or ""
        elif tag == n["Point"]:
            yield from self._point(self.point_coords)
        elif tag == n["gx:Track"]:
            yield from self._track()
        elif elem is self.feature:
            yield from self._finish_feature()

    def _feature_time(self, tag: str) -> Iterator[Record]:
        """A TimeStamp or TimeSpan of the current feature has ended."""
        self.times += 1
        if self.times > 1:
            yield Warning(
                self.row, "placemark has more than one TimeStamp or TimeSpan; the first is used"
            )
            return
        self.time_text = self.time_value
        if self.time_text is None:
            stamp = tag == self.names["TimeStamp"]
            self.time_problem = "TimeStamp has no <when>" if stamp else "TimeSpan has no <begin>"
        # Points that came before their placemark's time can now be placed.
        yield from self._release()

    def _point(self, coords: str | None) -> Iterator[Record]:
        self.row += 1
        if self.feature is None:
            yield Rejection(self.row, "no time: the point is not in a placemark")
        elif self.times == 0:
            self._hold(self.waiting, (self.row, coords or ""))
        elif not self.waiting:
            yield from self._placed(self.row, coords or "")
        else:
            for item in self._placed(self.row, coords or ""):
                self._hold(self.waiting, item)

    def _pair(self, when: str, coord: str) -> Iterator[Record]:
        """The next sample of a gx:Track, in order."""
        self.row += 1
        yield from self._emit(_observation(self.row, coord, when, self.tz, "gx:coord"))

    def _track(self) -> Iterator[Record]:
        """The gx:Track has ended: what is left unpaired is rejected, in order."""
        whens, coords = self.whens, self.coords
        self.whens, self.coords = deque(), deque()
        for _ in whens:
            self.row += 1
            yield from self._emit([Rejection(self.row, "gx:Track <when> has no gx:coord")])
        for _ in coords:
            self.row += 1
            yield from self._emit([Rejection(self.row, "no time: gx:Track gx:coord has no <when>")])

    def _emit(self, records: list[Record]) -> Iterator[Record]:
        if self.waiting:
            for item in records:
                self._hold(self.waiting, item)
        else:
            yield from records

    def _finish_feature(self) -> Iterator[Record]:
        if self.feature is None:
            return
        yield from self._release()
        self.feature, self.times, self.time_text = None, 0, None

    def _release(self) -> Iterator[Record]:
        waiting, self.waiting = self.waiting, []
        for item in waiting:
            if isinstance(item, tuple):
                yield from self._placed(*item)
            else:
                yield item

    def _placed(self, row: int, coords: str) -> list[Record]:
        if self.time_text is None:
            return [Rejection(row, self.time_problem)]
        return _observation(row, coords, self.time_text, self.tz, "coordinates")

    def _hold(self, items: MutableSequence[_T], item: _T) -> None:
        if len(items) >= MAX_PENDING:
            raise InputTooLarge(
                f"the {self.label} file holds more than {MAX_PENDING:,} points waiting for one "
                "placemark's time or in one gx:Track.",
                "Split the file, or check it: it is damaged or built to exhaust memory.",
            )
        items.append(item)


def _kml_names(root_tag: str) -> dict[str, str]:
    """The qualified tag names to look for, given the root's; NotThisFormat if it is not KML."""
    namespace, local = split_tag(root_tag)
    if local != "kml" or (namespace and namespace not in KML_NAMESPACES):
        raise NotThisFormat(
            f"the root element is {quote(root_tag)}, not a KML <kml>.",
            "Choose the parser for this file's real format, or check the file.",
        )
    prefix = f"{{{namespace}}}" if namespace else ""
    names = {
        name: prefix + name
        for name in (
            *FEATURES,
            *SHAPES,
            "Point",
            "coordinates",
            "TimeStamp",
            "TimeSpan",
            "when",
            "begin",
        )
    }
    names["gx:Track"] = f"{{{GX_NAMESPACE}}}Track"
    names["gx:coord"] = f"{{{GX_NAMESPACE}}}coord"
    return names


def _observation(row: int, coords: str, when: str, tz: tzinfo, label: str) -> list[Record]:
    """The Observation for one point, with a Warning if its local time is doubtful."""
    try:
        time, flag = _read_when(when, tz)
        lon, lat = _read_position(coords, label)
    except ValueError as exc:
        return [Rejection(row, str(exc))]
    problem = position_problem(lat, lon)
    if problem is not None:
        return [Rejection(row, problem)]
    records: list[Record] = [
        Observation(row=row, time=time, lat=lat, lon=lon, method="unknown", time_flag=flag)
    ]
    if flag is not None:
        records.append(time_flag_warning(row, when, flag, tz, time))
    return records


def _read_when(text: str, tz: tzinfo) -> tuple[datetime, str | None]:
    value = text.strip()
    if not value:
        raise ValueError("no time: empty <when>")
    if _DATE_ONLY.fullmatch(value):
        raise ValueError(f"time {quote(value)} is a date without a time of day: too coarse")
    return read_time(value, "time", tz)


def _read_position(text: str, label: str) -> tuple[float, float]:
    """(lon, lat) from ``lon,lat[,alt]`` (a Point) or ``lon lat [alt]`` (a gx:coord)."""
    if label == "gx:coord":
        parts = text.split()
    else:
        tuples = _COMMA.sub(",", text.strip()).split()
        if len(tuples) != 1:
            raise ValueError(f"Point has {len(tuples)} coordinate tuples, not 1")
        parts = tuples[0].split(",")
    if len(parts) not in (2, 3):
        raise ValueError(f"unreadable {label} {quote(text.strip())}")
    lon = read_float(parts[0], "longitude")
    lat = read_float(parts[1], "latitude")
    if len(parts) == 3:
        read_float(parts[2], "altitude")
    return lon, lat


register(KmlParser)
register(KmzParser)
