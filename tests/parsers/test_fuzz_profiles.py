"""Mutation fuzzing of the profile parsers and the profile loader.

A profile parser gets inputs made by damaging a valid sample of its layout (byte flips, inserted
bytes and CSV tokens, deletions, truncations, duplicated slices, whole rows of awkward values);
whatever comes in, the only exceptions allowed out are NotThisFormat and InputTooLarge,
``recognise`` never raises, and a completed parse numbers every row once (``account`` in
conftest). Workbooks are fuzzed through their cells (typed values openpyxl writes) and through
their bytes. The loader, given a damaged profile file, raises ProfileError and nothing else.
"""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.parsers import registry
from appliance.parsers.base import Parser, Probe
from appliance.parsers.profiles import PROFILE_FOLDER, ProfileError, load_profile, load_profiles

from .conftest import Account, Run
from .mutations import mutated

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SOME = FUZZ  # every profile parser gets its thousand mutated inputs

TOKENS = [
    b",", b";", b"\n", b"\r", b"\r\n", b'"', b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b" ", b"-",
    b":", b"/", b".", b"%", b"e9", b"NaN", b"Infinity", b"9" * 40, b"\x1f\x8b", b"PK\x03\x04",
]  # fmt: skip
VALUES = [
    "", " ", "call", "text", "CALL", "in", "out", "IN ", "sideways", "fax", "A", "770000008",
    "07700 900123", "+447700900123", "2014-03-02 07:13:30", "2014-03-30 01:30:00",
    "2014-10-26 01:30:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59", "2014-02-30 10:00:00",
    "20060601 0008", "20060601 2460", "2020-01-01", "00:24:29", "24:00:00", "-5", "0", "65",
    "1e999", "nan", "1.5", "x", "tower23", "13084", "42.36", "-71.08", "95", "-181", " 12.1",
    '"a,b"', '"unclosed', "9" * 30,
]  # fmt: skip


def _row(width: int) -> st.SearchStrategy[bytes]:
    fields = st.sampled_from(VALUES)
    exact = st.lists(fields, min_size=width, max_size=width)
    loose = st.lists(fields, min_size=0, max_size=width + 3)
    return st.one_of(exact, loose).map(lambda values: (",".join(values) + "\n").encode())


def _mutated(sample: bytes, width: int) -> st.SearchStrategy[bytes]:
    head = sample.index(b"\n") + 1
    return mutated(sample, _row(width), boundary=b"\n", head=head, tokens=TOKENS)


def _check(parser: type[Parser], data: bytes, run: Run, account: Account) -> None:
    parser.recognise(Probe("fuzzed.csv", data))
    try:
        records = run(parser, data)
    except (NotThisFormat, InputTooLarge):
        return
    account(records)


BANDICOOT = (
    b"interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n"
    b"call,in,770000008,2013-12-16 05:31:30,0,13084\n"
    b"text,out,A,2014-03-30 01:30:00,,1\n"
    b"call,out,E,2014-10-26 01:30:00,6233,\n"
    b"text,in,B,2014-04-14 12:04:37,,10\n"
)
VAST = (
    b"From,To,Datetime,Duration(seconds),Cell Tower\r\n"
    b"349,23,20060601 0008,1634,1\r\n"
    b"369,174,20060601 2007,-2,25\r\n"
    b"118,213,20060610 2356,1155,6\r\n"
)
TOGO = (
    b"caller_id,recipient_id,date,time,duration,tower_id,prefecture,hour\n"
    b"6RUMEMGE,23RJAXQ1,2020-01-01,00:24:29,99,tower23,BLITTA,0\n"
    b"6Y16JW65,3VZAX0RR,2020-01-20,23:40:51,-1,tower19,BASSAR,23\n"
)
TOWERS = (
    b"antenna_id,latitude,longitude\n"
    b"1,42.3555368,-71.099507\n"
    b"15002,2.294517,48.833478\n"
    b"1000,45.1212, 12.1345\n"
)
TOGO_TOWERS = b"tower_id,longitude,latitude\ntower26,0.4972,9.8606\ntower60,6.16,1.29\n"


@FUZZ
@given(data=_mutated(BANDICOOT, 6))
def test_fuzz_bandicoot_profile(run: Run, account: Account, data: bytes) -> None:
    _check(registry.by_name("bandicoot"), data, run, account)


@SOME
@given(data=_mutated(VAST, 5))
def test_fuzz_vast2008_profile(run: Run, account: Account, data: bytes) -> None:
    _check(registry.by_name("vast2008"), data, run, account)


@SOME
@given(data=_mutated(TOGO, 8))
def test_fuzz_togo_cdr_profile(run: Run, account: Account, data: bytes) -> None:
    _check(registry.by_name("togo_cdr"), data, run, account)


@SOME
@given(data=_mutated(TOWERS, 3), area=st.booleans())
def test_fuzz_tower_profiles(run: Run, account: Account, data: bytes, area: bool) -> None:
    if area:  # the same damage on a layout with an area check
        data = data.replace(b"antenna_id,latitude,longitude", b"tower_id,latitude,longitude", 1)
        data = data if b"tower_id" in data else TOGO_TOWERS
        _check(registry.by_name("togo_towers"), data, run, account)
    else:
        _check(registry.by_name("bandicoot_antennas"), data, run, account)


# --- workbooks ------------------------------------------------------------------------------

ACME = """\
name = "acme"
description = "fuzzed workbook layout (profile acme.toml)"
kind = "communications"
files = ["csv", "xlsx"]
header = ["line", "other", "date", "time", "dir", "type", "dur", "cell"]
[time]
date_column = "date"
date_format = "%Y-%m-%d"
time_column = "time"
time_format = "%H:%M:%S"
[parties]
line = "line"
other = "other"
direction = "dir"
[parties.direction_words]
out = ["MO"]
in = ["MT"]
[kind_of]
column = "type"
words = { voice = ["VOICE"], sms = ["SMS"] }
[duration]
column = "dur"
unit = "hh:mm:ss"
[cell]
column = "cell"
prefix = "acme-"
"""
CELLS = st.one_of(
    st.none(),
    st.sampled_from(["MO", "MT", "VOICE", "SMS", "2024-03-31", "01:30:00", "0:01:05", "x", ""]),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 1, 1)),
    st.times(),
    st.sampled_from([timedelta(seconds=65), timedelta(days=-1), time(1, 30)]),
    st.text(max_size=8).filter(lambda t: t.isprintable() and not t.startswith("=")),
)


def _acme(folder: Path) -> type[Parser]:
    (folder / "acme.toml").write_text(ACME)
    return load_profiles(folder)[0]


@settings(FUZZ, max_examples=60)
@given(rows=st.lists(st.lists(CELLS, max_size=10), max_size=6))
def test_fuzz_workbook_cells(
    tmp_path_factory: object, run: Run, account: Account, rows: list[list[object]]
) -> None:
    folder = tmp_path_factory.mktemp("acme")  # type: ignore[attr-defined]
    parser = _acme(folder)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["line", "other", "date", "time", "dir", "type", "dur", "cell"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    records = run(parser, buffer.getvalue())
    account(records)


@settings(FUZZ, max_examples=1000)
@given(cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4))
def test_fuzz_workbook_bytes(
    tmp_path_factory: object, run: Run, account: Account, cuts: list[tuple[int, int]]
) -> None:
    folder = tmp_path_factory.mktemp("acme")  # type: ignore[attr-defined]
    parser = _acme(folder)
    book = openpyxl.Workbook()
    book.active.append(["line", "other", "date", "time", "dir", "type", "dur", "cell"])
    book.active.append(["07700900123", "07700900456", "2024-05-01", "10:00:00", "MO", "VOICE"])
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    for position, value in cuts:
        data[position % len(data)] = value
    _check(parser, bytes(data), run, account)


# --- the loader ------------------------------------------------------------------------------

PROFILE_TEXT = (PROFILE_FOLDER / "bandicoot.toml").read_bytes()


@settings(FUZZ, max_examples=300)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(PROFILE_TEXT)),
            st.integers(0, 30),
            st.sampled_from([b"", b"%", b"%Q", b'"', b"=", b"[", b"]", b"\n", b"x", b"1", b"#"]),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_fuzz_profile_loader(tmp_path_factory: object, edits: list[tuple[int, int, bytes]]) -> None:
    data = bytearray(PROFILE_TEXT)
    for position, length, insert in edits:
        data[position : position + length] = insert
    folder = tmp_path_factory.mktemp("profile")  # type: ignore[attr-defined]
    path = folder / "bandicoot.toml"
    path.write_bytes(bytes(data))
    try:
        load_profile(path)
    except ProfileError as exc:
        assert "bandicoot.toml" in str(exc)
