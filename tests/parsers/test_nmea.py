"""NMEA 0183: one Observation per epoch, dates carried from RMC, noise and damage accounted for."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from appliance.errors import NotThisFormat
from appliance.model import Observation, Rejection, Warning
from appliance.parsers.base import ParseContext, Probe
from appliance.parsers.nmea import MAX_LINE_BYTES, NmeaParser

from .conftest import Account, Run


def sentence(body: str, checksum: str | None = "auto") -> str:
    """``$body*HH`` with a correct checksum (or the one given, or none), ending in CR LF."""
    computed = 0
    for byte in body.encode("ascii"):
        computed ^= byte
    suffix = "" if checksum is None else f"*{computed:02X}" if checksum == "auto" else checksum
    return f"${body}{suffix}\r\n"


def rmc(time: str = "103607.00", day: str = "060321", status: str = "A", talker: str = "GN") -> str:
    return sentence(f"{talker}RMC,{time},{status},5327.03942,N,00214.42462,W,0.046,,{day},,,A,V")


def gga(
    time: str = "103607.00", quality: str = "1", talker: str = "GN", lat: str = "5327.03942"
) -> str:
    return sentence(f"{talker}GGA,{time},{lat},N,00214.42462,W,{quality},06,5.88,56.0,M,48.5,M,,")


def gll(time: str = "103607.00", status: str = "A") -> str:
    return sentence(f"GNGLL,5327.03942,N,00214.42462,W,{time},{status},A")


def gns(time: str = "103607.00", modes: str = "AANN") -> str:
    return sentence(f"GNGNS,{time},5327.03942,N,00214.42462,W,{modes},06,5.88,56.0,48.5,,,V")


GSV = sentence("GPGSV,1,1,00,1")
LAT = 53 + 27.03942 / 60
LON = -(2 + 14.42462 / 60)


def observations(records: list[object]) -> list[Observation]:
    return [r for r in records if isinstance(r, Observation)]


def reasons(records: list[object]) -> dict[int, str]:
    return {r.row: r.reason for r in records if isinstance(r, Rejection)}


# --- recognition ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [rmc(), GSV + gga(), "\r\n" + gll(), sentence("PUBX,00,103607.00") + rmc()],
)
def test_recognises_sentences_with_valid_checksums(text: str) -> None:
    assert NmeaParser.recognise(Probe("log.txt", text.encode())) is not None


def test_recognises_a_sentence_after_binary_noise() -> None:
    data = b"\xb5b\x01\x07\\\x00xSK\x02" + gga().encode()
    reason = NmeaParser.recognise(Probe("ubx.log", data))
    assert reason == "NMEA 0183 sentence $GNGGA with a valid checksum on line 1"


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1">\n' + rmc(),
        '<kml xmlns="http://www.opengis.net/kml/2.2">',
        '{"locations": []}\n' + rmc(),
        "time,lat,lon,accuracy_m\n2024-05-01T10:00:00Z,51.5,-0.1,5\n",
        "the receiver said " + rmc(),  # a sentence quoted in prose
        rmc().replace("*", "*0"),  # checksum wrong
        sentence("GNRMC,103607.00,A", checksum=None),  # no checksum at all
    ],
)
def test_does_not_recognise_other_files(text: str) -> None:
    assert NmeaParser.recognise(Probe("t.txt", text.encode())) is None


# --- sentences ------------------------------------------------------------------------------


def test_rmc_is_placed_in_utc_whatever_the_declared_zone(run: Run) -> None:
    tokyo = ParseContext(ZoneInfo("Asia/Tokyo"))
    [record] = run(NmeaParser, rmc(), tokyo)
    assert record == Observation(
        row=1, time=datetime(2021, 3, 6, 10, 36, 7, tzinfo=UTC), lat=LAT, lon=LON, method="gps"
    )


def test_southern_and_eastern_hemispheres_and_fractional_seconds(run: Run) -> None:
    text = sentence("GPRMC,235959.250,A,3351.5000,S,15112.6000,E,0.0,0.0,311299,,")
    [record] = run(NmeaParser, text)
    assert isinstance(record, Observation)
    assert record.time == datetime(1999, 12, 31, 23, 59, 59, 250000, tzinfo=UTC)
    assert (record.lat, record.lon) == (pytest.approx(-33.858333), pytest.approx(151.21))


@pytest.mark.parametrize("talker", ["GP", "GN", "GL", "GA", "GB", "BD", "QZ", "GQ", "GI"])
def test_every_talker_is_read(run: Run, talker: str) -> None:
    [record] = run(NmeaParser, rmc(talker=talker) + gga(time="103608.00", talker=talker))[:1]
    assert isinstance(record, Observation)


def test_gga_gll_gns_take_the_date_of_the_last_rmc(run: Run, account: Account) -> None:
    text = rmc("103607.00") + gga("103608.00") + gll("103609.00") + gns("103610.00")
    records = run(NmeaParser, text)
    assert account(records) == (4, 0)
    times = [r.time for r in observations(records)]
    assert times == [datetime(2021, 3, 6, 10, 36, s, tzinfo=UTC) for s in (7, 8, 9, 10)]


def test_date_rolls_over_when_the_time_of_day_goes_back_past_midnight(run: Run) -> None:
    text = rmc("235959.00", "300324") + gga("000001.00") + gga("000002.00")
    records = run(NmeaParser, text)
    times = [r.time for r in observations(records)]
    assert times == [
        datetime(2024, 3, 30, 23, 59, 59, tzinfo=UTC),
        datetime(2024, 3, 31, 0, 0, 1, tzinfo=UTC),
        datetime(2024, 3, 31, 0, 0, 2, tzinfo=UTC),
    ]
    [warning] = [r for r in records if isinstance(r, Warning)]
    assert warning.row == 2 and "next day, 2024-03-31" in warning.message


def test_a_small_step_back_is_not_a_new_day(run: Run) -> None:
    records = run(NmeaParser, rmc("120005.00", "300324") + gga("120004.00"))
    assert [r.time.day for r in observations(records)] == [30, 30]


def test_no_date_before_the_first_rmc(run: Run, account: Account) -> None:
    records = run(NmeaParser, gga("103606.00") + gll("103606.50") + rmc("103607.00"))
    assert account(records) == (1, 2)
    assert reasons(records)[1].startswith("no date yet")
    assert reasons(records)[2].startswith("no date yet")


def test_an_rmc_later_in_the_same_epoch_dates_it(run: Run, account: Account) -> None:
    """SiRF order: GGA first, then RMC, at the same second. The RMC is loaded."""
    records = run(NmeaParser, gga() + GSV + rmc())
    assert account(records) == (1, 1)
    assert observations(records)[0].row == 3
    assert reasons(records) == {1: "duplicate of the GNRMC at row 3 for the same epoch"}


def test_one_observation_per_epoch(run: Run, account: Account) -> None:
    text = rmc() + gns() + gga() + GSV + gll() + gga(talker="IN")
    records = run(NmeaParser, text)
    assert account(records) == (1, 4)
    assert observations(records)[0].row == 1
    assert set(reasons(records)) == {2, 3, 5, 6}
    assert all("duplicate of the GNRMC at row 1" in r for r in reasons(records).values())
    assert not [r for r in records if isinstance(r, Warning) and "another position" in r.message]


def test_without_rmc_gga_is_preferred_and_a_disagreement_is_reported(run: Run) -> None:
    records = run(NmeaParser, rmc("103606.00") + gll() + gga(lat="5327.99999"))
    loaded = observations(records)[-1]
    assert loaded.row == 3
    [warning] = [r for r in records if isinstance(r, Warning)]
    assert "GNGLL at row 2" in warning.message and warning.row == 3


def test_gst_gives_the_radius(run: Run) -> None:
    text = rmc() + sentence("GNGST,103607.00,38,60,38,89,3,4,31") + gga("103608.00")
    records = observations(run(NmeaParser, text))
    assert records[0].radius_m == pytest.approx(5.0)
    assert records[1].radius_m is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (rmc(status="V"), "no fix (RMC status 'V')"),
        (gga(quality="0"), "no fix (GGA quality '0')"),
        (gga(quality="6"), "estimated (dead reckoning) position, not a satellite fix"),
        (gga(quality="8"), "simulated position, not a satellite fix"),
        (gll(status="V"), "no fix (GLL status 'V')"),
        (gns(modes="NNNN"), "no fix (GNS mode 'NNNN')"),
        (sentence("GNRMC,103607.00,A,5327.03942,N,00214.42462,W,0,,060321,,,E"), "estimated"),
        (sentence("GNRMC,,V,,,,,,,,,,N,V"), "no fix"),
        (rmc(time="256000.00"), "unreadable time '256000.00'"),
        (rmc(day="310221"), "unreadable date '310221'"),
        (sentence("GNRMC,103607.00,A,5367.0,N,00214.42462,W,0,,060321,,"), "minutes 60"),
        (sentence("GNRMC,103607.00,A,0000.000,N,00000.000,E,0,,060321,,"), "null island"),
        (sentence("GNRMC,103607.00,A,5327.03942,X,00214.42462,W,0,,060321,,"), "hemisphere"),
        (rmc().replace("*", "*0"), "checksum mismatch"),
        (sentence("GNRMC,103607.00,A,5327.03942,N,00214.42462,W,0,,060321", None), "no checksum"),
        (GSV.replace("*", "*1"), "checksum mismatch"),  # damage may be in the address
    ],
)
def test_rejections(run: Run, account: Account, text: str, reason: str) -> None:
    records = run(NmeaParser, rmc("000000.00") + text)
    assert account(records)[1] == 1
    assert reason in reasons(records)[2]


def test_binary_noise_is_one_warning_per_run_and_not_rows(run: Run, account: Account) -> None:
    ubx = b"\xb5b\x01\x07\\\x00xSK\x02\n\x00\xff\r\n\x01\x02"
    data = ubx + rmc().encode() + GSV.encode() + ubx + gga("103608.00").encode() + b"junk\n"
    records = run(NmeaParser, data)
    assert account(records) == (2, 0)
    noise = [r for r in records if isinstance(r, Warning) and "not NMEA" in r.message]
    # 10 bytes on the first line, 2 on the second (its CR is a line end), 2 before the "$".
    skipped = "bytes that are not NMEA sentences (binary data or damaged text) skipped on"
    assert [(w.row, w.message) for w in noise] == [
        (1, f"14 {skipped} lines 1-3"),
        (5, f"14 {skipped} lines 5-7"),
        (8, f"4 {skipped} line 8"),
    ]
    assert [r.row for r in observations(records)] == [3, 7]


def test_other_sentences_are_counted_not_rows(run: Run, account: Account) -> None:
    records = run(NmeaParser, rmc() + GSV + GSV + sentence("PUBX,00,1"))
    assert account(records) == (1, 0)
    assert records[-1] == Warning(
        4, "3 sentences carry no position this parser reads and are not rows (GSV 2, PUBX 1)"
    )


def test_a_sentence_after_an_over_long_binary_line_is_read(run: Run, account: Account) -> None:
    data = b"\x00" * (MAX_LINE_BYTES * 2 + 17) + rmc().encode()
    records = run(NmeaParser, data)
    assert account(records) == (1, 0)
    assert observations(records)[0].row == 1


def test_a_file_without_a_valid_sentence_is_not_nmea(run: Run) -> None:
    with pytest.raises(NotThisFormat, match="no NMEA 0183 sentence"):
        run(NmeaParser, "time,lat,lon\n2024-05-01T10:00:00Z,51.5,-0.1\n")


def test_accounting_over_a_long_log(run: Run, account: Account) -> None:
    lines = []
    for second in range(3600):
        time = f"10{second // 60:02d}{second % 60:02d}.00"
        lines += [rmc(time) if second % 10 == 0 else "", gga(time), GSV, gll(time)]
    records = run(NmeaParser, "".join(lines))
    loaded, rejected = account(records)
    # Every second is loaded once; each epoch's other sentences are duplicates.
    assert (loaded, rejected) == (3600, 3600 + 360)


# --- real files (MANIFEST.md §3, semuconsulting/pynmeagps test logs) -----------------------

# Counts worked out by reading each file line by line (cat -A) and checking each checksum:
# * nmea4: position rows are lines 2 (GNRMC), 6 (GNGNS), 7 (GNGGA), 20 (GNGLL) and 49 (INGGA),
#   all at 10:36:07.00 on 06/03/21, one epoch: the RMC is loaded, the other four are duplicates.
#   Its GST (line 25) gives sd_lat 15, sd_lon 24, so the radius is sqrt(15^2+24^2) = 28.3 m.
#   The RMC's longitude was hand-edited to 102°W in the test file; the other four say 2°W,
#   so four disagreement warnings are expected.
# * nmeabadck: three RMCs; lines 1 and 3 (speed "XXXXX") fail their checksum (7A given, 7B
#   computed), line 2 loads.
# * nmeastartup: RMC status V (line 1), GGA quality 0 (line 3), GLL status V (line 12): no fix.
# * mixed: UBX binary with two GNGGA (lines 6 and 21) and no RMC: both "no date yet"; two runs
#   of binary noise (lines 1-6 and 16-21).
# * unicore: GGAH (1), GLLH (2), GNSH (3) come before the only RMCH (54): "no date yet"; the
#   RMCH loads.
# * kenwood, trimble: only proprietary ($P...) and non-position sentences: no rows.
REAL_COUNTS = {
    "pygpsdata-nmea4.log": (1, 4),
    "pygpsdata-nmeabadck.log": (1, 2),
    "pygpsdata-nmeastartup.log": (0, 3),
    "pygpsdata-mixed.log": (0, 2),
    "unicore_nmea.log": (1, 3),
    "kenwood_nmea.log": (0, 0),
    "trimble_nmea.log": (0, 0),
}


@pytest.mark.fixtures
@pytest.mark.parametrize("name", sorted(REAL_COUNTS))
def test_real_logs(run: Run, account: Account, real_file: Callable[[str], Path], name: str) -> None:
    path = real_file(f"pynmeagps/{name}")
    assert NmeaParser.recognise(Probe.of_path(path)) is not None
    records = run(NmeaParser, path.read_bytes())
    assert account(records) == REAL_COUNTS[name]


@pytest.mark.fixtures
def test_real_multi_gnss_epoch(run: Run, real_file: Callable[[str], Path]) -> None:
    records = run(NmeaParser, real_file("pynmeagps/pygpsdata-nmea4.log").read_bytes())
    [loaded] = observations(records)
    assert loaded.row == 2
    assert loaded.time == datetime(2021, 3, 6, 10, 36, 7, tzinfo=UTC)
    assert loaded.radius_m == pytest.approx(28.3019, abs=1e-3)
    assert reasons(records) == {
        row: "duplicate of the GNRMC at row 2 for the same epoch" for row in (6, 7, 20, 49)
    }
    disagreements = [r for r in records if isinstance(r, Warning) and "another" in r.message]
    assert len(disagreements) == 4


@pytest.mark.fixtures
def test_real_mixed_ubx_noise(run: Run, real_file: Callable[[str], Path]) -> None:
    records = run(NmeaParser, real_file("pynmeagps/pygpsdata-mixed.log").read_bytes())
    noise = [r for r in records if isinstance(r, Warning) and "not NMEA" in r.message]
    assert [w.row for w in noise] == [1, 16]
    assert "lines 1-6" in noise[0].message and "lines 16-21" in noise[1].message


@pytest.mark.fixtures
def test_real_bad_checksums(run: Run, real_file: Callable[[str], Path]) -> None:
    records = run(NmeaParser, real_file("pynmeagps/pygpsdata-nmeabadck.log").read_bytes())
    assert reasons(records) == {
        1: "checksum mismatch (sentence says 7A, content gives 7B)",
        3: "checksum mismatch (sentence says 7A, content gives 7B)",
    }


def test_a_repeated_sentence_is_a_duplicate(account: Account, london: ParseContext) -> None:
    records = list(NmeaParser().parse(io.BytesIO((rmc() * 2).encode()), london))
    assert account(records) == (1, 1)
    assert reasons(records) == {2: "duplicate of the GNRMC at row 1 for the same epoch"}
