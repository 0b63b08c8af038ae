"""A subject's most frequented places: where to centre an exclusion zone when the order names
a place the officer has no coordinates for ("the victim's home"), or to check a suspect's
haunts. The officer picks one; the zone is theirs to confirm. See ``places.sql`` for the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.analyses import sql
from appliance.analyses.common import utc
from appliance.store.case import CaseStore
from appliance.timeutil import iso_z

# About a house and its street: small enough to tell two homes apart, large enough that GPS
# scatter at one address falls mostly in one bin.
CELL_M = 100.0
# Coarser positions (cell sites) cannot name a place.
MAX_RADIUS_M = 100.0
LIMIT = 10


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    days: int
    positions: int
    first: datetime
    last: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "days": self.days,
            "positions": self.positions,
            "first": iso_z(self.first),
            "last": iso_z(self.last),
        }


def frequent_places(
    store: CaseStore,
    subject: str,
    *,
    cell_m: float = CELL_M,
    max_radius_m: float = MAX_RADIUS_M,
    limit: int = LIMIT,
) -> list[Place]:
    """The places ``subject`` was seen on the most local days, most first."""
    who = store.subject(subject)
    table = store.fetch(
        sql.load("places"),
        {
            "subject": who.id,
            "cell_m": cell_m,
            "max_radius_m": max_radius_m,
            "tz": store.info.timezone,
            "limit": limit,
        },
    )
    return [
        Place(r["lat"], r["lon"], r["days"], r["positions"], utc(r["first_us"]), utc(r["last_us"]))
        for r in table.to_pylist()
    ]
