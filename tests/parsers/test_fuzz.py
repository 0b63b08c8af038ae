"""Mutation fuzzing: damaged files never crash a parser and never break row accounting.

Each parser gets 1000 inputs made by damaging a valid sample: byte flips, inserted bytes and
format tokens, deletions, truncations, duplicated slices and whole rows or elements built from
awkward values. Whatever comes in, the only exceptions allowed out are NotThisFormat and
InputTooLarge, ``recognise`` never raises, and a parse that completes numbers every row once
(``account`` in conftest).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.parsers.base import Parser, Probe
from appliance.parsers.cdr_csv import CdrCsvParser
from appliance.parsers.google_records import GoogleRecordsParser
from appliance.parsers.gpx import GpxParser
from appliance.parsers.location_csv import LocationCsvParser
from appliance.parsers.opencellid import OpenCellIdParser

from .conftest import Account, Run
from .mutations import mutated

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOKENS = [
    b",", b"\n", b"\r", b"\r\n", b'"', b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"{", b"}", b"[",
    b"]", b"<", b">", b"/>", b"</", b"\\", b":", b"-", b".", b"e9", b"NaN", b"Infinity", b"T",
    b"Z", b"+01:00", b" ", b"&amp;", b"&x;", b"<!--", b"-->", b"<![CDATA[", b"]]>",
    b"<!DOCTYPE x>", b"9" * 40,
]  # fmt: skip

TIMES = [
    "2024-05-01T10:00:00Z", "2024-03-31T01:30:00", "2024-10-27 01:30", "2024-05-01T10:00:00+01:00",
    "2024-05-01", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1901-12-13T20:45:52Z",
    "2010-12-13T20:45:52.2073437Z", "20240501T1000", "yesterday", "",
]  # fmt: skip
NUMBERS = ["51.5", "-0.12", "0", "0.0", "95", "-181", "1e999", "nan", "-5", "12", "", "x", "9" * 30]


def _row(fields: st.SearchStrategy[str], width: int) -> st.SearchStrategy[bytes]:
    exact = st.lists(fields, min_size=width, max_size=width)
    loose = st.lists(fields, min_size=0, max_size=width + 3)
    return st.one_of(exact, loose).map(lambda values: (",".join(values) + "\n").encode())


CDR_VALUES = st.sampled_from(
    [*TIMES, *NUMBERS, "voice", "SMS", "data", "call", "fax", "in", "out", "MT", "07700 900123",
     "+447700900123", "00447700900123", "short", "234-10-1-2", "234-010-0001-02", "bad-cell",
     '"a,b"', '"unclosed']
)  # fmt: skip
LOCATION_VALUES = st.sampled_from([*TIMES, *NUMBERS, "gps", "wifi", "radar", '"q"'])
CELL_VALUES = st.sampled_from(
    [*NUMBERS, "GSM", "UMTS", "LTE", "NR", "234", "10", "1000", "20566", "4068", "-1", "1290000321"]
)


@st.composite
def _gpx_point(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["trkpt", "rtept", "wpt", "x:trkpt", "gpx"]))
    lat, lon = draw(st.sampled_from(NUMBERS)), draw(st.sampled_from(NUMBERS))
    time = draw(st.sampled_from(TIMES))
    inner = draw(
        st.sampled_from(["", f"<time>{time}</time>", f"<time>{time}</time><src>net</src>"])
    )
    return f'<{kind} lat="{lat}" lon="{lon}">{inner}</{kind}>'.encode()


_JSON_VALUES = st.one_of(
    st.integers(-(2**40), 2**40),
    st.sampled_from([525121303, 4294967295 - 338000000, 0, 1366007486860, True, None, 1e308]),
    st.sampled_from(TIMES),
    st.sampled_from(["GPS", "WIFI", "CELL", "1366007486860"]),
    st.lists(st.integers(), max_size=3),
)
_JSON_KEYS = st.sampled_from(
    ["latitudeE7", "longitudeE7", "timestamp", "timestampMs", "accuracy", "source", "activity"]
)
_GOOGLE_ROW = st.dictionaries(_JSON_KEYS, _JSON_VALUES, max_size=7).map(
    lambda item: json.dumps(item).encode() + b", "
)


def _mutated(
    sample: bytes, rows: st.SearchStrategy[bytes], boundary: bytes, head: int
) -> st.SearchStrategy[bytes]:
    return mutated(sample, rows, boundary=boundary, head=head, tokens=TOKENS)


def _check(parser: type[Parser], data: bytes, run: Run, account: Account) -> None:
    parser.recognise(Probe("fuzzed", data))
    try:
        records = run(parser, data)
    except (NotThisFormat, InputTooLarge):
        return
    account(records)


CDR_SAMPLE = (
    b"start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
    b"2024-05-01T10:00:00+01:00,voice,out,07700 900123,07700 900456,65,234-10-123-456,35,23\n"
    b"2024-03-31T01:30:00,sms,in,+447700900123,00447700900456,,,,\n"
    b"2024-10-27 01:30:00,data,out,07700900123,,3600,bad,,\n"
    b'2024-05-01T10:00:00Z,mms,mo,07700900123,"07700 900789",,,,\n'
    b"2024-05-01T10:00:00Z,voice,out,07700900123,,60,,,\n"
)
LOCATION_SAMPLE = (
    b"time,lat,lon,accuracy_m,method\n"
    b"2024-05-01T10:00:00Z,51.5,-0.12,5,gps\n"
    b"2024-03-31 01:30,51.5,-0.12,,wifi\n"
    b"2024-10-27T01:30:00,51.5,-0.12,12.5,radar\n"
    b"2024-05-01T10:00:00Z,0,0,5,\n"
)
GPX_SAMPLE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1">\n'
    b'<wpt lat="51.1" lon="-0.1"><time>2024-05-01T10:00:00Z</time><name>a</name></wpt>\n'
    b'<rte><rtept lat="51.2" lon="-0.1"><time>2024-05-01T10:01:00+01:00</time></rtept></rte>\n'
    b"<trk><trkseg>\n"
    b'<trkpt lat="51.3" lon="-0.1"><ele>3</ele><time>2024-05-01T10:02:00</time>'
    b"<src>network</src></trkpt>\n"
    b'<trkpt lat="51.4" lon="-0.1"></trkpt>\n'
    b"</trkseg></trk>\n</gpx>\n"
)
GOOGLE_SAMPLE = (
    b'{"locations": [{"latitudeE7": 525121303, "longitudeE7": 134309551, "accuracy": 25,'
    b' "source": "GPS", "timestamp": "2013-04-15T06:31:26.860Z"},\n'
    b' {"latitudeE7": 4000000000, "longitudeE7": 134309551, "timestampMs": "1366007486860",'
    b' "activity": [{"activity": [{"type": "STILL", "confidence": 100}]}]},\n'
    b' {"latitudeE7": 525121303, "longitudeE7": 134309551, "timestamp": "2024-10-27T01:30:00",'
    b' "source": "WIFI", "note": "esc\\"aped ]}"}\n'
    b"]}\n"
)
OPENCELLID_SAMPLE = (
    b"GSM,234,10,20566,4068,0,-0.2255,52.3305,1500,3,1,1290000321,1290000321,0\n"
    b"UMTS,208,1,29191,26486747,0,7.172216,43.753281,0,27,1,1290406958,1290406958,0\n"
    b"LTE,234,33,100,1,0,0,0,10,1,1,1,1,0\n"
)
LEGACY_SAMPLE = (
    b"22747,52.0438995361328,-0.224637001752853,234,33,2319,647,0,1,"
    b"2008-04-05 21:32:40,2008-04-05 21:32:40\n"
    b"22995,52.3305015563965,-0.225562006235123,234,10,20566,4068,0,1,"
    b"2008-04-05 21:32:59,2008-04-05 21:32:59\n"
)


def _fuzz_test(
    parser: type[Parser],
    sample: bytes,
    rows: st.SearchStrategy[bytes],
    boundary: bytes,
    head_ends: bytes = b"\n",
) -> Callable[[Run, Account], None]:
    """A fuzz test of ``parser``; ``head_ends`` marks the end of the header or prolog."""
    head = sample.index(head_ends) + len(head_ends)

    @FUZZ
    @given(data=_mutated(sample, rows, boundary, head))
    def test(run: Run, account: Account, data: bytes) -> None:
        _check(parser, data, run, account)

    return test  # type: ignore[return-value]


test_fuzz_cdr_csv = _fuzz_test(CdrCsvParser, CDR_SAMPLE, _row(CDR_VALUES, 9), b"\n")
test_fuzz_location_csv = _fuzz_test(
    LocationCsvParser, LOCATION_SAMPLE, _row(LOCATION_VALUES, 5), b"\n"
)
test_fuzz_gpx = _fuzz_test(GpxParser, GPX_SAMPLE, _gpx_point(), b">", b'version="1.1">\n')
test_fuzz_google_records = _fuzz_test(GoogleRecordsParser, GOOGLE_SAMPLE, _GOOGLE_ROW, b"[", b"[")
test_fuzz_opencellid = _fuzz_test(OpenCellIdParser, OPENCELLID_SAMPLE, _row(CELL_VALUES, 14), b"\n")
test_fuzz_opencellid_legacy = _fuzz_test(
    OpenCellIdParser, LEGACY_SAMPLE, _row(CELL_VALUES, 11), b"\n"
)


def test_the_samples_are_valid(run: Run, account: Account) -> None:
    """The fuzzers start from files that load, so their damage is what is being tested."""
    assert account(run(CdrCsvParser, CDR_SAMPLE)) == (4, 1)
    assert account(run(LocationCsvParser, LOCATION_SAMPLE)) == (3, 1)
    assert account(run(GpxParser, GPX_SAMPLE)) == (3, 1)
    assert account(run(GoogleRecordsParser, GOOGLE_SAMPLE)) == (3, 0)
    assert account(run(OpenCellIdParser, OPENCELLID_SAMPLE)) == (2, 1)
    assert account(run(OpenCellIdParser, LEGACY_SAMPLE)) == (2, 0)
