"""Acquisition: each file read once, hashed while it is sealed into the evidence store, and
recorded in the custody ledger.

The ledger is the record of what exists. A sealed file becomes an exhibit only when its
"acquired" entry is written, after the file is durable under its final name; anything a crash
leaves in between is an unacknowledged orphan, removed by ``recover`` on the next run. A read
that fails part-way (a stick pulled, a bad sector) records the exhibit as incomplete with the
offset and the error, and keeps nothing of the partial copy: only whole reads are ever shown as
verified. Running again on the same medium completes it under the same reference.

Exhibit references are what an officer quotes: their initials and a number (``JS/4``),
allocated in the order files are found, so the same stick read twice gets the same manifest.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from appliance.custody.ledger import Ledger
from appliance.errors import ApplianceError
from appliance.evidence.store import EvidenceStore
from appliance.intake.events import (
    BytesRead,
    FileFound,
    FileNotAcquired,
    FileSealed,
    Observer,
    ignore,
)
from appliance.intake.media import READ_PIECE, Item, NotAcquired
from appliance.textsafe import shown

Progress = Callable[[str], None]

ACQUIRED, INCOMPLETE, NOT_ACQUIRED = "acquired", "incomplete", "not acquired"
MIB = 1024 * 1024
# Progress on the terminal for large files, so a long copy never looks hung.
PROGRESS_EVERY = 256 * MIB
# Files at least this large get their sealed header on disk before the copy starts (one fsync,
# small against the copy): a power cut mid-copy then still names the exhibit it interrupted.
ANNOUNCE_FROM = 8 * MIB


def initials(officer: str) -> str:
    """``Jane Smith`` -> ``JS``; anything without letters -> ``EXH``."""
    letters = [word[0] for word in re.findall(r"[A-Za-z]+", officer)]
    return "".join(letters[:4]).upper() or "EXH"


@dataclass
class Outcome:
    """One line of the manifest: a file found, and what became of it."""

    ref: str | None
    display: str
    origin: str
    status: str  # verified | incomplete | not acquired
    sha256: str | None = None
    size: int | None = None
    reason: str = ""
    duplicate_of: str | None = None
    named: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "path": self.display,
            "sha256": self.sha256,
            "size": self.size,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass
class ExhibitIndex:
    """What the ledger already says: references by origin and by content."""

    by_origin: dict[str, str] = field(default_factory=dict)
    by_sha: dict[str, str] = field(default_factory=dict)
    sha_of: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, ledger: Ledger) -> ExhibitIndex:
        index = cls()
        for entry in ledger.entries():
            if entry.action in (ACQUIRED, INCOMPLETE, "extracted") and entry.exhibit:
                index.note(
                    entry.exhibit,
                    entry.origin,
                    entry.sha256 if entry.action != INCOMPLETE else None,
                )
        return index

    def note(self, ref: str, origin: str | None, sha: str | None) -> None:
        if origin:
            self.by_origin[origin] = ref
        if sha:
            self.by_sha.setdefault(sha, ref)
            self.sha_of.setdefault(ref, sha)
        prefix, _, number = ref.rpartition("/")
        if prefix and number.isdigit():
            self.numbers[prefix] = max(self.numbers.get(prefix, 0), int(number))

    def next_ref(self, prefix: str) -> str:
        return f"{prefix}/{self.numbers.get(prefix, 0) + 1}"


class Acquirer:
    """Acquires items into one case, sealing with its public key only."""

    def __init__(
        self,
        case_ref: str,
        case_folder: Path,
        recipient: bytes,
        ledger: Ledger,
        actor: str,
        progress: Progress,
        prefix: str | None = None,
        observe: Observer = ignore,
    ) -> None:
        self.case_ref = case_ref
        self.recipient = recipient
        self.ledger = ledger
        self.store = EvidenceStore(case_folder)
        self.actor = actor
        self.prefix = prefix or initials(actor)
        self.progress = progress
        self.observe = observe
        self.index = ExhibitIndex.of(ledger)
        self.bytes_read = 0

    def recover(self) -> list[str]:
        """Remove what a crash left: temporaries and sealed files no entry acknowledges."""
        removed = self.store.clean(set(self.index.by_sha))
        if removed:
            self.ledger.append(
                "recovered",
                self.actor,
                details={"removed_unacknowledged": removed},
            )
        return removed

    def decline(self, item: NotAcquired) -> Outcome:
        self.ledger.append(
            NOT_ACQUIRED, self.actor, origin=item.origin, details={"reason": item.reason}
        )
        self.progress(f"not acquired: {shown(item.display)}: {shown(item.reason)}")
        self.observe(FileNotAcquired(item.display, item.reason))
        return Outcome(None, item.display, item.origin, NOT_ACQUIRED, reason=item.reason)

    def acquire(self, item: Item, fresh: bool = False) -> Outcome:
        known = None if fresh else self.index.by_origin.get(item.origin)
        ref = known or self.index.next_ref(self.prefix)
        header = {"exhibit": ref, "origin": item.origin, "details": item.details}
        offset = 0
        report_at = PROGRESS_EVERY
        try:
            with (
                self.store.sealing(self.case_ref, self.recipient, header) as sealing,
                _opened(item) as source,
            ):
                if item.size >= ANNOUNCE_FROM:
                    sealing.announce()
                for piece in _pieces(source):
                    sealing.write(piece)
                    offset += len(piece)
                    self.bytes_read += len(piece)
                    self.observe(BytesRead(ref, item.display, offset, item.size))
                    if offset >= report_at:
                        report_at += PROGRESS_EVERY
                        self.progress(
                            f"{ref} {shown(item.display)}: {offset // MIB:,} of "
                            f"{item.size // MIB:,} MiB read"
                        )
                if offset != item.size:
                    raise ReadFailed(
                        offset, f"read {offset:,} bytes where the file system records {item.size:,}"
                    )
            trailer = sealing.trailer
            assert trailer is not None
        except ReadFailed as exc:
            # Only failures of the source land here; a failure to write the evidence store
            # (a full disk) is not the exhibit's fault and stops the intake with its own error.
            self.ledger.append(
                INCOMPLETE,
                self.actor,
                exhibit=ref,
                origin=item.origin,
                size=item.size,
                details={
                    "path": item.display,
                    "offset": exc.offset,
                    "error": exc.reason,
                    **item.details,
                },
            )
            self.index.note(ref, item.origin, None)
            self.progress(
                f"{ref} {shown(item.display)}: INCOMPLETE at byte {exc.offset:,}: "
                f"{shown(exc.reason)}"
            )
            self.observe(FileNotAcquired(item.display, f"read failed: {exc.reason}", ref))
            return Outcome(
                ref,
                item.display,
                item.origin,
                INCOMPLETE,
                size=item.size,
                reason=f"read failed at byte {exc.offset}: {exc.reason}",
            )
        duplicate = self.index.by_sha.get(trailer.sha256)
        previous = self.index.sha_of.get(ref)
        if duplicate is None and previous is not None and previous != trailer.sha256:
            # The same place now holds different bytes: a new exhibit, never a second content
            # under an old reference. Its copy was sealed naming the old one, so drop it
            # (nothing acknowledged it) and read the file again under a new reference.
            self.store.path_of(trailer.sha256).unlink(missing_ok=True)
            self.progress(f"{shown(item.display)} has changed since {ref}; acquiring it anew")
            return self.acquire(item, fresh=True)
        elsewhere = duplicate if duplicate is not None and duplicate != ref else None
        if elsewhere is not None:
            ref = elsewhere
        self.ledger.append(
            ACQUIRED,
            self.actor,
            exhibit=ref,
            origin=item.origin,
            sha256=trailer.sha256,
            size=trailer.size,
            details={"path": item.display, "sealed": f"{trailer.sha256}.sealed", **item.details},
        )
        self.index.note(ref, item.origin, trailer.sha256)
        note = f" (same content as {elsewhere})" if elsewhere else ""
        self.progress(f"{ref} {shown(item.display)}: {trailer.size:,} bytes sealed{note}")
        self.observe(FileSealed(ref, item.display, trailer.sha256, trailer.size, elsewhere))
        return Outcome(
            ref,
            item.display,
            item.origin,
            "verified",
            trailer.sha256,
            trailer.size,
            duplicate_of=elsewhere,
            named=item.named,
        )

    def run(self, items: Iterable[Item | NotAcquired]) -> list[Outcome]:
        outcomes = []
        for item in items:
            if isinstance(item, NotAcquired):
                outcomes.append(self.decline(item))
            else:
                self.observe(FileFound(item.display, item.size))
                outcomes.append(self.acquire(item))
        return outcomes


class ReadFailed(Exception):
    """Reading the source failed at ``offset``: the exhibit is incomplete."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset = offset
        self.reason = reason


def _source_failure(exc: BaseException, offset: int) -> ReadFailed:
    reason = getattr(exc, "reason", None) or getattr(exc, "message", None) or str(exc)
    return ReadFailed(int(getattr(exc, "offset", offset)), str(reason))


@contextmanager
def _opened(item: Item) -> Iterator[BinaryIO]:
    try:
        source = item.opener()
    except (OSError, ApplianceError) as exc:
        raise _source_failure(exc, 0) from exc
    with source:
        yield source


def _pieces(source: BinaryIO) -> Iterator[bytes]:
    """The file's bytes in pieces, read on a second thread so reading overlaps sealing.

    A failure to read is raised here as ``ReadFailed``, so it can be told apart from a failure
    to write the sealed copy.
    """
    pieces: queue.Queue[bytes | ReadFailed | None] = queue.Queue(maxsize=4)
    stop = threading.Event()

    def reader() -> None:
        offset = 0
        try:
            while not stop.is_set():
                piece = source.read(READ_PIECE)
                if not piece:
                    break
                offset += len(piece)
                pieces.put(piece)
        except (OSError, ApplianceError, ValueError) as exc:
            pieces.put(_source_failure(exc, offset))
            return
        pieces.put(None)

    thread = threading.Thread(target=reader, name="evidence-reader", daemon=True)
    thread.start()
    try:
        while True:
            piece = pieces.get()
            if piece is None:
                return
            if isinstance(piece, ReadFailed):
                raise piece
            yield piece
    finally:
        stop.set()
        while thread.is_alive():
            try:
                pieces.get_nowait()
            except queue.Empty:
                thread.join(0.01)


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    verified = [o for o in outcomes if o.status == "verified"]
    return {
        "exhibits": len({o.ref for o in outcomes if o.ref}),
        "verified": len({o.ref for o in verified}),
        "incomplete": sum(1 for o in outcomes if o.status == INCOMPLETE),
        "not_acquired": sum(1 for o in outcomes if o.status == NOT_ACQUIRED),
        "bytes": sum(o.size or 0 for o in verified),
    }
