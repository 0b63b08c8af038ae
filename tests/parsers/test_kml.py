"""KML and KMZ: timed placemarks and gx:Track samples, streamed, with DTDs and zip bombs refused."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.model import Observation, Rejection, Warning
from appliance.parsers import kml as kml_module
from appliance.parsers.base import Probe
from appliance.parsers.gpx import GpxParser
from appliance.parsers.kml import KmlParser, KmzParser
from appliance.parsers.nmea import NmeaParser

from .conftest import Account, Run

NS22 = "http://www.opengis.net/kml/2.2"
NS21 = "http://earth.google.com/kml/2.1"
GX = "http://www.google.com/kml/ext/2.2"


def kml(body: str, namespace: str | None = NS22) -> str:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<kml{xmlns} xmlns:gx="{GX}">\n'
        f"<Document>\n{body}\n</Document>\n</kml>\n"
    )


def placemark(when: str | None = "2024-01-15T12:00:00Z", coords: str = "-0.12,51.5,10") -> str:
    stamp = f"<TimeStamp><when>{when}</when></TimeStamp>" if when is not None else ""
    return f"<Placemark>{stamp}<Point><coordinates>{coords}</coordinates></Point></Placemark>"


def track(whens: list[str], coords: list[str]) -> str:
    inner = "".join(f"<when>{w}</when>" for w in whens)
    inner += "".join(f"<gx:coord>{c}</gx:coord>" for c in coords)
    return f"<gx:Track>{inner}</gx:Track>"


def reasons(records: list[object]) -> dict[int, str]:
    return {r.row: r.reason for r in records if isinstance(r, Rejection)}


def observations(records: list[object]) -> list[Observation]:
    return [r for r in records if isinstance(r, Observation)]


# --- recognition ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("namespace", "reason"),
    [
        (NS22, f"root element <kml> in namespace {NS22}"),
        (NS21, f"root element <kml> in namespace {NS21}"),
        (None, "root element <kml> without a namespace"),
    ],
)
def test_recognises_kml_roots(namespace: str | None, reason: str) -> None:
    assert KmlParser.recognise(Probe("t.kml", kml("", namespace).encode())) == reason


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1"><desc><kml/></desc>',
        '<kml xmlns="http://example.com/not-kml"></kml>',
        "$GPRMC,1*00\n<kml>",
        '{"kml": "<kml>"}',
    ],
)
def test_does_not_recognise_other_files(text: str) -> None:
    assert KmlParser.recognise(Probe("t.xml", text.encode())) is None


def test_gpx_and_nmea_do_not_claim_kml() -> None:
    probe = Probe("t.kml", kml(placemark()).encode())
    assert GpxParser.recognise(probe) is None
    assert NmeaParser.recognise(probe) is None
    assert KmzParser.recognise(probe) is None


def test_kmz_is_recognised_by_its_members() -> None:
    assert KmzParser.recognise(Probe("x.zip", b"PK\x03\x04", members=("doc.kml", "files/a.png")))
    assert KmzParser.recognise(Probe("x.kmz", b"PK\x03\x04", members=("track.kml",)))
    assert KmzParser.recognise(Probe("x.zip", b"PK\x03\x04", members=("track.kml",))) is None
    assert KmzParser.recognise(Probe("x.kmz", b"PK\x03\x04", members=("report.xml",))) is None
    assert KmlParser.recognise(Probe("x.kmz", b"PK\x03\x04", members=("doc.kml",))) is None


# --- placemarks -----------------------------------------------------------------------------


def test_placemark_point_is_lon_lat(run: Run) -> None:
    [record] = run(KmlParser, kml(placemark()))
    assert record == Observation(
        row=1, time=datetime(2024, 1, 15, 12, 0, tzinfo=UTC), lat=51.5, lon=-0.12
    )


@pytest.mark.parametrize("namespace", [NS22, NS21, "http://earth.google.com/kml/2.0", None])
def test_reads_every_kml_version(run: Run, namespace: str | None) -> None:
    [record] = run(KmlParser, kml(placemark(), namespace))
    assert isinstance(record, Observation)


def test_offsets_are_honoured(run: Run) -> None:
    [record] = run(KmlParser, kml(placemark("2024-07-01T12:00:00+02:00")))
    assert isinstance(record, Observation)
    assert record.time == datetime(2024, 7, 1, 10, 0, tzinfo=UTC)


def test_naive_times_are_local_in_the_declared_zone(run: Run) -> None:
    [record] = run(KmlParser, kml(placemark("2024-07-01T12:00:00")))
    assert isinstance(record, Observation)
    assert record.time == datetime(2024, 7, 1, 11, 0, tzinfo=UTC)  # BST
    assert record.time_flag is None


def test_a_doubtful_local_time_is_flagged(run: Run, account: Account) -> None:
    records = run(KmlParser, kml(placemark("2024-03-31T01:30:00")))
    assert account(records) == (1, 0)
    observation, warning = records
    assert isinstance(observation, Observation) and observation.time_flag == "nonexistent"
    assert isinstance(warning, Warning) and "nonexistent" in warning.message


@pytest.mark.parametrize("when", ["2024-01-15", "2024-01", "2024"])
def test_a_date_without_time_of_day_is_too_coarse(run: Run, when: str) -> None:
    records = run(KmlParser, kml(placemark(when)))
    assert reasons(records) == {1: f"time '{when}' is a date without a time of day: too coarse"}


def test_timespan_uses_begin(run: Run) -> None:
    span = "<TimeSpan><begin>2024-01-15T12:00:00Z</begin><end>2024-01-15T13:00:00Z</end></TimeSpan>"
    body = f"<Placemark>{span}<Point><coordinates>-0.12,51.5</coordinates></Point></Placemark>"
    [record] = run(KmlParser, kml(body))
    assert isinstance(record, Observation)
    assert record.time == datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


def test_timespan_without_begin_is_rejected(run: Run) -> None:
    span = "<TimeSpan><end>2024-01-15T13:00:00Z</end></TimeSpan>"
    body = f"<Placemark>{span}<Point><coordinates>-0.12,51.5</coordinates></Point></Placemark>"
    assert reasons(run(KmlParser, kml(body))) == {1: "TimeSpan has no <begin>"}


def test_points_without_time_are_rejected(run: Run, account: Account) -> None:
    body = placemark(None) + "<Point><coordinates>1,2</coordinates></Point>" + placemark()
    records = run(KmlParser, kml(body))
    assert account(records) == (1, 2)
    assert reasons(records) == {1: "no time", 2: "no time: the point is not in a placemark"}


def test_a_time_after_the_geometry_still_places_it(run: Run, account: Account) -> None:
    body = (
        "<Placemark><MultiGeometry><Point><coordinates>-0.12,51.5</coordinates></Point>"
        "<Point><coordinates>-0.13,51.6</coordinates></Point></MultiGeometry>"
        "<TimeStamp><when>2024-01-15T12:00:00Z</when></TimeStamp></Placemark>"
    )
    records = run(KmlParser, kml(body))
    assert account(records) == (2, 0)
    assert [r.lat for r in observations(records)] == [51.5, 51.6]


def test_a_second_time_element_is_noted(run: Run) -> None:
    body = placemark().replace(
        "</TimeStamp>", "</TimeStamp><TimeStamp><when>2025-01-01T00:00:00Z</when></TimeStamp>"
    )
    records = run(KmlParser, kml(body))
    assert observations(records)[0].time.year == 2024
    assert any(isinstance(r, Warning) and "more than one" in r.message for r in records)


@pytest.mark.parametrize(
    ("coords", "reason"),
    [
        ("51.5", "unreadable coordinates '51.5'"),
        ("-0.12,51.5 -0.13,51.6", "Point has 2 coordinate tuples, not 1"),
        ("-0.12,95", "latitude 95.0 out of range"),
        ("0,0", "position 0,0 (null island) is a missing-fix marker"),
        ("east,51.5", "unreadable longitude 'east'"),
    ],
)
def test_bad_coordinates(run: Run, coords: str, reason: str) -> None:
    assert reasons(run(KmlParser, kml(placemark(coords=coords)))) == {1: reason}


def test_spaces_around_commas_are_tolerated(run: Run) -> None:
    [record] = run(KmlParser, kml(placemark(coords=" -0.12 , 51.5 , 3 ")))
    assert isinstance(record, Observation) and (record.lat, record.lon) == (51.5, -0.12)


def test_paths_and_areas_are_counted_not_rows(run: Run, account: Account) -> None:
    line = "<Placemark><LineString><coordinates>0,1 1,2</coordinates></LineString></Placemark>"
    records = run(KmlParser, kml(placemark() + line + line))
    assert account(records) == (1, 0)
    assert isinstance(records[-1], Warning) and records[-1].message.startswith("2 path or area")


def test_lookat_is_not_a_position(run: Run, account: Account) -> None:
    body = (
        "<Placemark><LookAt><gx:TimeStamp><when>2024-01-15T12:00:00Z</when></gx:TimeStamp>"
        "<longitude>1</longitude><latitude>2</latitude></LookAt>"
        "<Point><coordinates>-0.12,51.5</coordinates></Point></Placemark>"
    )
    assert reasons(run(KmlParser, kml(body))) == {1: "no time"}


# --- gx:Track -------------------------------------------------------------------------------


def test_track_pairs_whens_and_coords(run: Run, account: Account) -> None:
    body = "<Placemark>" + track(
        ["2024-01-20T08:00:00Z", "2024-01-20T08:01:00Z"], ["-122.08 37.42 10", "-122.09 37.43"]
    ) + "</Placemark>"  # fmt: skip
    records = run(KmlParser, kml(body))
    assert account(records) == (2, 0)
    assert [(r.row, r.lat, r.lon) for r in observations(records)] == [
        (1, 37.42, -122.08),
        (2, 37.43, -122.09),
    ]


def test_multitrack_and_unpaired_samples(run: Run, account: Account) -> None:
    body = (
        "<Placemark><gx:MultiTrack>"
        + track(["2024-01-20T08:00:00Z", "2024-01-20T08:01:00Z"], ["-1 51"])
        + track(["2024-01-20T09:00:00Z"], ["-1 52", "-1 53"])
        + "</gx:MultiTrack></Placemark>"
    )
    records = run(KmlParser, kml(body))
    assert account(records) == (2, 2)
    assert reasons(records) == {
        2: "gx:Track <when> has no gx:coord",
        4: "no time: gx:Track gx:coord has no <when>",
    }


def test_rows_follow_document_order_across_points_and_tracks(run: Run, account: Account) -> None:
    body = (
        placemark()
        + "<Placemark>"
        + track(["2024-01-20T08:00:00Z", "bad"], ["-1 51", "-1 52"])
        + "</Placemark>"
        + placemark("2024-01-15T13:00:00Z")
    )
    records = run(KmlParser, kml(body))
    assert account(records) == (3, 1)
    assert [r.row for r in observations(records)] == [1, 2, 4]
    assert reasons(records) == {3: "unreadable time 'bad'"}


# --- safety ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa">]>',
        "<!ENTITY a SYSTEM 'file:///etc/passwd'>",
        "<!doctype kml>",
    ],
)
def test_dtd_and_entities_are_refused(run: Run, prolog: str) -> None:
    text = kml(placemark()).replace("?>\n", f"?>\n{prolog}\n", 1)
    with pytest.raises(NotThisFormat, match="document type or entity"):
        run(KmlParser, text)


def test_other_encodings_are_refused(run: Run) -> None:
    text = kml(placemark()).replace("UTF-8", "UTF-7")
    with pytest.raises(NotThisFormat, match="encoding"):
        run(KmlParser, text)


def test_deep_nesting_is_refused(run: Run) -> None:
    with pytest.raises(InputTooLarge, match="nests"):
        run(KmlParser, kml("<Folder>" * 300 + "</Folder>" * 300))


def test_wrong_root_and_non_xml_are_not_kml(run: Run) -> None:
    with pytest.raises(NotThisFormat, match="root element"):
        run(KmlParser, '<gpx xmlns="http://www.topografix.com/GPX/1/1"></gpx>')
    with pytest.raises(NotThisFormat, match="not well-formed"):
        run(KmlParser, "time,lat,lon\n")


def test_broken_xml_after_points_keeps_them_and_warns(run: Run, account: Account) -> None:
    text = kml(placemark() + placemark()).split("</Placemark>")
    broken = text[0] + "</Placemark>" + text[1][:40]
    records = run(KmlParser, broken)
    assert account(records) == (1, 0)
    assert isinstance(records[-1], Warning) and "not well-formed" in records[-1].message


def test_too_many_waiting_points_is_refused(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kml_module, "MAX_PENDING", 3)
    with pytest.raises(InputTooLarge, match="more than 3"):
        run(
            KmlParser, kml("<Placemark>" + track(["2024-01-20T08:00:00Z"] * 5, []) + "</Placemark>")
        )


def test_an_interleaved_track_streams_past_the_waiting_limit(
    run: Run, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each <when> meets its gx:coord at once, so nothing waits: ten samples load with a limit
    # of three (the grouped form above, all whens first, is the one that must wait).
    monkeypatch.setattr(kml_module, "MAX_PENDING", 3)
    samples = "".join(
        f"<when>2024-01-20T08:00:{i:02d}Z</when><gx:coord>-0.12 51.5{i} 10</gx:coord>"
        for i in range(10)
    )
    records = run(KmlParser, kml(f"<Placemark><gx:Track>{samples}</gx:Track></Placemark>"))
    assert account(records) == (10, 0)
    assert [r.row for r in records] == list(range(1, 11))


# --- KMZ ------------------------------------------------------------------------------------


def kmz(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_kmz_reads_doc_kml(run: Run, account: Account) -> None:
    data = kmz(
        {"files/other.kml": kml(placemark(None)).encode(), "doc.kml": kml(placemark()).encode()}
    )
    assert account(run(KmzParser, data)) == (1, 0)


def test_kmz_without_doc_kml_reads_the_first_root_kml(run: Run, account: Account) -> None:
    data = kmz({"sub/a.kml": b"<x/>", "track.kml": kml(placemark()).encode(), "z.kml": b"<y/>"})
    assert account(run(KmzParser, data)) == (1, 0)


def test_kmz_without_kml_or_not_a_zip(run: Run) -> None:
    with pytest.raises(NotThisFormat, match=r"no \.kml"):
        run(KmzParser, kmz({"report.xml": b"<x/>"}))
    with pytest.raises(NotThisFormat, match="not a readable zip"):
        run(KmzParser, kml(placemark()))


def test_kmz_member_names_that_escape_are_only_noted(run: Run, account: Account) -> None:
    data = kmz({"doc.kml": kml(placemark()).encode(), "../../etc/x": b"", "/abs": b""})
    records = run(KmzParser, data)
    assert account(records) == (1, 0)
    notes = [r for r in records if isinstance(r, Warning)]
    assert len(notes) == 2 and all("would escape" in w.message for w in notes)


def test_kmz_member_count_limit(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kml_module, "MAX_MEMBERS", 5)
    members = {f"f{i}.png": b"" for i in range(6)} | {"doc.kml": kml(placemark()).encode()}
    with pytest.raises(InputTooLarge, match="7 members"):
        run(KmzParser, kmz(members))


def test_kmz_size_limit(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kml_module, "MAX_KML_BYTES", 100)
    with pytest.raises(InputTooLarge, match="declares"):
        run(KmzParser, kmz({"doc.kml": kml(placemark()).encode()}))


def test_kmz_compression_ratio_limit(run: Run) -> None:
    bomb = kml("<!-- " + " " * (8 * 1024 * 1024) + " -->").encode()
    with pytest.raises(InputTooLarge, match="zip bomb"):
        run(KmzParser, kmz({"doc.kml": bomb}))


def test_kmz_member_longer_than_declared_is_refused(run: Run) -> None:
    """A header that understates the size: reading stops at the declared size, never beyond."""
    doc = kml(placemark()).encode()
    data = bytearray(kmz({"doc.kml": doc}, zipfile.ZIP_STORED))
    # Shrink the declared size in the local header and the central directory alike.
    size = len(doc).to_bytes(4, "little")
    small = (len(doc) - 30).to_bytes(4, "little")
    for offset in (22, data.rindex(b"PK\x01\x02") + 24):
        assert data[offset : offset + 4] == size
        data[offset : offset + 4] = small
    with pytest.raises((NotThisFormat, InputTooLarge)):
        run(KmzParser, bytes(data))


def test_damaged_kmz_is_refused_whole(run: Run) -> None:
    doc = kml(placemark() * 50).encode()
    data = bytearray(kmz({"doc.kml": doc}, zipfile.ZIP_STORED))
    data[data.index(b"51.5") + 1] ^= 0x01  # breaks the CRC, not the XML
    with pytest.raises(NotThisFormat, match="damaged"):
        run(KmzParser, bytes(data))


# --- real files (MANIFEST.md §3, Freika/dawarich spec fixtures) ----------------------------

# Counts read off the files: kml__gx_track.kml has one gx:Track with 4 <when> and 4 gx:coord
# (2024-01-20 08:00-08:03Z), all paired: 4 loaded. kml__points_with_timestamps.kml has three
# Placemarks, each with a TimeStamp/when (Z) and a Point: 3 loaded. The .kmz holds the same
# document as doc.kml: 3 loaded. Nothing is rejected in any of them.
REAL = {
    "dawarich/tracks/kml__gx_track.kml": (KmlParser, (4, 0)),
    "dawarich/tracks/kml__points_with_timestamps.kml": (KmlParser, (3, 0)),
    "dawarich/tracks/kml__points_with_timestamps.kmz": (KmzParser, (3, 0)),
}


@pytest.mark.fixtures
@pytest.mark.parametrize("relative", sorted(REAL))
def test_real_files(
    run: Run, account: Account, real_file: Callable[[str], Path], relative: str
) -> None:
    path = real_file(relative)
    parser, counts = REAL[relative]
    probe = Probe.of_path(path)
    assert parser.recognise(probe) is not None
    assert [
        p.name for p in (KmlParser, KmzParser, GpxParser, NmeaParser) if p.recognise(probe)
    ] == [parser.name]
    records = run(parser, path.read_bytes())
    assert account(records) == counts


@pytest.mark.fixtures
def test_real_gx_track_values(run: Run, real_file: Callable[[str], Path]) -> None:
    records = run(KmlParser, real_file("dawarich/tracks/kml__gx_track.kml").read_bytes())
    first, *_, last = observations(records)
    assert (first.row, first.time, first.lat, first.lon) == (
        1, datetime(2024, 1, 20, 8, 0, tzinfo=UTC), 37.4220, -122.0841
    )  # fmt: skip
    assert (last.row, last.time, last.lat, last.lon) == (
        4, datetime(2024, 1, 20, 8, 3, tzinfo=UTC), 37.4250, -122.0871
    )  # fmt: skip


@pytest.mark.fixtures
@pytest.mark.parametrize(
    "relative",
    [
        "dawarich/tracks/gpx__garmin_example.gpx",
        "reitti/gpslogger_20250619.gpx",
        "pynmeagps/pygpsdata-nmea4.log",
        "dawarich/google/records.json",
    ],
)
def test_real_other_formats_are_not_claimed(
    real_file: Callable[[str], Path], relative: str
) -> None:
    probe = Probe.of_path(real_file(relative))
    assert KmlParser.recognise(probe) is None
    assert KmzParser.recognise(probe) is None
