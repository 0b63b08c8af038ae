"""Location samples: her phone's location history and his sat-nav's tracks."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, time

from appliance.demo import scenario as sc
from appliance.demo.clock import as_utc
from appliance.demo.geometry import LatLon, bearing, jitter, offset
from appliance.demo.itinerary import Itinerary, Leg
from appliance.demo.trips import TripPlan


def _elevation(p: LatLon) -> float:
    """A smooth made-up terrain: the Lea valley low, the northern heights higher."""
    lat, lon = p
    return (
        18.0
        + 30.0 * max(0.0, lat - 51.53) / 0.1
        + 6.0 * math.sin(lon * 157.0)
        + 4.0 * math.cos(lat * 211.0)
    )


def _sample_times(
    leg: Leg, t0: float, t1: float, step: tuple[float, float], rng: random.Random
) -> list[float]:
    times = []
    t = max(leg.start, t0) + rng.uniform(0, step[0])
    while t < min(leg.end, t1):
        times.append(t)
        t += rng.uniform(*step)
    return times


def victim_records(
    victim: Itinerary,
    plans: list[TripPlan],
    rng: random.Random,
    t0: float,
    t1: float,
    scale: float,
) -> list[dict[str, object]]:
    """Her phone's location history, as Google Takeout's Records.json items."""
    f = max(scale, 0.05)
    samples: list[tuple[float, Leg]] = []
    for leg in victim.legs:
        if leg.end <= t0 or leg.start >= t1:
            continue
        step = (120 / f, 300 / f) if leg.moving else (600 / f, 1200 / f)
        samples.extend((t, leg) for t in _sample_times(leg, t0, t1, step, rng))
    guards = []
    for plan in plans:
        guards.append((plan.wait_start - 5400, plan.wait_end + 5400))
        if plan.trip.kind is not sc.TripKind.NEAR_MISS_TIME:
            # She has a fix while he waits, whatever the sampling density, so the trip shows.
            lo, hi = (
                max(plan.wait_start, plan.her_stay.start),
                min(plan.wait_end, plan.her_stay.end),
            )
            at = (lo + hi) / 2
            samples.append((at, victim.leg_at(at)))
    samples.sort(key=lambda s: s[0])
    device_tag = rng.randint(-(2**31), 2**31 - 1)
    switch = datetime.combine(sc.TIMESTAMP_MS_BEFORE, time(), UTC).timestamp()
    items: list[dict[str, object]] = []
    for t, leg in samples:
        ms = round(t * 1000)
        if rng.random() < 0.3:
            ms -= ms % 1000
        truth = leg.at(t)
        roll = rng.random()
        if leg.moving:
            source = "GPS" if roll < 0.9 else "WIFI" if roll < 0.97 else "CELL"
        else:
            source = "WIFI" if roll < 0.7 else "GPS" if roll < 0.95 else "CELL"
        if source == "CELL" and any(lo <= t <= hi for lo, hi in guards):
            source = "WIFI"  # keep coarse fixes away from planted trips so their status is exact
        if source == "GPS":
            accuracy = rng.randint(5, 25)
            lat, lon = jitter(truth, 7, rng)
        elif source == "WIFI":
            accuracy = rng.randint(15, 60)
            lat, lon = jitter(truth, 12, rng)
        else:
            accuracy = rng.randint(500, 1500)
            lat, lon = offset(truth, rng.uniform(0, 360), accuracy * rng.uniform(0.2, 0.6))
        old = ms < switch * 1000
        item: dict[str, object] = {}
        if old:
            item["timestampMs"] = str(ms)
        item["latitudeE7"] = round(lat * 1e7)
        item["longitudeE7"] = round(lon * 1e7)
        item["accuracy"] = accuracy
        if source == "GPS" and leg.moving:
            ahead = leg.at(t + 10)
            item["velocity"] = round(leg.speed_m_s())
            item["heading"] = round(bearing(truth, ahead)) % 360
            item["altitude"] = round(_elevation(truth))
            item["verticalAccuracy"] = rng.randint(2, 12)
        if not leg.moving and rng.random() < 0.3:
            seen = ms + rng.randint(1000, 60000)
            stamp: dict[str, object] = (
                {"timestampMs": str(seen)} if old else {"timestamp": _iso_ms(seen)}
            )
            item["activity"] = [
                {"activity": [{"type": "STILL", "confidence": 100}], **stamp},
            ]
        item["source"] = source
        item["deviceTag"] = device_tag
        if not old:
            item["platformType"] = "ANDROID"
            item["formFactor"] = "PHONE"
            item["timestamp"] = _iso_ms(ms)
        items.append(item)
    return items


def _iso_ms(ms: int) -> str:
    moment = as_utc(ms // 1000)
    fraction = f".{ms % 1000:03d}" if ms % 1000 else ""
    return f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}Z"


def satnav_tracks(
    suspect: Itinerary, rng: random.Random, t0: float, t1: float, scale: float
) -> list[list[tuple[int, float, float, float]]]:
    """His sat-nav's log: a track per time the car is on (driving, or waiting with it on)."""
    f = max(scale, 0.05)
    runs: list[list[Leg]] = []
    current: list[Leg] = []
    for leg in suspect.legs:
        if leg.in_car:
            current.append(leg)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    tracks = []
    for run in runs:
        if not t0 <= run[0].start < t1:
            continue
        points = []
        t = run[0].start
        for leg in run:
            step = (max(1.0, 10 / f), max(1.0, 30 / f)) if leg.moving else (30 / f, 60 / f)
            while t < leg.end:
                p = jitter(leg.at(t), 3 if leg.moving else 4, rng)
                points.append((round(t), p[0], p[1], _elevation(p) + rng.gauss(0, 1.0)))
                t += rng.uniform(*step)
        end = run[-1]
        points.append((round(end.end), end.lat, end.lon, _elevation((end.lat, end.lon))))
        tracks.append(points)
    return tracks
