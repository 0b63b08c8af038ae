"""``appliance watch``: what counts as a stick, one intake per stick, and a real event stream.

The predicate is checked against property sets of real devices as udev reported them, and
against this machine's own block devices. The watcher's loop is checked twice: with scripted
events (every branch, no privileges needed), and with a real netlink monitor receiving the
kernel's own events for loop devices the test attaches and detaches.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from appliance.errors import ApplianceError
from appliance.intake import watch as watch_module
from appliance.intake.watch import (
    CannotWatch,
    Debouncer,
    Verdict,
    intake_command,
    is_usb_stick,
    run_intake_process,
    watch,
)

from .recorded import LG_FLASHDRIVE, SAMSUNG_860_PRO_SATA, SONY_MICROVAULT_PART1

# --- what counts as a stick -------------------------------------------------------------------


def test_a_usb_flash_drive_is_a_stick() -> None:
    assert is_usb_stick(LG_FLASHDRIVE)


def test_a_partition_of_a_stick_is_not_taken_in_on_its_own() -> None:
    assert not is_usb_stick(SONY_MICROVAULT_PART1)


def test_an_internal_sata_disk_is_not_a_stick() -> None:
    assert not is_usb_stick(SAMSUNG_860_PRO_SATA)


def test_a_usb_disk_without_its_bus_property_is_not_a_stick() -> None:
    # What the kernel alone says (no udev rules ran): ID_BUS is udev's, so no intake.
    kernel_only = {k: v for k, v in LG_FLASHDRIVE.items() if not k.startswith("ID_")}
    assert not is_usb_stick(kernel_only)


def test_this_machines_own_block_devices_are_judged_by_bus_and_type() -> None:
    pyudev = pytest.importorskip("pyudev")
    try:
        context = pyudev.Context()
        devices = list(context.list_devices(subsystem="block"))
    except OSError as error:  # pragma: no cover - depends on the machine
        pytest.skip(f"cannot enumerate block devices here: {error}")
    if not devices:
        pytest.skip("this machine shows no block devices")
    for device in devices:
        properties = dict(device.properties)
        assert properties["SUBSYSTEM"] == "block"
        assert is_usb_stick(properties) == (
            properties.get("ID_BUS") == "usb" and properties.get("DEVTYPE") == "disk"
        )


# --- one intake per stick ---------------------------------------------------------------------


def test_add_then_change_is_one_stick() -> None:
    debouncer = Debouncer()
    assert debouncer.consider("add", "/dev/sdb") is Verdict.START
    assert debouncer.consider("change", "/dev/sdb") is Verdict.DUPLICATE
    assert debouncer.taken == {"/dev/sdb"}


def test_a_rule_that_only_saw_change_still_takes_the_stick_in() -> None:
    debouncer = Debouncer()
    assert debouncer.consider("change", "/dev/sdb") is Verdict.START


def test_removal_re_arms_the_node_for_the_next_stick() -> None:
    debouncer = Debouncer()
    verdicts = [
        debouncer.consider(action, "/dev/sdb")
        for action in ("add", "change", "remove", "add", "change")
    ]
    assert verdicts == [
        Verdict.START,
        Verdict.DUPLICATE,
        Verdict.GONE,
        Verdict.START,
        Verdict.DUPLICATE,
    ]


def test_two_sticks_at_once_are_two_intakes() -> None:
    debouncer = Debouncer()
    assert debouncer.consider("add", "/dev/sdb") is Verdict.START
    assert debouncer.consider("add", "/dev/sdc") is Verdict.START
    assert debouncer.consider("change", "/dev/sdb") is Verdict.DUPLICATE
    assert debouncer.consider("remove", "/dev/sdc") is Verdict.GONE
    assert debouncer.taken == {"/dev/sdb"}


def test_a_card_reader_takes_in_each_card() -> None:
    # The reader's disk stays; cards come and go as change events with the size going to 0.
    debouncer = Debouncer()
    assert debouncer.consider("add", "/dev/sdd", has_medium=False) is Verdict.NOTHING
    assert debouncer.consider("change", "/dev/sdd", has_medium=True) is Verdict.START
    assert debouncer.consider("change", "/dev/sdd", has_medium=False) is Verdict.GONE
    assert debouncer.consider("change", "/dev/sdd", has_medium=True) is Verdict.START


def test_removing_a_node_never_taken_is_nothing() -> None:
    assert Debouncer().consider("remove", "/dev/sde") is Verdict.NOTHING


# --- the watcher's loop, with scripted events -------------------------------------------------


@dataclass
class Event:
    """A udev event as pyudev hands it over: action, node, properties, sysfs attributes."""

    action: str
    device_node: str | None
    properties: dict[str, str]
    attributes: dict[str, bytes] = field(default_factory=lambda: {"size": b"15663104"})


def stick_event(action: str, node: str = "/dev/sdb", size: bytes = b"15663104") -> Event:
    return Event(action, node, {**LG_FLASHDRIVE, "DEVNAME": node}, {"size": size})


class ScriptedMonitor:
    """Hands out its events, then sets the watcher's stop flag."""

    def __init__(self, events: Sequence[Event | OSError], stop: threading.Event) -> None:
        self.events = list(events)
        self.stop = stop
        self.filters: list[tuple[str, str | None]] = []
        self.started = False

    def filter_by(self, subsystem: str, device_type: str | None = None) -> None:
        self.filters.append((subsystem, device_type))

    def start(self) -> None:
        self.started = True

    def poll(self, timeout: float | None = None) -> Event | None:
        if not self.events:
            self.stop.set()
            return None
        event = self.events.pop(0)
        if isinstance(event, OSError):
            raise event
        return event


@dataclass
class Recorder:
    calls: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    status: int = 0

    def run(self, devnode: str) -> int:
        self.calls.append(devnode)
        return self.status


def run_scripted(
    events: Sequence[Event | OSError], *, once: bool = False, status: int = 0
) -> tuple[Recorder, ScriptedMonitor]:
    stop = threading.Event()
    monitor = ScriptedMonitor(events, stop)
    recorder = Recorder(status=status)
    watch(
        Path("/nonexistent-home"),
        run=recorder.run,
        once=once,
        monitor=monitor,
        stop=stop,
        log=recorder.lines.append,
    )
    return recorder, monitor


def test_the_add_change_pair_of_a_stick_runs_one_intake() -> None:
    recorder, monitor = run_scripted([stick_event("add"), stick_event("change")])
    assert recorder.calls == ["/dev/sdb"]
    assert monitor.filters == [("block", "disk")]
    assert monitor.started
    assert "USB stick /dev/sdb: starting intake" in recorder.lines
    assert "intake of /dev/sdb ended with exit status 0" in recorder.lines
    assert "/dev/sdb: change event for the stick already taken in" in recorder.lines


def test_a_stick_plugged_in_again_is_taken_in_again() -> None:
    events = [stick_event("add"), stick_event("change"), stick_event("remove")]
    recorder, _ = run_scripted([*events, stick_event("add")])
    assert recorder.calls == ["/dev/sdb", "/dev/sdb"]
    assert "/dev/sdb: stick removed; ready for the next one" in recorder.lines


def test_a_disk_that_is_not_usb_is_ignored() -> None:
    sata = Event("add", "/dev/sda", SAMSUNG_860_PRO_SATA)
    recorder, _ = run_scripted([sata, Event("change", "/dev/sda", SAMSUNG_860_PRO_SATA)])
    assert recorder.calls == []
    assert recorder.lines.count("ignored /dev/sda: not a USB disk") == 2


def test_an_empty_card_reader_waits_for_its_card() -> None:
    events = [
        stick_event("add", "/dev/sdd", size=b"0"),
        stick_event("change", "/dev/sdd", size=b"31116288"),
        stick_event("change", "/dev/sdd", size=b"0"),
        stick_event("change", "/dev/sdd", size=b"31116288"),
    ]
    recorder, _ = run_scripted(events)
    assert recorder.calls == ["/dev/sdd", "/dev/sdd"]


def test_a_device_without_a_node_is_skipped() -> None:
    recorder, _ = run_scripted([Event("add", None, LG_FLASHDRIVE)])
    assert recorder.calls == []


def test_once_returns_after_the_first_intake() -> None:
    recorder, monitor = run_scripted(
        [stick_event("add"), stick_event("add", "/dev/sdc")], once=True
    )
    assert recorder.calls == ["/dev/sdb"]
    assert len(monitor.events) == 1  # the second stick was never read


def test_a_failed_intake_is_reported_with_its_status() -> None:
    recorder, _ = run_scripted([stick_event("add")], status=3)
    assert "intake of /dev/sdb ended with exit status 3" in recorder.lines


def test_an_intake_killed_by_a_signal_says_so() -> None:
    recorder, _ = run_scripted([stick_event("add")], status=-9)
    assert "intake of /dev/sdb ended with signal 9" in recorder.lines


def test_lost_events_are_reported_and_watching_goes_on() -> None:
    overflow = OSError(errno.ENOBUFS, os.strerror(errno.ENOBUFS))
    recorder, _ = run_scripted([overflow, stick_event("add")])
    assert recorder.calls == ["/dev/sdb"]
    assert any("events were lost" in line for line in recorder.lines)


def test_a_broken_event_socket_is_an_appliance_error() -> None:
    broken = OSError(errno.EBADF, os.strerror(errno.EBADF))
    with pytest.raises(CannotWatch) as raised:
        run_scripted([broken])
    assert isinstance(raised.value, ApplianceError)
    assert raised.value.hint


def test_without_udevd_watching_is_refused_with_a_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(watch_module, "UDEV_CONTROL", tmp_path / "no-udevd" / "control")
    with pytest.raises(CannotWatch) as raised:
        watch(tmp_path, run=Recorder().run, log=lambda line: None)
    assert "udev is not running" in raised.value.message
    assert "appliance intake" in raised.value.hint


def test_the_default_intake_is_the_unattended_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[tuple[list[str], Any]] = []

    def fake_run(argv: list[str], *, stdin: Any, check: bool) -> subprocess.CompletedProcess[str]:
        seen.append((argv, stdin))
        return subprocess.CompletedProcess(argv, 4)

    monkeypatch.setattr(subprocess, "run", fake_run)
    assert run_intake_process(tmp_path)("/dev/sdb") == 4
    expected = [sys.executable, "-m", "appliance", "--home", str(tmp_path)]
    expected += ["intake", "--unattended", "/dev/sdb"]
    assert seen == [(expected, subprocess.DEVNULL)]
    assert intake_command(tmp_path, "/dev/sdb") == expected


# --- a real netlink monitor, real kernel events -----------------------------------------------
#
# Kernel-source events reach a netlink listener without udevd (this container has none). They
# carry no ID_BUS (udev's rules add that), so the real predicate must ignore the loop devices;
# a predicate that recognises the test's own loop devices stands in for "this is a stick".

WAIT_S = 15.0


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def kernel_monitor() -> Any:
    pyudev = pytest.importorskip("pyudev")
    if shutil.which("losetup") is None:
        pytest.skip("losetup (util-linux) is not installed")
    if not os.access("/dev/loop-control", os.W_OK):
        pytest.skip("no write access to /dev/loop-control: loop devices need root")
    try:
        monitor = pyudev.Monitor.from_netlink(pyudev.Context(), source="kernel")
        monitor.start()  # listening before the test attaches anything, so no event is missed
    except OSError as error:
        pytest.skip(f"netlink uevent socket not permitted here: {error}")
    return monitor


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "stick.img"
    path.write_bytes(b"\0" * (1024 * 1024))
    return path


class Loops:
    """Loop devices the test attached, detached again however the test ends."""

    def __init__(self) -> None:
        self.nodes: set[str] = set()

    def attach(self, image: Path, node: str | None = None) -> str:
        where = [node] if node else ["-f", "--show"]
        done = subprocess.run(["losetup", "-r", *where, str(image)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"losetup cannot attach a loop device here: {done.stderr.strip()}")
        attached = node or done.stdout.strip()
        self.nodes.add(attached)
        return attached

    def detach(self, node: str) -> None:
        subprocess.run(["losetup", "-d", node], check=True)

    def detach_all(self) -> None:
        for node in self.nodes:
            subprocess.run(["losetup", "-d", node], capture_output=True)


@pytest.fixture
def loops() -> Iterator[Loops]:
    attached = Loops()
    try:
        yield attached
    finally:
        attached.detach_all()


def backed_by(image: Path) -> Callable[[Mapping[str, str]], bool]:
    """A stand-in for "is a USB stick": a loop device whose backing file is the test's image.

    Read from sysfs rather than from the node losetup printed, since the kernel's event for the
    attach can arrive before losetup returns."""

    def test(properties: Mapping[str, str]) -> bool:
        name = Path(properties.get("DEVNAME", "")).name
        backing = Path("/sys/class/block") / name / "loop" / "backing_file"
        try:
            return backing.read_text().strip() == str(image)
        except OSError:
            return False

    return test


@pytest.fixture
def watching(kernel_monitor: Any) -> Iterator[Callable[..., Recorder]]:
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(is_stick: Callable[[Mapping[str, str]], bool] = is_usb_stick) -> Recorder:
        recorder = Recorder()

        def serve() -> None:
            watch(
                Path("/nonexistent-home"),
                run=recorder.run,
                monitor=kernel_monitor,
                is_stick=is_stick,
                stop=stop,
                log=recorder.lines.append,
            )

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        threads.append(thread)
        return recorder

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=WAIT_S)
        assert not thread.is_alive()


def test_real_kernel_events_for_a_loop_device_start_no_intake(
    watching: Callable[..., Recorder], loops: Loops, image: Path
) -> None:
    recorder = watching()
    node = loops.attach(image)
    wait_for(lambda: f"ignored {node}: not a USB disk" in recorder.lines, f"an event for {node}")
    assert recorder.calls == []


def test_real_kernel_events_run_one_intake_per_insertion(
    watching: Callable[..., Recorder], loops: Loops, image: Path
) -> None:
    recorder = watching(is_stick=backed_by(image))
    node = loops.attach(image)
    wait_for(lambda: recorder.calls == [node], f"the intake of {node}")

    # The add + change pair udev sees for a real stick, as real kernel events for this device.
    uevent = Path("/sys/class/block") / Path(node).name / "uevent"
    uevent.write_text("add")
    uevent.write_text("change")
    duplicates = [f"{node}: add event for the stick already taken in"]
    duplicates.append(f"{node}: change event for the stick already taken in")
    wait_for(lambda: all(line in recorder.lines for line in duplicates), "both duplicates")
    assert recorder.calls == [node]

    # Detaching empties the device (size 0): the node is re-armed, and the next one taken in.
    loops.detach(node)
    wait_for(lambda: f"{node}: stick removed; ready for the next one" in recorder.lines, "removal")
    loops.attach(image, node)
    wait_for(lambda: recorder.calls == [node, node], f"the second intake of {node}")
