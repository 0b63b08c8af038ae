"""An open case: its keys unlocked, its database attached, its subjects and queries.

``CaseStore`` is the one write path to the case database (the Datasette habit): the loader and
the subject commands go through it, and the analyses read through ``fetch``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pyarrow as pa

from appliance import __version__
from appliance.crypto import CaseKeys, create_keys, unlock_keys
from appliance.custody.ledger import LEDGER_NAME, Ledger
from appliance.errors import IdentifierConflict, SubjectExists, SubjectNotFound, UsageError
from appliance.identifiers import identifier_kind, normalise_phone
from appliance.store import migrations
from appliance.store.database import Tracer, connect, lock_down
from appliance.store.home import CaseInfo, Home

ROLES = ("suspect", "victim", "other")


def actor() -> str:
    """Who is acting, for the custody ledger: the named officer, else the login."""
    return os.environ.get("APPLIANCE_OFFICER") or os.environ.get("USER") or "unknown"


@dataclass(frozen=True)
class Subject:
    id: int
    name: str
    role: str
    identifiers: tuple[str, ...]


class CaseStore:
    """An unlocked case. Use as a context manager; closing detaches the database."""

    def __init__(self, info: CaseInfo, con: duckdb.DuckDBPyConnection, keys: CaseKeys) -> None:
        self.info = info
        self._con = con
        self.keys = keys
        self.tracer = Tracer()

    def ledger(self) -> Ledger:
        """The case's custody ledger (open it with ``with``)."""
        return Ledger(self.info.folder / LEDGER_NAME)

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def create(
        cls, home: Home, ref: str, timezone: str, passphrase: str, demo: bool = False
    ) -> CaseStore:
        info = home.new_case(ref, timezone, demo=demo)
        keys = create_keys(info.keys_path, ref, passphrase)
        con = connect(info.database_path, keys.database_key)
        migrations.apply(con)
        con.execute(
            "INSERT INTO case_meta VALUES ('ref', ?), ('timezone', ?), ('created', ?), "
            "('software', ?)",
            [ref, timezone, info.created.isoformat(), f"appliance {__version__}"],
        )
        con.execute("CHECKPOINT")
        with Ledger(info.folder / LEDGER_NAME) as ledger:
            ledger.append(
                "case created",
                actor(),
                details={"case": ref, "timezone": timezone, "demo": demo},
            )
        return cls(info, con, keys)

    @classmethod
    def open(
        cls,
        home: Home,
        ref: str,
        passphrase: str,
        *,
        read_only: bool = False,
        spatial: bool = True,
    ) -> CaseStore:
        """Unlock and open case ``ref``. With ``read_only`` the connection is locked down;
        ``spatial=False`` skips the spatial extension (see ``database.connect``)."""
        info = home.case(ref)
        keys = unlock_keys(info.keys_path, ref, passphrase)
        con = connect(info.database_path, keys.database_key, spatial=spatial)
        migrations.apply(con)
        store = cls(info, con, keys)
        if read_only:
            lock_down(con)
        return store

    def lock_down(self) -> None:
        lock_down(self._con)

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- generic access --------------------------------------------------------------------

    def fetch(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
        """Run a read query with bound parameters; the result as an Arrow table."""
        started = time.perf_counter()
        result = self._con.execute(sql, params or []).to_arrow_table()
        self.tracer.record(sql, started)
        return result

    def stream(
        self,
        sql: str,
        params: Sequence[Any] | dict[str, Any] | None = None,
        batch_rows: int = 65_536,
    ) -> Iterator[pa.RecordBatch]:
        """Run a read query and yield its result in Arrow batches of at most ``batch_rows``.

        For results too big to hold whole (a subject's every fix, written to an export): only
        one batch is in Python's memory at a time. Consume it fully before the next query on
        this store, since DuckDB has one pending result per connection.
        """
        started = time.perf_counter()
        reader = self._con.execute(sql, params or []).to_arrow_reader(batch_rows)
        self.tracer.record(sql, started)
        yield from reader

    def rows(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        started = time.perf_counter()
        result = self._con.execute(sql, params or []).fetchall()
        self.tracer.record(sql, started)
        return result

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> None:
        started = time.perf_counter()
        self._con.execute(sql, params or [])
        self.tracer.record(sql, started)

    def insert_arrow(self, table: str, columns: Sequence[str], batch: pa.Table) -> None:
        """Append an Arrow batch to ``table`` (names from code, never from input)."""
        self._con.register("_batch", batch)
        try:
            names = ", ".join(columns)
            self.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _batch")  # noqa: S608
        finally:
            self._con.unregister("_batch")

    def begin(self) -> None:
        self._con.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        self._con.execute("COMMIT")

    def rollback(self) -> None:
        self._con.execute("ROLLBACK")

    def checkpoint(self) -> None:
        self._con.execute("CHECKPOINT")

    def next_id(self, sequence: str) -> int:
        row = self._con.execute(f"SELECT nextval('{sequence}')").fetchone()
        assert row is not None
        return int(row[0])

    # -- subjects and identifiers ---------------------------------------------------------

    def add_subject(
        self, name: str, role: str = "other", identifiers: Sequence[str] = ()
    ) -> Subject:
        name = name.strip()
        if not name:
            raise UsageError("a subject needs a name.", "Give a name such as 'suspect'.")
        if role not in ROLES:
            raise UsageError(f"unknown role {role!r}.", f"Use one of: {', '.join(ROLES)}.")
        if self.rows("SELECT 1 FROM subjects WHERE name = ?", [name]):
            raise SubjectExists(
                f"case {self.info.ref} already has a subject called {name!r}.",
                "Choose another name, or add identifiers to the existing subject.",
            )
        self.begin()
        try:
            self.execute(
                "INSERT INTO subjects (name, role, created) VALUES (?, ?, ?)",
                [name, role, datetime.now(UTC).replace(tzinfo=None, microsecond=0)],
            )
            subject = self.subject(name)
            for raw in identifiers:
                self.attribute(subject.id, normalise_phone(raw), "officer")
            self.commit()
        except BaseException:
            self.rollback()
            raise
        return self.subject(name)

    def add_identifiers(self, name: str, identifiers: Sequence[str]) -> Subject:
        """Attribute more identifiers to an existing subject: all of them, or none."""
        subject = self.subject(name)
        self.begin()
        try:
            for raw in identifiers:
                self.attribute(subject.id, normalise_phone(raw), "officer")
            self.commit()
        except BaseException:
            self.rollback()
            raise
        return self.subject(name)

    def attribute(self, subject_id: int, value: str, origin: str) -> None:
        """Attribute identifier ``value`` to a subject; refuse if it is someone else's."""
        if not value:
            return
        owner = self.rows(
            "SELECT s.id, s.name FROM identifiers i JOIN subjects s ON s.id = i.subject_id "
            "WHERE i.value = ?",
            [value],
        )
        if owner:
            if owner[0][0] == subject_id:
                return
            raise IdentifierConflict(
                f"identifier {value} is already attributed to {owner[0][1]!r}.",
                "Check which subject the line belongs to; an identifier has one owner.",
            )
        self.execute(
            "INSERT INTO identifiers VALUES (?, ?, ?, ?)",
            [value, identifier_kind(value), subject_id, origin],
        )

    def subject(self, name: str) -> Subject:
        found = self.rows("SELECT id, name, role FROM subjects WHERE name = ?", [name])
        if not found:
            names = [r[0] for r in self.rows("SELECT name FROM subjects ORDER BY name")]
            raise SubjectNotFound(
                f"case {self.info.ref} has no subject called {name!r}.",
                f"Subjects: {', '.join(names) or 'none yet'}; "
                "add one with `appliance subject add`.",
            )
        sid, sname, role = found[0]
        ids = tuple(
            r[0]
            for r in self.rows(
                "SELECT value FROM identifiers WHERE subject_id = ? ORDER BY value", [sid]
            )
        )
        return Subject(int(sid), str(sname), str(role), ids)

    def subjects(self) -> list[Subject]:
        return [self.subject(r[0]) for r in self.rows("SELECT name FROM subjects ORDER BY id")]


def database_files(info: CaseInfo) -> list[Path]:
    """Every file that holds the case database (for scans and verification)."""
    base = info.database_path
    return [p for p in (base, base.with_name(base.name + ".wal")) if p.exists()]
