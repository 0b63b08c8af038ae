"""One intake run into one case: lock the case, recover from any crash, read each medium.

Sealing needs only the case's public key, so this runs the same with an officer at the keyboard
or as the unattended USB service. Parsing into the case database is a later step that needs
the passphrase (``appliance.store.loader``).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from appliance.custody.ledger import LEDGER_NAME, Ledger
from appliance.errors import ApplianceError, IntakeCancelled
from appliance.intake.acquire import Acquirer, ExhibitIndex, Outcome, Progress
from appliance.intake.disk import WalkLimits
from appliance.intake.events import Observer, ignore
from appliance.intake.interrupted import Interruption, record
from appliance.intake.media import DiskMedium, Medium, host_items, is_medium
from appliance.textsafe import shown


class CaseBusy(ApplianceError):
    """Another intake is writing to this case."""


@dataclass
class AcquisitionReport:
    media: list[Medium] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    bytes_read: int = 0

    @property
    def exhibits(self) -> int:
        return len({o.ref for o in self.outcomes if o.ref})

    @property
    def verified(self) -> int:
        return len({o.ref for o in self.outcomes if o.status == "verified"})

    @property
    def incomplete(self) -> int:
        return len({o.ref for o in self.outcomes if o.status == "incomplete"})


@contextmanager
def case_lock(case_folder: Path) -> Iterator[None]:
    """One writer per case: a second intake waits for none and fails with a clear message."""
    fd = os.open(case_folder / ".intake.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CaseBusy(
                f"another intake is already writing to the case in {case_folder}.",
                "Wait for it to finish (see `appliance custody`), then run this again.",
            ) from None
        yield
    finally:
        os.close(fd)


def open_ledger(case_folder: Path) -> Ledger:
    return Ledger(case_folder / LEDGER_NAME)


@dataclass
class Recovery:
    """What a crash or power cut had left in a case, now recorded and cleaned."""

    resealed: bool = False
    interruption: Interruption | None = None
    recovered: list[str] = field(default_factory=list)


def _recover(ledger: Ledger, acquirer: Acquirer, actor: str) -> Recovery:
    recovery = Recovery(resealed=ledger.reseal_after_crash())
    if recovery.resealed:
        ledger.append("recovered", actor, details={"resealed": "the ledger file seal"})
    # Before the orphans go: a partial copy's header names the exhibit it was for.
    recovery.interruption = record(ledger, acquirer.store, actor)
    if recovery.interruption is not None:
        acquirer.index = ExhibitIndex.of(ledger)
    recovery.recovered = acquirer.recover()
    return recovery


def recover(case_ref: str, case_folder: Path, actor: str) -> Recovery:
    """At boot: finish what a crash left in one case, without reading any medium."""
    with case_lock(case_folder), open_ledger(case_folder) as ledger:
        acquirer = Acquirer(case_ref, case_folder, b"", ledger, actor, lambda _m: None)
        return _recover(ledger, acquirer, actor)


def acquire(
    case_ref: str,
    case_folder: Path,
    recipient: bytes,
    paths: list[Path],
    actor: str,
    progress: Progress,
    limits: WalkLimits | None = None,
    prefix: str | None = None,
    observe: Observer = ignore,
) -> AcquisitionReport:
    """Seal every file under ``paths`` into the case and record each step in its ledger.

    ``observe`` sees each file, byte count and hash as it happens; if it raises
    ``IntakeCancelled`` the ledger records where the officer stopped, and the error goes on.
    """
    limits = limits or WalkLimits()
    report = AcquisitionReport()
    with case_lock(case_folder), open_ledger(case_folder) as ledger:
        acquirer = Acquirer(
            case_ref, case_folder, recipient, ledger, actor, progress, prefix, observe
        )
        report.recovered = _recover(ledger, acquirer, actor).recovered
        try:
            _read(paths, limits, ledger, acquirer, report, actor, progress)
        except IntakeCancelled:
            ledger.append(
                "intake cancelled",
                actor,
                details={"paths": [str(p) for p in paths], "bytes_read": acquirer.bytes_read},
            )
            raise
        report.bytes_read = acquirer.bytes_read
        ledger.append(
            "intake finished",
            actor,
            details={
                "paths": [str(p) for p in paths],
                "exhibits": report.exhibits,
                "verified": report.verified,
                "incomplete": report.incomplete,
                "bytes_read": report.bytes_read,
            },
        )
    return report


def _read(
    paths: list[Path],
    limits: WalkLimits,
    ledger: Ledger,
    acquirer: Acquirer,
    report: AcquisitionReport,
    actor: str,
    progress: Progress,
) -> None:
    """Each medium, folder or file under ``paths``, into ``report`` as it goes."""
    host: list[Path] = []
    for path in paths:
        if is_medium(path):
            with DiskMedium(path, limits) as disk:
                medium = disk.medium()
                report.media.append(medium)
                ledger.append(
                    "medium examined",
                    actor,
                    origin=str(path),
                    details={**medium.description, "anomalies": medium.anomalies},
                )
                progress(f"reading {medium.kind} {shown(str(path))} (never mounted)")
                for anomaly in medium.anomalies:
                    progress(f"  note: {anomaly}")
                report.outcomes.extend(acquirer.run(disk.items()))
        else:
            host.append(path)
    if host:
        report.media.append(Medium("files", ", ".join(str(p) for p in host)))
        report.outcomes.extend(acquirer.run(host_items(host)))
