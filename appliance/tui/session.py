"""The open case as the UI holds it: its unlocked keys, one lock, connections while it asks.

Two reasons shape this:

* DuckDB locks a database file for one process at a time. Holding the case open while the UI
  sits on a screen would lock out the command line (a report, ``verify``, the parse of sealed
  exhibits) for as long as an officer leaves the UI running. So the passphrase is asked once,
  and the database is opened for questions and let go of when they stop. Opening costs about
  0.2 s (mostly loading DuckDB's spatial extension, which holds Python's lock meanwhile, so
  it cannot be done ahead in the background without freezing the screen). An officer's
  questions come in bursts (paging a table, trying parameters), so a read connection is kept
  for ``LINGER_S`` after a question and reused by the next one; ``release`` lets it go once
  that time has passed with no question. A command run meanwhile waits for it to let go
  (``appliance.store.database``).
* A DuckDB connection must not be used from two threads at once. Workers in the ``db`` group
  are exclusive, but cancelling a thread worker only marks it: its query runs on to the end.
  So every question also takes this lock, and a new one waits for a cancelled one to finish.
"""

from __future__ import annotations

import threading
import time
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
LINGER_S = 3.0


class NoCaseOpen(ApplianceError):
    """An analysis was asked for before any case was unlocked."""


class CaseSession:
    def __init__(self) -> None:
        self._case: tuple[CaseInfo, CaseKeys] | None = None
        self._lock = threading.Lock()
        # The read connection kept between questions, and when it was last used.
        self._kept: CaseStore | None = None
        self._used = 0.0
        # False once closing was asked for: a question still running then must not keep its
        # connection (``close`` without ``wait`` could not take the lock to let go of it).
        self._keeping = False

    @property
    def is_open(self) -> bool:
        return self._case is not None

    def open(self, home: Home, ref: str, passphrase: str) -> CaseOpened:
        """Unlock ``ref`` and gather what the first screen shows (call in a worker).

        The case open before stays open until this one has opened, so a wrong passphrase
        leaves the officer where they were.
        """
        with self._lock:
            self._let_go()  # DuckDB attaches a file once per process
            store = CaseStore.open(home, ref, passphrase, read_only=True)
            try:
                subjects = store.subjects()
                accounts = sources(store)
                with store.ledger() as ledger:
                    head = ledger.head()
                    waiting = pending_exhibits(ledger)
            except BaseException:
                store.close()
                raise
            self._case = (store.info, store.keys)
            self._keeping = True
            self._keep(store)  # the first question usually follows at once
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
            if write:
                self._let_go()  # the kept connection is locked down; a write needs its own
                with self._connect() as store:
                    return job(store)
            kept, self._kept = self._kept, None
            store = kept or self._connect()
            if kept is None:
                store.lock_down()
            try:
                answer = job(store)
            except BaseException:
                store.close()  # whatever went wrong, the next question starts afresh
                raise
            self._keep(store)
            return answer

    def _connect(self) -> CaseStore:
        info, keys = self.case
        return CaseStore(info, connect(info.database_path, keys.database_key), keys)

    def release(self, after_s: float = LINGER_S) -> None:
        """Let go of the kept connection if no question has used it for ``after_s`` (cheap;
        call it now and then). A question running now keeps it, so this does not wait."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._kept is not None and time.monotonic() - self._used >= after_s:
                self._let_go()
        finally:
            self._lock.release()

    @property
    def holding(self) -> bool:
        """Whether the case database is open now (DuckDB's file lock held)."""
        return self._kept is not None

    def _keep(self, store: CaseStore) -> None:
        if not self._keeping:
            store.close()
            return
        self._kept, self._used = store, time.monotonic()

    def _let_go(self) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            kept.close()

    def close(self, *, wait: bool = True) -> bool:
        """Forget the case's keys. Without ``wait``, give up if a question is still running
        (it lets go of the database when it ends)."""
        self._keeping = False
        if not self._lock.acquire(blocking=wait):
            return False
        try:
            self._case = None
            self._let_go()
        finally:
            self._lock.release()
        return True
