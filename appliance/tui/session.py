"""The open case as the UI holds it: its unlocked keys, one lock, a connection per question.

Two reasons shape this:

* DuckDB locks a database file for one process at a time. Holding the case open while the UI
  sits on a screen would lock out the command line (a report, ``verify``, the parse of sealed
  exhibits) for as long as an officer leaves the UI running. So the passphrase is asked once,
  and each question attaches the database, runs, and lets go (about a quarter of a second).
* A DuckDB connection must not be used from two threads at once. Workers in the ``db`` group
  are exclusive, but cancelling a thread worker only marks it: its query runs on to the end.
  So every question also takes this lock, and a new one waits for a cancelled one to finish.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.message import Message

from appliance.analyses.accounting import sources
from appliance.crypto import CaseKeys
from appliance.errors import ApplianceError
from appliance.store.case import CaseStore
from appliance.store.database import connect
from appliance.store.home import CaseInfo, Home
from appliance.store.loader import pending_exhibits
from appliance.tui.messages import CaseOpened

Job = Callable[[CaseStore], Message]


class NoCaseOpen(ApplianceError):
    """An analysis was asked for before any case was unlocked."""


class CaseSession:
    def __init__(self) -> None:
        self._case: tuple[CaseInfo, CaseKeys] | None = None
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._case is not None

    def open(self, home: Home, ref: str, passphrase: str) -> CaseOpened:
        """Unlock ``ref`` and gather what the first screen shows (call in a worker).

        The case open before stays open until this one has opened, so a wrong passphrase
        leaves the officer where they were.
        """
        with self._lock, CaseStore.open(home, ref, passphrase, read_only=True) as store:
            subjects = store.subjects()
            accounts = sources(store)
            with store.ledger() as ledger:
                head = ledger.head()
                waiting = pending_exhibits(ledger)
            self._case = (store.info, store.keys)
        return CaseOpened(store.info, head, subjects, accounts, len(waiting), waiting)

    def create(self, home: Home, ref: str, timezone: str, passphrase: str) -> CaseOpened:
        """Create case ``ref`` (its keys, database and custody ledger), then open it."""
        with self._lock, CaseStore.create(home, ref, timezone, passphrase):
            pass
        return self.open(home, ref, passphrase)

    @property
    def case(self) -> tuple[CaseInfo, CaseKeys]:
        """The open case and its unlocked keys (sealing evidence needs no database)."""
        if self._case is None:
            raise NoCaseOpen("no case is open.", "Open one first (press o).")
        return self._case

    def run(self, job: Job, *, write: bool = False) -> Message:
        """Run ``job`` on the case, alone, read-only unless ``write`` (call in a worker).

        Writes are the officer's own acts (a subject, an identifier, parsing sealed evidence),
        each through the store's one write path, as the command line makes them.
        """
        with self._lock:
            info, keys = self.case
            with CaseStore(info, connect(info.database_path, keys.database_key), keys) as store:
                if not write:
                    store.lock_down()
                return job(store)

    def close(self, *, wait: bool = True) -> bool:
        """Forget the case's keys. Without ``wait``, give up if a question is still running
        (it lets go of the database when it ends)."""
        if not self._lock.acquire(blocking=wait):
            return False
        try:
            self._case = None
        finally:
            self._lock.release()
        return True
