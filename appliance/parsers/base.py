"""What every parser is: a name, a way to recognise its input, and a stream of records.

Parsers never touch storage (the plaso habit: they hand records to a mediator, here the store's
loader). ``parse`` yields one ``Rejection`` per row that was read but not loaded, so the loader
can prove ``rows read = loaded + rejected``. A file that is not the format at all (wrong header,
wrong root element) raises ``NotThisFormat`` before yielding anything that could be loaded.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, ClassVar
from zoneinfo import ZoneInfo

from appliance.identifiers import DEFAULT_REGION
from appliance.model import Record

PROBE_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
MAX_PROBED_MEMBERS = 10_000
# What reading a damaged or hostile zip can raise: its structure (BadZipFile, ValueError), a
# header naming an unsupported version or method (NotImplementedError), its decompressors
# (zlib.error, EOFError) and the file underneath (OSError). Every zip reader catches all of them.
ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    NotImplementedError,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
)


@dataclass(frozen=True)
class Probe:
    """What detection may look at: the file name and its first bytes (decompressed if gzip)."""

    name: str
    head: bytes
    gzipped: bool = False
    # For a zip container (KMZ, UFDR, XLSX): the names of its first members, read from its
    # central directory without extracting anything.
    members: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The head as text, byte-order mark dropped, undecodable bytes replaced."""
        head = self.head
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
        return head.decode("utf-8", errors="replace")

    @property
    def first_line(self) -> str:
        return self.text.splitlines()[0] if self.text else ""

    @classmethod
    def of_path(cls, path: Path) -> Probe:
        with path.open("rb") as raw:
            return cls.of_stream(path.name, raw)

    @classmethod
    def of_stream(cls, name: str, raw: BinaryIO) -> Probe:
        """Probe a seekable stream (a sealed exhibit); it is left at its start."""
        raw.seek(0)
        head = raw.read(PROBE_BYTES)
        try:
            if head.startswith(GZIP_MAGIC):
                raw.seek(0)
                try:
                    with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                        return cls(name, unzipped.read(PROBE_BYTES), gzipped=True)
                except (OSError, EOFError, zlib.error):
                    return cls(name, head)
            if head.startswith(ZIP_MAGIC):
                return cls(name, head, members=_zip_members(raw))
            return cls(name, head)
        finally:
            raw.seek(0)


def _zip_members(raw: BinaryIO) -> tuple[str, ...]:
    """The first member names of a zip, or none if it is not a readable zip."""
    try:
        raw.seek(0)
        with zipfile.ZipFile(raw) as archive:
            return tuple(info.filename for info in archive.infolist()[:MAX_PROBED_MEMBERS])
    except ZIP_ERRORS:
        return ()


@dataclass
class ParseContext:
    """What the officer declared about the source: its time zone and the number region."""

    timezone: ZoneInfo
    region: str = DEFAULT_REGION
    options: dict[str, str] = field(default_factory=dict)


class Parser(ABC):
    """A format family. Subclasses set ``name``, ``description`` and ``version``."""

    name: ClassVar[str]
    description: ClassVar[str]
    version: ClassVar[str] = "1"
    # A container format (zip: KMZ, UFDR, XLSX) needs random access: such a parser is handed the
    # original file, opened read-only and seekable, not decompressed; the loader then re-hashes
    # the file to prove it did not change while it was read.
    seekable: ClassVar[bool] = False
    # Lower runs earlier in detection; specific formats go before generic ones.
    priority: ClassVar[int] = 50

    @classmethod
    @abstractmethod
    def recognise(cls, probe: Probe) -> str | None:
        """A short reason this parser reads ``probe`` ("header matches ..."), or None."""

    @abstractmethod
    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        """Records from ``stream`` (binary, already decompressed), in file order."""


def open_text(stream: BinaryIO) -> io.TextIOWrapper:
    """A text view of a binary stream: BOM dropped, undecodable bytes replaced, not fatal."""
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
