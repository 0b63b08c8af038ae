"""Another process holding the case database: opening waits for it, then says who holds it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.errors import CaseInUse
from appliance.store import database
from appliance.store.case import CaseStore
from appliance.store.home import Home

PASSPHRASE = "in use test passphrase"
REF = "OP-BUSY"


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home")
    CaseStore.create(home, REF, "Europe/London", PASSPHRASE).close()
    return home


@pytest.fixture
def held(home: Home) -> Iterator[subprocess.Popen[str]]:
    """A second process with the case open, until its standard input closes."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from appliance.store.case import CaseStore
        from appliance.store.home import Home
        store = CaseStore.open(Home(Path({str(home.root)!r})), {REF!r}, {PASSPHRASE!r})
        print("open", flush=True)
        sys.stdin.read()
        store.close()
        """
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
    yield holder
    if holder.stdin is not None:
        holder.stdin.close()
    holder.wait(30)


def test_a_case_held_past_the_wait_is_reported_with_its_holder(
    home: Home, held: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "LOCK_WAIT_S", 0.3)
    with pytest.raises(CaseInUse) as raised:
        CaseStore.open(home, REF, PASSPHRASE)
    assert f"process {held.pid}" in str(raised.value)
    assert "retry" in str(raised.value)


def test_a_case_let_go_of_while_waiting_opens(
    home: Home, held: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    polls = 0
    sleep = time.sleep

    def let_go_on_the_third_look(seconds: float) -> None:
        nonlocal polls
        if seconds != database.LOCK_POLL_S:  # someone else's sleep (time is one module)
            sleep(seconds)
            return
        polls += 1
        if polls == 3 and held.stdin is not None:
            held.stdin.close()
            held.wait(30)

    monkeypatch.setattr(time, "sleep", let_go_on_the_third_look)
    with CaseStore.open(home, REF, PASSPHRASE) as store:
        assert store.info.ref == REF
    assert polls == 3
