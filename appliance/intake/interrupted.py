"""What a power cut or a crash in the middle of an intake leaves, found and recorded.

An intake writes "medium examined" (for a stick) or its first "acquired" entry when it starts
and "intake finished" when it ends; an intake with a start and no end was interrupted. The file
it was sealing then is known from its partial copy in the evidence store, whose plaintext
header names the exhibit and the origin (the header is written before any chunk). That exhibit
is recorded as incomplete, exactly like a stick pulled mid-read: ``verify`` lists it, it is never
shown as verified, nothing of its partial copy is kept, and reading the same stick again
completes it under the same reference.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from appliance.custody.ledger import Entry, Ledger
from appliance.evidence.sealed import CHUNK, MAGIC, TAG, SealError, read_header
from appliance.evidence.store import EvidenceStore
from appliance.intake.acquire import ACQUIRED, INCOMPLETE, NOT_ACQUIRED

INTERRUPTED = "intake interrupted"
FINISHED = "intake finished"
MEDIUM = "medium examined"
# Entries only an intake in progress writes: any of them after the last end opens an intake.
_STARTS = (MEDIUM, ACQUIRED, INCOMPLETE, NOT_ACQUIRED)
_FRAME = 4 + CHUNK + TAG
_PARTIAL = ".partial-"


@dataclass(frozen=True)
class Partial:
    """A sealed copy that never got its trailer: the exhibit it was for, and how far it got."""

    exhibit: str
    origin: str
    path: str
    sealed_bytes: int


@dataclass
class Interruption:
    started: str
    media: list[str] = field(default_factory=list)
    acquired: list[str] = field(default_factory=list)
    partials: list[Partial] = field(default_factory=list)

    def as_details(self) -> dict[str, object]:
        return {
            "started": self.started,
            "media": self.media,
            "acquired_before": self.acquired,
            "being_sealed": [p.exhibit for p in self.partials],
        }


def unfinished(entries: Iterable[Entry]) -> Interruption | None:
    """The intake that began after the last finished (or recorded as interrupted) one, if any."""
    current: Interruption | None = None
    for entry in entries:
        if entry.action in (FINISHED, INTERRUPTED):
            current = None
        elif entry.action in _STARTS:
            current = current or Interruption(entry.time)
            if entry.action == MEDIUM and entry.origin:
                current.media.append(entry.origin)
            elif entry.action == ACQUIRED and entry.exhibit:
                current.acquired.append(entry.exhibit)
    return current


def partials(store_folder: Path) -> list[Partial]:
    """Partial copies whose header survived, read before recovery removes them."""
    found: list[Partial] = []
    if not store_folder.is_dir():
        return found
    for child in sorted(store_folder.iterdir()):
        if not child.name.startswith(_PARTIAL):
            continue
        try:
            with child.open("rb") as handle:
                if handle.read(len(MAGIC)) != MAGIC:
                    continue
                handle.seek(0)
                header, base = read_header(handle)
        except (OSError, SealError, struct.error):
            continue  # cut before its header reached the disk: nothing to name
        size = child.stat().st_size
        details = header.get("details") or {}
        found.append(
            Partial(
                str(header.get("exhibit") or ""),
                str(header.get("origin") or ""),
                str(details.get("path") or header.get("origin") or ""),
                max(0, (size - base) // _FRAME) * CHUNK,
            )
        )
    return [p for p in found if p.exhibit]


def record(ledger: Ledger, store: EvidenceStore, actor: str) -> Interruption | None:
    """Record an interrupted intake and the exhibit it was sealing; call before orphans go."""
    interruption = unfinished(ledger.entries())
    if interruption is None:
        return None
    interruption.partials = partials(store.folder)
    for partial in interruption.partials:
        ledger.append(
            INCOMPLETE,
            actor,
            exhibit=partial.exhibit,
            origin=partial.origin,
            details={
                "path": partial.path,
                "offset": partial.sealed_bytes,
                "error": "the intake was interrupted (power cut or crash) while sealing it; "
                "its partial copy is removed",
            },
        )
    ledger.append(INTERRUPTED, actor, details=interruption.as_details())
    return interruption
