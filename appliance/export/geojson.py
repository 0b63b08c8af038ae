"""GeoJSON (RFC 7946), written as it is drawn: a FeatureCollection of Points and LineStrings.

Positions are ``[longitude, latitude]`` in WGS84 (RFC 7946 §3.1.1; no ``crs`` member). Each
feature's properties name its group (the occasion or subject folder it belongs to) and, for a
point, its time. Text from evidence goes through ``shown``, then JSON's own escaping.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TextIO

from appliance.export.geo import Properties
from appliance.export.times import utc_text
from appliance.textsafe import shown


def _clean(properties: Properties) -> dict[str, object]:
    return {shown(k): shown(v) if isinstance(v, str) else v for k, v in properties.items()}


def _position(lon: float, lat: float) -> str:
    return json.dumps([lon, lat], allow_nan=False)


class GeoJsonWriter:
    def __init__(self, handle: TextIO, title: str, description: str) -> None:
        self._out = handle
        self._features = 0
        self._group: str | None = None
        self._line_head = ""
        self._first: str | None = None
        self._vertices = 0
        head = {
            "type": "FeatureCollection",
            "name": shown(title),
            "description": shown(description),
        }
        handle.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n')

    def folder(
        self, name: str, description: str, begin: datetime | None, end: datetime | None
    ) -> None:
        self._group = name

    def _start_feature(self) -> None:
        if self._features:
            self._out.write(",\n")
        self._features += 1

    def _props(self, name: str, properties: Properties, style: str) -> str:
        body = {"name": name, "group": self._group, "style": style, **properties}
        return json.dumps(_clean(body), ensure_ascii=False, allow_nan=False)

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
        extra: Properties = {"time": utc_text(when)} if when else {}
        self._start_feature()
        self._out.write(
            '{"type": "Feature", "geometry": {"type": "Point", "coordinates": '
            f'{_position(lon, lat)}}}, "properties": '
            f"{self._props(name, {**properties, **extra}, style)}}}"
        )

    def begin_line(self, *, name: str, properties: Properties, style: str) -> None:
        self._line_head = self._props(name, properties, style)
        self._first = None
        self._vertices = 0

    def vertex(self, *, lon: float, lat: float) -> None:
        self._vertices += 1
        position = _position(lon, lat)
        if self._vertices == 1:
            self._first = position
            return
        if self._vertices == 2:
            self._start_feature()
            self._out.write(
                '{"type": "Feature", "properties": '
                f"{self._line_head}, "
                '"geometry": {"type": "LineString", "coordinates": [\n'
                f"{self._first}"
            )
        self._out.write(f",\n{position}")

    def end_line(self) -> None:
        if self._vertices >= 2:
            self._out.write("]}}")
        self._first = None

    def close(self) -> None:
        self._out.write("\n]}\n")
