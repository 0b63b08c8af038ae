"""USB sticks and disk images read in user space with The Sleuth Kit: never mounted, never written.

A kernel mount can write to a stick even when asked not to (journal replay, dirty-bit repair),
and it trusts the file system structures, which on seized media may be crafted. So the device
is opened read-only by us and TSK parses partitions and file systems through that descriptor.

File names are data: kept raw (UTF-8, undecodable bytes as surrogate escapes), never used as
host paths, and escaped for display elsewhere (``appliance.textsafe.shown``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import pytsk3

from appliance.intake.device import (
    HINT,
    DeviceIdentity,
    DiskReadError,
    FileStream,
    NotADisk,
    ReadOnlyImage,
    identify,
    looks_like_disk,
    open_device,
)
from appliance.intake.fsmeta import describe, is_structure, modified_time
from appliance.textsafe import shown

__all__ = [
    "DeviceIdentity",
    "Disk",
    "DiskFile",
    "DiskReadError",
    "DiskSkipped",
    "DiskStopped",
    "FileSystemInfo",
    "NotADisk",
    "Volume",
    "WalkLimits",
    "looks_like_disk",
]

GiB = 1024**3


@dataclass(frozen=True)
class Volume:
    index: int  # 1, 2... in partition-table order; 0 for a file system on the whole device
    scheme: str
    start: int
    length: int
    description: str


@dataclass(frozen=True)
class FileSystemInfo:
    volume: Volume
    type: str
    label: str | None
    uuid: str | None
    anomalies: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "anomalies": list(self.anomalies)}


@dataclass(frozen=True)
class _Mounted:
    """One opened TSK file system (the word is ours; nothing is mounted by the kernel)."""

    info: FileSystemInfo
    fs: Any
    image: ReadOnlyImage


@dataclass(frozen=True)
class DiskFile:
    filesystem: FileSystemInfo
    path: str
    size: int
    inode: int
    modified: datetime | None
    _source: _Mounted | None = field(default=None, repr=False, compare=False)

    def open(self) -> BinaryIO:
        if self._source is None:
            raise DiskReadError(self.path, 0, "this listing is not attached to an open disk")
        raw = FileStream(self._source.image, self._source.fs, self.inode, self.path, self.size)
        return io.BufferedReader(raw, buffer_size=FileStream.CHUNK)


@dataclass(frozen=True)
class DiskSkipped:
    path: str
    reason: str


@dataclass(frozen=True)
class DiskStopped:
    reason: str


@dataclass(frozen=True)
class WalkLimits:
    max_files: int = 100_000
    max_depth: int = 64
    max_file_bytes: int = 64 * GiB
    max_entries_per_dir: int = 100_000


class Disk:
    """An opened device or image: its partitions, file systems and files. Close it when done."""

    def __init__(self, path: Path, fd: int, kind: str) -> None:
        self._fd = fd
        self._image = ReadOnlyImage(fd)
        self.identity = identify(path, kind, self._image.size)
        self.scheme = "none"
        self.volumes: list[Volume] = []
        self.filesystems: list[FileSystemInfo] = []
        self.anomalies: list[str] = []
        self._mounted: list[_Mounted] = []
        self._discover(path)

    @classmethod
    def open(cls, path: Path) -> Disk:
        fd, kind = open_device(path)
        try:
            return cls(path, fd, kind)
        except BaseException:
            os.close(fd)
            raise

    def close(self) -> None:
        if not self._image.closed:
            self._image.closed = True
            os.close(self._fd)

    def __enter__(self) -> Disk:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def files(
        self, limits: WalkLimits = WalkLimits()
    ) -> Iterator[DiskFile | DiskSkipped | DiskStopped]:
        walk = _Walk(limits)
        for mounted in self._mounted:
            yield from walk.filesystem(mounted)
            if walk.stopped:
                return

    def _discover(self, path: Path) -> None:
        image = self._image
        try:
            vs = pytsk3.Volume_Info(image)
        except OSError:
            vs = None
        if vs is not None:
            self._partitions(vs)
        if not self._mounted:
            whole = Volume(0, "none", 0, image.size, "whole device (no partition table)")
            if self._mount(whole):
                self.scheme, self.volumes, self.anomalies = "none", [whole], []
        if vs is None and not self._mounted:
            raise NotADisk(
                f"{shown(path)} holds no partition table or file system that can be read.", HINT
            )

    def _partitions(self, vs: Any) -> None:
        vstype = int(vs.info.vstype)
        self.scheme = {pytsk3.TSK_VS_TYPE_DOS: "mbr", pytsk3.TSK_VS_TYPE_GPT: "gpt"}.get(
            vstype, f"TSK volume system {vstype:#x}"
        )
        unit = int(vs.info.block_size)
        for part in vs:
            if not int(part.flags) & pytsk3.TSK_VS_PART_FLAG_ALLOC:
                continue  # the protective MBR, the tables themselves, unallocated gaps
            desc = part.desc.decode("utf-8", "replace") if part.desc else ""
            start, length = int(part.start) * unit, int(part.len) * unit
            volume = Volume(len(self.volumes) + 1, self.scheme, start, length, desc)
            self.volumes.append(volume)
            where = f"partition {volume.index} ({desc or 'no name'}, {length:,} bytes at {start:,})"
            if start + length > self._image.size:
                self.anomalies.append(
                    f"{where} runs past the end of the device at {self._image.size:,}: the image "
                    "is truncated or the stick was removed"
                )
            if not self._mount(volume):
                self.anomalies.append(
                    f"{where}: no file system The Sleuth Kit can read (unformatted, encrypted "
                    "or damaged)"
                )

    def _mount(self, volume: Volume) -> bool:
        try:
            fs = pytsk3.FS_Info(self._image, offset=volume.start)
        except OSError:
            return False
        meta = describe(fs, self._image.read_at, volume.start)
        info = FileSystemInfo(volume, meta.type, meta.label, meta.uuid, meta.anomalies)
        self.filesystems.append(info)
        self._mounted.append(_Mounted(info, fs, self._image))
        return True


class _Walk:
    """Name-ordered walk of every file system, sharing the limits across them."""

    def __init__(self, limits: WalkLimits) -> None:
        self.limits = limits
        self.files = 0
        self.stopped = False

    def filesystem(self, mounted: _Mounted) -> Iterator[DiskFile | DiskSkipped | DiskStopped]:
        fs = mounted.fs
        ftype = int(fs.info.ftype)
        visited = {int(fs.info.root_inum)}
        # (folder inode, folder path, depth); a stack, so crafted deep trees cannot exhaust
        # Python's recursion, and popped in reverse so output stays in name order.
        pending: list[tuple[int, str, int]] = [(int(fs.info.root_inum), "", 0)]
        while pending:
            inode, folder, depth = pending.pop()
            entries, notes = self._read_folder(fs, inode, folder)
            yield from notes
            subfolders: list[tuple[int, str, int]] = []
            for raw, addr, mtype, size, mtime in sorted(entries, key=lambda e: e[0]):
                name = raw.decode("utf-8", "surrogateescape")
                path = f"{folder}/{name}"
                if mtype in _VIRTUAL or (depth == 0 and is_structure(ftype, name, addr, size)):
                    # TSK's own views ($MBR, $FAT1, $OrphanFiles) and file system metadata
                    # ($MFT, $LogFile, exFAT's bitmap, the label entry) are not user evidence.
                    continue
                if mtype == pytsk3.TSK_FS_META_TYPE_DIR:
                    if depth + 1 > self.limits.max_depth:
                        yield DiskSkipped(
                            path,
                            f"folder nested more than {self.limits.max_depth} levels deep: "
                            "not listed",
                        )
                    elif addr in visited:
                        yield DiskSkipped(path, "directory loop: folder already listed")
                    else:
                        visited.add(addr)
                        subfolders.append((addr, path, depth + 1))
                elif mtype == pytsk3.TSK_FS_META_TYPE_LNK:
                    yield DiskSkipped(path, "symbolic link not followed")
                elif mtype != pytsk3.TSK_FS_META_TYPE_REG:
                    yield DiskSkipped(path, "special file")
                elif size > self.limits.max_file_bytes:
                    limit = _size_text(self.limits.max_file_bytes)
                    yield DiskSkipped(
                        path, f"larger than the {limit} per-file limit ({_size_text(size)})"
                    )
                elif self.files >= self.limits.max_files:
                    self.stopped = True
                    yield DiskStopped(
                        f"more than {self.limits.max_files:,} files: stopped at the limit "
                        "(--max-files)"
                    )
                    return
                else:
                    self.files += 1
                    yield DiskFile(mounted.info, path, size, addr, mtime, mounted)
            pending.extend(reversed(subfolders))

    def _read_folder(
        self, fs: Any, inode: int, folder: str
    ) -> tuple[list[_Entry], list[DiskSkipped]]:
        entries: list[_Entry] = []
        notes: list[DiskSkipped] = []
        limit = self.limits.max_entries_per_dir
        try:
            for entry in fs.open_dir(inode=inode):
                name, meta = entry.info.name, entry.info.meta
                raw = bytes(name.name)
                if raw in (b".", b"..") or not int(name.flags) & pytsk3.TSK_FS_NAME_FLAG_ALLOC:
                    continue  # deleted names are for a carving tool, not this listing
                path = f"{folder}/{raw.decode('utf-8', 'surrogateescape')}"
                if meta is None or int(meta.flags) & pytsk3.TSK_FS_META_FLAG_UNALLOC:
                    notes.append(DiskSkipped(path, "its metadata could not be read (damaged?)"))
                    continue
                if len(entries) >= limit:
                    notes.append(
                        DiskSkipped(
                            folder or "/",
                            f"more than {limit:,} entries in one folder: the rest were not listed",
                        )
                    )
                    break
                when = modified_time(meta, int(fs.info.ftype))
                entries.append((raw, int(meta.addr), int(meta.type), int(meta.size), when))
        except OSError as exc:
            notes.append(DiskSkipped(folder or "/", f"folder could not be read in full ({exc})"))
        return entries, notes


# Raw name, inode, TSK meta type, size, modified.
_Entry = tuple[bytes, int, int, int, datetime | None]
_VIRTUAL = {pytsk3.TSK_FS_META_TYPE_VIRT, pytsk3.TSK_FS_META_TYPE_VIRT_DIR}


def _size_text(size: int) -> str:
    for unit, factor in (("TiB", 1024**4), ("GiB", GiB), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"
