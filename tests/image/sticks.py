"""FAT32 stick images for the booted appliance, made with mkfs.vfat and mcopy like a real stick.

The first holds real exports from ../shared/fixtures when that folder is there (never copied
into the repository), and always one generated CDR whose canary string must never appear in the
clear on the appliance's disk. The second is for the power cut: a small file, then one large
enough that sealing it takes seconds under TCG.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from intake.images import run, sha256sum, tool

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
REAL_EXPORTS = [
    "vast2008_cdr/cdr.csv",
    "togo_cdr_course/cdr.csv",
    "gpxpy/korita-zbevnica.gpx",
    "reitti/Records.json",
]
CANARY = "CANARY-image-7f3e91"
CDR = (
    "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
    "2024-03-30T22:30:00Z,voice,out,07700 900123,+447700900456,61,,,\n"
    f"2024-03-31T09:00:00Z,sms,out,07700 900123,+447700900456,,,,{CANARY}\n"
)
LARGE_MIB = 160


@dataclass(frozen=True)
class Stick:
    image: Path
    files: list[str]
    sha256: str


def _fat32(image: Path, files: dict[str, Path], mib: int) -> Stick:
    run(tool("mkfs.vfat"), "-C", "-F", "32", "-n", "EVIDENCE", image, str(mib * 1024))
    env = {"MTOOLS_SKIP_CHECK": "1"}
    for name, source in files.items():
        run(tool("mcopy"), "-m", "-i", image, source, f"::/{name}", env=env)
    return Stick(image, sorted(files), sha256sum(image))


def exports_stick(folder: Path) -> Stick:
    files: dict[str, Path] = {}
    for rel in REAL_EXPORTS:
        if (FIXTURES / rel).is_file():
            files[rel.replace("/", "-")] = FIXTURES / rel
    generated = folder / "suspect_cdr.csv"
    generated.write_text(CDR)
    files["suspect_cdr.csv"] = generated
    return _fat32(folder / "exports.img", files, 64)


def large_stick(folder: Path) -> Stick:
    small = folder / "a-first.csv"
    small.write_text(CDR.replace("22:30:00Z", "23:45:00Z"))  # not a duplicate of the first stick
    large = folder / "b-large.bin"
    large.write_bytes(random.Random(11).randbytes(LARGE_MIB * 1024 * 1024))
    stick = _fat32(
        folder / "large.img", {"a-first.csv": small, "b-large.bin": large}, LARGE_MIB + 64
    )
    large.unlink()
    return stick
