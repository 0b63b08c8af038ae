"""The case store: keys, encryption at rest, schema migrations, lock-down, idempotent loading."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from appliance.errors import WrongPassphrase
from appliance.store import migrations
from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.store.loader import Loader

PASSPHRASE = "store test passphrase"
REF = "OP-STORE-1"
CANARY = "CANARY-7f3a"
CANARY_PLACE = "51.5016384"  # a latitude written only in the evidence
CDR = f"""start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi
2024-03-30T12:00:00Z,voice,out,07700 900123,{CANARY},42,,,
2024-03-30T12:05:00Z,sms,in,07700 900123,{CANARY},,,,
"""
LOCATIONS = f"""time,lat,lon,accuracy_m
2024-03-30T12:00:00Z,{CANARY_PLACE},-0.1419,5
2024-03-30T12:10:00Z,51.5033,-0.1195,5
"""


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home")


@pytest.fixture
def evidence(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "stick"
    folder.mkdir()
    (folder / "cdr.csv").write_text(CDR)
    (folder / "locations.csv").write_text(LOCATIONS)
    return {"cdr": folder / "cdr.csv", "locations": folder / "locations.csv"}


@pytest.fixture
def store(home: Home) -> Iterator[CaseStore]:
    with CaseStore.create(home, REF, "Europe/London", PASSPHRASE) as opened:
        opened.add_subject("suspect", "suspect", ["07700 900123"])
        yield opened


def count(store: CaseStore, table: str) -> int:
    return int(store.rows(f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608


def test_a_wrong_passphrase_is_refused(home: Home, store: CaseStore) -> None:
    store.close()
    with pytest.raises(WrongPassphrase):
        CaseStore.open(home, REF, "not the passphrase")
    with pytest.raises(WrongPassphrase):
        CaseStore.open(home, REF, "")
    with CaseStore.open(home, REF, PASSPHRASE) as again:
        assert [s.name for s in again.subjects()] == ["suspect"]


def test_no_plaintext_evidence_on_disk(
    home: Home, store: CaseStore, evidence: dict[str, Path]
) -> None:
    report = Loader(store).intake([evidence["cdr"]], subject="suspect")
    Loader(store).intake([evidence["locations"]], subject="suspect")
    assert report.sources[0].communications == 2
    assert store.rows("SELECT DISTINCT other FROM communications") == [(CANARY,)]
    folder = home.case_folder(REF)

    def leaks() -> list[str]:
        found = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            for canary in (CANARY, CANARY_PLACE):
                for encoded in (canary.encode("utf-8"), canary.encode("utf-16-le")):
                    if encoded in data:
                        found.append(f"{path.relative_to(folder)} holds {canary!r}")
        return found

    assert leaks() == [], "while the case is open"
    store.close()
    assert leaks() == [], "after the case is closed"


def test_migrations_are_recorded(home: Home, store: CaseStore) -> None:
    shipped = [(version, name) for version, name, _ in migrations.available()]
    assert shipped, "no migrations shipped"
    assert [v for v, _ in shipped] == list(range(1, len(shipped) + 1))
    recorded = store.rows("SELECT version, name, applied FROM schema_migrations ORDER BY version")
    assert [(v, n) for v, n, _ in recorded] == shipped
    assert all(applied is not None for _, _, applied in recorded)
    store.close()
    with CaseStore.open(home, REF, PASSPHRASE) as again:
        assert again.rows(
            "SELECT version, name, applied FROM schema_migrations ORDER BY version"
        ) == (recorded), "opening again applies nothing twice"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "COPY (SELECT 1) TO '/tmp/appliance-should-not-exist.csv'",
        "ATTACH '/tmp/appliance-should-not-exist.duckdb' AS elsewhere",
        "SET enable_external_access = true",
        "INSTALL json",
    ],
)
def test_read_only_open_refuses_file_access(home: Home, store: CaseStore, query: str) -> None:
    store.close()
    with CaseStore.open(home, REF, PASSPHRASE, read_only=True) as locked:
        with pytest.raises(duckdb.Error):
            locked.fetch(query)
        # The analyses still work.
        assert locked.rows("SELECT count(*) FROM subjects") == [(1,)]
    assert not Path("/tmp/appliance-should-not-exist.csv").exists()
    assert not Path("/tmp/appliance-should-not-exist.duckdb").exists()


def test_loading_the_same_file_twice_is_a_no_op(
    store: CaseStore, evidence: dict[str, Path]
) -> None:
    first = Loader(store).intake([evidence["locations"], evidence["cdr"]], subject="suspect")
    assert [s.status for s in first.sources] == ["loaded", "loaded"]
    tables = ("exhibits", "sources", "observations", "communications", "identifiers")
    before = {t: count(store, t) for t in tables}
    again = Loader(store).intake([evidence["cdr"], evidence["locations"]], subject="suspect")
    assert [s.status for s in again.sources] == ["already loaded", "already loaded"]
    assert [e.ref for e in again.exhibits] == [first.exhibits[1].ref, first.exhibits[0].ref]
    assert {t: count(store, t) for t in tables} == before
    # The same bytes under another name are the same exhibit.
    copy = evidence["cdr"].with_name("renamed.csv")
    copy.write_bytes(evidence["cdr"].read_bytes())
    renamed = Loader(store).intake([copy], subject="suspect")
    assert [s.status for s in renamed.sources] == ["already loaded"]
    assert {t: count(store, t) for t in tables} == before


def test_loading_the_same_cdr_twice_without_naming_its_subject_is_a_no_op(
    store: CaseStore, evidence: dict[str, Path]
) -> None:
    """The subject is inferred from the CDR's line the first time; the second load is the same
    bytes, the same format and the same subject, so it must change nothing."""
    first = Loader(store).intake([evidence["cdr"]])
    assert [(s.status, s.subject) for s in first.sources] == [("loaded", "suspect")]
    tables = ("exhibits", "sources", "communications")
    before = {t: count(store, t) for t in tables}
    again = Loader(store).intake([evidence["cdr"]])
    assert [s.status for s in again.sources] == ["already loaded"]
    assert {t: count(store, t) for t in tables} == before


def test_a_file_that_fails_its_format_leaves_the_case_unchanged(
    store: CaseStore, evidence: dict[str, Path]
) -> None:
    tables = ("exhibits", "sources", "observations", "communications", "rejections")
    before = {t: count(store, t) for t in tables}
    report = Loader(store).intake([evidence["locations"]], subject="suspect", format_name="cdr_csv")
    assert [path for path, _ in report.failed] == [str(evidence["locations"])]
    assert report.sources == []
    assert {t: count(store, t) for t in tables} == before
    # And it can still be loaded as what it is.
    loaded = Loader(store).intake([evidence["locations"]], subject="suspect")
    assert loaded.sources[0].observations == 2
