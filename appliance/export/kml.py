"""KML 2.2 (OGC 07-147r2), written as it is drawn: Google Earth, QGIS and any GIS open it.

Every text from evidence goes through ``shown`` (control characters are not even allowed in
XML 1.0) and then XML escaping. Lines are written once they have two vertices.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from appliance.export.geo import Properties, Value
from appliance.export.times import utc_text
from appliance.textsafe import shown

NAMESPACE = "http://www.opengis.net/kml/2.2"
# aabbggrr colours: A red, B blue, the link between them and tracks in other tones.
STYLES = {
    "a": "ff1c1ce3",
    "b": "ffe37e1c",
    "link": "ff00a5ff",
    "track": "ff7f7f7f",
}


def _text(value: object) -> str:
    return escape(shown(value))


def _coordinate(lon: float, lat: float) -> str:
    return f"{lon!r},{lat!r}"


@lru_cache(maxsize=256)
def _attribute(name: str) -> str:
    """A quoted attribute value; property names repeat on every placemark, so cached."""
    return quoteattr(shown(name))


def _value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return repr(value)
    return _text(value)


class KmlWriter:
    def __init__(self, handle: TextIO, title: str, description: str) -> None:
        self._out = handle
        self._in_folder = False
        self._line: list[str] | None = None
        self._line_head = ""
        self._vertices = 0
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        handle.write(f'<kml xmlns="{NAMESPACE}">\n<Document>\n')
        handle.write(f"<name>{_text(title)}</name>\n")
        handle.write(f"<description>{_text(description)}</description>\n")
        for name, colour in STYLES.items():
            handle.write(
                f'<Style id="{name}"><IconStyle><color>{colour}</color></IconStyle>'
                f"<LineStyle><color>{colour}</color><width>2</width></LineStyle></Style>\n"
            )

    def folder(
        self, name: str, description: str, begin: datetime | None, end: datetime | None
    ) -> None:
        self._close_folder()
        self._out.write(f"<Folder>\n<name>{_text(name)}</name>\n")
        self._out.write(f"<description>{_text(description)}</description>\n")
        if begin and end:
            self._out.write(
                f"<TimeSpan><begin>{utc_text(begin)}</begin><end>{utc_text(end)}</end></TimeSpan>\n"
            )
        self._in_folder = True

    def _head(self, name: str, properties: Properties, style: str, when: datetime | None) -> str:
        parts = [f"<Placemark>\n<name>{_text(name)}</name>\n"]
        if when:
            parts.append(f"<TimeStamp><when>{utc_text(when)}</when></TimeStamp>\n")
        parts.append(f"<styleUrl>#{style}</styleUrl>\n<ExtendedData>\n")
        for key, value in properties.items():
            parts.append(f"<Data name={_attribute(key)}><value>{_value(value)}</value></Data>\n")
        parts.append("</ExtendedData>\n")
        return "".join(parts)

    def point(
        self,
        *,
        lon: float,
        lat: float,
        name: str,
        properties: Properties,
        when: datetime | None,
        style: str,
    ) -> None:
        self._out.write(self._head(name, properties, style, when))
        self._out.write(
            f"<Point><coordinates>{_coordinate(lon, lat)}</coordinates></Point>\n</Placemark>\n"
        )

    def begin_line(self, *, name: str, properties: Properties, style: str) -> None:
        self._line_head = self._head(name, properties, style, None)
        self._line = []
        self._vertices = 0

    def vertex(self, *, lon: float, lat: float) -> None:
        if self._line is None:
            raise RuntimeError("vertex outside a line")
        self._vertices += 1
        if self._vertices == 1:
            self._line.append(_coordinate(lon, lat))
            return
        if self._vertices == 2:
            self._out.write(self._line_head)
            self._out.write("<LineString><tessellate>1</tessellate><coordinates>\n")
            self._out.write(self._line[0] + "\n")
        self._out.write(_coordinate(lon, lat) + "\n")

    def end_line(self) -> None:
        if self._vertices >= 2:
            self._out.write("</coordinates></LineString>\n</Placemark>\n")
        self._line = None

    def _close_folder(self) -> None:
        if self._in_folder:
            self._out.write("</Folder>\n")
            self._in_folder = False

    def close(self) -> None:
        self._close_folder()
        self._out.write("</Document>\n</kml>\n")
