"""``appliance bench stick``: intake of a 1 GB stick image against ``sha256sum`` of the same image.

The image is a real FAT32 file system made by ``mkfs.vfat`` and filled by ``mcopy`` (Debian's
dosfstools and mtools), mostly with incompressible data, as a stick of phone exports would be.
The intake is the unattended one (read through The Sleuth Kit, hash, seal with AES-256-GCM,
write and fsync, record in the ledger) as a whole process; the baseline is coreutils'
``sha256sum`` reading the whole image, run in the same session, before and after, with the page
cache warmed first so both read from memory and neither is measuring the disk. Peak memory is
each child's own maximum resident set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MB = 1024 * 1024
TARGET_RATIO = 0.6


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if not found:
        raise SystemExit(
            f"bench stick needs {name} (Debian dosfstools/mtools); run `make system-deps` as root"
        )
    return found


def build_image(folder: Path, size_mb: int) -> tuple[Path, int]:
    """A FAT32 image of ``size_mb`` MB, about 90 % full; returns it and the bytes in files."""
    image = folder / "stick.img"
    subprocess.run(
        [_tool("mkfs.vfat"), "-F", "32", "-n", "BENCH", "-C", str(image), str(size_mb * 1024)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
    files = folder / "files"
    files.mkdir()
    payload = 0
    piece = max(1, size_mb * 9 // 10 // 8)
    for n in range(8):
        path = files / f"extraction-{n}.bin"
        with path.open("wb") as out:
            for _ in range(piece):
                out.write(os.urandom(MB))
        payload += path.stat().st_size
    calls = files / "calls.csv"
    calls.write_text(
        "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
        + "".join(
            f"2024-03-{1 + i % 28:02d}T12:{i % 60:02d}:00Z,voice,out,07700900123,07700900456,"
            f"{i % 300},,,\n"
            for i in range(20_000)
        )
    )
    payload += calls.stat().st_size
    subprocess.run(
        [_tool("mcopy"), "-i", str(image), *map(str, sorted(files.iterdir())), "::/"],
        check=True,
        env=env,
    )
    shutil.rmtree(files)
    return image, payload


def _timed_child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child, measured by a wrapper of its own."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL)\n"
        "print(time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *args], check=True, capture_output=True, text=True, env=env
    ).stdout.split()
    return float(out[0]), float(out[1])


def _warm(path: Path) -> None:
    with path.open("rb") as handle:
        while handle.read(8 * MB):
            pass


def run(quick: bool) -> None:
    size_mb = 128 if quick else 1024
    with tempfile.TemporaryDirectory(prefix="appliance-bench-stick-") as tmp:
        folder = Path(tmp)
        image, payload = build_image(folder, size_mb)
        size = image.stat().st_size
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")},
            "APPLIANCE_HOME": str(folder / "home"),
            "APPLIANCE_PASSPHRASE": "bench",
        }
        subprocess.run(
            [sys.executable, "-m", "appliance", "case", "new", "BENCH"],
            env=env,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        _warm(image)
        sha_before, sha_mem = _timed_child([_tool("sha256sum"), str(image)])
        # The unattended service's path: no passphrase, the active case's public key only.
        subprocess.run(
            [sys.executable, "-m", "appliance", "case", "use", "BENCH"],
            env=env,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        unattended = {k: v for k, v in env.items() if k != "APPLIANCE_PASSPHRASE"}
        intake_s, intake_mem = _timed_child(
            [sys.executable, "-m", "appliance", "intake", "--unattended", str(image)], unattended
        )
        _warm(image)
        sha_after, _ = _timed_child([_tool("sha256sum"), str(image)])
        sha_s = min(sha_before, sha_after)
        sealed = sum(p.stat().st_size for p in (folder / "home" / "BENCH" / "evidence").iterdir())
        startup_s, _ = _timed_child([sys.executable, "-c", "import appliance.cli.commands"])
    ratio = sha_s / intake_s
    print(
        f"stick: {size / MB:,.0f} MB FAT32 image (mkfs.vfat + mcopy), {payload / MB:,.0f} MB in "
        f"9 files; one pass: read (The Sleuth Kit), SHA-256, AES-256-GCM seal, fsync, ledger\n"
        f"  sha256sum of the image     {sha_s:8.2f} s  {size / MB / sha_s:8.0f} MB/s  "
        f"peak {sha_mem:6.0f} MB  (best of before and after)\n"
        f"  appliance intake (process) {intake_s:8.2f} s  {size / MB / intake_s:8.0f} MB/s  "
        f"peak {intake_mem:6.0f} MB  (of which {startup_s:.2f} s is start-up and imports)\n"
        f"  ratio {ratio:.2f} of sha256sum's throughput over the same image (target >= "
        f"{TARGET_RATIO}); the intake reads the files ({payload / MB:,.0f} MB), sha256sum the "
        f"whole image; sealed store {sealed / MB:,.0f} MB"
    )


if __name__ == "__main__":
    run("--quick" in sys.argv)
