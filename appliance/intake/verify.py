"""``appliance verify``: re-read every stored item, decrypt it, re-hash it, check the chain.

Each problem names its exhibit. An exhibit is verified only when its sealed copy opens under
this case's key, every chunk authenticates, and the plaintext's SHA-256 and size equal what the
ledger recorded when it was acquired. Members of archives are re-read from inside their sealed
archive. Incomplete exhibits are listed as such: they were never shown as verified.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from appliance.custody.ledger import Entry, Ledger
from appliance.evidence.sealed import SealError, rehash
from appliance.evidence.store import EvidenceStore
from appliance.intake.acquire import ACQUIRED, INCOMPLETE
from appliance.intake.members import open_member


@dataclass(frozen=True)
class Finding:
    exhibit: str
    problem: str


@dataclass
class VerifyReport:
    verified: list[str] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    incomplete: list[Finding] = field(default_factory=list)
    entries: int = 0
    head: str = ""
    bytes_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "ledger_entries": self.entries,
            "custody_head": self.head,
            "verified": self.verified,
            "problems": [{"exhibit": f.exhibit, "problem": f.problem} for f in self.problems],
            "incomplete": [{"exhibit": f.exhibit, "reason": f.problem} for f in self.incomplete],
        }


def verify(
    case_ref: str,
    case_folder: Path,
    ledger: Ledger,
    private: X25519PrivateKey,
    progress: Callable[[str], None],
) -> VerifyReport:
    report = VerifyReport()
    for problem in ledger.check_file():
        where = f"entry {problem.seq}: " if problem.seq is not None else ""
        report.problems.append(
            Finding(problem.exhibit or "custody ledger", where + problem.description)
        )
    entries = list(ledger.entries())
    report.entries = len(entries)
    report.head = ledger.head()
    store = EvidenceStore(case_folder)
    latest: dict[str, Entry] = {}
    incomplete: dict[str, Entry] = {}
    for entry in entries:
        if not entry.exhibit:
            continue
        if entry.action in (ACQUIRED, "extracted") and entry.sha256:
            latest[entry.exhibit] = entry
            incomplete.pop(entry.exhibit, None)
        elif entry.action == INCOMPLETE and entry.exhibit not in latest:
            incomplete[entry.exhibit] = entry
    for ref, entry in incomplete.items():
        details = entry.details
        report.incomplete.append(
            Finding(
                ref,
                f"{details.get('path', entry.origin)}: read failed at byte "
                f"{details.get('offset')}: {details.get('error')}",
            )
        )
    known_blobs: set[str] = set()
    for ref, entry in latest.items():
        assert entry.sha256 is not None
        details = entry.details
        root = str(details.get("root") or entry.sha256)
        chain = [str(name) for name in details.get("chain", [])]
        known_blobs.add(root)
        progress(f"verifying {ref} ({entry.size or 0:,} bytes)")
        try:
            stream: BinaryIO = store.open(root, case_ref, private)
        except FileNotFoundError:
            report.problems.append(Finding(ref, "its sealed copy is missing from the store"))
            continue
        except SealError as exc:
            report.problems.append(Finding(ref, exc.message))
            continue
        header = getattr(getattr(stream, "raw", None), "header", {})
        if not chain and header.get("exhibit") != ref:
            stream.close()
            report.problems.append(
                Finding(ref, f"its sealed copy is bound to exhibit {header.get('exhibit')!r}")
            )
            continue
        try:
            for name in chain:
                stream = open_member(stream, name)
            sha, size = rehash(stream)
        except SealError as exc:
            report.problems.append(Finding(ref, exc.message))
            continue
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            report.problems.append(Finding(ref, f"its archive member cannot be re-read ({exc})"))
            continue
        finally:
            stream.close()
        report.bytes_read += size
        if sha != entry.sha256 or size != entry.size:
            report.problems.append(
                Finding(
                    ref,
                    f"re-hashed to {sha} ({size:,} bytes), but the ledger recorded "
                    f"{entry.sha256} ({entry.size or 0:,} bytes)",
                )
            )
            continue
        report.verified.append(ref)
    for sha in store.sealed():
        if sha not in known_blobs:
            report.problems.append(
                Finding("evidence store", f"{sha}.sealed is not recorded in the custody ledger")
            )
    return report
