"""The terminal UI against the demo case: built once per session through the real command line.

Expected figures come from the command line's ``--json`` in a separate process, so the UI is
checked against the same analyses reached another way, not against itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

PASSPHRASE = "demo"
REF = "DEMO"
T = TypeVar("T")


def appliance_command() -> list[str]:
    script = Path(sys.executable).with_name("appliance")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "appliance"]


@dataclass
class Demo:
    home: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
        env["APPLIANCE_HOME"] = str(self.home)
        env["APPLIANCE_PASSPHRASE"] = PASSPHRASE
        # Exhibit references carry the officer's initials: fixed, so screens are reproducible.
        env["APPLIANCE_OFFICER"] = "Demo Officer"
        return env

    def json(self, *args: str) -> Any:
        done = subprocess.run(
            [*appliance_command(), *args, "--json"],
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        return json.loads(done.stdout)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    home = tmp_path_factory.mktemp("tui") / "home"
    case = Demo(home)
    subprocess.run(
        [*appliance_command(), "demo"],
        env=case.env(),
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    return case


def run(coroutine: Callable[[], Awaitable[T]]) -> T:
    """Run one Pilot session to completion (no asyncio plugin needed)."""
    return asyncio.run(coroutine())  # type: ignore[arg-type]


FRESH = "OP-TEST"
SUSPECT, VICTIM = "+447700900123", "+447700900456"
CDR = (
    "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
    "2024-03-30T12:00:00,voice,out,07700 900123,07700 900456,60,,,\n"
    "2024-03-30T12:05:00,sms,out,07700 900123,07700 900456,0,,,\n"
    "not a time,voice,out,07700 900123,07700 900456,60,,,\n"
)
FIXES = "time,lat,lon,accuracy_m\n2024-03-30T12:00:00Z,51.5416,-0.1022,10\n"


@dataclass
class Fresh:
    """A case of its own (tests that write: intake, subjects) and a folder of evidence."""

    home: Path
    evidence: Path


@pytest.fixture
def fresh(tmp_path: Path) -> Fresh:
    from appliance.store.case import CaseStore
    from appliance.store.home import Home

    home = tmp_path / "home"
    with CaseStore.create(Home(home), FRESH, "Europe/London", PASSPHRASE) as store:
        store.add_subject("suspect", "suspect", [SUSPECT])
        store.add_subject("victim", "victim", [VICTIM])
        store.checkpoint()
    evidence = tmp_path / "stick"
    evidence.mkdir()
    (evidence / "suspect_cdr.csv").write_text(CDR)
    (evidence / "victim_fixes.csv").write_text(FIXES)
    return Fresh(home, evidence)


@pytest.fixture(autouse=True)
def officer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed officer (exhibit prefixes and the intake form are on screen), restored after
    each test: the intake pane sets it for the process, as ``intake --officer`` does."""
    monkeypatch.setenv("APPLIANCE_OFFICER", "Demo Officer")
