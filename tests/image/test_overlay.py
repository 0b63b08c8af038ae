"""The image's own files, checked without building it (these run in the default suite).

Every appliance unit (the repository's and the image's) keeps its own empty network namespace;
the units are valid for systemd; USBGuard's policy blocks by default and rejects storage+HID
composites before anything could allow them; the overlay never carries a copy of a file that
lives in udev/ or systemd/ (one source of truth).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OVERLAY = REPO / "image-build" / "overlay"
UNITS = OVERLAY / "usr" / "lib" / "systemd" / "system"
APPLIANCE_UNITS = sorted(
    [*UNITS.glob("appliance-*.service"), *(REPO / "systemd").glob("appliance-*.service")]
)


def _directives(unit: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


@pytest.mark.parametrize("unit", APPLIANCE_UNITS, ids=lambda p: p.name)
def test_every_appliance_unit_has_a_private_network(unit: Path) -> None:
    assert _directives(unit).get("PrivateNetwork") == ["yes"]


@pytest.mark.parametrize("unit", APPLIANCE_UNITS, ids=lambda p: p.name)
def test_every_appliance_unit_denies_ip(unit: Path) -> None:
    assert _directives(unit).get("IPAddressDeny") == ["any"]


def test_the_terminal_ui_is_restarted_within_five_seconds() -> None:
    tui = _directives(UNITS / "appliance-tui.service")
    assert (tui["Restart"], float(tui["RestartSec"][0]) <= 5) == (["always"], True)


def test_the_terminal_ui_draws_on_the_console_never_into_the_journal() -> None:
    tui = _directives(UNITS / "appliance-tui.service")
    assert (tui["StandardOutput"], tui["StandardError"]) == (["tty"], ["tty"])


def test_the_terminal_ui_runs_unprivileged() -> None:
    assert _directives(UNITS / "appliance-tui.service")["User"] == ["appliance"]


def test_overlay_holds_no_copy_of_the_repository_units_or_rules() -> None:
    own = {p.name for p in (REPO / "systemd").iterdir()} | {
        p.name for p in (REPO / "udev").iterdir()
    }
    copies = [p for p in OVERLAY.rglob("*") if p.is_file() and p.name in own]
    assert copies == []


def _rules() -> list[str]:
    text = (OVERLAY / "etc" / "usbguard" / "rules.conf").read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_usbguard_blocks_what_no_rule_allows() -> None:
    conf = (OVERLAY / "etc" / "usbguard" / "usbguard-daemon.conf").read_text()
    assert re.search(r"^ImplicitPolicyTarget=block$", conf, re.MULTILINE)


def test_usbguard_rejects_storage_with_hid_before_any_allow() -> None:
    rules = _rules()
    composite = next(i for i, r in enumerate(rules) if "08:*:*" in r and "03:*:*" in r)
    allows_storage = next(i for i, r in enumerate(rules) if r.startswith("allow") and "08:" in r)
    assert (rules[composite].startswith("reject"), composite < allows_storage) == (True, True)


def test_usbguard_allows_only_pure_storage_from_external_sockets() -> None:
    storage = [r for r in _rules() if r.startswith("allow") and "08:" in r]
    assert storage == ["allow with-interface equals { 08:*:* }"]


def test_units_are_valid_for_systemd(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    system_units = Path("/usr/lib/systemd/system")
    if analyze is None or not system_units.is_dir():
        pytest.skip("systemd is not installed (make system-deps installs it)")
    root = tmp_path / "root"
    shutil.copytree(system_units, root / "usr/lib/systemd/system", symlinks=True)
    shutil.copytree(OVERLAY / "usr/lib/appliance", root / "usr/lib/appliance")
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    for unit in UNITS.glob("appliance-*.service"):
        shutil.copy(unit, units / unit.name)
    stub = root / "opt/appliance/bin/appliance"
    stub.parent.mkdir(parents=True)
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    done = subprocess.run(
        [analyze, "verify", "--man=no", "--generators=no", f"--root={root}"]
        + [f"/etc/systemd/system/{unit.name}" for unit in sorted(units.iterdir())],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert (done.stdout + done.stderr).strip() == ""
