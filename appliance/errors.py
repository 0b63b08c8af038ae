"""One error type per failure a user can act on.

Each carries a one-line message saying what happened and a hint saying what to do next; the
command line and the terminal UI show the same words (the Harlequin habit of one error base).
"""

from __future__ import annotations


class ApplianceError(Exception):
    """Base of every failure the user can act on. ``str()`` is the one-line message."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip() if self.hint else self.message


class UsageError(ApplianceError):
    """A command-line value that cannot be understood (a unit, a date, a zone)."""

    exit_code = 2


class CaseNotFound(ApplianceError):
    """The case reference names no case in this home."""


class CaseExists(ApplianceError):
    """A new case would overwrite an existing one."""


class WrongPassphrase(ApplianceError):
    """The passphrase does not unwrap the case key."""


class PassphraseRequired(ApplianceError):
    """No passphrase is available and no terminal to ask on."""


class SubjectNotFound(ApplianceError):
    """A subject name that the case does not hold."""


class SubjectExists(ApplianceError):
    """A subject name already used in the case."""


class IdentifierConflict(ApplianceError):
    """An identifier already attributed to a different subject."""


class FormatNotRecognised(ApplianceError):
    """No parser recognises a file, or the one named with --format is unknown."""


class NotThisFormat(ApplianceError):
    """A file is not what its detected or declared format claims (wrong header, wrong root)."""


class InputTooLarge(ApplianceError):
    """An input exceeds a stated safety limit (size, depth, expansion)."""


class StoreError(ApplianceError):
    """The case database could not be opened or is inconsistent."""


class CaseInUse(StoreError):
    """Another process (the terminal UI, another command) kept the case database open."""


class OutputExists(ApplianceError):
    """An export would write into a folder that already holds files."""


class OutputNotWritable(ApplianceError):
    """An export or bundle could not be written where the officer asked."""


class ZoneExists(ApplianceError):
    """An exclusion zone name already used in the case."""


class ReportError(ApplianceError):
    """The printed report could not be built or written."""


class PrintError(ApplianceError):
    """The report could not be handed to the print system (no CUPS, unknown printer)."""


class TilePackInvalid(ApplianceError):
    """A file offered as a map tile pack is not a usable raster MBTiles file."""


class TilePackExists(ApplianceError):
    """A tile pack of that name is already installed."""


class MapDataUnreadable(ApplianceError):
    """OpenStreetMap data given to the tile builder cannot be read or holds nothing to draw."""


class IntakeCancelled(ApplianceError):
    """The officer stopped an intake part-way; what was sealed before stays in the case."""
