"""Generic CDR CSV: one Communication per loaded row, a reason for every other row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from appliance.errors import NotThisFormat
from appliance.model import Communication, Rejection, Warning
from appliance.parsers.base import Probe
from appliance.parsers.cdr_csv import CdrCsvParser

from .conftest import Account, Run

HEADER = "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
GOOD = "2024-05-01T10:00:00+01:00,voice,out,07700 900123,07700 900456,65,234-10-123-456,3520,2341\n"


def only(records: list[object], kind: type) -> list:  # type: ignore[type-arg]
    return [r for r in records if isinstance(r, kind)]


def test_recognises_the_header_in_any_order_and_case() -> None:
    probe = Probe(
        "x.csv", b"IMSI, Start_Time,type,direction,a_number,b_number,duration_s,cell_id,imei,note\n"
    )
    assert CdrCsvParser.recognise(probe) == (
        "header has start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi"
    )


def test_does_not_recognise_a_location_header() -> None:
    assert CdrCsvParser.recognise(Probe("x.csv", b"time,lat,lon,accuracy_m\n")) is None


def test_loads_a_row_as_one_communication(run: Run) -> None:
    [record] = run(CdrCsvParser, HEADER + GOOD)
    assert record == Communication(
        row=1,
        time=datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        kind="voice",
        direction="out",
        line="+447700900123",
        other="+447700900456",
        duration_s=65.0,
        cell_id="234-10-123-456",
        imei="3520",
        imsi="2341",
    )


def test_columns_in_another_order_with_extras(run: Run) -> None:
    text = (
        "note,imsi,imei,cell_id,duration_s,b_number,a_number,direction,type,start_time\n"
        "hello,,,,,07700900456,07700900123,in,sms,2024-01-05T10:00:00Z\n"
    )
    [record] = run(CdrCsvParser, text)
    assert isinstance(record, Communication)
    assert (record.kind, record.direction, record.line, record.other) == (
        "sms",
        "in",
        "+447700900123",
        "+447700900456",
    )
    assert record.duration_s is None and record.cell_id is None and record.imei is None


@pytest.mark.parametrize(
    "written", ["07700 900123", "+447700900123", "00447700900123", "(07700) 900-123"]
)
def test_numbers_in_any_common_form_are_one_line(run: Run, written: str) -> None:
    [record] = run(
        CdrCsvParser, HEADER + f"2024-05-01T10:00:00Z,sms,out,{written},+447700900456,,,,\n"
    )
    assert isinstance(record, Communication)
    assert record.line == "+447700900123"


@pytest.mark.parametrize(
    ("written", "kind", "direction"),
    [
        ("call,outgoing", "voice", "out"),
        ("TEXT,Incoming", "sms", "in"),
        ("mms,MO", "mms", "out"),
        ("Voice,mt", "voice", "in"),
    ],
)
def test_type_and_direction_synonyms(run: Run, written: str, kind: str, direction: str) -> None:
    [record] = run(
        CdrCsvParser, HEADER + f"2024-05-01T10:00:00Z,{written},07700900123,07700900456,,,,\n"
    )
    assert isinstance(record, Communication)
    assert (record.kind, record.direction) == (kind, direction)


def test_naive_summer_time_is_read_as_british_summer_time(run: Run) -> None:
    [record] = run(
        CdrCsvParser, HEADER + "2024-07-01 12:00:00,sms,out,07700900123,07700900456,,,,\n"
    )
    assert isinstance(record, Communication)
    assert record.time == datetime(2024, 7, 1, 11, 0, tzinfo=UTC)
    assert record.time_flag is None


def test_offset_time_is_not_moved_by_the_declared_zone(run: Run) -> None:
    [record] = run(
        CdrCsvParser, HEADER + "2024-07-01T12:00:00+00:00,sms,out,07700900123,07700900456,,,,\n"
    )
    assert isinstance(record, Communication)
    assert record.time == datetime(2024, 7, 1, 12, 0, tzinfo=UTC)


def test_time_in_the_skipped_spring_hour_is_flagged_nonexistent(run: Run) -> None:
    records = run(
        CdrCsvParser, HEADER + "2024-03-31T01:30:00,sms,out,07700900123,07700900456,,,,\n"
    )
    communication, warning = records
    assert isinstance(communication, Communication) and isinstance(warning, Warning)
    assert communication.time_flag == "nonexistent"
    assert communication.time == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert warning.row == 1
    assert warning.message == (
        "local time 2024-03-31T01:30:00 is nonexistent in Europe/London; "
        "placed at 2024-03-31T01:30:00Z"
    )


def test_time_in_the_repeated_autumn_hour_is_flagged_ambiguous(run: Run) -> None:
    records = run(
        CdrCsvParser, HEADER + "2024-10-27T01:30:00,sms,out,07700900123,07700900456,,,,\n"
    )
    communication, warning = records
    assert isinstance(communication, Communication) and isinstance(warning, Warning)
    assert communication.time_flag == "ambiguous"
    assert communication.time == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert "is ambiguous in Europe/London" in warning.message


def test_the_same_autumn_hour_with_offsets_is_not_flagged(run: Run) -> None:
    text = HEADER + (
        "2024-10-27T01:30:00+01:00,sms,out,07700900123,07700900456,,,,\n"
        "2024-10-27T01:30:00+00:00,sms,out,07700900123,07700900456,,,,\n"
    )
    first, second = run(CdrCsvParser, text)
    assert isinstance(first, Communication) and isinstance(second, Communication)
    assert (first.time_flag, second.time_flag) == (None, None)
    assert second.time - first.time == datetime(2024, 1, 1, 1) - datetime(2024, 1, 1)


def test_data_session_may_have_no_other_party(run: Run) -> None:
    [record] = run(CdrCsvParser, HEADER + "2024-05-01T10:00:00Z,data,out,07700900123,,3600,,,\n")
    assert isinstance(record, Communication)
    assert record.other is None and record.kind == "data"


def test_cell_id_is_written_in_canonical_form(run: Run) -> None:
    [record] = run(
        CdrCsvParser,
        HEADER + "2024-05-01T10:00:00Z,sms,out,07700900123,07700900456,,234-010-00123-0456,,\n",
    )
    assert isinstance(record, Communication)
    assert record.cell_id == "234-10-123-456"


def test_malformed_cell_id_is_dropped_with_a_warning_and_the_row_loaded(run: Run) -> None:
    records = run(
        CdrCsvParser, HEADER + "2024-05-01T10:00:00Z,sms,out,07700900123,07700900456,,cell 42,,\n"
    )
    communication, warning = records
    assert isinstance(communication, Communication) and communication.cell_id is None
    assert warning == Warning(1, "cell_id 'cell 42' is not mcc-mnc-lac-cid; loaded without it")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("yesterday,sms,out,07700900123,07700900456,,,,", "unreadable start_time 'yesterday'"),
        (",sms,out,07700900123,07700900456,,,,", "missing start_time"),
        (
            "2024-05-01,sms,out,07700900123,07700900456,,,,",
            "start_time '2024-05-01' has no time of day",
        ),
        ("2024-05-01T10:00:00Z,fax,out,07700900123,07700900456,,,,", "unknown type 'fax'"),
        ("2024-05-01T10:00:00Z,,out,07700900123,07700900456,,,,", "missing type"),
        (
            "2024-05-01T10:00:00Z,sms,sideways,07700900123,07700900456,,,,",
            "unknown direction 'sideways'",
        ),
        ("2024-05-01T10:00:00Z,sms,out,,07700900456,,,,", "missing a_number"),
        ("2024-05-01T10:00:00Z,voice,out,07700900123,,60,,,", "missing b_number"),
        ("2024-05-01T10:00:00Z,sms,out,07700900123, ,,,,", "missing b_number"),
        ("2024-05-01T10:00:00Z,voice,out,07700900123,07700900456,-5,,,", "negative duration_s -5"),
        (
            "2024-05-01T10:00:00Z,voice,out,07700900123,07700900456,1m,,,",
            "unreadable duration_s '1m'",
        ),
        (
            "2024-05-01T10:00:00Z,voice,out,07700900123,07700900456,nan,,,",
            "unreadable duration_s 'nan'",
        ),
        ("2024-05-01T10:00:00Z,voice,out,07700900123", "wrong number of columns: 4, expected 9"),
        (
            "2024-05-01T10:00:00Z,voice,out,07700900123,07700900456,1,,,,surplus",
            "wrong number of columns: 10, expected 9",
        ),
    ],
)
def test_each_unloadable_row_is_rejected_with_its_reason(run: Run, line: str, reason: str) -> None:
    assert run(CdrCsvParser, HEADER + line + "\n") == [Rejection(1, reason)]


def test_trailing_empty_fields_are_harmless(run: Run) -> None:
    [record] = run(CdrCsvParser, HEADER + GOOD.rstrip("\n") + ",,\n")
    assert isinstance(record, Communication)


def test_rows_are_numbered_after_the_header_counting_blank_lines(
    run: Run, account: Account
) -> None:
    text = HEADER + GOOD + "\n" + "bad,sms,out,1,2,,,,\n" + GOOD
    records = run(CdrCsvParser, text)
    assert [r.row for r in records] == [1, 3, 4]
    assert isinstance(records[1], Rejection)
    assert account(records) == (2, 1)


def test_accounting_holds_over_a_mixed_file(run: Run, account: Account) -> None:
    lines = [
        GOOD,
        "2024-03-31T01:30:00,sms,out,07700900123,07700900456,,,,\n",
        "2024-05-01T10:00:00Z,voice,out,07700900123,,60,,,\n",
        "2024-05-01T10:00:00Z,data,in,07700900123,,,,,\n",
        'x,"unclosed\n',
        "2024-05-01T10:00:00Z,data,in,07700900123,,,bogus,,\n",
    ]
    records = run(CdrCsvParser, HEADER + "".join(lines))
    rows_read = 5  # the unclosed quote swallows the last line into its record
    loaded, rejected = account(records)
    assert loaded + rejected == rows_read
    assert (loaded, rejected) == (3, 2)


def test_an_overlong_line_is_rejected_and_reading_goes_on(run: Run, account: Account) -> None:
    text = HEADER + "x" * (2 * 1024 * 1024) + "\n" + GOOD
    records = run(CdrCsvParser, text)
    assert records[0] == Rejection(1, "line longer than 1048576 characters")
    assert isinstance(records[1], Communication) and records[1].row == 2
    assert account(records) == (1, 1)


def test_an_oversized_field_is_rejected_and_reading_goes_on(run: Run, account: Account) -> None:
    text = HEADER + "2024-05-01T10:00:00Z," + "y" * 200_000 + ",out,1,2,,,,\n" + GOOD
    records = run(CdrCsvParser, text)
    assert (
        isinstance(records[0], Rejection) and "field larger than field limit" in records[0].reason
    )
    assert account(records) == (1, 1)


def test_missing_columns_are_not_this_format_and_named(run: Run) -> None:
    with pytest.raises(NotThisFormat, match="missing column\\(s\\) cell_id, imei, imsi"):
        run(CdrCsvParser, "start_time,type,direction,a_number,b_number,duration_s\n" + GOOD)


@pytest.mark.parametrize("text", ["", "\n\n", "\xef\xbb\xbf"])
def test_an_empty_file_is_not_this_format(run: Run, text: str) -> None:
    with pytest.raises(NotThisFormat):
        run(CdrCsvParser, text)


def test_a_byte_order_mark_before_the_header_is_ignored(run: Run) -> None:
    [record] = run(CdrCsvParser, b"\xef\xbb\xbf" + (HEADER + GOOD).encode())
    assert isinstance(record, Communication)
