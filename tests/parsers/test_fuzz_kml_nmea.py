"""Mutation fuzzing of the KML, KMZ and NMEA parsers: damage never crashes them or their counts.

Each parser gets 1000 inputs made by damaging a valid sample (byte flips, inserted bytes and
format tokens, deletions, truncations, duplicated slices, whole elements or sentences built
from awkward values). Whatever comes in, the only exceptions allowed out are NotThisFormat and
InputTooLarge, ``recognise`` never raises, and a parse that completes numbers every row once
(``account`` in conftest).
"""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.parsers.base import Parser, Probe
from appliance.parsers.kml import KmlParser, KmzParser
from appliance.parsers.nmea import NmeaParser

from .conftest import Account, Run
from .mutations import mutated

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOKENS = [
    b",", b"\n", b"\r\n", b"\x00", b"\xb5b", b"\xff\xfe", b"\xef\xbb\xbf", b"<", b">", b"/>",
    b"</", b"&amp;", b"&x;", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<!DOCTYPE x>", b"$", b"!",
    b"*", b"*00", b"*7A", b"$GNRMC,", b"$GPGGA,", b"$PUBX,", b"V", b"A", b"N", b"S", b"E", b"W",
    b"-", b".", b"e9", b"T", b"Z", b"+01:00", b" ", b"9" * 40,
    b"<when>", b"</when>", b"<gx:coord>", b"</gx:coord>", b"<Point>", b"</Point>",
    b"<Placemark>", b"</Placemark>", b"<TimeStamp>", b"<TimeSpan>", b"<begin>",
]  # fmt: skip

TIMES = [
    "2024-05-01T10:00:00Z", "2024-03-31T01:30:00", "2024-10-27T01:30:00", "2024-05-01",
    "2024", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "yesterday", "",
]  # fmt: skip
NUMBERS = ["51.5", "-0.12", "0", "95", "-181", "1e999", "nan", "", "x", "9" * 30]


def _checksummed(body: str) -> bytes:
    computed = 0
    for byte in body.encode():
        computed ^= byte
    return f"${body}*{computed:02X}\r\n".encode()


@st.composite
def _kml_element(draw: st.DrawFn) -> bytes:
    time = draw(st.sampled_from(TIMES))
    lon, lat = draw(st.sampled_from(NUMBERS)), draw(st.sampled_from(NUMBERS))
    kind = draw(st.sampled_from(["point", "late", "span", "track", "bare", "line"]))
    point = f"<Point><coordinates>{lon},{lat}</coordinates></Point>"
    if kind == "point":
        return f"<Placemark><TimeStamp><when>{time}</when></TimeStamp>{point}</Placemark>".encode()
    if kind == "late":
        return f"<Placemark>{point}<TimeStamp><when>{time}</when></TimeStamp></Placemark>".encode()
    if kind == "span":
        return f"<Placemark><TimeSpan><begin>{time}</begin></TimeSpan>{point}</Placemark>".encode()
    if kind == "track":
        whens = "".join(f"<when>{t}</when>" for t in draw(st.lists(st.sampled_from(TIMES))))
        coords = f"<gx:coord>{lon} {lat} 3</gx:coord>" * draw(st.integers(0, 3))
        return f"<Placemark><gx:Track>{whens}{coords}</gx:Track></Placemark>".encode()
    if kind == "line":
        return f"<LineString><coordinates>{lon},{lat} 1,2</coordinates></LineString>".encode()
    return point.encode()


NMEA_FIELDS = [
    "103607.00", "235959.99", "000001", "060321", "310221", "A", "V", "N", "S", "E", "W", "0",
    "1", "6", "AANN", "NN", "5327.03942", "00214.42462", "9999.9", "", "x",
]  # fmt: skip


@st.composite
def _nmea_sentence(draw: st.DrawFn) -> bytes:
    talker = draw(st.sampled_from(["GP", "GN", "GL", "GA", "BD", "IN", "P"]))
    kind = draw(st.sampled_from(["RMC", "GGA", "GLL", "GNS", "GST", "GSV", "RMCH", "UBX"]))
    fields = draw(st.lists(st.sampled_from(NMEA_FIELDS), max_size=14))
    sentence = _checksummed(",".join([talker + kind, *fields]))
    if draw(st.booleans()):
        sentence = sentence.replace(b"*", b"*0", 1)  # damaged checksum
    return sentence


def _mutated(
    sample: bytes, rows: st.SearchStrategy[bytes], boundary: bytes, head: int
) -> st.SearchStrategy[bytes]:
    return mutated(sample, rows, boundary=boundary, head=head, tokens=TOKENS, keep_weight=3)


def _check(parser: type[Parser], data: bytes, run: Run, account: Account, **probe: object) -> None:
    parser.recognise(Probe("fuzzed", data, **probe))  # type: ignore[arg-type]
    try:
        records = run(parser, data)
    except (NotThisFormat, InputTooLarge):
        return
    account(records)


GX = "http://www.google.com/kml/ext/2.2"
KML_SAMPLE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="' + GX.encode() + b'">\n'
    b"<Document><Folder>\n"
    b"<Placemark><TimeStamp><when>2024-01-15T12:00:00Z</when></TimeStamp>"
    b"<Point><coordinates>-0.12,51.5,10</coordinates></Point></Placemark>\n"
    b"<Placemark><Point><coordinates>-0.13,51.6</coordinates></Point>"
    b"<TimeSpan><begin>2024-03-31T01:30:00</begin></TimeSpan></Placemark>\n"
    b"<Placemark><gx:MultiTrack><gx:Track><when>2024-01-20T08:00:00Z</when>"
    b"<when>2024-01-20T08:01:00+01:00</when><gx:coord>-122.08 37.42 10</gx:coord>"
    b"<gx:coord>-122.09 37.43 12</gx:coord></gx:Track></gx:MultiTrack></Placemark>\n"
    b"<Placemark><Point><coordinates>1,2</coordinates></Point></Placemark>\n"
    b"</Folder></Document>\n</kml>\n"
)
NMEA_SAMPLE = (
    _checksummed("GNRMC,103607.00,A,5327.03942,N,00214.42462,W,0.046,,060321,,,A,V")
    + _checksummed("GNGGA,103607.00,5327.03942,N,00214.42462,W,1,06,5.88,56.0,M,48.5,M,,")
    + b"\xb5b\x01\x07\\\x00xSK\x02\n\x00"
    + _checksummed("GNGST,103607.00,38,60,38,89,15,24,31")
    + _checksummed("GPGSV,1,1,00,1")
    + _checksummed("GNGGA,103608.00,5327.03942,N,00214.42462,W,0,06,5.88,56.0,M,48.5,M,,")
    + _checksummed("GNGLL,5327.03942,N,00214.42462,W,235959.00,A,A")
    + _checksummed("GNGNS,000001.00,5327.03942,N,00214.42462,W,AANN,06,5.88,56.0,48.5,,,V")
)


def _kmz(document: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("doc.kml", document)
        archive.writestr("files/../x.png", b"\x89PNG")
    return buffer.getvalue()


KMZ_SAMPLE = _kmz(KML_SAMPLE)


@FUZZ
@given(data=_mutated(KML_SAMPLE, _kml_element(), b">", KML_SAMPLE.index(b"<Folder>")))
def test_fuzz_kml(run: Run, account: Account, data: bytes) -> None:
    _check(KmlParser, data, run, account)


@FUZZ
@given(data=_mutated(NMEA_SAMPLE, _nmea_sentence(), b"\n", 0))
def test_fuzz_nmea(run: Run, account: Account, data: bytes) -> None:
    _check(NmeaParser, data, run, account)


@FUZZ
@given(
    data=st.one_of(
        # Damage to the archive itself (headers, CRCs, sizes) ...
        _mutated(KMZ_SAMPLE, st.just(b"PK\x03\x04"), b"PK", 0),
        # ... and a sound archive around a damaged document.
        _mutated(KML_SAMPLE, _kml_element(), b">", KML_SAMPLE.index(b"<Folder>")).map(_kmz),
    )
)
def test_fuzz_kmz(run: Run, account: Account, data: bytes) -> None:
    _check(KmzParser, data, run, account, members=("doc.kml",))


def test_the_samples_are_valid(run: Run, account: Account) -> None:
    """The fuzzers start from files that load, so their damage is what is being tested."""
    # KML: point 1, late-timed point 2 (a nonexistent London time, flagged), track samples
    # 3-4, and point 5 with no time.
    assert account(run(KmlParser, KML_SAMPLE)) == (4, 1)
    # NMEA: RMC loaded, GGA duplicate, GGA quality 0, GLL at 23:59:59 (same day), GNS at
    # 00:00:01 (rolled over to the next day).
    assert account(run(NmeaParser, NMEA_SAMPLE)) == (3, 2)
    assert account(run(KmzParser, KMZ_SAMPLE)) == (4, 1)
