"""Placing times in UTC, with the IANA rules, and saying when a local time is doubtful.

A naive local time is read in the source's declared zone. Two cases cannot be placed with
certainty and are flagged, never guessed silently:

* ``nonexistent``: the time falls in the hour skipped when the clocks go forward (in London,
  01:00-02:00 on the last Sunday of March). It is placed as if the clock had not yet been
  changed (``fold=0``), which is where a device with a stale clock would have been.
* ``ambiguous``: the time falls in the hour repeated when the clocks go back (01:00-02:00 on the
  last Sunday of October). It is placed at the first occurrence (``fold=0``, summer time).

Either way the local calendar day is the same, so per-day counts do not depend on the choice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.errors import UsageError

FLAG_NONEXISTENT = "nonexistent"
FLAG_AMBIGUOUS = "ambiguous"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``, or a usage error naming a valid example."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(
            f"unknown time zone {name!r}.", "Use an IANA name such as Europe/London or UTC."
        ) from exc


def local_to_utc(local: datetime, tz: tzinfo) -> tuple[datetime, str | None]:
    """UTC for ``local``; aware times keep their offset, naive ones are read in ``tz``.

    Returns the UTC time and a flag (None, ``nonexistent`` or ``ambiguous``).
    """
    if local.tzinfo is not None and local.utcoffset() is not None:
        return local.astimezone(UTC), None
    first = local.replace(tzinfo=tz, fold=0)
    second = local.replace(tzinfo=tz, fold=1)
    off0, off1 = first.utcoffset(), second.utcoffset()
    if off0 == off1:
        return first.astimezone(UTC), None
    # The two folds disagree: either the wall time happened twice or never. It exists only if
    # converting back from UTC gives the same wall time.
    as_utc = first.astimezone(UTC)
    round_trip = as_utc.astimezone(tz).replace(tzinfo=None)
    flag = FLAG_AMBIGUOUS if round_trip == local else FLAG_NONEXISTENT
    return as_utc, flag


def epoch_us(moment: datetime) -> int:
    """Microseconds since 1970-01-01T00:00:00Z, exactly (no float rounding)."""
    delta = moment.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_epoch_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def iso_z(moment: datetime) -> str:
    """ISO 8601 in UTC with ``Z``, to the second (the JSON contract's form)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """ISO 8601 with or without offset; ``Z`` accepted. Raises ValueError when unreadable."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    return datetime.fromisoformat(value)
