"""A subject's most frequented places: where to centre an exclusion zone when the order names
a place the officer has no coordinates for ("the victim's home"), or to check a suspect's
haunts. The officer picks one; the zone is theirs to confirm.

``places.sql`` bins precise positions on a grid of about ``CELL_M``. The fixes around one home
often fall either side of a bin's edge, which listed that home two or four times. So bins are
gathered into places, busiest first: each bin not yet taken starts a place, and takes those of
its eight neighbours not yet taken whose own centre lies within ``CELL_M`` of its centre. Two
homes in neighbouring bins stay apart (their centres are further apart than that), and a route
through a row of bins does not chain them all together (a bin takes only its neighbours). A
place's centre is the mean of all its positions; its days are the local days it was seen on in
any of its bins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
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
        },
    )
    bins = [
        _Bin(
            r["y"],
            r["x"],
            r["lat"],
            r["lon"],
            set(r["local_days"]),
            r["positions"],
            r["first_us"],
            r["last_us"],
        )
        for r in table.to_pylist()
    ]
    places = [_place(group) for group in gathered(bins, cell_m)]
    places.sort(key=lambda p: (-p.days, -p.positions, p.lat, p.lon))
    return places[:limit]


@dataclass(frozen=True)
class _Bin:
    y: int
    x: int
    lat: float
    lon: float
    days: set[date]
    positions: int
    first_us: int
    last_us: int


def gathered(bins: list[_Bin], cell_m: float) -> list[list[_Bin]]:
    """Bins (busiest first) gathered into places: see the module's docstring."""
    free = {(b.y, b.x): b for b in bins}
    groups = []
    for b in bins:
        if free.pop((b.y, b.x), None) is None:
            continue  # taken by a busier neighbour
        group = [b]
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                near = free.get((b.y + dy, b.x + dx))
                if near is not None and _apart_m(b, near) <= cell_m:
                    group.append(free.pop((near.y, near.x)))
        groups.append(group)
    return groups


def _apart_m(a: _Bin, b: _Bin) -> float:
    """Ground distance between two bin centres a bin or two apart (flat-earth is ample here)."""
    north = (a.lat - b.lat) * 111_320.0
    east = (a.lon - b.lon) * 111_320.0 * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(north, east)


def _place(group: list[_Bin]) -> Place:
    positions = sum(b.positions for b in group)
    return Place(
        sum(b.lat * b.positions for b in group) / positions,
        sum(b.lon * b.positions for b in group) / positions,
        len(set().union(*(b.days for b in group))),
        positions,
        utc(min(b.first_us for b in group)),
        utc(max(b.last_us for b in group)),
    )
