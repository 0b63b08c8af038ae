"""The appliance image booted under qemu, with sticks and a keyboard plugged in over QMP.

One scenario, run once per module (it boots the image twice), then one assertion per test:

1. boot image-build/out/ (a working copy of root.img) and wait for APPLIANCE READY;
2. hot-plug a FAT32 stick of real exports: APPLIANCE INTAKE COMPLETE with every file verified,
   and the stick image's SHA-256 on the host unchanged;
3. hot-plug a USB keyboard: USBGuard must block it;
4. hot-plug a second stick and cut the power while its large file is being sealed;
5. boot again: the interrupted intake is named on the console, the appliance is ready again;
   plug and unplug the first stick, then power down over QMP: no unit failed;
6. off-line, on the powered-down disk: ``appliance verify`` passes with the interrupted exhibit
   listed as incomplete, USBGuard's audit log shows the keyboard blocked, and none of the
   stick's content is on the disk in the clear.

Scores (boot-to-ready, plug-to-complete, unit exposure, image size) are printed at the end.
Run by ``make image-test`` (marker ``image``; the default ``make test`` deselects it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from acquisition.conftest import appliance_command
from intake.images import sha256sum

from image.conftest import SCORES
from image.qemu import VM, VMError, usable
from image.sticks import CANARY, Stick, exports_stick, large_stick

# Two boots, two intakes and a UEFI boot under TCG on a shared machine: well over the suite's
# default per-test timeout, which would count the whole scenario against its first test.
pytestmark = [pytest.mark.image, pytest.mark.timeout(3600)]

OUT = Path(__file__).resolve().parents[2] / "image-build" / "out"
BOOT_TIMEOUT = 420.0
INTAKE_TIMEOUT = 300.0
POWERDOWN_TIMEOUT = 180.0
COMPLETE = (
    r"APPLIANCE INTAKE COMPLETE case=QUARANTINE exhibits=(\d+) verified=(\d+) incomplete=(\d+)"
)


@dataclass
class Run:
    """What the scenario saw; each test asserts one part of it."""

    exports: Stick
    ready_check: str = ""
    boot_to_ready_s: list[float] = field(default_factory=list)
    plug_to_complete_s: float = 0.0
    complete: tuple[int, int, int] = (-1, -1, -1)
    exports_sha_after: str = ""
    interrupted_line: str = ""
    interrupted_ref: str = ""
    second_ready: bool = False
    stopping_line: str = ""
    exit_code: int | None = None
    verify: dict[str, object] = field(default_factory=dict)
    usbguard_log: str = ""
    journal_failures: list[str] = field(default_factory=list)
    journal_ready: bool = False
    plaintext_found: bool = True
    screen_colours: int = 0
    resets_after_keys: int = -1
    screen_after_vt_switch: int = 0
    failure: str = ""

    def check(self) -> None:
        if self.failure:
            pytest.fail(self.failure, pytrace=False)


def _required() -> bool:
    return os.environ.get("APPLIANCE_IMAGE_REQUIRED") == "1"


def _need_image() -> None:
    missing = [
        n for n in ("vmlinuz", "initrd.img", "root.img", "cmdline.txt") if not (OUT / n).exists()
    ]
    why = usable() or (
        f"image-build/out lacks {', '.join(missing)} (make image)" if missing else None
    )
    if why:
        if _required():
            pytest.fail(why)
        pytest.skip(why)


def _debugfs(image: Path, request: str) -> str:
    done = subprocess.run(
        ["debugfs", "-R", request, str(image)], capture_output=True, text=True, check=False
    )
    return done.stdout


def _contains(image: Path, needle: bytes) -> bool:
    """Does the disk hold these bytes anywhere (files, free space, journal)?"""
    overlap = len(needle) - 1
    with image.open("rb") as handle:
        tail = b""
        while chunk := handle.read(64 * 1024 * 1024):
            if needle in tail + chunk:
                return True
            tail = chunk[-overlap:]
    return False


def _first_boot(run: Run, out: Path, root: Path, work: Path, large: Stick) -> None:
    vm = VM(out, root, work, "boot1")
    try:
        ready = vm.console.wait_for(r"APPLIANCE READY[^\n]*", BOOT_TIMEOUT)
        run.boot_to_ready_s.append(time.monotonic() - vm.started)
        check = re.search(r"APPLIANCE CHECK[^\n]*", vm.console.text)
        run.ready_check = check.group(0) if check else ""
        run.screen_colours = _wait_for_drawn_screen(vm)

        mark = vm.console.mark()
        plugged = time.monotonic()
        vm.plug_stick(run.exports.image, "exports")
        done = vm.console.wait_for(COMPLETE, INTAKE_TIMEOUT, mark)
        run.plug_to_complete_s = time.monotonic() - plugged
        run.complete = (int(done.group(1)), int(done.group(2)), int(done.group(3)))

        vm.plug_keyboard("keyboard")
        time.sleep(3)  # USBGuard decides within milliseconds; this is ample under TCG
        vm.unplug("keyboard")
        vm.unplug("exports")
        vm.qmp.command("blockdev-del", **{"node-name": "exports"})
        vm.qmp.command("blockdev-del", **{"node-name": "exports-file"})

        mark = vm.console.mark()
        vm.plug_stick(large.image, "large")
        # The small file is sealed first; the large one starts at once and takes seconds.
        first_sealed = r"USB/\d+ [^\n]*a-first\.csv: [\d,]+ bytes sealed"
        vm.console.wait_for(first_sealed, INTAKE_TIMEOUT, mark)
        time.sleep(2)
        if re.search(COMPLETE, vm.console.text[mark:]):
            raise VMError("the second intake finished before the power could be cut")
    except BaseException:
        vm.kill()
        raise
    vm.kill()  # the power cut
    del ready


def _wait_for_drawn_screen(vm: VM, timeout: float = 180) -> int:
    """The terminal UI on tty1, seen on the VGA screen: more than the console's two colours."""
    deadline = time.monotonic() + timeout
    colours = vm.screen_colours()
    while colours <= 2 and time.monotonic() < deadline:
        time.sleep(2)
        colours = vm.screen_colours()
    return colours


def _press_the_forbidden_keys(run: Run, vm: VM) -> None:
    """Ctrl+Alt+Del (three times: systemd's burst), SysRq reboot and a VT switch, all ignored."""
    _wait_for_drawn_screen(vm)
    for _ in range(3):
        vm.press("ctrl", "alt", "delete")
    vm.press("alt", "sysrq", "b")
    vm.press("ctrl", "alt", "f2")
    vm.press("alt", "f3")
    time.sleep(10)
    run.resets_after_keys = vm.resets()
    run.screen_after_vt_switch = vm.screen_colours()


def _second_boot(run: Run, out: Path, root: Path, work: Path) -> None:
    vm = VM(out, root, work, "boot2")
    try:
        vm.console.wait_for(r"APPLIANCE READY[^\n]*", BOOT_TIMEOUT)
        run.boot_to_ready_s.append(time.monotonic() - vm.started)
        run.second_ready = True
        _press_the_forbidden_keys(run, vm)
        line = re.search(r"APPLIANCE INTAKE INTERRUPTED[^\n]*", vm.console.text)
        run.interrupted_line = line.group(0) if line else ""
        ref = re.search(r"incomplete=(USB/\d+)", run.interrupted_line)
        run.interrupted_ref = ref.group(1) if ref else ""

        mark = vm.console.mark()
        vm.plug_stick(run.exports.image, "exports")
        vm.console.wait_for(COMPLETE, INTAKE_TIMEOUT, mark)
        vm.unplug("exports")
        vm.qmp.command("blockdev-del", **{"node-name": "exports"})
        vm.qmp.command("blockdev-del", **{"node-name": "exports-file"})
        time.sleep(2)
        mark = vm.console.mark()
        run.exit_code = vm.powerdown(POWERDOWN_TIMEOUT)
        stopping = re.search(r"APPLIANCE STOPPING[^\n]*", vm.console.text[mark:])
        run.stopping_line = stopping.group(0) if stopping else ""
    except BaseException:
        vm.kill()
        raise
    vm.close()


def _inspect(run: Run, out: Path, root: Path, work: Path) -> None:
    """The powered-down disk, read with debugfs (never mounted) and the appliance on the host."""
    home = work / "home"
    home.mkdir()
    _debugfs(root, f"rdump /var/lib/appliance/QUARANTINE {home}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    env["APPLIANCE_PASSPHRASE"] = (out / "quarantine-passphrase.txt").read_text().strip()
    done = subprocess.run(
        [*appliance_command(), "--home", str(home), "verify", "--case", "QUARANTINE", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    run.verify = json.loads(done.stdout) if done.stdout.strip() else {"stderr": done.stderr}
    run.usbguard_log = _debugfs(root, "cat /var/log/usbguard/usbguard-audit.log")
    journal = work / "journal"
    journal.mkdir()
    _debugfs(root, f"rdump /var/log/journal {journal}")
    files = [f"--file={path}" for path in sorted(journal.rglob("*.journal"))]
    shown = subprocess.run(
        ["journalctl", *files, "--boot", "0", "--no-pager", "-o", "cat"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    run.journal_ready = "APPLIANCE READY" in shown
    run.journal_failures = [
        line for line in shown.splitlines() if "Failed with result" in line or "failed." in line
    ]
    run.plaintext_found = _contains(root, CANARY.encode())


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Run]:
    _need_image()
    work = tmp_path_factory.mktemp("image")
    sticks = work / "sticks"
    sticks.mkdir()
    run = Run(exports_stick(sticks))
    large = large_stick(sticks)
    root = work / "root.img"
    subprocess.run(["cp", "--sparse=always", str(OUT / "root.img"), str(root)], check=True)
    try:
        _first_boot(run, OUT, root, work, large)
        run.exports_sha_after = sha256sum(run.exports.image)
        _second_boot(run, OUT, root, work)
        _inspect(run, OUT, root, work)
    except VMError as exc:
        run.failure = str(exc)
    yield run
    _scores(run, request, work)
    if not run.failure:
        shutil.rmtree(work, ignore_errors=True)


def _size(path: Path) -> str:
    if not path.exists():
        return "absent"
    st = path.stat()
    return (
        f"{st.st_size / 2**20:,.0f} MiB apparent, {st.st_blocks * 512 / 2**20:,.0f} MiB allocated"
    )


def _scores(run: Run, request: pytest.FixtureRequest, work: Path) -> None:
    lines = [
        f"  boot to APPLIANCE READY: {', '.join(f'{s:.1f} s' for s in run.boot_to_ready_s)}",
        f"  plug to APPLIANCE INTAKE COMPLETE: {run.plug_to_complete_s:.1f} s",
        *(
            f"  systemd-analyze security {line}"
            for line in (
                (OUT / "security.txt").read_text() if (OUT / "security.txt").exists() else ""
            ).splitlines()
        ),
        f"  root.img: {_size(OUT / 'root.img')}",
        f"  appliance-disk.img: {_size(OUT / 'appliance-disk.img')}",
        f"  console logs: {work}" if run.failure else "",
    ]
    lines = [line for line in lines if line]
    (OUT / "image-test-scores.txt").write_text("\n".join(lines) + "\n")
    request.config.stash[SCORES] = lines


def test_boots_to_ready(scenario: Run) -> None:
    scenario.check()
    assert scenario.boot_to_ready_s


def test_nothing_listens_and_no_swap(scenario: Run) -> None:
    scenario.check()
    assert "listening_tcp=0 bound_udp=0 swap=0" in scenario.ready_check, scenario.ready_check


def test_sysrq_and_core_dumps_are_off(scenario: Run) -> None:
    scenario.check()
    assert "sysrq=0 core_pattern=|/bin/false" in scenario.ready_check, scenario.ready_check


def test_no_network_interface_but_loopback(scenario: Run) -> None:
    scenario.check()
    assert "network_interfaces=none" in scenario.ready_check, scenario.ready_check


def test_usbguard_and_the_terminal_ui_are_running(scenario: Run) -> None:
    scenario.check()
    assert "usbguard=active tui=active" in scenario.ready_check, scenario.ready_check


def test_the_terminal_ui_is_drawn_on_the_first_console(scenario: Run) -> None:
    scenario.check()
    assert scenario.screen_colours > 2


def test_ctrl_alt_del_and_sysrq_do_not_reboot(scenario: Run) -> None:
    scenario.check()
    assert scenario.resets_after_keys == 0


def test_the_terminal_ui_stays_on_screen_after_a_vt_switch_attempt(scenario: Run) -> None:
    scenario.check()
    assert scenario.screen_after_vt_switch > 2


def test_a_plugged_stick_is_taken_in_with_every_file_verified(scenario: Run) -> None:
    scenario.check()
    files = len(scenario.exports.files)
    assert scenario.complete == (files, files, 0)


def test_the_stick_is_not_written(scenario: Run) -> None:
    scenario.check()
    assert scenario.exports_sha_after == scenario.exports.sha256


def test_usbguard_blocks_a_keyboard(scenario: Run) -> None:
    scenario.check()
    blocked = [
        line
        for line in scenario.usbguard_log.splitlines()
        if "QEMU USB Keyboard" in line and "target.new='block'" in line
    ]
    assert blocked, scenario.usbguard_log[-2000:]


def test_usbguard_allows_the_stick(scenario: Run) -> None:
    scenario.check()
    allowed = [
        line
        for line in scenario.usbguard_log.splitlines()
        if "QEMU USB HARDDRIVE" in line and "target.new='allow'" in line
    ]
    assert allowed, scenario.usbguard_log[-2000:]


def test_after_a_power_cut_the_interrupted_intake_is_named(scenario: Run) -> None:
    scenario.check()
    assert scenario.interrupted_ref, scenario.interrupted_line


def test_after_a_power_cut_the_appliance_is_ready_again(scenario: Run) -> None:
    scenario.check()
    assert scenario.second_ready


def test_verify_passes_on_the_powered_down_disk(scenario: Run) -> None:
    scenario.check()
    assert scenario.verify.get("ok") is True, scenario.verify


def test_the_interrupted_exhibit_is_reported_not_half_present(scenario: Run) -> None:
    scenario.check()
    incomplete = scenario.verify.get("incomplete")
    assert isinstance(incomplete, list)
    assert [i["exhibit"] for i in incomplete] == [scenario.interrupted_ref]


def test_every_other_file_is_verified(scenario: Run) -> None:
    scenario.check()
    verified = scenario.verify.get("verified")
    assert isinstance(verified, list)
    # The exports stick, and the small file the second stick got sealed before the cut.
    assert len(verified) == len(scenario.exports.files) + 1


def test_powers_down_cleanly_with_no_failed_unit(scenario: Run) -> None:
    scenario.check()
    assert scenario.stopping_line == "APPLIANCE STOPPING failed=none", scenario.stopping_line


def test_the_journal_survives_on_disk(scenario: Run) -> None:
    scenario.check()
    assert scenario.journal_ready


def test_the_journal_of_the_last_boot_shows_no_failure(scenario: Run) -> None:
    scenario.check()
    assert scenario.journal_failures == []


def test_no_evidence_in_the_clear_on_the_appliance_disk(scenario: Run) -> None:
    scenario.check()
    assert scenario.plaintext_found is False


OVMF = Path("/usr/share/ovmf/OVMF.fd")


@pytest.fixture(scope="module")
def uefi_ready(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """appliance-disk.img booted by UEFI firmware (OVMF) as a laptop would: its ready line."""
    _need_image()
    if not (OUT / "appliance-disk.img").exists() or not OVMF.exists():
        message = "appliance-disk.img or OVMF (make image-deps) is missing"
        if _required():
            pytest.fail(message)
        pytest.skip(message)
    work = tmp_path_factory.mktemp("uefi")
    disk = work / "disk.img"
    subprocess.run(
        ["cp", "--sparse=always", str(OUT / "appliance-disk.img"), str(disk)], check=True
    )
    vm = VM(OUT, disk, work, "uefi", firmware=OVMF)
    try:
        line = vm.console.wait_for(r"APPLIANCE READY[^\n]*", BOOT_TIMEOUT).group(0)
    except VMError as exc:
        line = f"never ready: {exc}"
    finally:
        vm.kill()
    yield line
    shutil.rmtree(work, ignore_errors=True)


def test_the_laptop_disk_boots_by_uefi_to_ready(uefi_ready: str) -> None:
    assert uefi_ready.endswith("APPLIANCE READY case=QUARANTINE"), uefi_ready
