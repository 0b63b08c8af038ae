"""Writes the demo case (``scenario``) as the exhibits an officer would bring on a USB stick.

The generator first models where each person is at every moment (an itinerary of stays and
journeys along wiggly, straight-ish routes), then samples what each device would have recorded:
her phone's location history, his sat-nav's track while he drives or sits parked, and both
operators' call records with the serving cell nearest to where the phone was. The trips in the
scenario are timed against her modelled day, so a co-location is planted by construction, not
found by chance, and a near miss is kept clear of her by a stated margin.

This module is the entry point; the parts it runs live beside it, in the order it uses them:
``days`` (her itinerary, then his, on ``itinerary`` and ``geometry``), ``trips`` (the planted
trips), ``cells`` (the operator's network), ``locations`` (what her phone and his sat-nav
recorded), ``comms`` (calls and texts), ``writing`` (the files), all on ``clock``'s time.

Only the standard library is used and all randomness comes from ``random.Random`` seeded per
component, so a seed gives the same bytes on every run and machine (gzip with ``mtime=0``, no
clock, no locale-dependent formatting).
"""

from __future__ import annotations

import gzip
import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

from appliance.demo import scenario as sc
from appliance.demo.cells import Network
from appliance.demo.clock import as_local, as_utc, scenario_days, wall_ts
from appliance.demo.comms import his_attempts, social_comms
from appliance.demo.days import suspect_itinerary, victim_itinerary
from appliance.demo.locations import satnav_tracks, victim_records
from appliance.demo.results import DemoFacts, DemoFiles, PlantedTrip
from appliance.demo.trips import plan_trips
from appliance.demo.writing import (
    cdr_rows,
    national_number,
    with_malformed,
    write_csv,
    write_gpx,
    write_records,
)

__all__ = ["DemoFacts", "DemoFiles", "PlantedTrip", "generate", "generate_london_size"]


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

    t0 = wall_ts(sc.FIRST_DAY, 0)
    t1 = wall_ts(sc.FIRST_DAY + timedelta(days=sc.DAYS), 0)
    victim = victim_itinerary(rng("her days"), t0, t1)
    plans = plan_trips(victim, rng("trips"))
    suspect = suspect_itinerary(rng("his days"), t0, t1, plans)
    network = Network(rng("cells"))

    records = victim_records(victim, plans, rng("her phone"), t0, t1, scale)
    tracks = satnav_tracks(suspect, rng("sat-nav"), t0, t1, scale)

    pestering = his_attempts(rng("attempts"), scale, plans)
    his_social = social_comms(
        rng("his contacts"),
        scale,
        sc.SUSPECT_NUMBER,
        sc.SUSPECT_CONTACTS,
        scenario_days(),
        sc.SUSPECT_SOCIAL_PER_DAY,
    )
    her_days = [
        d for d in scenario_days() if sc.VICTIM_CDR_FIRST_DAY <= d <= sc.VICTIM_CDR_LAST_DAY
    ]
    her_social = social_comms(
        rng("her contacts"),
        scale,
        sc.VICTIM_NUMBER,
        sc.VICTIM_CONTACTS,
        her_days,
        sc.VICTIM_SOCIAL_PER_DAY,
    )
    his_comms = sorted([*pestering, *his_social], key=lambda c: c.t)
    his_rows = cdr_rows(
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
        for t, row in cdr_rows(
            sc.VICTIM_NUMBER,
            sorted([*pestering, *her_social], key=lambda c: c.t),
            victim,
            network,
            rng("her operator"),
            sc.VICTIM_IMEI,
            sc.VICTIM_IMSI,
            sc.OPERATOR_CLOCK_SKEW_S,
        )
        if sc.VICTIM_CDR_FIRST_DAY <= as_local(t).date() <= sc.VICTIM_CDR_LAST_DAY
    ]

    paths = {
        "victim_locations": folder / "Takeout" / "Location History" / "Records.json",
        "suspect_satnav": folder / "Garmin" / "GPX" / "Current.gpx",
        "suspect_cdr": folder / "CDR" / f"cdr_suspect_{national_number(sc.SUSPECT_NUMBER)}.csv",
        "victim_cdr": folder / "CDR" / f"cdr_victim_{national_number(sc.VICTIM_NUMBER)}.csv",
        "cells": folder / "OpenCelliD" / f"{sc.MCC}.csv.gz",
    }
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    write_records(paths["victim_locations"], records)
    write_gpx(paths["suspect_satnav"], tracks, t1)
    his_lines = with_malformed([row for _, row in his_rows], rng("broken rows"))
    suspect_rows = write_csv(paths["suspect_cdr"], his_lines)
    victim_rows = write_csv(paths["victim_cdr"], [row for _, row in her_rows])
    cells = network.cells
    cell_text = "".join(cell.row() + "\n" for cell in cells).encode("ascii")
    paths["cells"].write_bytes(gzip.compress(cell_text, compresslevel=9, mtime=0))

    per_day = Counter(as_local(c.t).date() for c in pestering if c.caller == sc.SUSPECT_NUMBER)
    facts = DemoFacts(
        victim_points=len(records),
        satnav_points=sum(len(track) for track in tracks),
        satnav_tracks=len(tracks),
        suspect_cdr_rows=suspect_rows,
        malformed_rows=len(sc.MALFORMED_ROWS),
        victim_cdr_rows=victim_rows,
        cell_rows=len(cells),
        attempts_per_day=tuple((day, per_day.get(day, 0)) for day in scenario_days()),
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
        start=as_utc(t0),
        end=as_utc(t1),
        zone_lat=sc.VICTIM_HOME.lat,
        zone_lon=sc.VICTIM_HOME.lon,
        zone_radius_m=sc.EXCLUSION_RADIUS_M,
        facts=facts,
    )


def generate_london_size(folder: Path, seed: int = 1) -> DemoFiles:
    """The benchmark size: about 6,000 lines of his CDR and a month of her location history."""
    return generate(folder, seed=seed, scale=sc.LONDON_SCALE)
