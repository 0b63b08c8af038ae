"""The intake's events (``appliance.intake.events``): what a live screen is told, and an
observer's cancel. Acquisition and parsing are the real ones, on a real case."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.custody.ledger import LEDGER_NAME, Ledger
from appliance.errors import IdentifierConflict, IntakeCancelled
from appliance.intake.events import FileFound, FileSealed, IntakeEvent, ParseEnded, ParseStarted
from appliance.intake.session import acquire
from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.store.loader import Loader, pending_exhibits

PASSPHRASE = "events test passphrase"
REF = "OP-EVENTS"
CDR = """start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi
2024-03-30T12:00:00Z,voice,out,07700 900123,07700 900456,42,,,
"""
FIXES = "time,lat,lon,accuracy_m\n2024-03-30T12:00:00Z,51.5016,-0.1419,5\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CaseStore]:
    with CaseStore.create(Home(tmp_path / "home"), REF, "Europe/London", PASSPHRASE) as opened:
        opened.add_subject("suspect", "suspect", ["07700 900123"])
        opened.add_subject("victim", "victim", ["07700 900456"])
        yield opened


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    folder = tmp_path / "stick"
    folder.mkdir()
    (folder / "a_cdr.csv").write_text(CDR)
    (folder / "b_fixes.csv").write_text(FIXES)
    return folder


def seal(store: CaseStore, paths: list[Path], observe: object) -> None:
    info = store.info
    acquire(
        info.ref,
        info.folder,
        store.keys.sealing_public,
        paths,
        "Test Officer",
        lambda _: None,
        prefix="TO",
        observe=observe,  # type: ignore[arg-type]
    )


def test_every_sealed_file_is_reported_with_the_hash_of_its_bytes(
    store: CaseStore, stick: Path
) -> None:
    events: list[IntakeEvent] = []
    seal(store, [stick], events.append)
    sealed = {Path(e.display).name: e.sha256 for e in events if isinstance(e, FileSealed)}
    assert sealed == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in stick.iterdir()}


def test_an_observer_that_cancels_stops_before_the_next_file(store: CaseStore, stick: Path) -> None:
    def observe(event: IntakeEvent) -> None:
        if isinstance(event, FileFound) and event.display.endswith("b_fixes.csv"):
            raise IntakeCancelled("cancelled by the test.")

    with pytest.raises(IntakeCancelled):
        seal(store, [stick], observe)
    with store.ledger() as ledger:
        assert [p.path.rsplit("/", 1)[-1] for p in pending_exhibits(ledger)] == ["a_cdr.csv"]


def test_a_cancelled_acquisition_is_in_the_custody_ledger(store: CaseStore, stick: Path) -> None:
    def observe(event: IntakeEvent) -> None:
        raise IntakeCancelled("cancelled by the test.")

    with pytest.raises(IntakeCancelled):
        seal(store, [stick], observe)
    with Ledger(store.info.folder / LEDGER_NAME) as ledger:
        assert [e.action for e in ledger.entries()][-1] == "intake cancelled"


def test_sealed_exhibits_are_parsed_for_the_subject_named(store: CaseStore, stick: Path) -> None:
    seal(store, [stick / "b_fixes.csv"], lambda _: None)
    with store.ledger() as ledger:
        waiting = pending_exhibits(ledger)
    events: list[IntakeEvent] = []
    Loader(store, observe=events.append).parse_exhibits(waiting, "victim")
    assert [(e.status, e.subject) for e in events if isinstance(e, ParseEnded)] == [
        ("loaded", "victim")
    ]


def test_a_parse_cancelled_at_its_start_keeps_nothing_and_the_file_waits(
    store: CaseStore, stick: Path
) -> None:
    seal(store, [stick / "b_fixes.csv"], lambda _: None)
    with store.ledger() as ledger:
        waiting = pending_exhibits(ledger)

    def observe(event: IntakeEvent) -> None:
        if isinstance(event, ParseStarted):
            raise IntakeCancelled("cancelled by the test.")

    with pytest.raises(IntakeCancelled):
        Loader(store, observe=observe).parse_exhibits(waiting, "victim")
    with store.ledger() as ledger:
        assert (
            len(pending_exhibits(ledger)),
            store.rows("SELECT count(*) FROM observations")[0][0],
        ) == (1, 0)


def test_identifiers_added_to_a_subject_are_normalised(store: CaseStore) -> None:
    assert store.add_identifiers("suspect", ["07700 900999"]).identifiers == (
        "+447700900123",
        "+447700900999",
    )


def test_identifiers_of_another_subject_are_refused_and_none_is_added(store: CaseStore) -> None:
    with pytest.raises(IdentifierConflict):
        store.add_identifiers("suspect", ["07700 900999", "07700 900456"])
    assert store.subject("suspect").identifiers == ("+447700900123",)
