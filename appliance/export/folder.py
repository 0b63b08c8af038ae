"""The folder an officer names for an export: refused if it holds files, written atomically.

Each file is written under a temporary name in the same folder, flushed to disk (``fsync``),
renamed over its final name, and the folder itself flushed; a reader, a crash or a pulled stick
sees either the whole file or none. File names come from the export's code, never from evidence
(a subject called ``../../etc/passwd`` is only ever text inside a file).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from appliance.errors import OutputExists, OutputNotWritable
from appliance.textsafe import shown

# A file, or a file in one sub-folder, of plain ASCII names: the only names this package writes.
_PART = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_NAME = re.compile(rf"{_PART}(?:/{_PART})?")
_PARTIAL = ".partial-"


class OutputFolder:
    """A folder to write an export into, prepared once; every file in it written atomically."""

    def __init__(self, path: Path, *, force: bool = False) -> None:
        self.path = path
        self.written: list[str] = []
        self.left_over: list[str] = []
        self.created = not path.exists()
        try:
            if path.exists() and not path.is_dir():
                raise OutputExists(
                    f"{shown(path)} is a file, not a folder.", "Name a new or empty folder."
                )
            if path.is_dir():
                present = sorted(p.name for p in path.iterdir())
                if present and not force:
                    raise OutputExists(
                        f"the folder {shown(path)} is not empty ({len(present)} item(s)); an "
                        "export never overwrites files unasked.",
                        "Name a new or empty folder, or add --force to replace the export's "
                        "files in it.",
                    )
                self.left_over = present
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputNotWritable(
                f"cannot create the folder {shown(path)}: {shown(exc.strerror or exc)}.",
                "Check the path and that the medium is writable and not full.",
            ) from None

    def target(self, name: str) -> Path:
        if not _NAME.fullmatch(name) or ".." in name:
            raise ValueError(f"{name!r} is not a name this export writes")
        return self.path / name

    @contextmanager
    def file(self, name: str) -> Iterator[Path]:
        """A temporary path to write ``name`` to; on success it becomes ``name`` atomically."""
        final = self.target(name)
        final.parent.mkdir(exist_ok=True)
        with atomic_file(final) as temporary:
            yield temporary
        self.written.append(name)

    @contextmanager
    def text(self, name: str) -> Iterator[TextIO]:
        """``name`` opened for UTF-8 text (newlines written exactly as given)."""
        with self.file(name) as temporary, temporary.open("w", encoding="utf-8", newline="") as h:
            yield h

    def write_bytes(self, name: str, data: bytes) -> None:
        with self.file(name) as temporary:
            temporary.write_bytes(data)

    def discard(self) -> None:
        """Remove what this export wrote (after a failure part-way): a partial set of files
        must not pass for a whole export. Anything else in the folder is left alone."""
        for name in reversed(self.written):
            (self.path / name).unlink(missing_ok=True)
        folders = {self.path / name.split("/")[0] for name in self.written if "/" in name}
        for folder in sorted(folders) + ([self.path] if self.created else []):
            with contextlib.suppress(OSError):  # not empty: something else is in it
                folder.rmdir()
        self.written = []

    def stale(self) -> list[str]:
        """Items that were in the folder before and were not replaced by this export."""
        ours = {name.split("/")[0] for name in self.written}
        return [name for name in self.left_over if name not in ours]


@contextmanager
def atomic_file(final: Path) -> Iterator[Path]:
    """Write ``final`` through a temporary name beside it: fsync, rename, fsync the folder."""
    temporary = final.with_name(f".{final.name}{_PARTIAL}{secrets.token_hex(6)}")
    try:
        yield temporary
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        _sync_folder(final.parent)
    except OSError as exc:
        raise OutputNotWritable(
            f"cannot write {shown(final)}: {shown(exc.strerror or exc)}.",
            "Check the medium is writable and has room, then run the command again.",
        ) from None
    finally:
        temporary.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Flush a rename to disk: the folder's entry, not just the file, must survive a power cut."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
