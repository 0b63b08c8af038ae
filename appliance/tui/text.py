"""Turning values into what a table cell or a line of the UI shows.

Everything that came from evidence (names, numbers, paths, reasons) goes through ``shown`` and
into a ``rich.text.Text``, never a plain ``str``: Textual reads plain strings as markup, so a
subject called ``[red]`` or a path holding an escape sequence would otherwise act on the screen.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text

from appliance.cli.render import local
from appliance.textsafe import shown

# The same forms the command line prints, so an officer comparing the two sees the same times.
FULL = "%a %d %b %Y %H:%M:%S"
CLOCK = "%H:%M:%S"
DAY = "%a %d %b %Y"


def cell(value: object) -> Text:
    """Evidence or any other text, escaped and inert."""
    return Text(shown(value) if value is not None else "")


def number(value: int | float | None, places: int = 0) -> Text:
    """A right-aligned count or measure with thousands separators; blank when unknown."""
    if value is None:
        return Text("", justify="right")
    return Text(f"{value:,.{places}f}", justify="right")


def ordinal(value: int) -> Text:
    """A row or occasion number: an identifier to look up, so no thousands separator."""
    return Text(str(value), justify="right")


def when(moment: datetime | None, tz: ZoneInfo, fmt: str = FULL) -> Text:
    """A UTC time shown in the case's local zone (blank when there is none)."""
    return Text(local(moment, tz, fmt) if moment else "")


def end_time(start: datetime, end: datetime, tz: ZoneInfo) -> Text:
    """The end of a span: the clock alone on the same local day, else the full date."""
    same_day = start.astimezone(tz).date() == end.astimezone(tz).date()
    return when(end, tz, CLOCK if same_day else FULL)


def radii(a: float | None, b: float | None) -> Text:
    """Both uncertainty radii, ``?`` where a source gave none."""

    def one(value: float | None) -> str:
        return "?" if value is None else f"{value:,.0f}"

    return Text(f"{one(a)}/{one(b)} m", justify="right")
