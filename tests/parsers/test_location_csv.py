"""Generic location CSV: one Observation per loaded row, a reason for every other row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from appliance.errors import NotThisFormat
from appliance.model import Observation, Rejection, Warning
from appliance.parsers.base import Probe
from appliance.parsers.location_csv import LocationCsvParser

from .conftest import Account, Run

HEADER = "time,lat,lon,accuracy_m\n"


def test_recognises_its_header() -> None:
    probe = Probe("p.csv", b"Time, LAT,lon,accuracy_m,method,speed\n")
    assert LocationCsvParser.recognise(probe) == "header has time,lat,lon,accuracy_m"


def test_recognises_a_header_without_accuracy() -> None:
    assert (
        LocationCsvParser.recognise(Probe("p.csv", b"time,lat,lon\n")) == "header has time,lat,lon"
    )


def test_does_not_recognise_a_header_without_time() -> None:
    assert LocationCsvParser.recognise(Probe("p.csv", b"lat,lon,accuracy_m\n")) is None


def test_a_file_without_accuracy_loads_with_unknown_radius(run: Run) -> None:
    [record] = run(LocationCsvParser, "time,lat,lon\n2024-05-01T10:00:00Z,51.5,-0.12\n")
    assert isinstance(record, Observation)
    assert record.radius_m is None


def test_loads_a_row_as_one_observation(run: Run) -> None:
    [record] = run(LocationCsvParser, HEADER + "2024-05-01T10:00:00+01:00,51.5,-0.12,12.5\n")
    assert record == Observation(
        row=1,
        time=datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        lat=51.5,
        lon=-0.12,
        radius_m=12.5,
        method="unknown",
    )


def test_empty_accuracy_is_an_unknown_radius(run: Run) -> None:
    [record] = run(LocationCsvParser, HEADER + "2024-05-01T10:00:00Z,51.5,-0.12,\n")
    assert isinstance(record, Observation) and record.radius_m is None


@pytest.mark.parametrize(
    ("written", "method"), [("GPS", "gps"), ("wifi", "wifi"), (" cell ", "cell"), ("", "unknown")]
)
def test_method_column_supplies_the_method(run: Run, written: str, method: str) -> None:
    text = "lon,lat,time,accuracy_m,method\n" + f"-0.12,51.5,2024-05-01T10:00:00Z,5,{written}\n"
    [record] = run(LocationCsvParser, text)
    assert isinstance(record, Observation) and record.method == method


def test_unknown_method_word_is_loaded_as_unknown_with_a_warning(run: Run) -> None:
    text = "time,lat,lon,accuracy_m,method\n2024-05-01T10:00:00Z,51.5,-0.12,5,bluetooth\n"
    observation, warning = run(LocationCsvParser, text)
    assert isinstance(observation, Observation) and observation.method == "unknown"
    assert warning == Warning(
        1, "method 'bluetooth' is not one of gps, wifi, cell, fused; loaded as unknown"
    )


def test_naive_time_in_the_spring_gap_is_flagged(run: Run) -> None:
    observation, warning = run(LocationCsvParser, HEADER + "2024-03-31 01:30,51.5,-0.12,5\n")
    assert isinstance(observation, Observation) and isinstance(warning, Warning)
    assert observation.time_flag == "nonexistent"
    assert observation.time == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert warning.row == 1 and "nonexistent in Europe/London" in warning.message


def test_naive_time_in_the_autumn_overlap_is_flagged(run: Run) -> None:
    observation, warning = run(LocationCsvParser, HEADER + "2024-10-27 01:30,51.5,-0.12,5\n")
    assert isinstance(observation, Observation) and isinstance(warning, Warning)
    assert observation.time_flag == "ambiguous"
    assert observation.time == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)


def test_naive_winter_time_is_greenwich_time(run: Run) -> None:
    [record] = run(LocationCsvParser, HEADER + "2024-01-15T08:00:00,51.5,-0.12,5\n")
    assert isinstance(record, Observation)
    assert record.time == datetime(2024, 1, 15, 8, 0, tzinfo=UTC) and record.time_flag is None


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("noon,51.5,-0.12,5", "unreadable time 'noon'"),
        (",51.5,-0.12,5", "missing time"),
        ("2024-05-01T10:00:00Z,95.0,-0.12,5", "latitude 95.0 out of range"),
        ("2024-05-01T10:00:00Z,51.5,-180.5,5", "longitude -180.5 out of range"),
        ("2024-05-01T10:00:00Z,0,0,5", "position 0,0 (null island) is a missing-fix marker"),
        ("2024-05-01T10:00:00Z,nan,-0.12,5", "unreadable lat 'nan'"),
        ("2024-05-01T10:00:00Z,1e999,-0.12,5", "lat '1e999' is not a finite number"),
        ("2024-05-01T10:00:00Z,,-0.12,5", "missing lat"),
        ("2024-05-01T10:00:00Z,51.5,,5", "missing lon"),
        ("2024-05-01T10:00:00Z,51.5,-0.12,-1", "negative accuracy_m -1"),
        ("2024-05-01T10:00:00Z,51.5,-0.12,ten", "unreadable accuracy_m 'ten'"),
        ("2024-05-01T10:00:00Z,51.5", "wrong number of columns: 2, expected 4"),
    ],
)
def test_each_unloadable_row_is_rejected_with_its_reason(run: Run, line: str, reason: str) -> None:
    assert run(LocationCsvParser, HEADER + line + "\n") == [Rejection(1, reason)]


def test_accounting_holds_over_a_mixed_file(run: Run, account: Account) -> None:
    lines = [
        "2024-05-01T10:00:00Z,51.5,-0.12,5",
        "2024-05-01T10:00:01Z,0,0,5",
        "",
        "2024-05-01T10:00:02Z,51.5,-0.12,",
        "garbage",
        "2024-10-27T01:15:00,51.5,-0.12,5",
    ]
    records = run(LocationCsvParser, HEADER + "\n".join(lines) + "\n")
    rows_read = 5  # six lines, one blank
    loaded, rejected = account(records)
    assert loaded + rejected == rows_read
    assert (loaded, rejected) == (3, 2)
    assert [r.row for r in records if isinstance(r, Rejection)] == [2, 5]


def test_missing_columns_are_not_this_format(run: Run) -> None:
    with pytest.raises(NotThisFormat, match="lon"):
        run(LocationCsvParser, "time,lat,accuracy_m\n2024-05-01T10:00:00Z,51.5,5\n")


def test_duplicate_column_is_not_this_format(run: Run) -> None:
    with pytest.raises(NotThisFormat, match="more than once"):
        run(LocationCsvParser, "time,lat,lon,accuracy_m,lat\n")
