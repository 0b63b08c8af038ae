"""The intake killed (SIGKILL) at random points: copy, hash, encrypt, database load, custody.

After every kill: each exhibit is wholly present or absent, every step the process
acknowledged on the terminal is in the ledger (and in the database for parses), the chain
verifies, and the next run removes orphans. Finally a full run completes the case with the
same manifest as an intake that was never interrupted.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from appliance.custody.ledger import Ledger
from appliance.evidence.sealed import rehash
from appliance.evidence.store import EvidenceStore
from appliance.store.case import CaseStore
from appliance.store.home import Home

from .conftest import PASSPHRASE, REF, Appliance, appliance_command

KILLS = int(os.environ.get("APPLIANCE_KILL_POINTS", "50"))
SEALED_LINE = re.compile(r"^(\S+) .*: [\d,]+ bytes sealed")
PARSED_LINE = re.compile(r"^(\S+): read (\d+) rows, loaded (\d+)")


def make_evidence(folder: Path) -> None:
    """About two seconds of work: CSVs to parse and a few MB of opaque data to seal."""
    folder.mkdir()
    rng = random.Random(7)
    for n in range(3):
        lines = ["time,lat,lon,accuracy_m"]
        for i in range(15_000):
            lat, lon = 51.5 + rng.random() / 10, -0.1 + rng.random() / 10
            lines.append(
                f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{n * 7 % 60:02d}Z,"
                f"{lat:.6f},{lon:.6f},{rng.randint(3, 50)}"
            )
        (folder / f"locations-{n}.csv").write_text("\n".join(lines) + "\n")
    (folder / "image.bin").write_bytes(rng.randbytes(12 * 1024 * 1024))
    (folder / "more.bin").write_bytes(rng.randbytes(3 * 1024 * 1024))


class Run:
    """An intake in a child process, its stderr read as it arrives."""

    def __init__(self, app: Appliance, stick: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
        env.update(
            APPLIANCE_HOME=str(app.home),
            APPLIANCE_PASSPHRASE=PASSPHRASE,
            APPLIANCE_OFFICER="Jane Smith",
        )
        self.process = subprocess.Popen(
            [*appliance_command(), "intake", str(stick), "--case", REF],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self.lines: list[str] = []
        self.times: list[float] = []
        self.ended = False
        self.said = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self.said:
                self.lines.append(line.rstrip("\n"))
                self.times.append(time.monotonic())
                self.said.notify_all()
        with self.said:
            self.ended = True
            self.said.notify_all()

    def kill_after(self, line: int, seconds: float) -> bool:
        """SIGKILL ``seconds`` after the process said its line number ``line`` (from 0); say
        whether it was still running.

        Kill points are placed by step rather than by wall time alone, so that they spread over
        every phase however loaded the machine is: a step that takes longer under load still
        holds the kill, only earlier in it.
        """
        with self.said:
            self.said.wait_for(lambda: len(self.lines) > line or self.ended, timeout=120)
        time.sleep(seconds)
        alive = self.process.poll() is None
        if alive:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._reader.join()
        return alive


def step_lengths(app: Appliance, stick: Path) -> list[float]:
    """An uninterrupted intake: how long each step took, from each line it said to the next
    (the last step ends when the process does)."""
    run = Run(app, stick)
    run.process.wait()
    run._reader.join()
    ended = time.monotonic()
    assert run.process.returncode == 0, run.lines
    ends = [*run.times[1:], ended]
    return [after - before for before, after in zip(run.times, ends, strict=True)]


def manifest(folder: Path) -> dict[str, tuple[str, str]]:
    """Origin path -> (exhibit, sha256), from the ledger's acquisitions."""
    with Ledger(folder / "custody.sqlite") as ledger:
        return {
            str(e.details["path"]).rsplit("/", 1)[-1]: (str(e.exhibit), str(e.sha256))
            for e in ledger.entries(action="acquired")
        }


def check_consistent(app: Appliance, acknowledged: str) -> None:
    folder = app.home / REF
    with Ledger(folder / "custody.sqlite") as ledger:
        assert ledger.check() == [], "the chain must verify after any kill"
        seal = ledger.check_seal()
        assert seal is None or "by the last entry" in seal
        acquired = {e.exhibit: e for e in ledger.entries(action="acquired")}
        parsed = {e.exhibit: e for e in ledger.entries(action="parsed")}
    for line in acknowledged.splitlines():
        if match := SEALED_LINE.match(line):
            assert match.group(1) in acquired, f"acknowledged but not in the ledger: {line}"
        if match := PARSED_LINE.match(line):
            assert match.group(1) in parsed, f"acknowledged but not in the ledger: {line}"
    with CaseStore.open(Home(app.home), REF, PASSPHRASE) as store:
        evidence = EvidenceStore(folder)
        for ref, entry in acquired.items():
            assert entry.sha256 is not None
            with evidence.open(entry.sha256, REF, store.keys.sealing_private) as stream:
                assert rehash(stream) == (entry.sha256, entry.size), ref
        # Every source in the database is whole: its rows all there, its accounting exact.
        for source_id, loaded, exhibit in store.rows(
            "SELECT s.id, s.loaded, e.ref FROM sources s JOIN exhibits e ON e.id = s.exhibit_id"
        ):
            (rows,) = store.rows(
                "SELECT (SELECT count(*) FROM observations WHERE source_id = ?) + "
                "(SELECT count(*) FROM communications WHERE source_id = ?)",
                [source_id, source_id],
            )[0]
            assert rows == loaded, (exhibit, rows, loaded)
        loaded_refs = {
            r
            for (r,) in store.rows(
                "SELECT e.ref FROM sources s JOIN exhibits e ON e.id = s.exhibit_id"
            )
        }
        assert set(parsed) <= loaded_refs


SOURCES = "SELECT e.ref, s.loaded FROM sources s JOIN exhibits e ON e.id = s.exhibit_id ORDER BY 1"


@pytest.mark.timeout(1200)
def test_killed_at_random_points_the_case_stays_consistent(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    make_evidence(stick)
    template = Appliance(tmp_path / "template")
    template.ok("case", "new", REF)

    clean = Appliance(tmp_path / "clean")
    shutil.copytree(template.home, clean.home)
    steps = step_lengths(clean, stick)
    expected = manifest(clean.home / REF)
    with CaseStore.open(Home(clean.home), REF, PASSPHRASE) as store:
        expected_sources = store.rows(SOURCES)

    rng = random.Random(20261122)
    killed_after: list[str] = []
    for point in range(KILLS):
        # Each kill starts from an empty case, so points spread over the whole intake: sealing,
        # hashing, parsing, the database and the ledger, not just what is left after a rerun.
        app = Appliance(tmp_path / f"kill-{point}")
        shutil.copytree(template.home, app.home)
        run = Run(app, stick)
        line = rng.randrange(len(steps))
        if run.kill_after(line, rng.uniform(0, steps[line])):
            killed_after.append(run.lines[-1] if run.lines else "")
            print("killed while", phase(killed_after[-1]))
        check_consistent(app, "\n".join(run.lines))
        if point % 10 == 0:
            # Running again recovers (orphans gone) and completes the same manifest.
            app.ok("intake", str(stick), "--case", REF)
            assert not list((app.home / REF / "evidence").glob(".partial-*"))
            assert manifest(app.home / REF) == expected
            assert app.run("verify", "--case", REF).returncode == 0
            with CaseStore.open(Home(app.home), REF, PASSPHRASE) as store:
                assert store.rows(SOURCES) == expected_sources
        shutil.rmtree(app.home)
    assert len(killed_after) >= KILLS * 3 // 4, "most runs must be killed part-way"
    phases = {phase(line) for line in killed_after}
    assert len(phases) >= 4, f"kills should land in many phases, got {phases}"


def phase(last_line: str) -> str:
    """Which step a run was in, from the last thing it said before it was killed."""
    for marker, name in (
        ("bytes sealed", "sealing the next file"),
        ("rows loaded", "loading rows"),
        ("read ", "after a parse, before the next"),
        ("_csv (", "parsing"),
        ("acquired, not parsed", "after the last file"),
    ):
        if marker in last_line:
            return name
    return "starting: " + last_line[:30]
