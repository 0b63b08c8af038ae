"""Parser throughput and peak memory per format family, at growing file sizes.

For each family a synthetic file of the target size is written (a realistic record repeated
with varying times and positions), then parsed in a fresh process: the baseline in that same
process is reading and hashing the file (the floor any intake pays), and the parser's
throughput is printed as MB/s and as a ratio to it. Peak memory is the child's maximum
resident set: flat across sizes means the parser streams.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

MB = 1024 * 1024


def _cdr_rows() -> Iterator[str]:
    yield "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
    i = 0
    while True:
        yield (
            f"2024-04-{1 + i % 28:02d} {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d},"
            f"{'voice' if i % 3 else 'sms'},{'out' if i % 2 else 'in'},07700 900123,"
            f"+4477009{i % 500:05d},{i % 300},234-30-{1000 + i % 50}-{i % 9000},"
            "356938035643809,234300000000001\n"
        )
        i += 1


def _location_rows() -> Iterator[str]:
    yield "time,lat,lon,accuracy_m\n"
    i = 0
    while True:
        yield (
            f"2024-04-{1 + i % 28:02d}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z,"
            f"{51.5 + (i % 1000) * 1e-5:.6f},{-0.12 + (i % 777) * 1e-5:.6f},{5 + i % 40}\n"
        )
        i += 1


def _gpx_rows() -> Iterator[str]:
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="bench" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>\n'
    )
    i = 0
    while True:
        yield (
            f'<trkpt lat="{51.5 + (i % 1000) * 1e-5:.6f}" lon="{-0.12 + (i % 777) * 1e-5:.6f}">'
            f"<ele>{i % 90}</ele><time>2024-04-{1 + i % 28:02d}T{i // 3600 % 24:02d}:"
            f"{i // 60 % 60:02d}:{i % 60:02d}Z</time></trkpt>\n"
        )
        i += 1


def _records_rows() -> Iterator[str]:
    yield '{"locations": [\n'
    i = 0
    while True:
        sep = "" if i == 0 else ",\n"
        yield sep + json.dumps(
            {
                "latitudeE7": 515000000 + i % 100000,
                "longitudeE7": -1200000 + i % 77777,
                "accuracy": 10 + i % 50,
                "source": "WIFI" if i % 2 else "GPS",
                "timestamp": f"2024-04-{1 + i % 28:02d}T{i // 3600 % 24:02d}:"
                f"{i // 60 % 60:02d}:{i % 60:02d}.000Z",
            }
        )
        i += 1


def _opencellid_rows() -> Iterator[str]:
    i = 0
    while True:
        yield (
            f"LTE,234,30,{1000 + i % 500},{i},0,{-0.12 + (i % 777) * 1e-4:.6f},"
            f"{51.5 + (i % 1000) * 1e-4:.6f},{500 + i % 1500},12,1,1459692000,1459692000,0\n"
        )
        i += 1


def _nmea_checksum(body: str) -> str:
    value = 0
    for ch in body:
        value ^= ord(ch)
    return f"{value:02X}"


def _nmea_rows() -> Iterator[str]:
    i = 0
    while True:
        hhmmss = f"{i // 3600 % 24:02d}{i // 60 % 60:02d}{i % 60:02d}.00"
        lat = f"51{30 + (i % 1000) * 0.001:07.4f}"
        lon = f"000{7 + (i % 777) * 0.001:07.4f}"
        for body in (
            f"GPRMC,{hhmmss},A,{lat},N,{lon},W,0.5,54.7,{1 + i // 86400 % 28:02d}0424,,,A",
            f"GPGGA,{hhmmss},{lat},N,{lon},W,1,08,0.9,45.4,M,46.9,M,,",
        ):
            yield f"${body}*{_nmea_checksum(body)}\r\n"
        i += 1


def _kml_rows() -> Iterator[str]:
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2" '
        'xmlns:gx="http://www.google.com/kml/ext/2.2"><Document><Placemark><gx:Track>\n'
    )
    i = 0
    while True:
        yield (
            f"<when>2024-04-{1 + i % 28:02d}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:"
            f"{i % 60:02d}Z</when><gx:coord>{-0.12 + (i % 777) * 1e-5:.6f} "
            f"{51.5 + (i % 1000) * 1e-5:.6f} 12</gx:coord>\n"
        )
        i += 1


def _cellebrite_field(name: str, value: str, kind: str = "String") -> str:
    return f'<field name="{name}" type="{kind}"><value type="{kind}">{value}</value></field>'


def _cellebrite_rows() -> Iterator[str]:
    yield (
        '<?xml version="1.0" encoding="utf-8"?>\n<project id="bench" '
        'xmlns="http://pa.cellebrite.com/report/2.0"><decodedData><modelType type="Call">\n'
    )
    i = 0
    while True:
        when = (
            f"2024-04-{1 + i % 28:02d}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:"
            f"{i % 60:02d}.000+00:00"
        )
        owner, other = ("From", "To") if i % 2 else ("To", "From")
        yield (
            f'<model type="Call" id="c{i}" deleted_state="Intact" decoding_confidence="High">'
            + _cellebrite_field("Type", "Outgoing" if i % 2 else "Incoming")
            + f'<field name="TimeStamp" type="TimeStamp"><value type="TimeStamp">{when}'
            "</value></field>"
            + _cellebrite_field("Duration", f"00:00:{i % 60:02d}", "TimeSpan")
            + '<multiModelField name="Parties">'
            + '<model type="Party">'
            + _cellebrite_field("Identifier", "+447700900123")
            + _cellebrite_field("Role", owner, "PartyRole")
            + _cellebrite_field("IsPhoneOwner", "True", "Boolean")
            + '</model><model type="Party">'
            + _cellebrite_field("Identifier", f"+4477009{i % 500:05d}")
            + _cellebrite_field("Role", other, "PartyRole")
            + "</model></multiModelField></model>\n"
        )
        i += 1


def _google_timeline_rows() -> Iterator[str]:
    yield '{"semanticSegments": [\n'
    i = 0
    while True:
        sep = "" if i == 0 else ",\n"
        day = f"2024-04-{1 + i % 28:02d}"
        yield sep + json.dumps(
            {
                "startTime": f"{day}T10:00:00.000+01:00",
                "endTime": f"{day}T11:00:00.000+01:00",
                "timelinePath": [
                    {
                        "point": f"{51.5 + (i % 1000) * 1e-5:.6f}°, {-0.12 + k * 1e-4:.6f}°",
                        "time": f"{day}T10:{k * 5:02d}:00.000+01:00",
                    }
                    for k in range(10)
                ],
            },
            ensure_ascii=False,
        )
        i += 1


def _vast_rows() -> Iterator[str]:
    yield "From,To,Datetime,Duration(seconds),Cell Tower\r\n"
    i = 0
    while True:
        yield (
            f"{i % 400},{(i * 7) % 400},200606{1 + i % 10:02d} {i // 60 % 24:02d}{i % 60:02d},"
            f"{i % 2000},{1 + i % 30}\r\n"
        )
        i += 1


# family: (file name, row generator, closing text)
FAMILIES: dict[str, tuple[str, Callable[[], Iterator[str]], str]] = {
    "cdr_csv": ("cdr.csv", _cdr_rows, ""),
    "location_csv": ("locations.csv", _location_rows, ""),
    "gpx": ("track.gpx", _gpx_rows, "</trkseg></trk></gpx>\n"),
    "google_records": ("Records.json", _records_rows, "\n]}\n"),
    "opencellid": ("cells.csv", _opencellid_rows, ""),
    "nmea": ("receiver.nmea", _nmea_rows, ""),
    "kml": ("track.kml", _kml_rows, "</gx:Track></Placemark></Document></kml>\n"),
    "cellebrite": ("report.xml", _cellebrite_rows, "</modelType></decodedData></project>\n"),
    "google_timeline": ("Timeline.json", _google_timeline_rows, "\n]}\n"),
    "vast2008": ("vast_cdr.csv", _vast_rows, ""),
}


def write_sample(family: str, folder: Path, size: int) -> Path:
    """A file of about ``size`` bytes in ``family``'s format."""
    name, rows, closing = FAMILIES[family]
    path = folder / f"{size // MB}MB-{name}"
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for row in rows():
            out.write(row)
            written += len(row)
            if written >= size:
                break
        out.write(closing)
    return path


def _measure(family: str, path: Path) -> dict[str, float]:
    """In this process: hash the file (baseline), then parse it; times and peak memory."""
    from appliance.parsers.base import ParseContext
    from appliance.parsers.registry import by_name
    from appliance.timeutil import zone

    size = path.stat().st_size
    started = time.perf_counter()
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        while chunk := raw.read(MB):
            digest.update(chunk)
    hash_s = time.perf_counter() - started
    parser = by_name(family)()
    started = time.perf_counter()
    records = 0
    with path.open("rb") as raw:
        stream: BinaryIO = raw
        if path.suffix == ".gz":
            stream = gzip.GzipFile(fileobj=raw)  # type: ignore[assignment]
        for _ in parser.parse(stream, ParseContext(timezone=zone("Europe/London"))):
            records += 1
    parse_s = time.perf_counter() - started
    return {
        "mb": size / MB,
        "records": records,
        "hash_mb_s": size / MB / hash_s,
        "parse_mb_s": size / MB / parse_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run(sizes_mb: list[int]) -> None:
    print("formats: parser throughput and peak memory (baseline: hashing the same file)")
    print(
        f"  {'family':<16}{'size':>8}{'records':>12}{'parse MB/s':>12}{'x hashing':>11}"
        f"{'peak MB':>9}"
    )
    with tempfile.TemporaryDirectory(prefix="appliance-bench-formats-") as tmp:
        for family in FAMILIES:
            for size_mb in sizes_mb:
                path = write_sample(family, Path(tmp), size_mb * MB)
                out = subprocess.run(
                    [sys.executable, "-m", "appliance.bench.formats", family, str(path)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                path.unlink()
                m = json.loads(out)
                print(
                    f"  {family:<16}{m['mb']:>7.0f}M{m['records']:>12,}{m['parse_mb_s']:>12.1f}"
                    f"{m['parse_mb_s'] / m['hash_mb_s']:>11.3f}{m['peak_mb']:>9.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    print(json.dumps(_measure(sys.argv[1], Path(sys.argv[2]))))
