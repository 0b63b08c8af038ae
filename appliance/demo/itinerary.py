"""Where a person is at every moment: an itinerary of stays and journeys, and its builder."""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass

from appliance.demo import scenario as sc
from appliance.demo.geometry import LatLon, Route, wiggly_line


@dataclass(frozen=True)
class Leg:
    """A stay at a place (no route) or a journey to it (with one)."""

    start: float
    end: float
    place: str
    lat: float
    lon: float
    route: Route | None = None
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


class Itinerary:
    def __init__(self, legs: list[Leg]) -> None:
        self.legs = legs
        self._starts = [leg.start for leg in legs]

    def leg_at(self, t: float) -> Leg:
        return self.legs[max(0, bisect_right(self._starts, t) - 1)]

    def at(self, t: float) -> LatLon:
        return self.leg_at(t).at(t)

    def stays(self, place: str) -> list[Leg]:
        return [leg for leg in self.legs if not leg.moving and leg.place == place]


SPEED_M_S = {"walk": 1.35, "bus": 4.5, "car": 7.5}
WIGGLE = {"walk": 0.04, "bus": 0.05, "car": 0.06}


class Builder:
    """Builds an itinerary by going from place to place; stays fill the time in between."""

    def __init__(self, home: sc.Place, t0: float, rng: random.Random) -> None:
        self.rng = rng
        self.legs: list[Leg] = []
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
                else wiggly_line(
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
        route = Route(self._shape(dest, mode), self.rng)
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
            Leg(self.since, depart, self.here.name, self.here.lat, self.here.lon, None, self.parked)
        )
        self.legs.append(
            Leg(depart, depart + duration, dest.name, dest.lat, dest.lon, route, mode == "car")
        )
        self.here, self.since, self.parked = dest, depart + duration, park
        return self.since

    def finish(self, t_end: float) -> Itinerary:
        self.legs.append(
            Leg(self.since, t_end, self.here.name, self.here.lat, self.here.lon, None, self.parked)
        )
        return Itinerary(self.legs)
