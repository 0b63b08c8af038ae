"""What an officer hands the appliance, turned into the files to acquire.

A path is a block device or a disk image (read through The Sleuth Kit, never mounted), a folder
(walked without following links), or a single file. Each file to acquire becomes an ``Item``:
where it came from (a stable ``origin`` key, so running again on the same stick finds the same
exhibit), what to show, and how to open it read-only.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from appliance.intake.disk import (
    Disk,
    DiskFile,
    DiskSkipped,
    DiskStopped,
    WalkLimits,
    looks_like_disk,
)
from appliance.intake.files import Found, Skipped, find_files

READ_PIECE = 1024 * 1024


@dataclass(frozen=True)
class Item:
    """One file to acquire."""

    origin: str
    display: str
    size: int
    opener: Callable[[], BinaryIO]
    details: dict[str, Any]
    named: bool = False


@dataclass(frozen=True)
class NotAcquired:
    """A file or a walk the appliance declined, with the stated reason."""

    origin: str
    display: str
    reason: str
    stopped: bool = False


@dataclass
class Medium:
    """What was read: a device or image (with its identity and layout), a folder, or files."""

    kind: str
    path: str
    description: dict[str, Any] = field(default_factory=dict)
    anomalies: list[str] = field(default_factory=list)


def is_medium(path: Path) -> bool:
    """A block device or a disk image, as opposed to a folder or an ordinary file."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISBLK(mode) or (stat.S_ISREG(mode) and looks_like_disk(path))


def _open_host(path: Path) -> BinaryIO:
    # O_NOFOLLOW: a link swapped in after the walk must not redirect the read elsewhere.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    return io.FileIO(fd, "rb", closefd=True)


def host_items(paths: list[Path]) -> Iterator[Item | NotAcquired]:
    """Files under folders or named directly, on the appliance's own file system."""
    for found in find_files(paths):
        if isinstance(found, Skipped):
            yield NotAcquired(f"host|{found.path}", str(found.path), found.reason)
            continue
        yield _host_item(found)


def _host_item(found: Found) -> Item:
    resolved = found.path.resolve()
    info = os.stat(resolved, follow_symlinks=False)
    modified = datetime.fromtimestamp(info.st_mtime, UTC).replace(microsecond=0)
    return Item(
        origin=f"host|{resolved}",
        display=str(found.path),
        size=info.st_size,
        opener=lambda: _open_host(resolved),
        details={"medium": "host file system", "modified": modified.isoformat()},
        named=found.named,
    )


class DiskMedium:
    """A device or image: its description, then its files."""

    def __init__(self, path: Path, limits: WalkLimits) -> None:
        self.path = path
        self.limits = limits
        self.disk = Disk.open(path)

    def __enter__(self) -> DiskMedium:
        return self

    def __exit__(self, *_: object) -> None:
        self.disk.__exit__(None, None, None)

    def medium(self) -> Medium:
        disk = self.disk
        anomalies = list(disk.anomalies)
        for fs in disk.filesystems:
            anomalies.extend(fs.anomalies)
        return Medium(
            kind=disk.identity.kind,
            path=str(self.path),
            description={
                "device": disk.identity.as_json(),
                "partition_scheme": disk.scheme,
                "volumes": [
                    {
                        "index": v.index,
                        "scheme": v.scheme,
                        "start": v.start,
                        "length": v.length,
                        "description": v.description,
                    }
                    for v in disk.volumes
                ],
                "filesystems": [fs.as_json() for fs in disk.filesystems],
            },
            anomalies=anomalies,
        )

    def key(self) -> str:
        """Where files come from, stable when the same medium is read again.

        A stick keeps its serial number and size when re-inserted under a new device name. An
        image is known by its path alone, so a partial copy of an image (a stick pulled
        mid-imaging) completed in place is recognised as the same medium.
        """
        identity = self.disk.identity
        if identity.kind == "disk image":
            return f"image:{Path(identity.path).resolve()}"
        return identity.key()

    def items(self) -> Iterator[Item | NotAcquired]:
        key = self.key()
        for entry in self.disk.files(self.limits):
            if isinstance(entry, DiskFile):
                yield self._item(key, entry)
            elif isinstance(entry, DiskSkipped):
                yield NotAcquired(f"{key}|{entry.path}", entry.path, entry.reason)
            elif isinstance(entry, DiskStopped):
                yield NotAcquired(f"{key}|stopped", str(self.path), entry.reason, stopped=True)

    def _item(self, key: str, entry: DiskFile) -> Item:
        fs = entry.filesystem
        volume = fs.volume
        origin = f"{key}|v{volume.index}|{entry.path}"
        label = f" {fs.label}" if fs.label else ""
        return Item(
            origin=origin,
            display=f"{self.path}:{volume.index}:{fs.type}{label}:{entry.path}",
            size=entry.size,
            opener=entry.open,
            details={
                "medium": "device or image",
                "device": self.disk.identity.as_json(),
                "volume": volume.index,
                "filesystem": fs.type,
                "filesystem_label": fs.label,
                "filesystem_uuid": fs.uuid,
                "path": entry.path,
                "inode": entry.inode,
                "modified": entry.modified.isoformat() if entry.modified else None,
            },
        )
