"""Choosing what a report covers, recording zones, and showing hostile names safely, on a small
case built in the test (two phones, a few positions, one call)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.cli.main import main
from appliance.errors import ReportError, SubjectNotFound, ZoneExists
from appliance.report import ReportOptions, ZoneSpec, build_report, write_report
from appliance.report.options import subjects
from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.store.loader import Loader
from appliance.store.zones import add_zone, zones

from .conftest import pdf_text

CDR = (
    "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
    "2024-03-30 23:30:00,voice,out,07700 900123,07700 900456,12,,,\n"
)
SUSPECT = "time,lat,lon,accuracy_m\n2024-03-30T22:29:00Z,51.5420,-0.1030,5\n"
VICTIM = "time,lat,lon,accuracy_m\n2024-03-30T22:30:00Z,51.5416,-0.1022,5\n"
WHEN = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
HOSTILE = "Eve\x1b[2J\u202eevil\u4e00"


@pytest.fixture
def case(tmp_path: Path) -> Iterator[tuple[CaseStore, Home]]:
    home = Home(tmp_path / "home")
    for name, text in (("cdr.csv", CDR), ("a.csv", SUSPECT), ("b.csv", VICTIM)):
        (tmp_path / name).write_text(text)
    with CaseStore.create(home, "SMALL", "Europe/London", "pw") as store:
        store.add_subject("suspect", "suspect", ["07700900123"])
        store.add_subject("victim", "victim", ["07700900456"])
        loader = Loader(store)
        loader.intake([tmp_path / "cdr.csv", tmp_path / "a.csv"], subject="suspect")
        loader.intake([tmp_path / "b.csv"], subject="victim")
        yield store, home


def text_of(data: bytes, tmp_path: Path, *, layout: bool = True) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return pdf_text(path, layout=layout)


def test_a_and_b_default_to_the_suspect_and_the_victim(case: tuple[CaseStore, Home]) -> None:
    store, _home = case
    a, b = subjects(store, ReportOptions())
    assert (a.name, b.name) == ("suspect", "victim")


def test_two_suspects_need_a_to_be_named(case: tuple[CaseStore, Home]) -> None:
    store, _home = case
    store.add_subject("second", "suspect")
    with pytest.raises(SubjectNotFound, match="--a NAME"):
        subjects(store, ReportOptions())


def test_a_zone_name_is_recorded_once(case: tuple[CaseStore, Home]) -> None:
    store, _home = case
    add_zone(store, "her home", 51.5416, -0.1022, 200, "suspect")
    with pytest.raises(ZoneExists):
        add_zone(store, "her home", 51.0, 0.0, 100, "suspect")


def test_a_recorded_zone_is_in_the_custody_ledger(case: tuple[CaseStore, Home]) -> None:
    store, _home = case
    add_zone(store, "her home", 51.5416, -0.1022, 200, "suspect", note="order of 1 May")
    with store.ledger() as ledger:
        recorded = [e.details["zone"] for e in ledger.entries(action="zone recorded")]
    assert recorded == ["her home"]


def test_recorded_zones_come_back_in_order(case: tuple[CaseStore, Home]) -> None:
    store, _home = case
    add_zone(store, "home", 51.5416, -0.1022, 200, "suspect")
    add_zone(store, "work", 51.5203, -0.1050, 100, "suspect")
    assert [(z.name, z.radius_m) for z in zones(store)] == [("home", 200.0), ("work", 100.0)]


def test_the_report_shows_a_recorded_zone_visit(
    case: tuple[CaseStore, Home], tmp_path: Path
) -> None:
    store, home = case
    add_zone(store, "her home", 51.5416, -0.1022, 200, "suspect")
    text = text_of(build_report(store, home, ReportOptions(), generated=WHEN), tmp_path)
    assert "her home: 200 m around 51.5416,-0.1022; subject suspect. 1 visits." in " ".join(
        text.split()
    )


def test_a_zone_given_for_the_report_replaces_the_recorded_ones(
    case: tuple[CaseStore, Home], tmp_path: Path
) -> None:
    store, home = case
    add_zone(store, "her home", 51.5416, -0.1022, 200, "suspect")
    options = ReportOptions(zones=(ZoneSpec(51.60, -0.02, 50),))
    text = " ".join(text_of(build_report(store, home, options, generated=WHEN), tmp_path).split())
    assert ("her home" in text, "0 visits" in text) == (False, True)


def test_without_zones_the_summary_says_none_is_recorded(
    case: tuple[CaseStore, Home], tmp_path: Path
) -> None:
    store, home = case
    text = text_of(build_report(store, home, ReportOptions(), generated=WHEN), tmp_path)
    assert "No exclusion zone is recorded in this case" in " ".join(text.split())


def test_hostile_names_are_printed_as_visible_escapes(
    case: tuple[CaseStore, Home], tmp_path: Path
) -> None:
    store, home = case
    store.add_subject(HOSTILE, "other")
    data = build_report(store, home, ReportOptions(), generated=WHEN)
    text = text_of(data, tmp_path, layout=False)
    assert "Eve\\x1b[2J\\u202eevil\\u4e00" in "".join(text.split())  # a cell may wrap it


def test_a_report_to_a_missing_folder_is_a_clear_error(
    case: tuple[CaseStore, Home], tmp_path: Path
) -> None:
    store, home = case
    with pytest.raises(ReportError, match="does not exist"):
        write_report(store, home, ReportOptions(), tmp_path / "nowhere" / "r.pdf", generated=WHEN)


def test_the_command_line_records_and_lists_zones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APPLIANCE_PASSPHRASE", "pw")
    home = str(tmp_path / "home")
    main(["--home", home, "case", "new", "Z1"])
    main(["--home", home, "subject", "add", "Z1", "suspect", "--role", "suspect"])
    main(
        [
            "--home",
            home,
            "zone",
            "add",
            "Z1",
            "her home",
            "--at",
            "51.5416,-0.1022",
            "--radius",
            "200m",
            "--subject",
            "suspect",
        ]
    )
    capsys.readouterr()
    main(["--home", home, "zone", "list", "Z1", "--json"])
    assert '"radius_m": 200.0' in capsys.readouterr().out
