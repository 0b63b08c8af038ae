"""The intake's work inside the confinement its unit asks for, without a running systemd.

Two directives can break a Python program in ways `systemd-analyze` cannot see:
MemoryDenyWriteExecute= (JIT-like code, executable stacks, text relocations, libffi closures)
and SystemCallFilter= (any system call outside the set kills or fails). So the intake's work
(tests/units/intake_work.py: the CLI's imports, udev properties, The Sleuth Kit reading a FAT
stick read-only, sealing with X25519 and AES-GCM, a ctypes callback) runs here once under the
same seccomp filter systemd 252 installs for MemoryDenyWriteExecute=yes, and once under strace,
whose system calls must all lie inside the unit's SystemCallFilter= as systemd resolves it.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from .test_units import INTAKE, read_unit

WORK = Path(__file__).with_name("intake_work.py")
CDR = (
    "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
    "2024-03-30 23:30:00,voice,out,07700 900123,07700 900456,12,234-30-100-1,,\n"
)


@pytest.fixture
def home(tmp_path: Path) -> str:
    """An appliance home whose active case the intake seals into (made outside the sandbox)."""
    env = {**os.environ, "APPLIANCE_PASSPHRASE": "sandbox"}
    for args in (["case", "new", "SANDBOX"], ["case", "use", "SANDBOX"]):
        subprocess.run(
            [sys.executable, "-m", "appliance", "--home", str(tmp_path / "home"), *args],
            env=env,
            check=True,
            capture_output=True,
        )
    return str(tmp_path / "home")


@pytest.fixture(scope="module")
def stick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A FAT stick image holding EVIDENCE.CSV, attached read-only as a loop device if we may."""
    for tool in ("mkfs.vfat", "mcopy"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian: dosfstools, mtools)")
    folder = tmp_path_factory.mktemp("stick")
    image = folder / "stick.img"
    with image.open("wb") as handle:
        handle.truncate(8 * 1024 * 1024)
    subprocess.run(["mkfs.vfat", "-n", "EVIDENCE", str(image)], check=True, capture_output=True)
    (folder / "evidence.csv").write_text(CDR)
    subprocess.run(
        ["mcopy", "-i", str(image), str(folder / "evidence.csv"), "::EVIDENCE.CSV"], check=True
    )
    node = ""
    if shutil.which("losetup") and os.access("/dev/loop-control", os.W_OK):
        done = subprocess.run(
            ["losetup", "-f", "--show", "-r", str(image)], capture_output=True, text=True
        )
        node = done.stdout.strip() if done.returncode == 0 else ""
    try:
        yield node or str(image)
    finally:
        if node:
            subprocess.run(["losetup", "-d", node], check=True)


def expected_digest() -> str:
    return hashlib.sha256(CDR.encode()).hexdigest()


def test_the_intakes_work_runs_without_writable_executable_memory(stick: str, home: str) -> None:
    if platform.machine() != "x86_64":
        pytest.skip("the seccomp filter here is written for x86-64 system call numbers")
    done = subprocess.run(
        [sys.executable, str(WORK), "--deny-write-execute", stick, home],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 and "SKIP" in done.stderr:
        pytest.skip(done.stderr.strip())
    assert done.returncode == 0, done.stderr[-3000:]
    assert "W+X MAPPING REFUSED" in done.stdout  # the filter was in force
    assert f"WORK DONE {expected_digest()}" in done.stdout


@cache
def syscall_set(name: str) -> frozenset[str]:
    """A system call, or a @group expanded the way this machine's systemd expands it."""
    if not name.startswith("@"):
        return frozenset({name})
    listing = subprocess.run(
        ["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, check=True
    ).stdout
    members: set[str] = set()
    for line in listing.splitlines()[1:]:
        entry = line.strip()
        if entry and not entry.startswith("#"):
            members |= syscall_set(entry)
    return frozenset(members)


def unit_environment() -> dict[str, str]:
    """Environment= of the unit: the intake runs with it on the appliance."""
    values = read_unit(INTAKE)["Service"].get("Environment", [])
    return dict(value.split("=", 1) for value in values)


def unit_allows() -> set[str]:
    """SystemCallFilter= as systemd reads it: an allow list first, later ~lists taken away."""
    filters = read_unit(INTAKE)["Service"]["SystemCallFilter"]
    assert not filters[0].startswith("~"), "the intake's filter is an allow list"
    allowed: set[str] = set()
    for value in filters:
        names = value.removeprefix("~").split()
        group = set().union(*(syscall_set(name) for name in names))
        allowed = allowed - group if value.startswith("~") else allowed | group
    return allowed


def test_the_intakes_system_calls_are_all_inside_the_units_filter(
    stick: str, home: str, tmp_path: Path
) -> None:
    for tool in ("strace", "systemd-analyze"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    trace = tmp_path / "trace"
    done = subprocess.run(
        ["strace", "-f", "-qq", "-o", str(trace), sys.executable, str(WORK), stick, home],
        env={**os.environ, **unit_environment()},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 and "ptrace" in done.stderr:
        pytest.skip(f"strace cannot trace here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"WORK DONE {expected_digest()}" in done.stdout
    used = set(re.findall(r"^\d+\s+([a-z0-9_]+)\(", trace.read_text(), re.MULTILINE))
    assert len(used) > 20  # the trace is real
    # fchown: SQLite as root; refused (EPERM) under the unit, and the intake above ran with it
    # refused, so it is harmless there.
    assert used - unit_allows() <= {"fchown"}
    # "It opens no socket at all": why RestrictAddressFamilies= can be this tight.
    assert "socket" not in used
