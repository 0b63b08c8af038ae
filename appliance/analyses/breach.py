"""Presence inside an exclusion zone: every visit, with entry, exit and closest approach.

A non-molestation or restraining order often names a place (the victim's home) and a distance.
This analysis reports each visit of a subject inside such a circle over a period, from the
positions in evidence, with the observations behind each visit so every one can be checked.
See ``breach.sql`` for the exact rule; grades follow ``grading`` with the zone radius as the
distance and the zone centre as an exact point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.analyses import sql
from appliance.analyses.common import Period, SourceLabel, source_labels, utc
from appliance.analyses.grading import best, grade
from appliance.errors import UsageError
from appliance.store.case import CaseStore
from appliance.timeutil import iso_z

DEFAULT_GAP_S = 1800.0


@dataclass(frozen=True)
class Zone:
    lat: float
    lon: float
    radius_m: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise UsageError(
                f"the zone centre {self.lat},{self.lon} is not a position.",
                "Give it as LAT,LON in decimal degrees, e.g. 51.5416,-0.1022.",
            )
        if not self.radius_m > 0:
            raise UsageError("the zone radius must be more than zero.", "For example 200m.")


@dataclass(frozen=True)
class Sighting:
    time: datetime
    lat: float
    lon: float
    radius_m: float | None
    method: str
    distance_m: float
    grade: str
    source: SourceLabel
    row: int

    def as_json(self) -> dict[str, Any]:
        return {
            "time": iso_z(self.time),
            "lat": self.lat,
            "lon": self.lon,
            "radius_m": self.radius_m,
            "method": self.method,
            "distance_m": round(self.distance_m, 1),
            "grade": self.grade,
            "source": self.source.exhibit,
            "row": self.row,
        }


@dataclass(frozen=True)
class Visit:
    number: int
    entry: datetime
    exit: datetime
    last_seen_before: datetime | None
    first_seen_after: datetime | None
    closest: Sighting
    grade: str
    sightings: list[Sighting]

    def as_json(self) -> dict[str, Any]:
        return {
            "visit": self.number,
            "entry": iso_z(self.entry),
            "exit": iso_z(self.exit),
            "duration_s": round((self.exit - self.entry).total_seconds()),
            "last_seen_before": iso_z(self.last_seen_before) if self.last_seen_before else None,
            "first_seen_after": iso_z(self.first_seen_after) if self.first_seen_after else None,
            "closest_m": round(self.closest.distance_m, 1),
            "closest_time": iso_z(self.closest.time),
            "grade": self.grade,
            "observations": [s.as_json() for s in self.sightings],
        }


@dataclass(frozen=True)
class Breaches:
    subject: str
    zone: Zone
    period: Period
    gap_s: float
    visits: list[Visit]

    def as_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "zone": {"lat": self.zone.lat, "lon": self.zone.lon, "radius_m": self.zone.radius_m},
            "from": iso_z(self.period.start) if self.period.start else None,
            "to": iso_z(self.period.end) if self.period.end else None,
            "gap_s": self.gap_s,
            "visits": [v.as_json() for v in self.visits],
        }


def breaches(
    store: CaseStore,
    subject: str,
    zone: Zone,
    period: Period | None = None,
    gap_s: float = DEFAULT_GAP_S,
) -> Breaches:
    who = store.subject(subject)
    period = period or Period()
    lo, hi = period.bounds()
    table = store.fetch(
        sql.load("breach"),
        {
            "subject": who.id,
            "lat": zone.lat,
            "lon": zone.lon,
            "radius_m": zone.radius_m,
            "gap_us": round(gap_s * 1_000_000),
            "from_t": lo,
            "to_t": hi,
        },
    )
    labels = source_labels(store)
    grouped: dict[int, list[dict[str, Any]]] = {}
    for r in table.to_pylist():
        grouped.setdefault(r["visit"], []).append(r)
    visits = []
    for number, rows in sorted(grouped.items()):
        sightings = [
            Sighting(
                utc(r["t_us"]),
                r["lat"],
                r["lon"],
                r["radius_m"],
                r["method"],
                r["distance_m"],
                grade(r["distance_m"], zone.radius_m, r["radius_m"], 0.0),
                labels[r["source_id"]],
                r["row"],
            )
            for r in rows
        ]
        before, after = rows[0]["prev_t_us"], rows[-1]["next_t_us"]
        visits.append(
            Visit(
                number=number,
                entry=sightings[0].time,
                exit=sightings[-1].time,
                last_seen_before=utc(before) if before is not None else None,
                first_seen_after=utc(after) if after is not None else None,
                closest=min(sightings, key=lambda s: (s.distance_m, s.time)),
                grade=best([s.grade for s in sightings]),
                sightings=sightings,
            )
        )
    return Breaches(who.name, zone, period, gap_s, visits)
