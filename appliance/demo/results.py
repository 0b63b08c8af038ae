"""What the demo generator hands back: where the exhibits were written and what was planted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from appliance.demo import scenario as sc


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
