"""What a map export is made of, independent of its file format.

Exports draw through a ``GeoSink``: folders (an occasion, a subject), points and lines, pushed
one at a time so that a track of millions of fixes streams to disk. ``Tee`` draws one stream
into several files at once (KML and GeoJSON from a single pass over the case). Coordinates are
always given longitude first, as both KML and GeoJSON (RFC 7946) write them; the names ``lon``
and ``lat`` are spelt out at every call so a swap is visible in review.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

Value = str | int | float | None
Properties = dict[str, Value]


class GeoSink(Protocol):
    def folder(
        self, name: str, description: str, begin: datetime | None, end: datetime | None
    ) -> None:
        """Start a group of features (closing the one before)."""

    def point(
        self,
        *,
        lon: float,
        lat: float,
        name: str,
        properties: Properties,
        when: datetime | None,
        style: str,
    ) -> None: ...

    def begin_line(self, *, name: str, properties: Properties, style: str) -> None: ...

    def vertex(self, *, lon: float, lat: float) -> None: ...

    def end_line(self) -> None:
        """End a line; a line of fewer than two vertices is not written (it is no line)."""

    def close(self) -> None: ...


class Tee:
    """One drawing, several sinks."""

    def __init__(self, *sinks: GeoSink) -> None:
        self.sinks = sinks

    def folder(
        self, name: str, description: str, begin: datetime | None, end: datetime | None
    ) -> None:
        for s in self.sinks:
            s.folder(name, description, begin, end)

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
        for s in self.sinks:
            s.point(lon=lon, lat=lat, name=name, properties=properties, when=when, style=style)

    def begin_line(self, *, name: str, properties: Properties, style: str) -> None:
        for s in self.sinks:
            s.begin_line(name=name, properties=properties, style=style)

    def vertex(self, *, lon: float, lat: float) -> None:
        for s in self.sinks:
            s.vertex(lon=lon, lat=lat)

    def end_line(self) -> None:
        for s in self.sinks:
            s.end_line()

    def close(self) -> None:
        for s in self.sinks:
            s.close()
