"""Starting the unattended intake when a USB stick is plugged in, on machines without the rule.

On the appliance, udev does this: ``udev/90-appliance-usb.rules`` makes the stick read-only and
asks systemd for ``appliance-intake@DEV.service``, which runs the intake in a sandbox. ``appliance
watch`` is for a machine where that rule is not installed (a workstation, a test rig): it listens
to udev's events over netlink and runs the same ``appliance intake --unattended DEVICE`` for each
stick. It cannot set the stick read-only (that is the rule's job, as root); the intake opens the
device for reading only either way.

What counts as a stick is the rule's test, kept here as a pure function (``is_usb_stick``) so the
two can be checked against each other. udev reports a stick twice (``add``, then ``change`` about
70 ms later, measured on Debian 12), so a ``Debouncer`` admits one intake per device node until
the stick is removed or its medium disappears (an emptied card reader).
"""

from __future__ import annotations

import errno
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import pyudev

from appliance.errors import ApplianceError

RunIntake = Callable[[str], int]
Log = Callable[[str], None]
StickTest = Callable[[Mapping[str, str]], bool]

# How often a watch that can be stopped looks at its stop flag while no event arrives.
STOP_CHECK_S = 0.2
# udevd creates this socket when it starts; without udevd no "udev" event ever arrives.
UDEV_CONTROL = Path("/run/udev/control")


class CannotWatch(ApplianceError):
    """The machine gives no udev events to listen to (no udevd, or netlink refused)."""


def print_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def is_usb_stick(properties: Mapping[str, str]) -> bool:
    """Whether udev's properties describe a whole disk reached over USB.

    The same test as the udev rule's SYSTEMD_WANTS line: ``ID_BUS`` is set to ``usb`` by
    60-persistent-storage.rules (usb_id) for usb-storage and uas devices alike. Partitions are
    not sticks: the intake reads the whole disk and finds them itself.
    """
    return (
        properties.get("SUBSYSTEM") == "block"
        and properties.get("DEVTYPE") == "disk"
        and properties.get("ID_BUS") == "usb"
    )


class Verdict(Enum):
    """What one udev event means for the stick at its device node."""

    START = "start"  # a stick not seen before: take it in
    DUPLICATE = "duplicate"  # another event for the stick already taken in
    GONE = "gone"  # the stick taken in was removed, or its medium went: ready for the next
    NOTHING = "nothing"  # removal or empty medium at a node that held no stick


class Debouncer:
    """One intake per stick, however many events udev sends for it.

    A device node is taken by its first ``add`` or ``change`` event and stays taken until a
    ``remove`` event, or an event that shows no medium (a card reader emptied, a loop device
    detached), which re-arms it for the next stick.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def consider(self, action: str, devnode: str, *, has_medium: bool = True) -> Verdict:
        """What an event (``add``, ``change``, ``remove``...) for ``devnode`` means."""
        if action == "remove" or not has_medium:
            if devnode in self._taken:
                self._taken.remove(devnode)
                return Verdict.GONE
            return Verdict.NOTHING
        if devnode in self._taken:
            return Verdict.DUPLICATE
        self._taken.add(devnode)
        return Verdict.START

    @property
    def taken(self) -> frozenset[str]:
        return frozenset(self._taken)


def intake_command(home: Path, devnode: str) -> list[str]:
    """The command line that seals a stick: the systemd unit's ExecStart, run by this Python."""
    return [
        sys.executable,
        "-m",
        "appliance",
        "--home",
        str(home),
        "intake",
        "--unattended",
        devnode,
    ]


def run_intake_process(home: Path) -> RunIntake:
    """Run the intake as a child process and wait for it; its output goes where ours goes."""

    def run(devnode: str) -> int:
        # stdin closed: the unattended intake must never wait for a passphrase.
        done = subprocess.run(intake_command(home, devnode), stdin=subprocess.DEVNULL, check=False)
        return done.returncode

    return run


def udev_monitor() -> pyudev.Monitor:
    """A monitor of udev's own events (after its rules ran, so ID_BUS is known)."""
    if not UDEV_CONTROL.exists():
        raise CannotWatch(
            "udev is not running on this machine, so no USB stick events would arrive.",
            "Start systemd-udevd, or take a stick in by hand: appliance intake DEVICE --case REF.",
        )
    try:
        return pyudev.Monitor.from_netlink(pyudev.Context(), source="udev")
    except (OSError, ImportError) as error:
        raise CannotWatch(
            f"Cannot listen to udev events: {error}.",
            "Run on the host itself, not in a sandbox that forbids netlink sockets.",
        ) from error


def watch(
    home: Path,
    *,
    run: RunIntake | None = None,
    once: bool = False,
    monitor: pyudev.Monitor | None = None,
    is_stick: StickTest = is_usb_stick,
    stop: threading.Event | None = None,
    log: Log = print_to_stderr,
) -> None:
    """Run the unattended intake on each USB stick plugged in, one stick at a time.

    Returns after the first intake when ``once`` is set, soon after ``stop`` is set, and never
    otherwise (Ctrl-C ends it). ``run`` takes the device node and returns the intake's exit
    status; by default it runs ``appliance intake --unattended`` in a child process and waits.
    ``monitor`` and ``is_stick`` let tests feed real kernel events for loop devices they made.
    Raises ``CannotWatch`` when there are no udev events to listen to.
    """
    run_intake = run if run is not None else run_intake_process(home)
    events = monitor if monitor is not None else udev_monitor()
    try:
        events.filter_by("block", device_type="disk")
        events.start()
    except OSError as error:
        raise CannotWatch(
            f"Cannot listen to udev events: {error}.",
            "Run on the host itself, not in a sandbox that forbids netlink sockets.",
        ) from error
    debouncer = Debouncer()
    timeout = STOP_CHECK_S if stop is not None else None
    log("watching for USB sticks (Ctrl-C to stop)")
    while stop is None or not stop.is_set():
        try:
            device = events.poll(timeout=timeout)
        except OSError as error:
            if error.errno != errno.ENOBUFS:
                lost = CannotWatch(f"Lost the udev event socket: {error}.", "Start again.")
                raise lost from error
            # The kernel dropped events while an intake ran: a stick removed meanwhile is not
            # known to be gone, so a new one in the same port would be missed.
            log("some udev events were lost; replug any stick that was not taken in")
            continue
        if device is None:  # a timeout, or an event the monitor's filter dropped
            continue
        devnode = device.device_node
        if devnode is None:
            continue
        action = device.action or "add"
        present = action != "remove" and _has_medium(device)
        if present and not is_stick(dict(device.properties)):
            log(f"ignored {devnode}: not a USB disk")
            continue
        verdict = debouncer.consider(action, devnode, has_medium=present)
        if verdict is Verdict.GONE:
            log(f"{devnode}: stick removed; ready for the next one")
        elif verdict is Verdict.DUPLICATE:
            log(f"{devnode}: {action} event for the stick already taken in")
        if verdict is not Verdict.START:
            continue
        log(f"USB stick {devnode}: starting intake")
        status = run_intake(devnode)
        log(f"intake of {devnode} ended with {_status(status)}")
        if once:
            return


def _has_medium(device: Any) -> bool:
    """False for an empty card reader or a detached loop device: size 0 sectors (or gone)."""
    size = device.attributes.get("size")
    return size is not None and size.strip() not in (b"", b"0")


def _status(code: int) -> str:
    if code < 0:
        return f"signal {-code}"
    return f"exit status {code}"
