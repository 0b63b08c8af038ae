"""The UI's hold on the case database: kept between questions that come in a burst, let go
once they stop (so the command line can open the case), never kept by a write or past close."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

from textual.message import Message

from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.tui.session import CaseSession

from .conftest import FRESH, PASSPHRASE, Fresh, appliance_command


class Seen(Message):
    def __init__(self, store: CaseStore) -> None:
        super().__init__()
        self.store = store


def seen(store: CaseStore) -> Seen:
    return Seen(store)


def opened(fresh: Fresh) -> CaseSession:
    session = CaseSession()
    session.open(Home(fresh.home), FRESH, PASSPHRASE)
    return session


def cli_sources(home: Path) -> list[object]:
    """The command line's view of the case, in its own process (DuckDB's lock is per process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    env |= {"APPLIANCE_HOME": str(home), "APPLIANCE_PASSPHRASE": PASSPHRASE}
    done = subprocess.run(
        [*appliance_command(), "sources", "--case", FRESH, "--json"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert isinstance(answer, list | dict)
    return list(answer)


def test_questions_in_a_burst_share_one_connection(fresh: Fresh) -> None:
    session = opened(fresh)
    first = session.run(seen)
    second = session.run(seen)
    assert isinstance(first, Seen) and isinstance(second, Seen)
    assert first.store is second.store
    assert session.holding
    session.release(after_s=60.0)
    assert session.holding, "let go before the questions had stopped for long enough"
    session.close()


def test_once_questions_stop_the_command_line_can_open_the_case(fresh: Fresh) -> None:
    session = opened(fresh)
    session.run(seen)
    session.release(after_s=0.0)
    assert not session.holding
    cli_sources(fresh.home)  # while the UI held the file this would wait, then fail
    again = session.run(seen)
    assert isinstance(again, Seen) and session.holding  # the next question opens it again
    session.close()
    assert not session.holding


def test_a_write_gets_its_own_connection_and_keeps_none(fresh: Fresh) -> None:
    session = opened(fresh)
    read = session.run(seen)
    written = session.run(seen, write=True)
    assert isinstance(read, Seen) and isinstance(written, Seen)
    assert written.store is not read.store
    assert not session.holding
    session.close()


def test_a_question_running_at_close_does_not_keep_its_connection(fresh: Fresh) -> None:
    session = opened(fresh)
    inside, finish = threading.Event(), threading.Event()

    def slow(store: CaseStore) -> Seen:
        inside.set()
        finish.wait(30)
        return Seen(store)

    worker = threading.Thread(target=session.run, args=(slow,))
    worker.start()
    assert inside.wait(30)
    assert session.close(wait=False) is False  # the question holds the lock
    finish.set()
    worker.join(30)
    assert not session.holding
    cli_sources(fresh.home)
