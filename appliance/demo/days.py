"""Her days and his days over the scenario's weeks, his bent around the planted trips."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from appliance.demo import scenario as sc
from appliance.demo.clock import DAY_S, MINUTE, scenario_days, wall_ts
from appliance.demo.geometry import distance_m
from appliance.demo.itinerary import SPEED_M_S, Builder, Itinerary
from appliance.demo.trips import TripPlan


def victim_itinerary(rng: random.Random, t0: float, t1: float) -> Itinerary:
    b = Builder(sc.VICTIM_HOME, t0 - DAY_S, rng)
    for day in scenario_days():
        weekday = day.weekday()
        if weekday < 5 and day not in sc.BANK_HOLIDAYS:
            b.go(
                sc.VICTIM_WORK, "bus", depart=wall_ts(day, sc.LEAVE_HOME_H + rng.uniform(-0.2, 0.2))
            )
            leave_h = sc.LEAVE_WORK_FRIDAY_H if weekday == 4 else sc.LEAVE_WORK_H
            leave = wall_ts(day, leave_h + rng.uniform(-0.25, 0.25))
            if weekday in sc.GYM_WEEKDAYS:
                arrived = b.go(sc.GYM, "walk", depart=leave)
                b.go(sc.VICTIM_HOME, "walk", depart=arrived + rng.uniform(60, 80) * MINUTE)
            elif day in sc.FRIEND_DINNERS:
                b.go(sc.FRIEND_HOME, "bus", depart=leave)
                b.go(sc.VICTIM_HOME, "bus", depart=wall_ts(day, 22.0 + rng.uniform(-0.3, 0.3)))
            else:
                b.go(sc.VICTIM_HOME, "bus", depart=leave)
        elif weekday in (4, 5):  # Saturdays and Good Friday: the market at Angel
            arrived = b.go(sc.SHOPS, "walk", depart=wall_ts(day, 10.5 + rng.uniform(-0.5, 0.5)))
            b.go(sc.VICTIM_HOME, "walk", depart=arrived + rng.uniform(60, 100) * MINUTE)
        else:  # Sundays and Easter Monday: afternoon at her friend's
            b.go(sc.FRIEND_HOME, "bus", depart=wall_ts(day, 12.7 + rng.uniform(-0.3, 0.3)))
            b.go(sc.VICTIM_HOME, "bus", depart=wall_ts(day, 17.75 + rng.uniform(-0.3, 0.3)))
    return b.finish(t1 + DAY_S)


@dataclass(frozen=True)
class _Appointment:
    place: sc.Place
    start: float
    end: float
    trip: bool = False


def _drive_estimate(a: sc.Place, b: sc.Place) -> float:
    """A generous guess at driving time, used only to leave room around a trip."""
    return distance_m((a.lat, a.lon), (b.lat, b.lon)) * 1.5 / (SPEED_M_S["car"] * 0.85) + 600


def _make_room(appointments: list[_Appointment], plan: TripPlan) -> list[_Appointment]:
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


def suspect_itinerary(rng: random.Random, t0: float, t1: float, plans: list[TripPlan]) -> Itinerary:
    home = sc.SUSPECT_HOME
    b = Builder(home, t0 - DAY_S, rng)
    for day in scenario_days():
        weekday = day.weekday()
        appointments: list[_Appointment] = []
        if weekday < 5 and day not in sc.BANK_HOLIDAYS:
            start = wall_ts(day, sc.START_WORK_H + rng.uniform(-0.15, 0.15))
            end = wall_ts(day, sc.END_WORK_H + rng.uniform(-0.25, 0.25))
            appointments.append(_Appointment(sc.SUSPECT_WORK, start, end))
        elif weekday == 5 and rng.random() < 0.7:
            start = wall_ts(day, 11.5 + rng.uniform(-0.5, 0.5))
            appointments.append(
                _Appointment(sc.SUSPECT_MOTHER, start, start + rng.uniform(2.5, 4) * 3600)
            )
        else:
            start = wall_ts(day, 10.5 + rng.uniform(-0.5, 0.5))
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
