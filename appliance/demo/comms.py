"""Communications: his attempts to reach her, her replies, and both people's ordinary contacts."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from appliance.demo import scenario as sc
from appliance.demo.clock import TZ, hours_of, scenario_days, wall_ts
from appliance.demo.trips import TripPlan


@dataclass(frozen=True)
class Comm:
    t: int
    kind: str
    caller: str
    callee: str
    duration: int


def _session(
    rng: random.Random, style: sc.Pestering, count: int, gap: tuple[int, int] | None = None
) -> list[tuple[float, str, int]]:
    """A run of attempts: unanswered calls a few seconds long, and bursts of texts."""
    out: list[tuple[float, str, int]] = []
    t = 0.0
    while len(out) < count:
        if rng.random() < style.sms_share:
            burst = min(count - len(out), rng.randint(*style.sms_burst))
            for j in range(burst):
                out.append((t, "sms", 0))
                if j < burst - 1:
                    t += rng.uniform(*style.sms_gap_s)
        else:
            answered = rng.random() < style.answered_share
            duration = rng.randint(*style.talk_s) if answered else rng.randint(0, 5)
            out.append((t, "voice", duration))
            t += duration
        t += rng.uniform(*(gap or style.call_gap_s))
    return out


def _place_session(
    session: list[tuple[float, str, int]], start: float, lo: float, hi: float
) -> list[tuple[float, str, int]]:
    """Shift a session to start at ``start`` but lie wholly within [lo, hi)."""
    span = session[-1][0] + session[-1][2] + 60
    start = max(lo, min(start, hi - span))
    return [(start + t, kind, duration) for t, kind, duration in session]


def _space_out(
    attempts: list[tuple[float, str, int]], lo: float, hi: float
) -> list[tuple[float, str, int]]:
    """No attempt while a call is still going, none closer than 5 s; all kept inside the day."""
    attempts = sorted(attempts)
    times = [t for t, _, _ in attempts]
    for i in range(1, len(times)):
        times[i] = max(times[i], times[i - 1] + attempts[i - 1][2] + 5)
    if times and times[-1] >= hi - 10:
        times[-1] = hi - 10
        for i in range(len(times) - 2, -1, -1):
            times[i] = min(times[i], times[i + 1] - attempts[i][2] - 5)
    if times and times[0] < lo:
        raise ValueError("too many attempts to fit in one day")
    return [(t, kind, duration) for t, (_, kind, duration) in zip(times, attempts, strict=True)]


def his_attempts(rng: random.Random, scale: float, plans: list[TripPlan]) -> list[Comm]:
    out: list[Comm] = []
    hours = range(24)
    for i, day in enumerate(scenario_days()):
        remaining = round(sc.ATTEMPTS_PER_DAY[i] * scale)
        style = sc.PESTERING_BY_WEEK[min(i // 7, len(sc.PESTERING_BY_WEEK) - 1)]
        lo, hi = wall_ts(day, 0), wall_ts(day + timedelta(days=1), 0)
        day_attempts: list[tuple[float, str, int]] = []
        for pinned in (p for p in sc.PINNED_SESSIONS if p.day == day):
            k = min(pinned.attempts, remaining)
            if k:
                session = _session(rng, style, k, pinned.gap_s)
                start = wall_ts(day, hours_of(pinned.clock))
                day_attempts += _place_session(session, start, lo, hi)
                remaining -= k
        for plan in (p for p in plans if p.trip.day == day):
            k = min(remaining, rng.randint(3, 6))
            if k:  # texts and calls while he sits outside
                session = _session(rng, style, k, (20, 90))
                start = plan.wait_start + rng.uniform(120, 600)
                day_attempts += _place_session(session, start, plan.wait_start, plan.wait_end)
                remaining -= k
        while remaining > 0:
            k = min(remaining, rng.randint(*style.session_size))
            session = _session(rng, style, k)
            hour = rng.choices(hours, sc.SESSION_HOUR_WEIGHTS)[0]
            day_attempts += _place_session(session, wall_ts(day, hour + rng.random()), lo, hi)
            remaining -= k
        for t, kind, duration in _space_out(day_attempts, lo, hi):
            out.append(Comm(round(t), kind, sc.SUSPECT_NUMBER, sc.VICTIM_NUMBER, duration))
    for reply in sc.REPLIES:
        t = reply.at.replace(tzinfo=TZ).timestamp()
        out.append(
            Comm(round(t), reply.kind, sc.VICTIM_NUMBER, sc.SUSPECT_NUMBER, reply.duration_s)
        )
    return out


def social_comms(
    rng: random.Random,
    scale: float,
    owner: str,
    contacts: Sequence[sc.Contact],
    days: Iterable[date],
    per_day: tuple[int, int],
) -> list[Comm]:
    """Ordinary calls and texts with family, friends and work."""
    out = []
    weights = [c.weight for c in contacts]
    hours = range(24)
    for day in days:
        for _ in range(round(rng.uniform(*per_day) * scale)):
            other = rng.choices(contacts, weights)[0].number
            t = round(wall_ts(day, rng.choices(hours, sc.SOCIAL_HOUR_WEIGHTS)[0] + rng.random()))
            if rng.random() < 0.45:
                kind, duration = "sms", 0
            else:
                answered = rng.random() < 0.85
                kind = "voice"
                duration = min(3600, int(rng.lognormvariate(math.log(90), 0.9)) + 1)
                duration = duration if answered else 0
            caller, callee = (owner, other) if rng.random() < 0.55 else (other, owner)
            out.append(Comm(t, kind, caller, callee, duration))
    return out
