"""Opening the case database: the only place in the appliance that connects to DuckDB.

The connection is built so that nothing can reach out: extension auto-install and auto-load are
off, unsigned extensions are refused, and the two extensions the appliance needs are loaded from
the files shipped in their pinned wheels. The case file is attached with DuckDB's own AES-GCM
encryption; spilled temporary files are encrypted too and kept inside the case folder. Once the
schema is current, external access is switched off and the configuration locked, so no query
can read or write a file or change these settings.
"""

from __future__ import annotations

import re
import time
from collections import deque
from pathlib import Path

import duckdb

from appliance.errors import CaseInUse, StoreError, WrongPassphrase
from appliance.store.extensions import extension_path

CATALOG = "case_db"
# How long opening the case waits for another process to let go of it, and how often it looks.
LOCK_WAIT_S = 15.0
LOCK_POLL_S = 0.1
_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


def _quote(text: str) -> str:
    """A SQL string literal. ATTACH takes no bound parameters, so quote by doubling."""
    return "'" + text.replace("'", "''") + "'"


def connect(
    database: Path, key: str, *, threads: int | None = None, spatial: bool = True
) -> duckdb.DuckDBPyConnection:
    """An open, locked-down connection to the encrypted case database at ``database``.

    ``spatial=False`` leaves out the spatial extension (a quarter of a second to load) for
    work that needs no geodesic, such as counting contacts; a query that does need it then
    fails loudly (its function does not exist), never quietly.
    """
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_unsigned_extensions": False,
        "allow_community_extensions": False,
    }
    if threads:
        config["threads"] = threads
    con = duckdb.connect(":memory:", config=config)
    try:
        # httpfs supplies the OpenSSL cipher DuckDB needs to write encrypted files; spatial
        # supplies the WGS84 geodesic distance. Both from disk, by path.
        con.execute(f"LOAD {_quote(str(extension_path('httpfs')))}")
        if spatial:
            con.execute(f"LOAD {_quote(str(extension_path('spatial')))}")
        tmp = database.parent / "tmp"
        tmp.mkdir(mode=0o700, exist_ok=True)
        con.execute(f"SET temp_directory = {_quote(str(tmp))}")
        con.execute("SET temp_file_encryption = true")
        con.execute("SET TimeZone = 'UTC'")
        try:
            _attach(con, database, key)
        except duckdb.Error as exc:
            if "encryption key" in str(exc).lower():
                raise WrongPassphrase(
                    f"the case database {database} does not open with this case's key.",
                    "The key file and the database do not belong together; restore both.",
                ) from None
            raise StoreError(
                f"cannot open the case database {database}: {exc}",
                "Check the case folder is intact, then run `appliance verify`.",
            ) from None
        con.execute(f"USE {CATALOG}")
    except BaseException:
        con.close()
        raise
    return con


def _attach(con: duckdb.DuckDBPyConnection, database: Path, key: str) -> None:
    """Attach the case file, waiting up to ``LOCK_WAIT_S`` while another process holds it.

    DuckDB lets one process at a time open a database file. The terminal UI keeps the case open
    for a few seconds after each question (``appliance.tui.session``), so a command run
    meanwhile waits for it rather than failing.
    """
    statement = f"ATTACH {_quote(str(database))} AS {CATALOG} (ENCRYPTION_KEY {_quote(key)})"
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            con.execute(statement)
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                held = _HOLDER.search(str(exc))
                raise CaseInUse(
                    f"the case database {database} is in use by another program"
                    + (f" ({Path(held[1]).name}, process {held[2]})." if held else "."),
                    "Close it (the terminal UI lets go a few seconds after its last question), "
                    "then retry.",
                ) from None
            time.sleep(LOCK_POLL_S)


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """No file access from SQL and no further configuration changes on this connection."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


class Tracer:
    """Records recent SQL statements and their durations (the sqlite-utils tracer habit).

    Bounded, so a long-lived process (the terminal UI) does not grow with every query.
    """

    def __init__(self, keep: int = 500) -> None:
        self.statements: deque[tuple[str, float]] = deque(maxlen=keep)

    def record(self, sql: str, started: float) -> None:
        self.statements.append((sql, time.perf_counter() - started))
