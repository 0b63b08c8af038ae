"""Finding the files to acquire under the paths an officer names, and hashing them.

Evidence is only ever opened for reading. A folder is walked in name order without following
symbolic links (a link could point anywhere on the appliance, or loop).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from appliance.errors import UsageError

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Found:
    """A file to acquire: where it is, and whether the officer named it directly."""

    path: Path
    named: bool


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


def find_files(paths: list[Path]) -> Iterator[Found | Skipped]:
    for path in paths:
        if path.is_symlink():
            yield Skipped(path, "symbolic link not followed")
        elif path.is_file():
            yield Found(path, named=True)
        elif path.is_dir():
            yield from _walk(path)
        elif not path.exists():
            raise UsageError(f"{path} does not exist.", "Check the path and try again.")
        else:
            yield Skipped(path, "not a regular file or folder")


def _walk(folder: Path) -> Iterator[Found | Skipped]:
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            if path.is_symlink():
                yield Skipped(path, "symbolic link not followed")
            elif path.is_file():
                yield Found(path, named=False)
            else:
                yield Skipped(path, "not a regular file")


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of the file's bytes, read once, read-only."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class HashingReader(io.RawIOBase):
    """A read-only binary stream that hashes every byte that passes through it.

    The parser reads the same bytes the exhibit hash is taken over: after parsing, ``finish``
    drains what the parser left and returns the digest, which must equal the exhibit's.
    """

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._digest.update(data)
        self.size += n
        return n

    def finish(self) -> str:
        while chunk := self._raw.read(CHUNK):
            self._digest.update(chunk)
            self.size += len(chunk)
        return self._digest.hexdigest()


def open_content(raw: BinaryIO | HashingReader, gzipped: bool) -> BinaryIO:
    """The file's content for a parser: decompressed when the file is gzip."""
    buffered = raw if not isinstance(raw, io.RawIOBase) else io.BufferedReader(raw, CHUNK)
    if gzipped:
        return cast(BinaryIO, gzip.GzipFile(fileobj=buffered, mode="rb"))
    return buffered
