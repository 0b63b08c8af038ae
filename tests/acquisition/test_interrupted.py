"""A power cut in the middle of an intake, as the appliance image meets it at the next boot.

The unattended intake is killed (SIGKILL: no cleanup runs, as with the power gone) while it
seals a large file; then ``appliance recover`` (appliance-recover.service at boot) must name the
interrupted intake and its exhibit, ``verify`` must pass and list that exhibit as incomplete, no
partial copy may stay, and the same evidence read again completes it under the same reference.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import PASSPHRASE, Appliance, appliance_command

BIG = 96 * 1024 * 1024


@dataclass
class Cut:
    app: Appliance
    evidence: Path
    recover: subprocess.CompletedProcess[str]
    verify: dict[str, object]


def _kill_while_sealing(app: Appliance, evidence: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    env["APPLIANCE_HOME"] = str(app.home)
    child = subprocess.Popen(
        [*appliance_command(), "intake", "--unattended", str(evidence)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    store = app.home / "QUARANTINE" / "evidence"
    deadline = time.monotonic() + 120
    try:
        # Killed once the big file's partial copy holds a few chunks: mid-seal, header on disk.
        while time.monotonic() < deadline and child.poll() is None:
            partial = [p for p in store.glob(".partial-*") if p.stat().st_size > 3 * 2**20]
            if partial:
                break
            time.sleep(0.01)
        else:
            pytest.fail("the intake ended before it could be cut mid-seal")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cut]:
    root = tmp_path_factory.mktemp("cut")
    app = Appliance(root / "home")
    app.ok("case", "new", "QUARANTINE")
    evidence = root / "stick"
    evidence.mkdir()
    (evidence / "a-small.csv").write_text(
        "time,lat,lon,accuracy_m\n2024-03-30T12:00:00Z,51.5,-0.1,8\n"
    )
    (evidence / "b-large.bin").write_bytes(random.Random(3).randbytes(BIG))
    _kill_while_sealing(app, evidence)
    recovered = app.run("recover", passphrase=None)
    verified = app.run("verify", "--case", "QUARANTINE", "--json")
    yield Cut(app, evidence, recovered, json.loads(verified.stdout or "{}"))


def test_recover_names_the_exhibit_being_sealed(cut: Cut) -> None:
    assert "APPLIANCE INTAKE INTERRUPTED case=QUARANTINE" in cut.recover.stdout
    assert "acquired=1 incomplete=USB/2" in cut.recover.stdout


def test_verify_passes_after_the_cut(cut: Cut) -> None:
    assert cut.verify.get("ok") is True


def test_verify_lists_the_interrupted_exhibit_as_incomplete(cut: Cut) -> None:
    incomplete = cut.verify.get("incomplete")
    assert isinstance(incomplete, list)
    assert [i["exhibit"] for i in incomplete] == ["USB/2"]


def test_no_partial_copy_is_left(cut: Cut) -> None:
    assert list((cut.app.home / "QUARANTINE" / "evidence").glob(".partial-*")) == []


def test_recover_twice_reports_nothing_new(cut: Cut) -> None:
    again = cut.app.run("recover", passphrase=None)
    assert "INTERRUPTED" not in again.stdout


def test_reading_again_completes_it_under_the_same_reference(cut: Cut) -> None:
    cut.app.run("intake", "--unattended", str(cut.evidence), passphrase=None)
    done = cut.app.run("verify", "--case", "QUARANTINE", "--json", passphrase=PASSPHRASE)
    assert json.loads(done.stdout)["verified"] == ["USB/1", "USB/2"]
