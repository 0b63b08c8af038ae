"""The planted trips: when and where he waits near her, timed against her modelled day."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from appliance.demo import scenario as sc
from appliance.demo.clock import MINUTE, as_utc, hours_of, wall_ts
from appliance.demo.geometry import bearing, distance_m, offset
from appliance.demo.itinerary import Itinerary, Leg
from appliance.demo.results import PlantedTrip


@dataclass(frozen=True)
class TripPlan:
    trip: sc.Trip
    spot: sc.Place
    wait_start: float
    wait_end: float
    her_stay: Leg

    def planted(self, suspect: Itinerary) -> PlantedTrip:
        """The trip as he actually made it in his itinerary."""
        parked = suspect.stays(self.spot.name)
        if len(parked) != 1 or parked[0].start > self.wait_start:
            raise ValueError(f"scenario: he cannot be parked in time for {self.trip}")
        place = (self.trip.place.lat, self.trip.place.lon)
        return PlantedTrip(
            kind=self.trip.kind,
            place=self.trip.place.name,
            wait_start=as_utc(parked[0].start),
            wait_end=as_utc(parked[0].end),
            spot_lat=round(self.spot.lat, 7),
            spot_lon=round(self.spot.lon, 7),
            spot_distance_m=round(distance_m(place, (self.spot.lat, self.spot.lon)), 1),
        )


def _her_stay(victim: Itinerary, trip: sc.Trip) -> Leg:
    d0, d1 = wall_ts(trip.day, 0), wall_ts(trip.day + timedelta(days=1), 0)
    stays = victim.stays(trip.place.name)
    if trip.anchor is sc.Anchor.ARRIVE:
        found = [s for s in stays if d0 <= s.start < d1]
    elif trip.anchor is sc.Anchor.LEAVE:
        found = [s for s in stays if d0 <= s.end < d1]
    else:
        if trip.clock is None:
            raise ValueError(f"trip on {trip.day} is timed by the clock but has none")
        at = wall_ts(trip.day, hours_of(trip.clock))
        found = [s for s in stays if s.start <= at < s.end]
    if not found:
        raise ValueError(
            f"scenario: she is not at {trip.place.name} as the trip on {trip.day} needs"
        )
    return found[0]


def plan_trips(victim: Itinerary, rng: random.Random) -> list[TripPlan]:
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
            w0 = wall_ts(trip.day, hours_of(trip.clock))
            w1 = min(w0 + rng.uniform(30, 50) * MINUTE, stay.end)
        place = (trip.place.lat, trip.place.lon)
        towards_him = bearing(place, (sc.SUSPECT_HOME.lat, sc.SUSPECT_HOME.lon))
        if trip.kind is sc.TripKind.NEAR_MISS_DISTANCE:
            # Far enough to be outside 500 m, on his side of her so his drive stays clear too.
            lat, lon = offset(place, towards_him + rng.uniform(-20, 20), rng.uniform(650, 880))
        else:
            lat, lon = offset(place, towards_him + rng.uniform(-70, 70), rng.uniform(60, 280))
        spot = sc.Place(f"parked:{n}", f"parked near {trip.place.label}", lat, lon)
        plans.append(TripPlan(trip, spot, round(w0), round(w1), stay))
    return plans
