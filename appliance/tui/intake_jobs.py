"""The intake as the UI runs it: the library's own acquisition and loader, in a worker thread,
with every moment relayed to the screen as a message.

Nothing of the intake is redone here: files are found, hashed, sealed and recorded by
``appliance.intake.session.acquire`` and parsed by ``appliance.store.loader.Loader``, exactly
as ``appliance intake`` does. What this adds is the relay (events become posted messages, the
byte count at most ten times a second) and the cancel check the relay makes at every moment.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from textual.message import Message

from appliance.analyses.accounting import sources
from appliance.crypto import CaseKeys
from appliance.errors import IntakeCancelled
from appliance.intake.events import BytesRead, IntakeEvent
from appliance.intake.session import acquire, open_ledger
from appliance.store.case import CaseStore, actor
from appliance.store.home import CaseInfo
from appliance.store.loader import Loader, Pending, pending_exhibits
from appliance.store.reports import IntakeReport
from appliance.tui.messages import AcquisitionDone, IntakeProgress, ParseDone

Post = Callable[[Message], object]
# The byte count of a file being read is shown at most this often; every file, hash and
# parse batch is shown as it happens.
BYTES_EVERY_S = 0.1


class Relay:
    """An intake observer that posts each event to the screen, and stops the intake (by
    raising ``IntakeCancelled``) at the first moment after the officer cancels."""

    def __init__(self, post: Post, cancelled: Callable[[], bool]) -> None:
        self.post = post
        self.cancelled = cancelled
        self._last = 0.0

    def __call__(self, event: IntakeEvent) -> None:
        if self.cancelled():
            raise IntakeCancelled(
                "the intake was cancelled.",
                "Files sealed before then are exhibits; run the intake again to read the rest.",
            )
        if isinstance(event, BytesRead) and event.done < event.size:
            now = time.monotonic()
            if now - self._last < BYTES_EVERY_S:
                return
            self._last = now
        self.post(IntakeProgress(event))


def _quiet(_: str) -> None:
    """The terminal's progress words: the screen shows the events instead."""


def waiting(info: CaseInfo) -> list[Pending]:
    """Sealed exhibits with no parse yet (read from the custody ledger, not the database)."""
    with open_ledger(info.folder) as ledger:
        return pending_exhibits(ledger)


def head(info: CaseInfo) -> str:
    with open_ledger(info.folder) as ledger:
        return ledger.head()


def acquire_paths(
    case: tuple[CaseInfo, CaseKeys], paths: list[Path], prefix: str | None, relay: Relay
) -> AcquisitionDone:
    """Seal every file under ``paths`` into the case (the public key is enough)."""
    info, keys = case
    report = acquire(
        info.ref,
        info.folder,
        keys.sealing_public,
        paths,
        actor(),
        _quiet,
        prefix=prefix or None,
        observe=relay,
    )
    declined = sum(1 for o in report.outcomes if o.status == "not acquired")
    return AcquisitionDone(
        [str(p) for p in paths], report.verified, report.incomplete, declined, waiting(info)
    )


def parse_job(
    attributed: list[tuple[Pending, str | None]], relay: Relay
) -> Callable[[CaseStore], ParseDone]:
    """A store job parsing each sealed exhibit as the records of the subject the officer
    attributed it to (None: inferred from the lines, as the command line does)."""

    def job(store: CaseStore) -> ParseDone:
        loader = Loader(store, observe=relay)
        report = IntakeReport()
        for pending, subject in attributed:
            one = loader.parse_exhibits([pending], subject)
            report.sources.extend(one.sources)
            report.skipped.extend(one.skipped)
            report.failed.extend(one.failed)
        return ParseDone(report, store.subjects(), sources(store), waiting(store.info))

    return job


class CancelFlag:
    """The officer's cancel key for intakes, shared by the typed-path worker and the stick
    watcher (whose intakes run inside its own worker)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def __call__(self) -> bool:
        return self._event.is_set()
