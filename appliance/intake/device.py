"""The device under examination: our own read-only descriptor, and who made the stick.

The Sleuth Kit never opens the path itself. It reads through ``ReadOnlyImage``, which holds a
descriptor we opened with ``O_RDONLY``, so no code path below us can write to the evidence, and
a read that runs off the end of the device (a truncated image, a stick pulled out) is remembered
with its offset instead of being papered over.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytsk3

from appliance.errors import ApplianceError
from appliance.intake.fsmeta import has_signature
from appliance.textsafe import shown

BLOCK_DEVICE = "block device"
DISK_IMAGE = "disk image"


@dataclass(frozen=True)
class DeviceIdentity:
    path: str
    kind: str
    size: int
    vendor: str | None
    model: str | None
    serial: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "kind": self.kind,
            "size": self.size,
            "vendor": self.vendor,
            "model": self.model,
            "serial": self.serial,
        }

    def key(self) -> str:
        """Stable across re-insertions: the same stick gets a new /dev name but keeps its serial."""
        if self.serial:
            return f"serial:{self.serial}:{self.size}"
        return f"path:{self.path}:{self.size}"


# O_NONBLOCK: opening a FIFO named by mistake must not hang the intake; it has no effect on reads
# from regular files and block devices. O_NOFOLLOW: a symbolic link could point at any device on
# the appliance, so the officer names the device node itself.
OPEN_FLAGS = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK


class ReadOnlyImage(pytsk3.Img_Info):  # type: ignore[misc]
    """TSK's view of the device, reading with ``pread`` from a descriptor we own."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.size = os.lseek(fd, 0, os.SEEK_END)
        self.closed = False
        self.last_error: str | None = None
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def read(self, offset: int, length: int) -> bytes:
        # Called by TSK from C: it must never raise. A short answer makes TSK report a read
        # error, and last_error keeps the reason for the message the officer sees.
        data = self.read_at(offset, length)
        if len(data) < length and self.last_error is None:
            self.last_error = (
                f"the device ends at byte {self.size:,}: the image is truncated or the stick was "
                "removed"
            )
        return data

    def read_at(self, offset: int, length: int) -> bytes:
        if self.closed:
            # The descriptor number may already belong to another file: never read through it.
            self.last_error = "the disk was closed"
            return b""
        if offset < 0 or length <= 0:
            return b""
        try:
            return os.pread(self.fd, length, offset)
        except OSError as exc:
            self.last_error = f"the device could not be read ({exc.strerror or exc})"
            return b""

    def get_size(self) -> int:
        return self.size

    def close(self) -> None:
        # TSK may call this when it lets go of the image; the descriptor is closed by Disk.
        pass


class DiskReadError(ApplianceError):
    """A file's bytes could not be read from the device: never silently replaced by zeros."""

    def __init__(self, path: str, offset: int, reason: str) -> None:
        super().__init__(
            f"Could not read {shown(path)} at byte {offset:,}: {reason}.",
            "Check the stick is still inserted; a truncated image must be acquired again.",
        )
        self.path = path
        self.offset = offset
        self.reason = reason


class FileStream(io.RawIOBase):
    """A read-only, seekable view of one file's content, read through TSK in bounded pieces."""

    CHUNK = 1024 * 1024

    def __init__(self, image: ReadOnlyImage, fs: Any, inode: int, path: str, size: int) -> None:
        super().__init__()
        self._image, self._path, self._size, self._pos = image, path, size, 0
        if image.closed:
            raise DiskReadError(path, 0, "the disk was closed")
        image.last_error = None
        try:
            self._file = fs.open_meta(inode=inode)
        except OSError as exc:
            raise DiskReadError(
                path, 0, image.last_error or f"TSK could not open it ({exc})"
            ) from None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}.get(whence)
        if base is None or base + offset < 0:
            raise ValueError(f"invalid seek ({offset}, {whence})")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self.closed:
            raise ValueError("read from a closed disk file")
        if self._image.closed:
            # TSK caches recent blocks; refuse rather than answer from a cache of a closed disk.
            raise DiskReadError(self._path, self._pos, "the disk was closed")
        want = min(len(buffer), self.CHUNK, self._size - self._pos)
        if want <= 0:
            return 0
        self._image.last_error = None
        try:
            data = self._file.read_random(self._pos, want)
        except OSError as exc:
            reason = self._image.last_error or _tsk_reason(exc, self._image.size)
            raise DiskReadError(self._path, self._pos, reason) from None
        if len(data) != want:
            reason = self._image.last_error or f"only {len(data):,} of {want:,} bytes came back"
            raise DiskReadError(self._path, self._pos + len(data), reason)
        buffer[:want] = data
        self._pos += want
        return want


def _tsk_reason(exc: OSError, size: int) -> str:
    text = str(exc)
    if "partial image" in text:
        # TSK knows the device is shorter than the file system and refuses to read on.
        return (
            f"its data lies past the end of the device ({size:,} bytes): the image is truncated "
            "or the stick was removed"
        )
    return f"The Sleuth Kit could not read it ({text})"


class NotADisk(ApplianceError):
    """The path holds no partition table and no file system TSK can read."""


HINT = "Name a USB stick's device (e.g. /dev/sdb) or a raw disk image (dd, .img, .iso)."


def open_device(path: Path) -> tuple[int, str]:
    """A read-only descriptor on a block device or regular file, and which of the two it is."""
    try:
        fd = os.open(path, OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotADisk(
                f"{shown(path)} is a symbolic link, which is not followed.",
                "Name the device or image itself (readlink -f shows it).",
            ) from None
        hint = HINT
        if exc.errno in (errno.EACCES, errno.EPERM):
            hint = "Run the intake as root or as a member of the 'disk' group."
        raise NotADisk(
            f"{shown(path)} cannot be opened for reading: {exc.strerror}.", hint
        ) from None
    kind = _kind_of(fd)
    if kind is None:
        os.close(fd)
        raise NotADisk(f"{shown(path)} is not a disk image or block device.", HINT)
    return fd, kind


def _kind_of(fd: int) -> str | None:
    mode = os.fstat(fd).st_mode
    if stat.S_ISBLK(mode):
        return BLOCK_DEVICE
    if stat.S_ISREG(mode):
        return DISK_IMAGE
    return None


def identify(path: Path, kind: str, size: int) -> DeviceIdentity:
    vendor = model = serial = None
    if kind == BLOCK_DEVICE:
        props = _udev_properties(path)
        vendor, model, serial = (
            props.get("ID_VENDOR"),
            props.get("ID_MODEL"),
            props.get("ID_SERIAL_SHORT"),
        )
    return DeviceIdentity(str(path), kind, size, vendor, model, serial)


def _udev_properties(path: Path) -> dict[str, str]:
    # Without a udev database (a container, an early boot) identity still works, unnamed.
    try:
        import pyudev

        device = pyudev.Devices.from_device_file(pyudev.Context(), str(path))
        return {str(k): str(v) for k, v in device.properties.items() if v}
    except Exception:
        return {}


def looks_like_disk(path: Path) -> bool:
    """A block device, or a regular file holding a partition table or a file system TSK reads.

    Cheap for ordinary data files: only files carrying a boot-sector, superblock or ISO
    signature are handed to TSK at all. Never raises.
    """
    try:
        mode = os.stat(path, follow_symlinks=False).st_mode
        if stat.S_ISBLK(mode):
            return True
        if not stat.S_ISREG(mode):
            return False
        fd = os.open(path, OPEN_FLAGS)
        image = None
        try:
            if not has_signature(os.pread(fd, 36 * 1024, 0)):
                return False
            image = ReadOnlyImage(fd)
            try:
                vs = pytsk3.Volume_Info(image)
            except OSError:
                vs = None
            if vs is not None and any(
                int(p.flags) & pytsk3.TSK_VS_PART_FLAG_ALLOC
                and int(p.start) * int(vs.info.block_size) < image.size
                for p in vs
            ):
                return True
            pytsk3.FS_Info(image, offset=0)
            return True
        finally:
            if image is not None:
                image.closed = True
            os.close(fd)
    except Exception:
        return False
