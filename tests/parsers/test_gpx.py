"""GPX: one Observation per timed point, streamed, with DTDs refused."""

from __future__ import annotations

import io
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.model import Observation, Rejection, Warning
from appliance.parsers.base import Probe
from appliance.parsers.gpx import GpxParser

from .conftest import Account, Run

NS11 = "http://www.topografix.com/GPX/1/1"
NS10 = "http://www.topografix.com/GPX/1/0"


def gpx(body: str, namespace: str | None = NS11) -> str:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    declaration = '<?xml version="1.0" encoding="UTF-8"?>'
    return f'{declaration}\n<gpx version="1.1" creator="t"{xmlns}>\n{body}\n</gpx>\n'


def trkpt(
    lat: str = "51.5", lon: str = "-0.12", inner: str = "<time>2024-05-01T10:00:00Z</time>"
) -> str:
    return f'<trk><trkseg><trkpt lat="{lat}" lon="{lon}">{inner}</trkpt></trkseg></trk>'


@pytest.mark.parametrize(
    ("namespace", "reason"),
    [
        (NS11, f"root element <gpx> in namespace {NS11}"),
        (NS10, f"root element <gpx> in namespace {NS10}"),
        (None, "root element <gpx> without a namespace"),
    ],
)
def test_recognises_gpx_roots(namespace: str | None, reason: str) -> None:
    assert GpxParser.recognise(Probe("t.gpx", gpx("", namespace).encode())) == reason


@pytest.mark.parametrize(
    "text",
    [
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>',
        '<gpx xmlns="http://example.com/not-gpx"></gpx>',
        "time,lat,lon,accuracy_m",
    ],
)
def test_does_not_recognise_other_files(text: str) -> None:
    assert GpxParser.recognise(Probe("t.xml", text.encode())) is None


def test_loads_a_track_point(run: Run) -> None:
    [record] = run(GpxParser, gpx(trkpt()))
    assert record == Observation(
        row=1, time=datetime(2024, 5, 1, 10, 0, tzinfo=UTC), lat=51.5, lon=-0.12, method="gps"
    )


@pytest.mark.parametrize("namespace", [NS10, NS11, None])
def test_reads_gpx_1_0_1_1_and_unqualified(run: Run, namespace: str | None) -> None:
    [record] = run(GpxParser, gpx(trkpt(), namespace))
    assert isinstance(record, Observation)


def test_points_are_numbered_in_document_order_across_kinds(run: Run, account: Account) -> None:
    body = (
        '<wpt lat="51.1" lon="-0.1"><time>2024-05-01T10:00:00Z</time></wpt>'
        '<rte><rtept lat="51.2" lon="-0.1"><time>2024-05-01T10:01:00Z</time></rtept></rte>'
        '<trk><trkseg><trkpt lat="51.3" lon="-0.1"><time>2024-05-01T10:02:00Z</time></trkpt>'
        '<trkpt lat="51.4" lon="-0.1"/></trkseg></trk>'
        '<wpt lat="51.5" lon="-0.1"><time>2024-05-01T10:03:00Z</time></wpt>'
    )
    records = run(GpxParser, gpx(body))
    assert [(r.row, type(r).__name__) for r in records] == [
        (1, "Observation"),
        (2, "Observation"),
        (3, "Observation"),
        (4, "Rejection"),
        (5, "Observation"),
    ]
    assert [r.lat for r in records if isinstance(r, Observation)] == [51.1, 51.2, 51.3, 51.5]
    assert account(records) == (4, 1)


def test_time_without_offset_is_utc_whatever_the_declared_zone(run: Run) -> None:
    [record] = run(GpxParser, gpx(trkpt(inner="<time>2024-07-01T12:00:00</time>")))
    assert isinstance(record, Observation)
    assert record.time == datetime(2024, 7, 1, 12, 0, tzinfo=UTC) and record.time_flag is None


def test_time_with_offset_is_converted(run: Run) -> None:
    [record] = run(GpxParser, gpx(trkpt(inner="<time>2024-12-18T08:44:09+07:00</time>")))
    assert isinstance(record, Observation)
    assert record.time == datetime(2024, 12, 18, 1, 44, 9, tzinfo=UTC)


def test_seven_digit_fractions_are_read(run: Run) -> None:
    [record] = run(GpxParser, gpx(trkpt(inner="<time>2010-12-13T20:45:52.2073437Z</time>")))
    assert isinstance(record, Observation)
    assert record.time == datetime(2010, 12, 13, 20, 45, 52, 207343, tzinfo=UTC)


@pytest.mark.parametrize(
    ("src", "method"), [("gps", "gps"), ("network", "fused"), ("Garmin eTrex", "unknown")]
)
def test_src_names_the_method(run: Run, src: str, method: str) -> None:
    inner = f"<time>2024-05-01T10:00:00Z</time><src>{src}</src>"
    [record] = run(GpxParser, gpx(trkpt(inner=inner)))
    assert isinstance(record, Observation) and record.method == method


def test_point_like_elements_in_extensions_are_not_points(run: Run) -> None:
    inner = (
        "<time>2024-05-01T10:00:00Z</time><extensions>"
        '<x:trkpt xmlns:x="urn:vendor" lat="1" lon="1"><x:time>2024</x:time></x:trkpt>'
        "</extensions>"
    )
    assert len(run(GpxParser, gpx(trkpt(inner=inner)))) == 1


@pytest.mark.parametrize(
    ("point", "reason"),
    [
        (trkpt(inner="<ele>3</ele>"), "point has no time"),
        (trkpt(inner="<time></time>"), "missing time"),
        (trkpt(inner="<time>yesterday</time>"), "unreadable time 'yesterday'"),
        (trkpt(inner="<time>2024-05-01</time>"), "time '2024-05-01' has no time of day"),
        (
            trkpt(inner="<time>1901-12-13T20:45:52.2073437Z</time>"),
            "time 1901-12-13T20:45:52Z is before the GPS epoch (1980-01-06): "
            "the receiver's clock was not set",
        ),
        (
            trkpt(inner="<time>2024-05-01T10:00:00Z</time><time>2024-05-01T10:00:01Z</time>"),
            "point has 2 time elements",
        ),
        (trkpt(lat="95.0"), "latitude 95.0 out of range"),
        (trkpt(lon="181"), "longitude 181.0 out of range"),
        (trkpt(lat="0", lon="0.0"), "position 0,0 (null island) is a missing-fix marker"),
        (trkpt(lat="north"), "unreadable lat 'north'"),
        ('<wpt lon="1"><time>2024-05-01T10:00:00Z</time></wpt>', "point has no lat attribute"),
    ],
)
def test_each_unloadable_point_is_rejected_with_its_reason(
    run: Run, point: str, reason: str
) -> None:
    assert run(GpxParser, gpx(point)) == [Rejection(1, reason)]


def test_wrong_root_is_not_this_format(run: Run) -> None:
    with pytest.raises(NotThisFormat, match="not a GPX"):
        run(GpxParser, '<kml xmlns="http://www.opengis.net/kml/2.2"/>')


def test_foreign_namespace_root_is_not_this_format(run: Run) -> None:
    with pytest.raises(NotThisFormat):
        run(GpxParser, gpx(trkpt(), "http://example.com/gpx"))


@pytest.mark.parametrize("data", [b"", b"not xml at all", b"<gpx", b"\x00\x01\x02"])
def test_not_xml_is_not_this_format(run: Run, data: bytes) -> None:
    with pytest.raises(NotThisFormat):
        run(GpxParser, data)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE gpx [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<gpx xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="1" lon="1"><name>&c;</name>
<time>2024-05-01T10:00:00Z</time></wpt></gpx>
"""


def test_a_doctype_is_refused_before_anything_is_read(run: Run) -> None:
    with pytest.raises(NotThisFormat, match="document type or entity declaration"):
        run(GpxParser, BILLION_LAUGHS)


def test_a_doctype_split_across_read_chunks_is_still_refused(run: Run) -> None:
    # iterparse reads 16 KiB at a time; put the keyword across that boundary.
    padding = "<!--" + "x" * (16 * 1024 - len('<?xml version="1.0"?>\n') - 4 - 3 - 4) + "-->"
    text = '<?xml version="1.0"?>\n' + padding + BILLION_LAUGHS.split("\n", 1)[1]
    assert text.index("<!DOCTYPE") < 16 * 1024 < text.index("<!DOCTYPE") + 9
    with pytest.raises(NotThisFormat, match="document type"):
        run(GpxParser, text)


def test_a_doctype_in_utf16_is_refused(run: Run) -> None:
    data = BILLION_LAUGHS.replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>'
    )
    with pytest.raises(NotThisFormat, match="document type"):
        run(GpxParser, data.encode("utf-16"))


def test_utf16_without_a_doctype_is_read(run: Run) -> None:
    text = gpx(trkpt()).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    [record] = run(GpxParser, text.encode("utf-16"))
    assert isinstance(record, Observation)


def test_latin1_is_read(run: Run) -> None:
    text = gpx(
        '<wpt lat="45.1" lon="14.2"><name>Čerknica é</name><time>2024-05-01T10:00:00Z</time></wpt>'
    )
    text = text.replace("Č", "C").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    [record] = run(GpxParser, text.encode("latin-1"))
    assert isinstance(record, Observation)


def test_an_encoding_that_could_hide_markup_is_refused(run: Run) -> None:
    text = gpx(trkpt()).replace('encoding="UTF-8"', 'encoding="cp500"')
    with pytest.raises(NotThisFormat, match="encoding 'cp500'"):
        run(GpxParser, text)


def test_whitespace_before_the_xml_declaration_is_skipped(run: Run) -> None:
    [record] = run(GpxParser, "\n  " + gpx(trkpt()))
    assert isinstance(record, Observation)


def test_a_file_cut_off_inside_a_point_rejects_that_point_and_warns(
    run: Run, account: Account
) -> None:
    text = gpx(trkpt() + trkpt(lat="51.6"))
    cut = text[: text.rindex("<time>") + 3]
    records = run(GpxParser, cut)
    observation, rejection, warning = records
    assert isinstance(observation, Observation)
    assert isinstance(rejection, Rejection) and rejection.row == 2
    assert rejection.reason.startswith("point cut off by malformed XML")
    assert isinstance(warning, Warning) and "reading stopped after row 2" in warning.message
    assert account(records) == (1, 1)


def test_junk_after_the_document_is_a_warning(run: Run) -> None:
    records = run(GpxParser, gpx(trkpt()) + "<gpx>")
    assert isinstance(records[0], Observation) and isinstance(records[1], Warning)


def test_absurd_nesting_is_refused(run: Run) -> None:
    with pytest.raises(InputTooLarge, match="deep"):
        run(GpxParser, gpx("<a>" * 1000 + "</a>" * 1000))


def test_a_giant_text_node_is_refused(run: Run) -> None:
    with pytest.raises(InputTooLarge, match="MiB"):
        run(GpxParser, gpx("<desc>" + "x" * (17 * 1024 * 1024) + "</desc>"))


class _LazyGpx(io.RawIOBase):
    """A GPX file of ``points`` track points, generated as it is read."""

    def __init__(self, points: int) -> None:
        self._chunks = self._generate(points)
        self._pending = b""

    @staticmethod
    def _generate(points: int) -> Iterator[bytes]:
        yield gpx("<trk><trkseg>").split("</trk")[0].encode()[: -len("\n</gpx>\n")]
        for i in range(points):
            yield (
                f'<trkpt lat="51.{i:06d}" lon="-0.1"><ele>12.0</ele>'
                f"<time>2024-05-01T10:00:00Z</time><extensions><a>x</a></extensions></trkpt>\n"
            ).encode()
        yield b"</trkseg></trk></gpx>\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        while len(self._pending) < len(buffer):
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._pending += chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def test_memory_does_not_grow_with_the_number_of_points(london: object) -> None:
    points = 20_000  # about 2.5 MB of GPX; keeping finished points would cost over 10 MB
    tracemalloc.start()
    try:
        count = 0
        for record in GpxParser().parse(io.BufferedReader(_LazyGpx(points)), london):  # type: ignore[arg-type]
            assert isinstance(record, Observation)
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == points
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes: finished points are being kept"


# Real files. Expected counts were worked out from the files with grep/perl, independently of
# the parser: points = <trkpt>, <rtept> and <wpt> elements; loaded = those holding a <time>
# (minus the 1901 clock-not-set times in Mojstrovka.gpx); methods from <src> counts.
REAL_GPX = [
    # path, loaded, rejected
    ("reitti/gpslogger_20250619.gpx", 1483, 0),  # 1483 trkpt, all timed
    ("gpxpy/Mojstrovka.gpx", 0, 184),  # 184 trkpt, every time in 1901
    ("gpxpy/cerknicko-jezero.gpx", 297, 6),  # 296 timed trkpt + 7 wpt of which 1 timed
    ("gpxpy/korita-zbevnica.gpx", 513, 360),  # 871 trkpt (513 timed) + 2 untimed wpt
    ("gpxpy/around-visnjan-with-car.gpx", 104, 0),  # Garmin eTrex, one line
    ("gpxpy/gpx_with_garmin_extension.gpx", 1, 0),  # 1 wpt
    ("gpxpy/track_with_dilution_errors.gpx", 0, 3),  # wpt, rtept, trkpt, none timed
    ("dawarich/tracks/gpx__arc_example.gpx", 7, 0),  # 1 wpt + 6 trkpt, +07:00 times
    ("dawarich/tracks/gpx__garmin_example.gpx", 1, 0),
    ("dawarich/tracks/gpx__gpx_track_multiple_segments.gpx", 43, 0),
    ("dawarich/tracks/gpx__gpx_track_multiple_tracks.gpx", 34, 0),  # newline before <?xml
]


@pytest.mark.fixtures
@pytest.mark.parametrize(("relative", "loaded", "rejected"), REAL_GPX)
def test_real_gpx_files(
    run: Run,
    account: Account,
    real_file: Callable[[str], Path],
    relative: str,
    loaded: int,
    rejected: int,
) -> None:
    path = real_file(relative)
    assert GpxParser.recognise(Probe.of_path(path))
    records = run(GpxParser, path.read_bytes())
    assert account(records) == (loaded, rejected)
    assert not [r for r in records if isinstance(r, Warning)]


@pytest.mark.fixtures
def test_real_gpslogger_day(run: Run, real_file: Callable[[str], Path]) -> None:
    records = run(GpxParser, real_file("reitti/gpslogger_20250619.gpx").read_bytes())
    observations = [r for r in records if isinstance(r, Observation)]
    first, last = observations[0], observations[-1]
    assert (first.time, first.lat, first.lon) == (
        datetime(2025, 6, 18, 22, 0, 0, 129000, tzinfo=UTC),
        53.8633348,
        10.7011622,
    )
    assert (last.row, last.time) == (1483, datetime(2025, 6, 19, 11, 9, 57, 276000, tzinfo=UTC))
    # grep -c '<src>network' = 1457, '<src>gps' = 26
    assert Counter(o.method for o in observations) == {"fused": 1457, "gps": 26}


@pytest.mark.fixtures
def test_real_gpx_with_offset_times(run: Run, real_file: Callable[[str], Path]) -> None:
    [record] = run(GpxParser, real_file("dawarich/tracks/gpx__garmin_example.gpx").read_bytes())
    assert isinstance(record, Observation)
    assert record.time == datetime(2024, 11, 3, 9, 30, 11, 331000, tzinfo=UTC)  # 16:30:11.331+07:00
    assert record.method == "gps"  # <src>gps</src>


def test_an_overlong_declared_encoding_is_refused_not_crashed() -> None:
    # Found by fuzzing: a name longer than the old 40-character pattern reached expat.
    import io
    from zoneinfo import ZoneInfo

    from appliance.errors import NotThisFormat
    from appliance.parsers.base import ParseContext
    from appliance.parsers.gpx import GpxParser

    document = (
        b'<?xml version="1.0" encoding="' + b"x" * 60 + b'"?>'
        b'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"></gpx>'
    )
    with pytest.raises(NotThisFormat, match="encoding"):
        list(GpxParser().parse(io.BytesIO(document), ParseContext(ZoneInfo("UTC"))))
