"""What an intake reports as it goes, as plain data: for a screen that shows live progress.

The terminal's progress lines (``Progress``) are words for a person; these are the same moments
as values, so a view can count files, bytes, hashes and rows without parsing words. An observer
may raise ``IntakeCancelled`` to stop the intake at the next moment it reports: acquisition
keeps every file already sealed and recorded, and a parse in progress is rolled back whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FileFound:
    """A file about to be read (from a folder, a stick or an image)."""

    display: str
    size: int


@dataclass(frozen=True)
class BytesRead:
    """Progress through one file being hashed and sealed."""

    ref: str
    display: str
    done: int
    size: int


@dataclass(frozen=True)
class FileSealed:
    """A file read whole, hashed and sealed: an exhibit under ``ref``."""

    ref: str
    display: str
    sha256: str
    size: int
    duplicate_of: str | None = None


@dataclass(frozen=True)
class FileNotAcquired:
    """A file declined (a limit, a special file) or read only in part (``ref`` is then set)."""

    display: str
    reason: str
    ref: str | None = None


@dataclass(frozen=True)
class ParseStarted:
    """A sealed exhibit is being parsed as ``format`` for ``subject`` (None: inferred)."""

    ref: str
    path: str
    format: str
    subject: str | None


@dataclass(frozen=True)
class ParseProgress:
    """Rows of one exhibit written so far (reported once per batch written)."""

    ref: str
    loaded: int
    rejected: int


@dataclass(frozen=True)
class ParseEnded:
    """One exhibit's parse is over: ``status`` is loaded, already loaded or not parsed."""

    ref: str
    status: str
    rows_read: int = 0
    loaded: int = 0
    rejected: int = 0
    subject: str | None = None
    reason: str = ""


IntakeEvent = (
    FileFound | BytesRead | FileSealed | FileNotAcquired | ParseStarted | ParseProgress | ParseEnded
)
Observer = Callable[[IntakeEvent], None]


def ignore(_: IntakeEvent) -> None:
    """The observer of an intake nobody watches (the command line prints words instead)."""
