"""The plain-words README written beside every export: what each file and column holds, the
parameters behind the figures, and the CSV neutralisation rule."""

from __future__ import annotations

from collections.abc import Sequence
from textwrap import fill

from appliance.analyses.grading import __doc__ as GRADES_DOC
from appliance.export.cells import Column

CSV_RULE = """\
CSV cells and spreadsheets. A spreadsheet runs a cell that begins with =, +, - or @ (some also
a tab or a carriage return) as a formula, so every cell is written by this rule:
  * Number columns (marked [number] below) hold only plain numbers: digits, a decimal point, an
    optional leading minus sign and exponent (-0.1022, 51.5416, 1e-05). They are checked when
    written and cannot hold a formula; every tool reads them as numbers.
  * Text columns (marked [text]) first have control characters and direction-changing
    characters written as visible escapes (\\x1b, \\u202e), so every cell is one line. A text
    cell that then begins with =, +, -, @ or ' has a single quote ' put in front of it. Phone
    numbers are text: +447700900123 is written '+447700900123 (a spreadsheet shows it as text
    with its + kept). Remove one leading ' from a text cell, if it has one, to get the text
    back exactly as the appliance holds it (with the escapes above).
Files are UTF-8, comma-separated, with a header row and CRLF line ends (RFC 4180).
"""

MAP_RULE = """\
Maps. The .kml files are KML 2.2 and the .geojson files GeoJSON (RFC 7946); Google Earth, QGIS
or any GIS opens them. Coordinates are WGS84 decimal degrees written longitude first, as both
formats require. occasions.*: a folder (KML) or group (GeoJSON property "group") per occasion;
for each event, A's reported position, B's reported position and the line between them, each
with the event's figures and the exhibit, its SHA-256 and row behind each position. tracks.*:
for each subject, the line through their positions in time order, then every position as a
point with its time, uncertainty radius, method, exhibit and row. A position reported twice
(same subject, time, latitude and longitude) is drawn once, as co-location counts it.
"""


def columns_text(title: str, columns: Sequence[Column]) -> str:
    lines = [title]
    for c in columns:
        lines.append(f"  {c.name} [{c.kind}]: {c.meaning}")
    return "\n".join(lines) + "\n"


def wrapped(text: str) -> str:
    return "\n\n".join(fill(p.strip(), width=96) for p in text.split("\n\n") if p.strip()) + "\n"


GRADES = (GRADES_DOC or "").strip()
