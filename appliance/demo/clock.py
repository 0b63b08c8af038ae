"""The scenario's clock: local wall-clock times in its zone, as POSIX seconds, and back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from appliance.demo import scenario as sc

TZ = ZoneInfo(sc.TIMEZONE)
DAY_S = 86_400
MINUTE = 60.0


def wall_ts(day: date, hours: float) -> float:
    """POSIX time of a local wall-clock time; one in the skipped spring hour lands after it."""
    naive = datetime.combine(day, time()) + timedelta(seconds=round(hours * 3600))
    return naive.replace(tzinfo=TZ).timestamp()


def as_local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, TZ)


def as_utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def scenario_days() -> list[date]:
    return [sc.FIRST_DAY + timedelta(days=i) for i in range(sc.DAYS)]


def hours_of(clock: time) -> float:
    return clock.hour + clock.minute / 60 + clock.second / 3600
