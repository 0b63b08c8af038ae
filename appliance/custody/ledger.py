"""The chain-of-custody ledger: ``custody.sqlite``, append-only, every entry hashed into the next.

Each entry records who did what, when (and whether the clock was trusted), where from, the
hashes, and the software and parser versions. Its ``entry_hash`` covers all of that and the
previous entry's hash, so an edit, a deletion or a reordering anywhere breaks the chain from that
point on. Triggers refuse UPDATE and DELETE as a second guard, but the proof is the chain: the
head hash printed on every report pins everything before it.

The ledger holds metadata only (names, sizes, hashes), never evidence content, so the unattended
USB service can append to it without the case passphrase. Every append is its own transaction
with ``synchronous=FULL``: once ``append`` returns, the step survives a crash or power cut.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from appliance import __version__
from appliance.custody.clock import clock_state
from appliance.custody.verify_ledger import GENESIS, check_chain, entry_hash
from appliance.errors import StoreError

LEDGER_NAME = "custody.sqlite"
# The SHA-256 of the whole ledger file as the appliance last left it. The chain proves the
# entries; this proves the file, so even a flipped bit in space SQLite is not using is seen.
SEAL_SUFFIX = ".seal"
SOFTWARE = f"appliance {__version__}"

_COLUMNS: dict[str, Any] = {
    "seq": int,
    "time": str,
    "clock": str,
    "actor": str,
    "action": str,
    "exhibit": str,
    "origin": str,
    "sha256": str,
    "size": int,
    "software": str,
    "parser": str,
    "details": str,
    "prev_hash": str,
    "entry_hash": str,
}

_GUARDS = """
CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'the custody ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'the custody ledger is append-only'); END;
"""


@dataclass(frozen=True)
class Entry:
    seq: int
    time: str
    clock: str
    actor: str
    action: str
    exhibit: str | None
    origin: str | None
    sha256: str | None
    size: int | None
    software: str
    parser: str | None
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Entry:
        values = dict(row)
        values["details"] = json.loads(values["details"] or "{}")
        return cls(**values)


@dataclass(frozen=True)
class Problem:
    seq: int | None
    exhibit: str
    description: str


class Ledger:
    """The custody ledger of one case."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            connection = sqlite3.connect(path, isolation_level=None, timeout=30)
            connection.execute("PRAGMA journal_mode=DELETE")
            connection.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open the custody ledger {path} ({exc}).",
                "Check the case folder is intact and writable.",
            ) from exc
        self._connection = connection
        self.db = sqlite_utils.Database(connection)
        if "entries" not in self.db.table_names():
            with self._immediate():
                if "entries" not in self.db.table_names():
                    self.db.table("entries").create(_COLUMNS, pk="seq", not_null={"seq", "time"})
                    self.db.executescript(_GUARDS)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _immediate(self) -> _Transaction:
        return _Transaction(self._connection)

    def append(
        self,
        action: str,
        actor: str,
        *,
        exhibit: str | None = None,
        origin: str | None = None,
        sha256: str | None = None,
        size: int | None = None,
        parser: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Entry:
        """Append one entry and make it durable before returning it."""
        now = datetime.now(UTC)
        with self._immediate():
            last = self._connection.execute(
                "SELECT seq, entry_hash FROM entries ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            seq, previous = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
            fields: dict[str, Any] = {
                "seq": seq,
                "time": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
                "clock": clock_state(),
                "actor": _storable(actor),
                "action": action,
                "exhibit": _storable(exhibit),
                "origin": _storable(origin),
                "sha256": sha256,
                "size": size,
                "software": SOFTWARE,
                "parser": parser,
                # ASCII JSON: names from evidence may hold undecodable bytes (surrogate escapes).
                "details": json.dumps(dict(details or {}), sort_keys=True, ensure_ascii=True),
                "prev_hash": previous,
            }
            fields["entry_hash"] = entry_hash(fields)
            self.db.table("entries").insert(fields)
        self._write_seal(seq)
        return Entry.from_row(fields)

    # -- the file seal -----------------------------------------------------------------------

    @property
    def seal_path(self) -> Path:
        return self.path.with_name(self.path.name + SEAL_SUFFIX)

    def file_sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            while piece := handle.read(1024 * 1024):
                digest.update(piece)
        return digest.hexdigest()

    def _write_seal(self, seq: int) -> None:
        document = json.dumps({"seq": seq, "file_sha256": self.file_sha256()})
        temp = self.seal_path.with_name(self.seal_path.name + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, document.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, self.seal_path)

    def check_seal(self) -> str | None:
        """A problem with the file seal, or None when the file is byte for byte as last left."""
        try:
            seal = json.loads(self.seal_path.read_text())
            sealed_seq, sealed_sha = int(seal["seq"]), str(seal["file_sha256"])
        except (OSError, ValueError, KeyError, TypeError):
            return "the ledger's file seal is missing or unreadable"
        if sealed_sha == self.file_sha256():
            return None
        head = self._connection.execute("SELECT max(seq) FROM entries").fetchone()[0]
        if head == sealed_seq + 1:
            return (
                "the ledger file differs from its seal by the last entry: either a crash "
                "came between writing that entry and sealing it, or the file was altered"
            )
        return (
            "the ledger file's bytes differ from what the appliance last wrote "
            f"(sealed at entry {sealed_seq}, now ending at {head}): it has been altered"
        )

    def reseal_after_crash(self) -> bool:
        """On opening for a new run: seal an entry a crash left unsealed; say if one was."""
        problem = self.check_seal()
        if problem is None or (not self.seal_path.exists() and self.count() == 0):
            return False
        first_entry_unsealed = not self.seal_path.exists() and self.count() == 1
        if ("by the last entry" in problem or first_entry_unsealed) and not self.check():
            self._write_seal(
                int(self._connection.execute("SELECT max(seq) FROM entries").fetchone()[0])
            )
            return True
        return False

    def entries(self, *, action: str | None = None, exhibit: str | None = None) -> Iterator[Entry]:
        sql = (
            "SELECT * FROM entries WHERE (:action IS NULL OR action = :action) "
            "AND (:exhibit IS NULL OR exhibit = :exhibit) ORDER BY seq"
        )
        for row in self.db.query(sql, {"action": action, "exhibit": exhibit}):
            yield Entry.from_row(row)

    def raw_rows(self) -> Iterator[dict[str, Any]]:
        """Rows exactly as stored: what the chain is computed over."""
        yield from self.db.query("SELECT * FROM entries ORDER BY seq")

    def head(self) -> str:
        row = self._connection.execute(
            "SELECT entry_hash FROM entries ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return str(row[0]) if row else GENESIS

    def count(self) -> int:
        return int(self._connection.execute("SELECT count(*) FROM entries").fetchone()[0])

    def check(self) -> list[Problem]:
        """Every break in the chain, with the exhibit of the entry where it shows."""
        try:
            problems, _ = check_chain(self.raw_rows())
        except sqlite3.DatabaseError as exc:
            return [Problem(None, "", f"the ledger database is damaged ({exc})")]
        return [Problem(seq, exhibit, text) for seq, exhibit, text in problems]

    def check_file(self) -> list[Problem]:
        """The chain, and the file seal: every change to the ledger file shows here."""
        problems = self.check()
        seal = self.check_seal()
        if seal is not None:
            problems.append(Problem(None, "", seal))
        return problems

    def export(self, out: Path) -> int:
        """Write the ledger as JSON Lines, one entry per line, for the standalone verifier."""
        count = 0
        with out.open("w", encoding="utf-8") as handle:
            for row in self.raw_rows():
                handle.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")
                count += 1
        return count


def _storable(text: str | None) -> str | None:
    """Text SQLite can store: undecodable bytes from evidence names become visible escapes."""
    if text is None:
        return None
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT: one writer at a time, all or nothing."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def __enter__(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *_: object) -> None:
        self._connection.execute("ROLLBACK" if kind is not None else "COMMIT")
