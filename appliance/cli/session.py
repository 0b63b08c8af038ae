"""What every command needs: the home, the passphrase, an open case, parsed values."""

from __future__ import annotations

import getpass
import os
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

from appliance.errors import PassphraseRequired, UsageError
from appliance.store.case import CaseStore
from appliance.store.home import Home, default_home
from appliance.store.loader import Loader
from appliance.timeutil import local_to_utc, parse_iso, zone

PASSPHRASE_ENV = "APPLIANCE_PASSPHRASE"


def home_of(value: str | None) -> Home:
    return Home(Path(value) if value else default_home())


def passphrase(ref: str, *, confirm: bool = False) -> str:
    """The case passphrase: ``APPLIANCE_PASSPHRASE``, else asked on the terminal."""
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env
    if not sys.stdin.isatty():
        raise PassphraseRequired(
            f"case {ref} needs its passphrase and there is no terminal to ask on.",
            f"Set {PASSPHRASE_ENV} for non-interactive use.",
        )
    first = getpass.getpass(f"Passphrase for case {ref}: ")
    if confirm and getpass.getpass("Again, to confirm: ") != first:
        raise UsageError("the two passphrases differ.", "Run the command again.")
    return first


def open_case(home: Home, ref: str, *, read_only: bool = True, spatial: bool = True) -> CaseStore:
    """Unlock the case; first parse anything the USB service sealed while it was locked.
    ``spatial=False`` for commands that need no geodesic (a faster start)."""
    store = CaseStore.open(home, ref, passphrase(ref), read_only=False, spatial=spatial)
    try:
        Loader(store, progress=_say).parse_pending()
        if read_only:
            store.lock_down()
    except BaseException:
        store.close()
        raise
    return store


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_time(text: str, timezone: str, *, end_of_day: bool = False) -> datetime:
    """A --from/--to value: a date (local day) or an ISO time; naive means the case's zone."""
    value = text.strip()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is not None:
        local = datetime.combine(day, time.min)
        if end_of_day:
            local = local + timedelta(days=1) - timedelta(microseconds=1)
        return local_to_utc(local, zone(timezone))[0]
    try:
        moment = parse_iso(value)
    except ValueError:
        raise UsageError(
            f"cannot read the time {text!r}.",
            "Use a date (2024-03-30) or an ISO time (2024-03-30T14:00 or ...Z).",
        ) from None
    return local_to_utc(moment, zone(timezone))[0]


def parse_zone(text: str) -> tuple[float, float]:
    try:
        lat_text, lon_text = text.split(",")
        return float(lat_text), float(lon_text)
    except ValueError:
        raise UsageError(
            f"cannot read the zone centre {text!r}.", "Give it as LAT,LON, e.g. 51.5416,-0.1022."
        ) from None
