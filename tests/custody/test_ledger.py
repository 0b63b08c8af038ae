"""The custody ledger: a hash chain that any edit breaks, checked the same way by the appliance
and by the standalone, standard-library-only verifier a third party runs."""

from __future__ import annotations

import ast
import itertools
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.custody import verify_ledger
from appliance.custody.ledger import Ledger

VERIFIER = Path(verify_ledger.__file__)


def make(path: Path, n: int = 6) -> Ledger:
    ledger = Ledger(path)
    ledger.append("case created", "Jane Smith", details={"case": "OP-A"})
    for i in range(1, n):
        ledger.append(
            "acquired",
            "Jane Smith",
            exhibit=f"JS/{i}",
            origin=f"stick|/calls-{i}.csv",
            sha256=f"{i:064x}",
            size=i * 100,
            details={"path": f"/calls-{i}.csv", "name with \u202e": "x"},
        )
    return ledger


def standalone(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # -I: isolated, no site-packages: proves the verifier needs the standard library only.
    return subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(path), *extra],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_standalone_verifier_imports_only_the_standard_library() -> None:
    tree = ast.parse(VERIFIER.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_a_fresh_chain_verifies_in_both_verifiers(tmp_path: Path) -> None:
    ledger = make(tmp_path / "custody.sqlite")
    assert ledger.check_file() == []
    entries = list(ledger.entries())
    assert [e.seq for e in entries] == list(range(1, 7))
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(entries))
    assert entries[1].clock.startswith(("trusted", "untrusted"))
    assert entries[1].software.startswith("appliance ")
    done = standalone(tmp_path / "custody.sqlite", "--head", ledger.head())
    assert done.returncode == 0, done.stdout
    assert ledger.head() in done.stdout
    exported = tmp_path / "custody.jsonl"
    assert ledger.export(exported) == 6
    assert standalone(exported, "--head", ledger.head()).returncode == 0


def test_updates_and_deletes_are_refused(tmp_path: Path) -> None:
    ledger = make(tmp_path / "custody.sqlite")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ledger.db.execute("UPDATE entries SET size = 1 WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ledger.db.execute("DELETE FROM entries WHERE seq = 6")


def _tamper(path: Path, sql: str) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(
        "DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete; " + sql
    )
    connection.close()


@pytest.mark.parametrize(
    ("sql", "exhibit"),
    [
        ("UPDATE entries SET size = 999 WHERE seq = 3;", "JS/2"),
        ("UPDATE entries SET sha256 = replace(sha256, '3', '4') WHERE seq = 4;", "JS/3"),
        ("UPDATE entries SET actor = 'Someone Else' WHERE seq = 2;", "JS/1"),
        ("DELETE FROM entries WHERE seq = 3;", "JS/3"),
        ("UPDATE entries SET seq = 99 WHERE seq = 4;", ""),
    ],
    ids=["size", "hash", "who", "deleted", "reordered"],
)
def test_any_edit_is_found_with_its_exhibit(tmp_path: Path, sql: str, exhibit: str) -> None:
    path = tmp_path / "custody.sqlite"
    make(path).close()
    _tamper(path, sql)
    problems = Ledger(path).check()
    assert problems
    if exhibit:
        assert exhibit in {p.exhibit for p in problems}
    assert standalone(path).returncode == 1


def test_a_rewritten_chain_is_caught_by_the_printed_head(tmp_path: Path) -> None:
    path = tmp_path / "custody.sqlite"
    ledger = make(path)
    printed = ledger.head()
    ledger.close()
    # A forger who recomputes every hash after dropping the last entry keeps a valid chain,
    # but cannot reproduce the head printed on an earlier report.
    _tamper(path, "DELETE FROM entries WHERE seq = 6;")
    assert Ledger(path).check() == []
    assert standalone(path, "--head", printed).returncode == 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_flipped_bit_anywhere_in_the_ledger_file_is_detected(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("flip")
    path = folder / "custody.sqlite"
    make(path).close()
    raw = bytearray(path.read_bytes())
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] ^= 1 << data.draw(st.integers(0, 7))
    path.write_bytes(bytes(raw))
    try:
        problems = Ledger(path).check_file()
    except Exception as exc:  # a header so damaged SQLite will not open it: also detected
        problems = [exc]  # type: ignore[list-item]
    assert problems


def test_entries_carry_text_exactly(tmp_path: Path) -> None:
    ledger = make(tmp_path / "custody.sqlite", n=2)
    entry = next(iter(ledger.entries(exhibit="JS/1")))
    assert entry.details["name with \u202e"] == "x"
    row = json.loads(
        (lambda p: (ledger.export(p), p.read_text().splitlines()[1])[1])(tmp_path / "e.jsonl")
    )
    assert row["entry_hash"] == verify_ledger.entry_hash(row)
