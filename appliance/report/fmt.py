"""How numbers and times are printed, so they equal the command line's JSON to the digit.

Distances are rounded exactly as the JSON rounds them (``round(x, 1)``); positions and radii
are printed in full (the shortest form that reads back as the same number); times are shown in
the case's zone with its abbreviation (GMT or BST), so a time on either side of a clock change
reads unambiguously, and the JSON's UTC times convert to exactly these.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def metres(value: float) -> str:
    """A distance as the JSON gives it: one decimal, thousands separated."""
    return f"{round(value, 1):,.1f}"


def exact(value: float | None) -> str:
    """A number in full, as JSON gives it, without a trailing ``.0``; ``-`` when absent."""
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def count(value: int) -> str:
    return f"{value:,}"


def when(moment: datetime, tz: ZoneInfo) -> str:
    """Date and time with the zone's abbreviation: ``2024-03-31 20:09:25 BST``."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def clock(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M:%S %Z")


def day(moment: datetime, tz: ZoneInfo) -> str:
    """A local date for headings: ``Sunday 31 March 2024``."""
    local = moment.astimezone(tz)
    return f"{local:%A} {local.day} {local:%B %Y}"


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"
