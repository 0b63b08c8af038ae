"""Acquisition through the real command line: a home, a case, and evidence to read."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def appliance_command() -> list[str]:
    """The installed console script beside this Python, as an officer would run it."""
    script = Path(sys.executable).with_name("appliance")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "appliance"]


PASSPHRASE = "correct horse battery staple"
REF = "OP-WREN-26"
SUSPECT = "07700 900123"
VICTIM = "+447700900456"

# Values that exist only inside the evidence: none may ever appear in the clear on disk.
CANARIES = [b"CANARY-5d1e2a-NOTE", b"+447700900999", b"51.987654"]

CDR = (
    "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
    f"2024-03-30T22:30:00Z,voice,out,{SUSPECT},{VICTIM},61,,,\n"
    f"2024-03-31T01:30:00Z,sms,in,{SUSPECT},+447700900999,,,,\n"
    f"2024-03-31T09:00:00Z,sms,out,{SUSPECT},{VICTIM},,,,\n"
)
LOCATIONS = (
    "time,lat,lon,accuracy_m\n"
    "2024-03-30T12:00:00Z,51.987654,-0.1022,8\n"
    "2024-03-30T12:05:00Z,51.5420,-0.1030,12\n"
)
NOTE = b"notes from the stick: CANARY-5d1e2a-NOTE\n"


@dataclass
class Appliance:
    home: Path

    def run(
        self, *args: str, passphrase: str | None = PASSPHRASE, **env: str
    ) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
        environment["APPLIANCE_HOME"] = str(self.home)
        environment["APPLIANCE_OFFICER"] = "Jane Smith"
        if passphrase is not None:
            environment["APPLIANCE_PASSPHRASE"] = passphrase
        environment.update(env)
        return subprocess.run(
            [*appliance_command(), *args],
            env=environment,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
            check=False,
        )

    def ok(self, *args: str, **kwargs: str) -> subprocess.CompletedProcess[str]:
        done = self.run(*args, **kwargs)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done


def write_evidence(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "cdr": folder / "calls.csv",
        "locations": folder / "locations.csv",
        "note": folder / "notes" / "note.txt",
    }
    files["note"].parent.mkdir()
    files["cdr"].write_text(CDR)
    files["locations"].write_text(LOCATIONS)
    files["note"].write_bytes(NOTE)
    return files


@pytest.fixture
def appliance(tmp_path: Path) -> Iterator[Appliance]:
    app = Appliance(tmp_path / "home")
    app.ok("case", "new", REF)
    app.ok("subject", "add", REF, "suspect", "--role", "suspect", "--id", SUSPECT)
    app.ok("subject", "add", REF, "victim", "--role", "victim", "--id", VICTIM)
    yield app


def scan_for(root: Path, needles: list[bytes]) -> list[tuple[Path, bytes]]:
    """Every file under ``root`` holding any needle in the clear (UTF-8 or UTF-16)."""
    found = []
    forms = [(n, form) for n in needles for form in (n, n.decode().encode("utf-16-le"))]
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found.extend((path, n) for n, form in forms if form in data)
    return found
