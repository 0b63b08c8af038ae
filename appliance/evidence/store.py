"""The case's evidence folder: one sealed file per exhibit, named by its plaintext SHA-256.

A file is sealed into a temporary name, flushed to disk, renamed into place and the folder
flushed, so after a crash at any point a sealed file is either whole under its final name or an
orphan temporary that ``clean`` removes. Naming by hash stores identical content once and means
no name from the evidence (which may be hostile) ever becomes a path here.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from appliance.evidence.sealed import SealWriter, Trailer, open_sealed

EVIDENCE_FOLDER = "evidence"
_SUFFIX = ".sealed"
_TEMP_PREFIX = ".partial-"
_SHA = re.compile(r"^[0-9a-f]{64}$")


def fsync_folder(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Sealing:
    """A file being sealed: feed it plaintext with ``write``; the store commits or discards it."""

    def __init__(self, writer: SealWriter, temp: Path, handle: BinaryIO) -> None:
        self._writer = writer
        self._handle = handle
        self.temp = temp
        self.trailer: Trailer | None = None

    def announce(self) -> None:
        """Put the header (case, exhibit, origin) on disk now, before a long copy.

        A power cut during the copy then still leaves the name of the exhibit it interrupted,
        for ``appliance.intake.interrupted`` to record at the next boot.
        """
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._writer.write(data)

    def finish(self) -> Trailer:
        return self._writer.finish()

    @property
    def bytes_so_far(self) -> int:
        return self._writer.size


class EvidenceStore:
    def __init__(self, case_folder: Path) -> None:
        self.folder = case_folder / EVIDENCE_FOLDER

    def ensure(self) -> None:
        self.folder.mkdir(mode=0o700, exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        if not _SHA.match(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.folder / f"{sha256}{_SUFFIX}"

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    @contextmanager
    def sealing(
        self, case_ref: str, recipient: bytes, header: Mapping[str, Any]
    ) -> Iterator[Sealing]:
        """Seal what the caller writes; on success the file is in place under its hash.

        If the body raises, the temporary file is removed and nothing is left behind.
        """
        self.ensure()
        temp = self.folder / f"{_TEMP_PREFIX}{uuid.uuid4().hex}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        handle: BinaryIO = os.fdopen(fd, "wb", buffering=1024 * 1024)
        sealing = Sealing(SealWriter(handle, case_ref, recipient, header), temp, handle)
        try:
            yield sealing
            sealing.trailer = sealing.finish()
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            final = self.path_of(sealing.trailer.sha256)
            if final.exists():
                # The same content is already sealed: keep the first copy, drop this one.
                temp.unlink()
            else:
                os.replace(temp, final)
            fsync_folder(self.folder)
        except BaseException:
            handle.close()
            temp.unlink(missing_ok=True)
            raise

    def open(self, sha256: str, case_ref: str, private: X25519PrivateKey) -> BinaryIO:
        return open_sealed(self.path_of(sha256), case_ref, private)

    def sealed(self) -> Iterator[str]:
        """The hashes of every sealed file present."""
        if not self.folder.is_dir():
            return
        for child in sorted(self.folder.iterdir()):
            name = child.name
            if name.endswith(_SUFFIX) and _SHA.match(name[: -len(_SUFFIX)]):
                yield name[: -len(_SUFFIX)]

    def clean(self, keep: set[str]) -> list[str]:
        """Remove temporaries and sealed files no custody entry acknowledges; say what went."""
        removed: list[str] = []
        if not self.folder.is_dir():
            return removed
        for child in sorted(self.folder.iterdir()):
            name = child.name
            orphan_temp = name.startswith(_TEMP_PREFIX)
            unacknowledged = name.endswith(_SUFFIX) and name[: -len(_SUFFIX)] not in keep
            if orphan_temp or unacknowledged:
                child.unlink()
                removed.append(name)
        if removed:
            fsync_folder(self.folder)
        return removed
