"""A real case for the export tests: real files through the real loader, hostile names included,
and the command line run as a real process against it.

The case is built once per module (Argon2id and DuckDB's extensions cost about a second). The
victim's CDR repeats two of the suspect's calls, so contacts merges duplicates; one exhibit has
a file name a spreadsheet would run; the victim's name begins with ``=`` and holds an escape.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.store.loader import Loader

PASSPHRASE = "export tests passphrase"
REF = "OP-EXPORT"
SUSPECT = "suspect"
VICTIM = '=HYPERLINK("x")\x1b[31m\u202e'
OTHER = "other-person"
A_NUMBER = "07700 900123"
B_NUMBER = "+447700900456"
HOSTILE_FILE = "=cmd|' calc'!A0.csv"

A_LOCATIONS = """time,lat,lon,accuracy_m
2024-03-30T12:00:00.250000Z,51.5416,-0.1022,8
2024-03-30T12:05:00Z,51.5420,-0.1030,12
2024-03-30T13:00:00,51.6000,-0.2000,
2024-03-30T18:00:00Z,51.5001,-0.1201,4
"""
B_LOCATIONS = """time,lat,lon,accuracy_m
2024-03-30T12:01:30.999999Z,51.5418,-0.1025,6
2024-03-30T12:20:00Z,51.5419,-0.1024,6
2024-03-30T18:02:00Z,51.5003,-0.1203,3
"""
OTHER_LOCATIONS = """time,lat,lon,accuracy_m
2024-03-30T12:00:00Z,-33.8688,151.2093,10
2024-03-30T12:10:00Z,-33.8690,151.2095,10
"""
HEADER = "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
A_CDR = HEADER + (
    f"2024-03-30T22:30:00.500000Z,voice,out,{A_NUMBER},{B_NUMBER},61,,,\n"
    f"2024-03-31T01:30:00,sms,in,{A_NUMBER},00447700900456,,,,\n"
    f"2024-03-31T09:00:00+01:00,sms,out,{A_NUMBER},07700900456,,,,\n"
    f"2024-03-31T10:00:00+01:00,voice,out,{A_NUMBER},07700900456,0,,,\n"
)
# The victim's own records: the first and last calls again (merged), and one only she has.
B_CDR = HEADER + (
    f"2024-03-30T22:30:10Z,voice,in,{B_NUMBER},{A_NUMBER},61,,,\n"
    f"2024-03-31T10:00:20+01:00,voice,in,{B_NUMBER},{A_NUMBER},0,,,\n"
    f"2024-03-31T11:00:00+01:00,sms,out,{B_NUMBER},{A_NUMBER},,,,\n"
)


def appliance_command() -> list[str]:
    script = Path(sys.executable).with_name("appliance")
    if script.is_file():
        return [str(script)]
    found = shutil.which("appliance")
    return [found] if found else [sys.executable, "-m", "appliance"]


@dataclass
class Case:
    home: Path
    work: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")},
            "APPLIANCE_HOME": str(self.home),
            "APPLIANCE_PASSPHRASE": PASSPHRASE,
            "APPLIANCE_OFFICER": "Export Tester",
        }
        return subprocess.run(
            [*appliance_command(), *args],
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
            check=False,
        )

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = self.run(*args)
        assert done.returncode == 0, (args, done.stderr)
        return done

    def open(self) -> CaseStore:
        return CaseStore.open(Home(self.home), REF, PASSPHRASE)


def build_case(root: Path) -> Case:
    files = root / "evidence"
    files.mkdir(parents=True)
    written = {
        "a_loc.csv": A_LOCATIONS,
        HOSTILE_FILE: B_LOCATIONS,
        "other.csv": OTHER_LOCATIONS,
        "a_cdr.csv": A_CDR,
        "b_cdr.csv": B_CDR,
    }
    for name, text in written.items():
        (files / name).write_text(text, encoding="utf-8")
    home = root / "home"
    with CaseStore.create(Home(home), REF, "Europe/London", PASSPHRASE) as store:
        store.add_subject(SUSPECT, "suspect", [A_NUMBER])
        store.add_subject(VICTIM, "victim", [B_NUMBER])
        store.add_subject(OTHER, "other")
        loader = Loader(store)
        for name, subject in (
            ("a_loc.csv", SUSPECT),
            ("a_cdr.csv", SUSPECT),
            (HOSTILE_FILE, VICTIM),
            ("b_cdr.csv", VICTIM),
            ("other.csv", OTHER),
        ):
            report = loader.intake([files / name], subject=subject)
            assert not report.failed, report.failed
        store.checkpoint()
    return Case(home, root)


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    return build_case(tmp_path_factory.mktemp("export-case"))
