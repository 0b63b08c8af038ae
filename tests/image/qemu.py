"""The appliance image under qemu: the serial console and QMP, both on unix sockets.

TCG is named explicitly: /dev/kvm exists on the CI machines, but a guest under it never boots.
Every wait has a timeout, and a failed wait says what it waited for with the console's tail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

TAIL = 3000


class VMError(AssertionError):
    """A wait on the appliance timed out or qemu refused a command; carries the console tail."""


class Console:
    """Everything the guest writes on its serial port, kept, logged and searchable."""

    def __init__(self, path: Path, log: Path) -> None:
        self._sock = _connect(path)
        self._log = log.open("ab")
        self._text = ""
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self._read, name="console", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                data = self._sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            self._log.write(data)
            self._log.flush()
            with self._lock:
                self._text += data.decode("utf-8", "replace").replace("\r", "")
                self._lock.notify_all()
        with self._lock:
            self._lock.notify_all()

    @property
    def text(self) -> str:
        with self._lock:
            return self._text

    def mark(self) -> int:
        return len(self.text)

    def tail(self, chars: int = TAIL) -> str:
        return self.text[-chars:]

    def wait_for(self, pattern: str, timeout: float, since: int = 0) -> re.Match[str]:
        """The first match of ``pattern`` after ``since`` within whole lines: the serial port
        delivers a line in pieces, and a pattern such as ``READY[^\n]*`` must not match the
        first piece of its line."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                whole = self._text.rfind("\n") + 1
                found = regex.search(self._text, since, whole)
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    why = "timed out" if left <= 0 else "the console closed"
                    raise VMError(
                        f"{why} after {timeout:.0f} s waiting for /{pattern}/ on the console; "
                        f"its last lines:\n{self._text[-TAIL:]}"
                    )
                self._lock.wait(min(left, 1.0))

    def close(self) -> None:
        self._sock.close()
        self._thread.join(5)
        self._log.close()


class QMP:
    """The QEMU Machine Protocol: one command at a time, events kept aside."""

    def __init__(self, path: Path) -> None:
        self._sock = _connect(path)
        self._file = self._sock.makefile("rwb")
        self.events: list[dict[str, Any]] = []
        self._receive()  # the greeting
        self.command("qmp_capabilities")

    def _receive(self) -> dict[str, Any]:
        line = self._file.readline()
        if not line:
            raise VMError("QMP closed: qemu has exited")
        message: dict[str, Any] = json.loads(line)
        return message

    def command(self, name: str, **arguments: Any) -> Any:
        request: dict[str, Any] = {"execute": name}
        if arguments:
            request["arguments"] = arguments
        self._file.write(json.dumps(request).encode() + b"\n")
        self._file.flush()
        while True:
            reply = self._receive()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise VMError(f"QMP {name} {arguments} failed: {reply['error']}")
            return reply.get("return")

    def close(self) -> None:
        try:
            self._file.close()
            self._sock.close()
        except OSError:
            pass


def _connect(path: Path, timeout: float = 30) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
            return sock
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            if time.monotonic() > deadline:
                raise VMError(f"qemu never opened {path}") from None
            time.sleep(0.05)


class VM:
    """One boot of the image: root.img (a working copy) on the first virtio disk."""

    def __init__(
        self, out: Path, root: Path, run_dir: Path, name: str, firmware: Path | None = None
    ) -> None:
        self.run_dir = run_dir
        self.name = name
        qemu = shutil.which("qemu-system-x86_64")
        if qemu is None:
            raise VMError("qemu-system-x86_64 is not installed (make image-deps installs it)")
        serial = run_dir / f"{name}.serial"
        monitor = run_dir / f"{name}.qmp"
        for stale in (serial, monitor):
            stale.unlink(missing_ok=True)
        if firmware is None:
            # Direct kernel boot, root.img on the first virtio disk.
            boot = ["-kernel", str(out / "vmlinuz"), "-initrd", str(out / "initrd.img")]
            boot += ["-append", (out / "cmdline.txt").read_text().strip()]
        else:
            # UEFI: the firmware finds systemd-boot on the disk's EFI system partition.
            boot = ["-bios", str(firmware)]
        self.command = [
            qemu,
            "-accel",
            "tcg",
            "-machine",
            "q35",
            "-cpu",
            "max",
            "-smp",
            "2",
            "-m",
            "2048",
            *boot,
            "-drive",
            f"file={root},format=raw,if=virtio",
            "-device",
            "qemu-xhci,id=xhci",
            "-nic",
            "none",
            "-display",
            "none",
            "-monitor",
            "none",
            "-chardev",
            f"socket,id=serial0,path={serial},server=on,wait=off",
            "-serial",
            "chardev:serial0",
            "-qmp",
            f"unix:{monitor},server=on,wait=off",
        ]
        self.started = time.monotonic()
        self._log = (run_dir / f"{name}.qemu.log").open("wb")
        self.process = subprocess.Popen(
            self.command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        try:
            self.console = Console(serial, run_dir / f"{name}.console.log")
            self.qmp = QMP(monitor)
        except BaseException:
            self.kill()
            raise

    def plug_stick(self, image: Path, ident: str) -> None:
        self.qmp.command(
            "blockdev-add",
            **{
                "node-name": f"{ident}-file",
                "driver": "file",
                "filename": str(image),
            },
        )
        self.qmp.command(
            "blockdev-add",
            **{"node-name": ident, "driver": "raw", "file": f"{ident}-file"},
        )
        self.qmp.command("device_add", driver="usb-storage", bus="xhci.0", drive=ident, id=ident)

    def screen_colours(self) -> int:
        """How many colours the VGA screen shows now (a blank console shows one or two)."""
        from PIL import Image

        shot = self.run_dir / f"{self.name}.screen.ppm"
        self.qmp.command("screendump", filename=str(shot))
        with Image.open(shot) as image:
            return len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])

    def press(self, *keys: str) -> None:
        """Keys pressed together on the laptop's own (PS/2) keyboard, as QEMU key codes."""
        self.qmp.command("send-key", keys=[{"type": "qcode", "data": key} for key in keys])

    def resets(self) -> int:
        """Resets and shutdowns the guest has asked for so far (a reboot shows as one)."""
        self.qmp.command("query-status")  # collects pending events
        return sum(1 for e in self.qmp.events if e.get("event") in ("RESET", "SHUTDOWN"))

    def plug_keyboard(self, ident: str) -> None:
        self.qmp.command("device_add", driver="usb-kbd", bus="xhci.0", id=ident)

    def unplug(self, ident: str, timeout: float = 60) -> None:
        self.qmp.command("device_del", id=ident)
        deadline = time.monotonic() + timeout
        while not any(
            e.get("event") == "DEVICE_DELETED" and e.get("data", {}).get("device") == ident
            for e in self.qmp.events
        ):
            if time.monotonic() > deadline:
                raise VMError(f"{ident} was never released by the guest")
            self.qmp.command("query-status")  # collects pending events
            time.sleep(0.2)

    def powerdown(self, timeout: float) -> int:
        self.qmp.command("system_powerdown")
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise VMError(
                f"the guest did not power off within {timeout:.0f} s of system_powerdown; "
                f"console tail:\n{self.console.tail()}"
            ) from None

    def kill(self) -> None:
        """The power cable: no shutdown, no flush inside the guest."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)
        self.close()

    def close(self) -> None:
        for part in ("qmp", "console"):
            if hasattr(self, part):
                getattr(self, part).close()
        self._log.close()


def usable() -> str | None:
    """Why the image test cannot run here, or None."""
    if shutil.which("qemu-system-x86_64") is None:
        return "qemu-system-x86_64 is missing (make image-deps)"
    if os.environ.get("APPLIANCE_IMAGE_TEST") == "0":
        return "APPLIANCE_IMAGE_TEST=0"
    return None
