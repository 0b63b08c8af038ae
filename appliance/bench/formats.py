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


# family: (file name, row generator, closing text)
FAMILIES: dict[str, tuple[str, Callable[[], Iterator[str]], str]] = {
    "cdr_csv": ("cdr.csv", _cdr_rows, ""),
    "location_csv": ("locations.csv", _location_rows, ""),
    "gpx": ("track.gpx", _gpx_rows, "</trkseg></trk></gpx>\n"),
    "google_records": ("Records.json", _records_rows, "\n]}\n"),
    "opencellid": ("cells.csv", _opencellid_rows, ""),
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
