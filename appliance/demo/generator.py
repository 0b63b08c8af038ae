"""Writes the demo case (``scenario``) as the exhibits an officer would bring on a USB stick.

The generator first models where each person is at every moment (an itinerary of stays and
journeys along wiggly, straight-ish routes), then samples what each device would have recorded:
her phone's location history, his sat-nav's track while he drives or sits parked, and both
operators' call records with the serving cell nearest to where the phone was. The trips in the
scenario are timed against her modelled day, so a co-location is planted by construction, not
found by chance, and a near miss is kept clear of her by a stated margin.

Only the standard library is used and all randomness comes from ``random.Random`` seeded per
component, so a seed gives the same bytes on every run and machine (gzip with ``mtime=0``, no
clock, no locale-dependent formatting).
"""

from __future__ import annotations

import gzip
import json
import math
import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from appliance.demo import scenario as sc

__all__ = ["DemoFacts", "DemoFiles", "PlantedTrip", "generate", "generate_london_size"]

TZ = ZoneInfo(sc.TIMEZONE)
DAY_S = 86_400
MINUTE = 60.0
EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0
CDR_HEADER = "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi"
GPX_CREATOR = "Garmin DriveSmart 66"

LatLon = tuple[float, float]

# --- Public result ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlantedTrip:
    """One of his drives to her places, as generated (times aware UTC)."""

    kind: sc.TripKind
    place: str
    wait_start: datetime
    wait_end: datetime
    spot_lat: float
    spot_lon: float
    spot_distance_m: float
    """From his parking spot to the place she was at (or would be at)."""


@dataclass(frozen=True)
class DemoFacts:
    """What was written and planted, for the demo to narrate and tests to check against."""

    victim_points: int = 0
    satnav_points: int = 0
    satnav_tracks: int = 0
    suspect_cdr_rows: int = 0
    """Data rows, the malformed ones included."""
    malformed_rows: int = 0
    victim_cdr_rows: int = 0
    cell_rows: int = 0
    attempts_per_day: tuple[tuple[date, int], ...] = ()
    """His calls and texts to her per local day."""
    replies: int = 0
    trips: tuple[PlantedTrip, ...] = ()

    @property
    def attempts(self) -> int:
        return sum(n for _, n in self.attempts_per_day)

    @property
    def worst_day(self) -> tuple[date, int] | None:
        return max(self.attempts_per_day, key=lambda item: item[1], default=None)

    @property
    def colocation_trips(self) -> int:
        return sum(1 for trip in self.trips if trip.kind is sc.TripKind.COLOCATION)

    @property
    def near_miss_trips(self) -> int:
        return len(self.trips) - self.colocation_trips


@dataclass(frozen=True)
class DemoFiles:
    """Where the demo's exhibits were written and what the officer would know about them."""

    folder: Path
    victim_locations: Path
    suspect_satnav: Path
    suspect_cdr: Path
    victim_cdr: Path
    cells: Path
    suspect_number: str
    victim_number: str
    other_numbers: list[str]
    timezone: str
    start: datetime
    end: datetime
    zone_lat: float
    zone_lon: float
    zone_radius_m: float
    facts: DemoFacts = field(default_factory=DemoFacts)


# --- Time ------------------------------------------------------------------------------------


def _wall(day: date, hours: float) -> float:
    """POSIX time of a local wall-clock time; one in the skipped spring hour lands after it."""
    naive = datetime.combine(day, time()) + timedelta(seconds=round(hours * 3600))
    return naive.replace(tzinfo=TZ).timestamp()


def _local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, TZ)


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _days() -> list[date]:
    return [sc.FIRST_DAY + timedelta(days=i) for i in range(sc.DAYS)]


def _hours(clock: time) -> float:
    return clock.hour + clock.minute / 60 + clock.second / 3600


# --- Geometry --------------------------------------------------------------------------------


def _distance_m(a: LatLon, b: LatLon) -> float:
    """Great-circle (haversine) distance; the generator's own yardstick, not the analysis'."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _bearing(a: LatLon, b: LatLon) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.degrees(math.atan2(y, x)) % 360


def _offset(p: LatLon, bearing_deg: float, metres: float) -> LatLon:
    """The point ``metres`` from ``p`` on ``bearing_deg`` (flat-earth; fine below a few km)."""
    b = math.radians(bearing_deg)
    dlat = metres * math.cos(b) / M_PER_DEG
    dlon = metres * math.sin(b) / (M_PER_DEG * math.cos(math.radians(p[0])))
    return (p[0] + dlat, p[1] + dlon)


def _jitter(p: LatLon, sigma_m: float, rng: random.Random) -> LatLon:
    north, east = rng.gauss(0, sigma_m), rng.gauss(0, sigma_m)
    return (p[0] + north / M_PER_DEG, p[1] + east / (M_PER_DEG * math.cos(math.radians(p[0]))))


def _wiggly_line(a: LatLon, b: LatLon, rng: random.Random, wiggle: float) -> list[LatLon]:
    """A road-like polyline from a to b: a smooth sideways bend plus small kinks, ends fixed."""
    length = _distance_m(a, b)
    n = max(2, min(60, int(length / 200)))
    coslat = math.cos(math.radians(a[0]))
    east, north = (b[1] - a[1]) * coslat * M_PER_DEG, (b[0] - a[0]) * M_PER_DEG
    norm = math.hypot(east, north) or 1.0
    side_e, side_n = -north / norm, east / norm
    cap = 2 * wiggle * length
    amp1 = max(-cap, min(cap, rng.gauss(0, wiggle * length)))
    amp2 = max(-cap / 2, min(cap / 2, rng.gauss(0, wiggle * length / 2)))
    points = [a]
    for i in range(1, n):
        f = i / n
        bend = amp1 * math.sin(math.pi * f) + amp2 * math.sin(2 * math.pi * f)
        bend += rng.gauss(0, 15) * math.sin(math.pi * f)
        lat = a[0] + (b[0] - a[0]) * f + bend * side_n / M_PER_DEG
        lon = a[1] + (b[1] - a[1]) * f + bend * side_e / (M_PER_DEG * coslat)
        points.append((lat, lon))
    points.append(b)
    return points


class _Route:
    """A polyline travelled at an uneven pace (lights, junctions): position by time fraction."""

    def __init__(self, points: Sequence[LatLon], rng: random.Random) -> None:
        self.points = list(points)
        segments = [_distance_m(p, q) for p, q in zip(self.points, self.points[1:], strict=False)]
        self.length_m = sum(segments)
        weights = [s * rng.uniform(0.6, 1.6) for s in segments]
        total = sum(weights) or 1.0
        fractions, acc = [0.0], 0.0
        for w in weights:
            acc += w
            fractions.append(acc / total)
        self.fractions = fractions

    def at(self, f: float) -> LatLon:
        if f <= 0:
            return self.points[0]
        if f >= 1:
            return self.points[-1]
        i = min(bisect_right(self.fractions, f) - 1, len(self.points) - 2)
        f0, f1 = self.fractions[i], self.fractions[i + 1]
        u = (f - f0) / (f1 - f0) if f1 > f0 else 0.0
        (lat0, lon0), (lat1, lon1) = self.points[i], self.points[i + 1]
        return (lat0 + (lat1 - lat0) * u, lon0 + (lon1 - lon0) * u)


# --- Itineraries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Leg:
    """A stay at a place (no route) or a journey to it (with one)."""

    start: float
    end: float
    place: str
    lat: float
    lon: float
    route: _Route | None = None
    in_car: bool = False

    @property
    def moving(self) -> bool:
        return self.route is not None

    def at(self, t: float) -> LatLon:
        if self.route is None:
            return (self.lat, self.lon)
        span = self.end - self.start
        return self.route.at((t - self.start) / span if span > 0 else 1.0)

    def speed_m_s(self) -> float:
        if self.route is None or self.end <= self.start:
            return 0.0
        return self.route.length_m / (self.end - self.start)


class _Itinerary:
    def __init__(self, legs: list[_Leg]) -> None:
        self.legs = legs
        self._starts = [leg.start for leg in legs]

    def leg_at(self, t: float) -> _Leg:
        return self.legs[max(0, bisect_right(self._starts, t) - 1)]

    def at(self, t: float) -> LatLon:
        return self.leg_at(t).at(t)

    def stays(self, place: str) -> list[_Leg]:
        return [leg for leg in self.legs if not leg.moving and leg.place == place]


SPEED_M_S = {"walk": 1.35, "bus": 4.5, "car": 7.5}
WIGGLE = {"walk": 0.04, "bus": 0.05, "car": 0.06}


class _Builder:
    """Builds an itinerary by going from place to place; stays fill the time in between."""

    def __init__(self, home: sc.Place, t0: float, rng: random.Random) -> None:
        self.rng = rng
        self.legs: list[_Leg] = []
        self.here = home
        self.since = t0
        self.parked = False
        self._shapes: dict[tuple[str, str, str], list[LatLon]] = {}

    def _shape(self, dest: sc.Place, mode: str) -> list[LatLon]:
        """The same road each time between the same two places: people keep to their routes."""
        key = (self.here.name, dest.name, mode)
        if key not in self._shapes:
            back = self._shapes.get((dest.name, self.here.name, mode))
            self._shapes[key] = (
                back[::-1]
                if back is not None
                else _wiggly_line(
                    (self.here.lat, self.here.lon), (dest.lat, dest.lon), self.rng, WIGGLE[mode]
                )
            )
        return self._shapes[key]

    def go(
        self,
        dest: sc.Place,
        mode: str,
        *,
        depart: float | None = None,
        arrive: float | None = None,
        not_before: float | None = None,
        park: bool = False,
    ) -> float:
        """Travel to ``dest`` leaving at ``depart`` (or so as to arrive at ``arrive``)."""
        route = _Route(self._shape(dest, mode), self.rng)
        duration = route.length_m / (SPEED_M_S[mode] * self.rng.uniform(0.85, 1.15))
        if mode == "bus":
            duration += self.rng.uniform(120, 420)
        duration = max(duration, 60.0)
        if depart is None:
            if arrive is None:
                raise ValueError("go() needs depart or arrive")
            depart = arrive - duration
        depart = max(depart, self.since + 60, not_before if not_before is not None else 0.0)
        self.legs.append(
            _Leg(
                self.since, depart, self.here.name, self.here.lat, self.here.lon, None, self.parked
            )
        )
        self.legs.append(
            _Leg(depart, depart + duration, dest.name, dest.lat, dest.lon, route, mode == "car")
        )
        self.here, self.since, self.parked = dest, depart + duration, park
        return self.since

    def finish(self, t_end: float) -> _Itinerary:
        self.legs.append(
            _Leg(self.since, t_end, self.here.name, self.here.lat, self.here.lon, None, self.parked)
        )
        return _Itinerary(self.legs)


def _victim_itinerary(rng: random.Random, t0: float, t1: float) -> _Itinerary:
    b = _Builder(sc.VICTIM_HOME, t0 - DAY_S, rng)
    for day in _days():
        weekday = day.weekday()
        if weekday < 5 and day not in sc.BANK_HOLIDAYS:
            b.go(sc.VICTIM_WORK, "bus", depart=_wall(day, sc.LEAVE_HOME_H + rng.uniform(-0.2, 0.2)))
            leave_h = sc.LEAVE_WORK_FRIDAY_H if weekday == 4 else sc.LEAVE_WORK_H
            leave = _wall(day, leave_h + rng.uniform(-0.25, 0.25))
            if weekday in sc.GYM_WEEKDAYS:
                arrived = b.go(sc.GYM, "walk", depart=leave)
                b.go(sc.VICTIM_HOME, "walk", depart=arrived + rng.uniform(60, 80) * MINUTE)
            elif day in sc.FRIEND_DINNERS:
                b.go(sc.FRIEND_HOME, "bus", depart=leave)
                b.go(sc.VICTIM_HOME, "bus", depart=_wall(day, 22.0 + rng.uniform(-0.3, 0.3)))
            else:
                b.go(sc.VICTIM_HOME, "bus", depart=leave)
        elif weekday in (4, 5):  # Saturdays and Good Friday: the market at Angel
            arrived = b.go(sc.SHOPS, "walk", depart=_wall(day, 10.5 + rng.uniform(-0.5, 0.5)))
            b.go(sc.VICTIM_HOME, "walk", depart=arrived + rng.uniform(60, 100) * MINUTE)
        else:  # Sundays and Easter Monday: afternoon at her friend's
            b.go(sc.FRIEND_HOME, "bus", depart=_wall(day, 12.7 + rng.uniform(-0.3, 0.3)))
            b.go(sc.VICTIM_HOME, "bus", depart=_wall(day, 17.75 + rng.uniform(-0.3, 0.3)))
    return b.finish(t1 + DAY_S)


# --- The planted trips -----------------------------------------------------------------------


@dataclass(frozen=True)
class _TripPlan:
    trip: sc.Trip
    spot: sc.Place
    wait_start: float
    wait_end: float
    her_stay: _Leg

    def planted(self, suspect: _Itinerary) -> PlantedTrip:
        """The trip as he actually made it in his itinerary."""
        parked = suspect.stays(self.spot.name)
        if len(parked) != 1 or parked[0].start > self.wait_start:
            raise ValueError(f"scenario: he cannot be parked in time for {self.trip}")
        place = (self.trip.place.lat, self.trip.place.lon)
        return PlantedTrip(
            kind=self.trip.kind,
            place=self.trip.place.name,
            wait_start=_utc(parked[0].start),
            wait_end=_utc(parked[0].end),
            spot_lat=round(self.spot.lat, 7),
            spot_lon=round(self.spot.lon, 7),
            spot_distance_m=round(_distance_m(place, (self.spot.lat, self.spot.lon)), 1),
        )


def _her_stay(victim: _Itinerary, trip: sc.Trip) -> _Leg:
    d0, d1 = _wall(trip.day, 0), _wall(trip.day + timedelta(days=1), 0)
    stays = victim.stays(trip.place.name)
    if trip.anchor is sc.Anchor.ARRIVE:
        found = [s for s in stays if d0 <= s.start < d1]
    elif trip.anchor is sc.Anchor.LEAVE:
        found = [s for s in stays if d0 <= s.end < d1]
    else:
        if trip.clock is None:
            raise ValueError(f"trip on {trip.day} is timed by the clock but has none")
        at = _wall(trip.day, _hours(trip.clock))
        found = [s for s in stays if s.start <= at < s.end]
    if not found:
        raise ValueError(
            f"scenario: she is not at {trip.place.name} as the trip on {trip.day} needs"
        )
    return found[0]


def _plan_trips(victim: _Itinerary, rng: random.Random) -> list[_TripPlan]:
    plans = []
    for n, trip in enumerate(sc.TRIPS):
        stay = _her_stay(victim, trip)
        near_time = trip.kind is sc.TripKind.NEAR_MISS_TIME
        if trip.anchor is sc.Anchor.ARRIVE:
            if near_time:  # gone 20-30 min before she comes
                w0 = stay.start - rng.uniform(50, 65) * MINUTE
                w1 = stay.start - rng.uniform(20, 30) * MINUTE
            else:
                w0 = stay.start - rng.uniform(5, 10) * MINUTE
                w1 = stay.start + rng.uniform(25, 40) * MINUTE
        elif trip.anchor is sc.Anchor.LEAVE:
            if near_time:  # comes 20-30 min after she left
                w0 = stay.end + rng.uniform(20, 30) * MINUTE
                w1 = stay.end + rng.uniform(50, 65) * MINUTE
            else:
                w0 = stay.end - rng.uniform(25, 40) * MINUTE
                w1 = stay.end + rng.uniform(5, 10) * MINUTE
        else:
            assert trip.clock is not None
            w0 = _wall(trip.day, _hours(trip.clock))
            w1 = min(w0 + rng.uniform(30, 50) * MINUTE, stay.end)
        place = (trip.place.lat, trip.place.lon)
        towards_him = _bearing(place, (sc.SUSPECT_HOME.lat, sc.SUSPECT_HOME.lon))
        if trip.kind is sc.TripKind.NEAR_MISS_DISTANCE:
            # Far enough to be outside 500 m, on his side of her so his drive stays clear too.
            lat, lon = _offset(place, towards_him + rng.uniform(-20, 20), rng.uniform(650, 880))
        else:
            lat, lon = _offset(place, towards_him + rng.uniform(-70, 70), rng.uniform(60, 280))
        spot = sc.Place(f"parked:{n}", f"parked near {trip.place.label}", lat, lon)
        plans.append(_TripPlan(trip, spot, round(w0), round(w1), stay))
    return plans


# --- His days --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Appointment:
    place: sc.Place
    start: float
    end: float
    trip: bool = False


def _drive_estimate(a: sc.Place, b: sc.Place) -> float:
    """A generous guess at driving time, used only to leave room around a trip."""
    return _distance_m((a.lat, a.lon), (b.lat, b.lon)) * 1.5 / (SPEED_M_S["car"] * 0.85) + 600


def _make_room(appointments: list[_Appointment], plan: _TripPlan) -> list[_Appointment]:
    """Cut his ordinary appointments short (or start them late) to fit a trip in."""
    kept = []
    for a in appointments:
        before = _drive_estimate(a.place, plan.spot) + 600
        after = _drive_estimate(plan.spot, a.place) + 600
        if a.end + before <= plan.wait_start or a.start >= plan.wait_end + after:
            kept.append(a)
            continue
        head = (a.start, plan.wait_start - before)
        tail = (plan.wait_end + after, a.end)
        for start, end in (head, tail):
            if end - start >= 3600:
                kept.append(replace(a, start=start, end=end))
    return kept


def _suspect_itinerary(
    rng: random.Random, t0: float, t1: float, plans: list[_TripPlan]
) -> _Itinerary:
    home = sc.SUSPECT_HOME
    b = _Builder(home, t0 - DAY_S, rng)
    for day in _days():
        weekday = day.weekday()
        appointments: list[_Appointment] = []
        if weekday < 5 and day not in sc.BANK_HOLIDAYS:
            start = _wall(day, sc.START_WORK_H + rng.uniform(-0.15, 0.15))
            end = _wall(day, sc.END_WORK_H + rng.uniform(-0.25, 0.25))
            appointments.append(_Appointment(sc.SUSPECT_WORK, start, end))
        elif weekday == 5 and rng.random() < 0.7:
            start = _wall(day, 11.5 + rng.uniform(-0.5, 0.5))
            appointments.append(
                _Appointment(sc.SUSPECT_MOTHER, start, start + rng.uniform(2.5, 4) * 3600)
            )
        else:
            start = _wall(day, 10.5 + rng.uniform(-0.5, 0.5))
            appointments.append(
                _Appointment(sc.SUSPECT_SHOP, start, start + rng.uniform(0.6, 1.2) * 3600)
            )
        for plan in (p for p in plans if p.trip.day == day):
            appointments = _make_room(appointments, plan)
            appointments.append(_Appointment(plan.spot, plan.wait_start, plan.wait_end, True))
        appointments.sort(key=lambda a: a.start)
        previous: _Appointment | None = None
        for appointment in appointments:
            if previous is not None:
                via_home = _drive_estimate(previous.place, home) + _drive_estimate(
                    home, appointment.place
                )
                if appointment.start - previous.end > via_home + 2700:
                    b.go(home, "car", depart=previous.end)
                    previous = None
            if previous is not None and previous.trip:  # he drives off when he stops waiting
                b.go(appointment.place, "car", depart=previous.end, park=appointment.trip)
            else:
                b.go(
                    appointment.place,
                    "car",
                    arrive=appointment.start,
                    not_before=previous.end if previous is not None else None,
                    park=appointment.trip,
                )
            previous = appointment
        if previous is not None:
            b.go(home, "car", depart=previous.end)
    return b.finish(t1 + DAY_S)


# --- Cells -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    radio: str
    area: int
    cell: int
    unit: int
    lat: float
    lon: float
    range_m: int
    samples: int
    created: int
    updated: int

    @property
    def global_id(self) -> str:
        return f"{sc.MCC}-{sc.MNC:02d}-{self.area}-{self.cell}"

    def row(self) -> str:
        return (
            f"{self.radio},{sc.MCC},{sc.MNC},{self.area},{self.cell},{self.unit},"
            f"{self.lon:.6f},{self.lat:.6f},{self.range_m},{self.samples},1,"
            f"{self.created},{self.updated},0"
        )


@dataclass(frozen=True)
class _Site:
    lat: float
    lon: float
    azimuth: float
    cells: tuple[_Cell, ...]


class _Network:
    """The operator's cell sites on a jittered grid, and which cell serves a given spot."""

    def __init__(self, rng: random.Random) -> None:
        south, north, west, east, rows, cols = sc.CELL_GRID
        self.south, self.west = south, west
        self.dlat, self.dlon = (north - south) / (rows - 1), (east - west) / (cols - 1)
        self.rows, self.cols = int(rows), int(cols)
        self.grid: list[list[_Site]] = []
        centre = (51.515, -0.10)
        first_seen = int(datetime(2015, 1, 1, tzinfo=UTC).timestamp())
        last_seen = int(datetime(2024, 2, 28, tzinfo=UTC).timestamp())
        for r in range(self.rows):
            line = []
            for c in range(self.cols):
                index = r * self.cols + c
                lat = south + (r + rng.uniform(-0.3, 0.3)) * self.dlat
                lon = west + (c + rng.uniform(-0.3, 0.3)) * self.dlon
                radio = rng.choices(("LTE", "UMTS", "GSM"), (0.6, 0.25, 0.15))[0]
                sectors = 3 if radio != "GSM" else rng.randint(1, 3)
                base_area = {"LTE": 21000, "UMTS": 3100, "GSM": 410}[radio]
                area = base_area + (r // 4) * 10 + c // 4
                km = _distance_m((lat, lon), centre) / 1000
                azimuth = rng.uniform(0, 120)
                cells = []
                for k in range(sectors):
                    if radio == "LTE":
                        cell_id, unit = (110_000 + index * 7) * 256 + k + 1, rng.randint(0, 503)
                    elif radio == "UMTS":
                        rnc = 3000 + index // 40
                        cell_id, unit = rnc * 65536 + (index % 40) * 10 + k + 1, rng.randint(0, 511)
                    else:
                        cell_id, unit = 20_000 + index * 10 + k + 1, 0
                    pointing = azimuth + k * 360 / sectors
                    clat, clon = _offset((lat, lon), pointing, rng.uniform(30, 150))
                    created = rng.randint(first_seen, last_seen - 400 * DAY_S)
                    cells.append(
                        _Cell(
                            radio,
                            area,
                            cell_id,
                            unit,
                            clat,
                            clon,
                            max(300, min(2000, int(350 + 170 * km + rng.uniform(-150, 250)))),
                            rng.randint(1, 400),
                            created,
                            rng.randint(created, last_seen),
                        )
                    )
                line.append(_Site(lat, lon, azimuth, tuple(cells)))
            self.grid.append(line)

    @property
    def cells(self) -> list[_Cell]:
        return [cell for line in self.grid for site in line for cell in site.cells]

    def serving(self, p: LatLon, rng: random.Random) -> _Cell:
        """The nearest site's sector facing ``p``; sometimes the next site (load, terrain)."""
        r = max(0, min(self.rows - 1, round((p[0] - self.south) / self.dlat)))
        c = max(0, min(self.cols - 1, round((p[1] - self.west) / self.dlon)))
        coslat = math.cos(math.radians(p[0]))
        candidates = []
        for rr in range(max(0, r - 2), min(self.rows, r + 3)):
            for cc in range(max(0, c - 2), min(self.cols, c + 3)):
                site = self.grid[rr][cc]
                d2 = (site.lat - p[0]) ** 2 + ((site.lon - p[1]) * coslat) ** 2
                candidates.append((d2, rr, cc))
        candidates.sort()
        _, rr, cc = candidates[1] if rng.random() < 0.15 else candidates[0]
        site = self.grid[rr][cc]
        width = 360 / len(site.cells)
        sector = int(((_bearing((site.lat, site.lon), p) - site.azimuth + width / 2) % 360) / width)
        return site.cells[min(sector, len(site.cells) - 1)]


# --- Location samples ------------------------------------------------------------------------


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
    leg: _Leg, t0: float, t1: float, step: tuple[float, float], rng: random.Random
) -> list[float]:
    times = []
    t = max(leg.start, t0) + rng.uniform(0, step[0])
    while t < min(leg.end, t1):
        times.append(t)
        t += rng.uniform(*step)
    return times


def _victim_records(
    victim: _Itinerary,
    plans: list[_TripPlan],
    rng: random.Random,
    t0: float,
    t1: float,
    scale: float,
) -> list[dict[str, object]]:
    """Her phone's location history, as Google Takeout's Records.json items."""
    f = max(scale, 0.05)
    samples: list[tuple[float, _Leg]] = []
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
            lat, lon = _jitter(truth, 7, rng)
        elif source == "WIFI":
            accuracy = rng.randint(15, 60)
            lat, lon = _jitter(truth, 12, rng)
        else:
            accuracy = rng.randint(500, 1500)
            lat, lon = _offset(truth, rng.uniform(0, 360), accuracy * rng.uniform(0.2, 0.6))
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
            item["heading"] = round(_bearing(truth, ahead)) % 360
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
    moment = _utc(ms // 1000)
    fraction = f".{ms % 1000:03d}" if ms % 1000 else ""
    return f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}Z"


def _satnav_tracks(
    suspect: _Itinerary, rng: random.Random, t0: float, t1: float, scale: float
) -> list[list[tuple[int, float, float, float]]]:
    """His sat-nav's log: a track per time the car is on (driving, or waiting with it on)."""
    f = max(scale, 0.05)
    runs: list[list[_Leg]] = []
    current: list[_Leg] = []
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
                p = _jitter(leg.at(t), 3 if leg.moving else 4, rng)
                points.append((round(t), p[0], p[1], _elevation(p) + rng.gauss(0, 1.0)))
                t += rng.uniform(*step)
        end = run[-1]
        points.append((round(end.end), end.lat, end.lon, _elevation((end.lat, end.lon))))
        tracks.append(points)
    return tracks


# --- Communications --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Comm:
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


def _attempts(rng: random.Random, scale: float, plans: list[_TripPlan]) -> list[_Comm]:
    out: list[_Comm] = []
    hours = range(24)
    for i, day in enumerate(_days()):
        remaining = round(sc.ATTEMPTS_PER_DAY[i] * scale)
        style = sc.PESTERING_BY_WEEK[min(i // 7, len(sc.PESTERING_BY_WEEK) - 1)]
        lo, hi = _wall(day, 0), _wall(day + timedelta(days=1), 0)
        day_attempts: list[tuple[float, str, int]] = []
        for pinned in (p for p in sc.PINNED_SESSIONS if p.day == day):
            k = min(pinned.attempts, remaining)
            if k:
                session = _session(rng, style, k, pinned.gap_s)
                start = _wall(day, _hours(pinned.clock))
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
            day_attempts += _place_session(session, _wall(day, hour + rng.random()), lo, hi)
            remaining -= k
        for t, kind, duration in _space_out(day_attempts, lo, hi):
            out.append(_Comm(round(t), kind, sc.SUSPECT_NUMBER, sc.VICTIM_NUMBER, duration))
    for reply in sc.REPLIES:
        t = reply.at.replace(tzinfo=TZ).timestamp()
        out.append(
            _Comm(round(t), reply.kind, sc.VICTIM_NUMBER, sc.SUSPECT_NUMBER, reply.duration_s)
        )
    return out


def _social(
    rng: random.Random,
    scale: float,
    owner: str,
    contacts: Sequence[sc.Contact],
    days: Iterable[date],
    per_day: tuple[int, int],
) -> list[_Comm]:
    """Ordinary calls and texts with family, friends and work."""
    out = []
    weights = [c.weight for c in contacts]
    hours = range(24)
    for day in days:
        for _ in range(round(rng.uniform(*per_day) * scale)):
            other = rng.choices(contacts, weights)[0].number
            t = round(_wall(day, rng.choices(hours, sc.SOCIAL_HOUR_WEIGHTS)[0] + rng.random()))
            if rng.random() < 0.45:
                kind, duration = "sms", 0
            else:
                answered = rng.random() < 0.85
                kind = "voice"
                duration = min(3600, int(rng.lognormvariate(math.log(90), 0.9)) + 1)
                duration = duration if answered else 0
            caller, callee = (owner, other) if rng.random() < 0.55 else (other, owner)
            out.append(_Comm(t, kind, caller, callee, duration))
    return out


# --- Writing ---------------------------------------------------------------------------------


def _written(e164: str, rng: random.Random, shares: tuple[float, float, float]) -> str:
    """A number as a person or an operator's export might write it."""
    national = "0" + e164[3:]
    if e164.startswith("+4420"):
        spaced = f"{national[:3]} {national[3:7]} {national[7:]}"
    else:
        spaced = f"{national[:5]} {national[5:]}"
    roll = rng.random()
    if roll < shares[0]:
        return spaced
    if roll < shares[0] + shares[1]:
        return e164
    if roll < shares[0] + shares[1] + shares[2]:
        return "00" + e164[1:]
    return national


A_FORMS = (0.75, 0.15, 0.10)
B_FORMS = (0.5, 0.2, 0.1)


def _cdr_rows(
    owner: str,
    comms: Iterable[_Comm],
    where: _Itinerary,
    network: _Network,
    rng: random.Random,
    imei: str,
    imsi: str,
    skew: tuple[int, int] = (0, 0),
) -> list[tuple[int, list[str]]]:
    """One operator's records for ``owner``'s line; its clock runs ``skew`` seconds late."""
    rows = []
    for comm in comms:
        outgoing = comm.caller == owner
        other = comm.callee if outgoing else comm.caller
        t = comm.t + rng.randint(*skew)
        cell = network.serving(where.at(t), rng).global_id
        if comm.kind == "sms" and not outgoing and rng.random() < 0.03:
            cell = ""  # texts delivered while the phone was idle carry no cell in some exports
        row = [
            _local(t).strftime("%Y-%m-%d %H:%M:%S"),
            comm.kind,
            "out" if outgoing else "in",
            _written(owner, rng, A_FORMS),
            _written(other, rng, B_FORMS),
            str(comm.duration),
            cell,
            imei,
            imsi,
        ]
        rows.append((t, row))
    rows.sort(key=lambda r: r[0])
    return rows


def _with_malformed(rows: list[list[str]], rng: random.Random) -> list[list[str]]:
    """Insert the scenario's broken rows among the good ones, each shaped like its neighbour."""
    out = list(rows)
    placed = sorted(sc.MALFORMED_ROWS, key=lambda b: b.at, reverse=True)  # back first: no shifts
    for n, broken in enumerate(placed):
        at = round(len(rows) * broken.at)
        model = rows[max(0, at - 1)]
        contact = _written(sc.SUSPECT_CONTACTS[n].number, rng, B_FORMS)
        if broken.fault == "unreadable_time":
            row = ["##########", "voice", "out", model[3], contact, "37", *model[6:]]
        elif broken.fault == "missing_b_number":
            row = [model[0], "sms", "out", model[3], "", "0", *model[6:]]
        elif broken.fault == "short_row":
            row = [model[0], "voice", "in", model[3], contact, "12"]
        else:
            raise ValueError(f"scenario: no way to write a row with fault {broken.fault!r}")
        out.insert(at, row)
    return out


def _write_csv(path: Path, rows: Iterable[list[str]]) -> int:
    lines = [CDR_HEADER, *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return len(lines) - 1


def _write_records(path: Path, items: list[dict[str, object]]) -> None:
    """Records.json laid out the way Takeout writes it (``}, {`` between items)."""
    bodies = []
    for item in items:
        lines = json.dumps(item, indent=2).splitlines()[1:-1]
        bodies.append("\n".join("  " + line for line in lines))
    text = '{\n  "locations": [{\n' + "\n  }, {\n".join(bodies) + "\n  }]\n}\n"
    path.write_text(text, encoding="utf-8", newline="")


def _write_gpx(path: Path, tracks: list[list[tuple[int, float, float, float]]], t1: float) -> None:
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>',
        f'<gpx version="1.1" creator="{GPX_CREATOR}" xmlns="http://www.topografix.com/GPX/1/1"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://www.topografix.com/GPX/1/1'
        ' http://www.topografix.com/GPX/1/1/gpx.xsd">',
        "  <metadata>",
        '    <link href="http://www.garmin.com"><text>Garmin International</text></link>',
        f"    <time>{_utc(t1 + DAY_S + 11 * 3600):%Y-%m-%dT%H:%M:%SZ}</time>",
        "  </metadata>",
    ]
    for track in tracks:
        out.append("  <trk>")
        out.append(f"    <name>{_local(track[0][0]):%Y-%m-%d %H:%M:%S}</name>")
        out.append("    <trkseg>")
        for t, lat, lon, ele in track:
            out.append(
                f'      <trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.2f}</ele>'
                f"<time>{_utc(t):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
            )
        out.append("    </trkseg>")
        out.append("  </trk>")
    out.append("</gpx>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8", newline="")


# --- Entry points ----------------------------------------------------------------------------


def generate(folder: Path, seed: int = 20240318, scale: float = 1.0) -> DemoFiles:
    """Write the demo case's exhibits into ``folder`` (created if need be) and describe them.

    ``scale`` multiplies the number of communications and location points (1.0 is the demo);
    the trips, the replies and the broken rows stay as the scenario states them.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale}")
    folder = Path(folder)

    def rng(part: str) -> random.Random:
        return random.Random(f"appliance-demo:{seed}:{part}")

    t0 = _wall(sc.FIRST_DAY, 0)
    t1 = _wall(sc.FIRST_DAY + timedelta(days=sc.DAYS), 0)
    victim = _victim_itinerary(rng("her days"), t0, t1)
    plans = _plan_trips(victim, rng("trips"))
    suspect = _suspect_itinerary(rng("his days"), t0, t1, plans)
    network = _Network(rng("cells"))

    records = _victim_records(victim, plans, rng("her phone"), t0, t1, scale)
    tracks = _satnav_tracks(suspect, rng("sat-nav"), t0, t1, scale)

    pestering = _attempts(rng("attempts"), scale, plans)
    his_social = _social(
        rng("his contacts"),
        scale,
        sc.SUSPECT_NUMBER,
        sc.SUSPECT_CONTACTS,
        _days(),
        sc.SUSPECT_SOCIAL_PER_DAY,
    )
    her_days = [d for d in _days() if sc.VICTIM_CDR_FIRST_DAY <= d <= sc.VICTIM_CDR_LAST_DAY]
    her_social = _social(
        rng("her contacts"),
        scale,
        sc.VICTIM_NUMBER,
        sc.VICTIM_CONTACTS,
        her_days,
        sc.VICTIM_SOCIAL_PER_DAY,
    )
    his_comms = sorted([*pestering, *his_social], key=lambda c: c.t)
    his_rows = _cdr_rows(
        sc.SUSPECT_NUMBER,
        his_comms,
        suspect,
        network,
        rng("his operator"),
        sc.SUSPECT_IMEI,
        sc.SUSPECT_IMSI,
    )
    her_rows = [
        (t, row)
        for t, row in _cdr_rows(
            sc.VICTIM_NUMBER,
            sorted([*pestering, *her_social], key=lambda c: c.t),
            victim,
            network,
            rng("her operator"),
            sc.VICTIM_IMEI,
            sc.VICTIM_IMSI,
            sc.OPERATOR_CLOCK_SKEW_S,
        )
        if sc.VICTIM_CDR_FIRST_DAY <= _local(t).date() <= sc.VICTIM_CDR_LAST_DAY
    ]

    paths = {
        "victim_locations": folder / "Takeout" / "Location History" / "Records.json",
        "suspect_satnav": folder / "Garmin" / "GPX" / "Current.gpx",
        "suspect_cdr": folder / "CDR" / f"cdr_suspect_{_national(sc.SUSPECT_NUMBER)}.csv",
        "victim_cdr": folder / "CDR" / f"cdr_victim_{_national(sc.VICTIM_NUMBER)}.csv",
        "cells": folder / "OpenCelliD" / f"{sc.MCC}.csv.gz",
    }
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    _write_records(paths["victim_locations"], records)
    _write_gpx(paths["suspect_satnav"], tracks, t1)
    his_lines = _with_malformed([row for _, row in his_rows], rng("broken rows"))
    suspect_rows = _write_csv(paths["suspect_cdr"], his_lines)
    victim_rows = _write_csv(paths["victim_cdr"], [row for _, row in her_rows])
    cells = network.cells
    cell_text = "".join(cell.row() + "\n" for cell in cells).encode("ascii")
    paths["cells"].write_bytes(gzip.compress(cell_text, compresslevel=9, mtime=0))

    per_day = Counter(_local(c.t).date() for c in pestering if c.caller == sc.SUSPECT_NUMBER)
    facts = DemoFacts(
        victim_points=len(records),
        satnav_points=sum(len(track) for track in tracks),
        satnav_tracks=len(tracks),
        suspect_cdr_rows=suspect_rows,
        malformed_rows=len(sc.MALFORMED_ROWS),
        victim_cdr_rows=victim_rows,
        cell_rows=len(cells),
        attempts_per_day=tuple((day, per_day.get(day, 0)) for day in _days()),
        replies=len(sc.REPLIES),
        trips=tuple(plan.planted(suspect) for plan in plans),
    )
    others = {c.number for c in (*sc.SUSPECT_CONTACTS, *sc.VICTIM_CONTACTS)}
    return DemoFiles(
        folder=folder,
        victim_locations=paths["victim_locations"],
        suspect_satnav=paths["suspect_satnav"],
        suspect_cdr=paths["suspect_cdr"],
        victim_cdr=paths["victim_cdr"],
        cells=paths["cells"],
        suspect_number=sc.SUSPECT_NUMBER,
        victim_number=sc.VICTIM_NUMBER,
        other_numbers=sorted(others),
        timezone=sc.TIMEZONE,
        start=_utc(t0),
        end=_utc(t1),
        zone_lat=sc.VICTIM_HOME.lat,
        zone_lon=sc.VICTIM_HOME.lon,
        zone_radius_m=sc.EXCLUSION_RADIUS_M,
        facts=facts,
    )


def generate_london_size(folder: Path, seed: int = 1) -> DemoFiles:
    """The benchmark size: about 6,000 lines of his CDR and a month of her location history."""
    return generate(folder, seed=seed, scale=sc.LONDON_SCALE)


def _national(e164: str) -> str:
    return "0" + e164[3:]
