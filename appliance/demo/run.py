"""``appliance demo``: a realistic case built, loaded through the real intake path, analysed.

The data is generated (``generator``), written as the files an officer would bring (a phone's
location history, a sat-nav track, call records, a cell list), and loaded exactly as real
files are. The summary is what a detective would read first.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from appliance.analyses.accounting import exhibits, sources
from appliance.analyses.breach import Zone, breaches
from appliance.analyses.colocate import Parameters, colocate
from appliance.analyses.contacts import contacts
from appliance.cli import render
from appliance.demo.generator import DemoFiles, generate
from appliance.errors import CaseExists
from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.store.loader import Loader
from appliance.store.zones import add_zone, zones

DEMO_PASSPHRASE = "demo"
DEMO_ZONE = "victim's home"
Say = Callable[[str], None]


@contextmanager
def step(say: Say, what: str) -> Iterator[None]:
    """Log a long step and how long it took (the mkosi habit)."""
    say(f"‣ {what}…")
    started = time.perf_counter()
    yield
    say(f"  done in {time.perf_counter() - started:.2f} s")


def _fresh_case(home: Home, ref: str, passphrase: str, timezone: str) -> CaseStore:
    """A new demo case; an old demo case of the same name is replaced, a real one never."""
    if (home.case_folder(ref) / "case.json").exists():
        if not home.case(ref).demo:
            raise CaseExists(
                f"case {ref} exists and is not a demo case; the demo will not touch it.",
                "Run the demo with another reference: appliance demo --ref DEMO2.",
            )
        shutil.rmtree(home.case_folder(ref))
    return CaseStore.create(home, ref, timezone, passphrase, demo=True)


def run_demo(home: Home, ref: str, keep: bool = False, say: Say = print) -> int:
    passphrase = os.environ.get("APPLIANCE_PASSPHRASE") or DEMO_PASSPHRASE
    folder = Path(tempfile.mkdtemp(prefix="appliance-demo-"))
    try:
        with step(say, "Generating four weeks of a stalking case (the 'USB stick')"):
            files = generate(folder)
        with step(say, f"Creating case {ref} in {home.root}"):
            store = _fresh_case(home, ref, passphrase, files.timezone)
        with store:
            _load(store, files, say)
            _summary(store, files, sys.stdout)
            with store.ledger() as ledger:
                exhibits = len({e.exhibit for e in ledger.entries(action="acquired")})
                print(
                    f"\nEvidence: {exhibits} exhibits sealed in the case's evidence store; "
                    f"{ledger.count()} custody entries.\nCustody ledger head {ledger.head()}"
                )
    finally:
        if keep:
            say(f"the generated files are kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    hint = "" if os.environ.get("APPLIANCE_PASSPHRASE") else f" (passphrase '{DEMO_PASSPHRASE}')"
    # Name the command the way it was run, so the hints work when pasted (e.g. .venv/bin/...).
    command = sys.argv[0] if Path(sys.argv[0]).name == "appliance" else "appliance"
    if not os.environ.get("APPLIANCE_PASSPHRASE"):
        command = f"APPLIANCE_PASSPHRASE={DEMO_PASSPHRASE} {command}"
    print(
        f"\nThe case stays in {home.root}{hint}. Try:\n"
        f"  {command} --home {home.root} colocate --case {ref} --a suspect --b victim --events\n"
        f"  {command} --home {home.root} contacts --case {ref} --a suspect --b victim --json\n"
        f"  {command} --home {home.root} sources --case {ref} --rejections\n"
        f"  {command} --home {home.root} report --case {ref} --out {ref}-report.pdf\n"
        f"  {command} --home {home.root} verify --case {ref}"
    )
    return 0


def _load(store: CaseStore, files: DemoFiles, say: Say) -> None:
    with step(say, "Adding the subjects and their phone numbers"):
        store.add_subject("suspect", "suspect", [files.suspect_number])
        store.add_subject("victim", "victim", [files.victim_number])
    with step(say, "Recording the exclusion zone the order names"):
        add_zone(
            store,
            DEMO_ZONE,
            files.zone_lat,
            files.zone_lon,
            files.zone_radius_m,
            "suspect",
            note="non-molestation order: not to come within 300 m of her home",
        )
    loader = Loader(store, progress=lambda m: say(f"    {m}"))
    with step(say, "Intake: hashing and loading the exhibits"):
        loader.intake([files.cells])
        loader.intake([files.suspect_cdr, files.suspect_satnav], subject="suspect")
        loader.intake([files.victim_cdr, files.victim_locations], subject="victim")


def _summary(store: CaseStore, files: DemoFiles, stream: TextIO) -> None:
    tz = ZoneInfo(store.info.timezone)
    rule = "=" * 78
    stream.write(f"\n{rule}\nCASE {store.info.ref}: SUMMARY FOR THE OFFICER IN CHARGE\n{rule}\n")
    stream.write("\nExhibits (SHA-256 of each file as received):\n")
    for exhibit in exhibits(store):
        name = Path(exhibit.path).name
        stream.write(f"  {exhibit.ref}  {name:<28} {exhibit.size:>10,} bytes  {exhibit.sha256}\n")
    stream.write("\nRow accounting (every row read is loaded or rejected with a reason):\n")
    for a in sources(store):
        stream.write(
            f"  {a.exhibit}  {a.format:<16} read {a.rows_read:>7,} = loaded {a.loaded:>7,} "
            f"+ rejected {a.rejected:>3,}\n"
        )
    stream.write(f"\n{rule}\n")
    render.contacts_text(contacts(store, "suspect", "victim"), stream, per_day=False)
    stream.write(f"\n{rule}\n")
    result = colocate(store, "suspect", "victim", Parameters())
    render.colocation_text(result, tz, stream)
    stream.write(f"\n{rule}\n")
    for recorded in zones(store):
        zone = Zone(recorded.lat, recorded.lon, recorded.radius_m)
        stream.write(f"Exclusion zone: {recorded.name} ({recorded.note}).\n")
        render.breach_text(breaches(store, recorded.subject, zone), tz, stream)
    stream.write(f"{rule}\n")
