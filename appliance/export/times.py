"""Times as exports write them: UTC with ``Z``, and the case's local time with its offset.

Unlike the JSON contract (to the second), exports keep fractions of a second where the evidence
has them: a window bound met by a quarter of a second must be checkable from the file.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def utc_text(moment: datetime) -> str:
    """``2024-03-30T12:00:05Z`` or ``2024-03-30T12:00:05.250000Z``."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def local_text(moment: datetime, tz: tzinfo) -> str:
    """``2024-03-30T13:00:05+01:00``: the wall-clock time in the case's zone, with its offset."""
    return moment.astimezone(tz).isoformat()
