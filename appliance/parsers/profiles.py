"""Mapping profiles: an operator's call-record or tower layout described in TOML, not in code.

Every ``*.toml`` in the ``profiles/`` folder beside this module is read when this module is
imported (the registry imports every parser module at first use), checked, and registered as a
parser named after the profile. An analyst adds a layout by writing one file; a profile that
cannot be used stops the import with a ``ProfileError`` naming the file and the key, because a
layout silently missing from ``appliance formats`` is worse than a clear refusal.
``load_profiles(folder)`` builds the parsers of any folder without registering them (tests, and
checking a new profile before it is installed).

Schema (keys not listed here are an error, so a misspelt key cannot be ignored silently)::

    name        = "acme_calls"     # required; lower-case [a-z][a-z0-9_]*, equal to the file stem;
                                   # the --format name
    description = "..."            # required; shown by `appliance formats`: say what the profile
                                   # reads and name its file, e.g. "... (profile acme_calls.toml)"
    kind        = "communications" # required: "communications" or "cells"
    files       = ["csv"]          # "csv" and/or "xlsx"; default ["csv"]
    delimiter   = ","              # CSV only; one character; default ","
    sheet       = 0                # XLSX only: sheet name, or 0-based index; default 0
    file_pattern = "*calls*.xlsx"  # XLSX only, optional: detection of a workbook by file name
    header      = ["a", "b"]       # required: the columns that must all be in the header row
                                   # (case-insensitive, trimmed, any order, extra columns allowed)

    [time]                         # kind = "communications" only; required
    column   = "Datetime"          # one column holding date and time, with
    format   = "%Y%m%d %H%M"       #   its strptime pattern, or "iso" for ISO 8601; OR
    date_column = "date"           # separate columns, with
    date_format = "%Y-%m-%d"       #   a strptime pattern for each
    time_column = "time"
    time_format = "%H:%M:%S"
    timezone = "declared"          # "declared" (the officer's --timezone) or an IANA name;
                                   # an offset in the value itself (%z, ISO +01:00) wins

    [parties]                      # required; one of two shapes:
    caller = "From"                #   A: caller and callee columns. The record is seen from the
    callee = "To"                  #      caller: line = caller, direction = out, other = callee.
    line = "msisdn"                #   B: other + direction columns, and optionally line. Without
    other = "correspondent"        #      a line column the file is one line's records: the line is
    direction = "direction"        #      the ParseContext option "line" if set (the officer's
                                   #      number: always read with normalise_phone), else the
                                   #      stable placeholder "line:<file stem>" ("line:<profile
                                   #      name>" when the input has no file name)
    identifiers = "phone"          # "phone": normalise_phone in the source's region (text that is
                                   # not a number is kept as written); "as_written": pseudonymous
                                   # ids, only trimmed (so id 770000008 is not read as a number)
    [parties.direction_words]      # shape B: words meaning out and in (case-insensitive)
    out = ["outgoing", "MO"]
    in  = ["incoming", "MT"]

    [kind_of]                      # communications; required: a column with words, or a constant
    column = "type"                #   (voice, sms, mms, data, chat)
    words = { voice = ["call"], sms = ["text"] }
    # constant = "voice"

    [duration]                     # optional
    column = "Duration(seconds)"
    unit = "seconds"               # "seconds" or "hh:mm:ss"

    [cell]                         # optional: the serving cell or tower
    column = "Cell Tower"
    prefix = "vast2008-tower-"     # ids that are not mcc-mnc-lac-cid are kept as prefix + id, and
                                   # match only a tower list written with the same prefix; without
                                   # a prefix a malformed id is dropped with a Warning

    [towers]                       # kind = "cells" only; required
    id = "tower_id"                # Cell(cell_id = prefix + id), or a canonical mcc-mnc-lac-cid
    lat = "latitude"               # without a prefix
    lon = "longitude"
    range = "range_m"              # optional: the radius served, metres
    azimuth = "azimuth"            # optional: sector bearing, degrees clockwise from north
    beamwidth = "beamwidth"        # optional: sector width, degrees (0 < w <= 360)
    prefix = "togo-"
    area = { lat = [6.0, 11.2], lon = [-0.3, 1.9] }   # optional: where the towers must be

Mapped columns not in ``header`` are optional (duration, cell, range): absent from a file, the
value is empty. Every other mapped column must be listed in ``header``.

Rows: as in the built-in CSV parsers, row N is the Nth record after the header row (CSV) or the
Nth sheet row after it (XLSX); blank rows keep their number but are not rows. Every row is loaded
as one record or rejected with a reason: an unreadable date per the declared format, a missing
party, an unknown direction or kind word, a negative or unreadable duration, a position out of
range. A naive local time in the skipped or repeated hour of a clock change is loaded with
``time_flag`` set and followed by a Warning. In tower lists, coordinates written with spaces
around them are read trimmed with a Warning; a position outside the profile's ``area`` is
rejected, naming a likely lat/lon swap when the swapped pair would be inside. Without an area a
swap is detectable only when a value is out of range (bandicoot's towers.csv row 15002 is a
swap whose values are both in range: it is loaded as written).

XLSX: a profile that lists "xlsx" reads workbooks too (openpyxl, read-only, cached values; date
cells are taken as written, naive). Detection only sees the first bytes of a file, not the
sheet, so a workbook is recognised only when its file name matches ``file_pattern``; otherwise
name the profile with ``--format``. Such parsers are ``seekable`` (the zip needs random access),
and so are profiles without a line column, which need the file's name for the placeholder line.

Profiles are tried after the specific built-in parsers and before the generic location CSV
(priority 50). The parser version is ``1/`` plus the first 12 hex digits of the profile file's
SHA-256, so a source records exactly which mapping read it.

This module is the profiles' public face (the schema above, the parser a profile becomes, and
registration); the parts live beside it: ``_profile_spec`` (a checked profile as data),
``_profile_load`` (reading and checking the TOML), ``_profile_readers`` (CSV and XLSX rows) and
``_profile_rows`` (a row turned into records).
"""

from __future__ import annotations

import fnmatch
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, cast

from appliance.errors import NotThisFormat
from appliance.model import Record, Rejection
from appliance.parsers._profile_load import load_profile
from appliance.parsers._profile_readers import (
    Value,
    borrowed,
    csv_rows,
    gunzipped,
    sheet_rows,
    split_header,
)
from appliance.parsers._profile_rows import (
    RowRejected,
    cell_records,
    communication_records,
    context_line,
)
from appliance.parsers._profile_spec import Profile, ProfileError
from appliance.parsers.base import GZIP_MAGIC, ZIP_MAGIC, ParseContext, Parser, Probe
from appliance.parsers.registry import register

PROFILE_FOLDER = Path(__file__).with_name("profiles")
PRIORITY = 50

__all__ = [
    "PRIORITY",
    "PROFILE_FOLDER",
    "Profile",
    "ProfileError",
    "ProfileParser",
    "load_profile",
    "load_profiles",
    "parser_class",
    "register_profiles",
]


class ProfileParser(Parser):
    """The parser of one profile; ``parser_class`` makes one subclass per profile."""

    profile: ClassVar[Profile]
    priority: ClassVar[int] = PRIORITY

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        profile = cls.profile
        if probe.members:
            if (
                "xlsx" in profile.files
                and "xl/workbook.xml" in probe.members
                and profile.file_pattern is not None
                and fnmatch.fnmatchcase(probe.name.lower(), profile.file_pattern)
            ):
                return (
                    f"workbook name matches profile {profile.name} ({profile.source}) "
                    f"pattern {profile.file_pattern}"
                )
            return None
        if "csv" not in profile.files:
            return None
        if set(profile.header) <= set(split_header(probe.first_line, profile.delimiter)):
            return f"header matches profile {profile.name} ({profile.source})"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        profile = self.profile
        line = context_line(profile, stream, context)
        rows: Iterator[tuple[int, dict[str, Value]] | Rejection]
        magic = b""
        if stream.seekable():
            magic = stream.read(4)
            stream.seek(0)
            # The loader re-hashes the file it handed over: reading it must not close it.
            stream = borrowed(stream)
        if magic.startswith(ZIP_MAGIC):
            if "xlsx" not in profile.files:
                raise NotThisFormat(
                    f"profile {profile.name} reads CSV, and this file is a zip (a workbook?).",
                    "Add xlsx to the profile's files, or name the right format with --format.",
                )
            rows = sheet_rows(stream, profile)
        elif "csv" not in profile.files:
            raise NotThisFormat(
                f"profile {profile.name} reads XLSX workbooks, and this file is not one.",
                "Name the right format with --format.",
            )
        elif magic.startswith(GZIP_MAGIC):
            unzipped = cast(BinaryIO, gzip.GzipFile(fileobj=stream, mode="rb"))
            rows = gunzipped(csv_rows(unzipped, profile))
        else:
            rows = csv_rows(stream, profile)
        for item in rows:
            if isinstance(item, Rejection):
                yield item
                continue
            row, values = item
            try:
                if profile.kind == "cells":
                    yield from cell_records(row, values, profile)
                else:
                    yield from communication_records(row, values, profile, context, line)
            except RowRejected as exc:
                yield Rejection(row, str(exc))


def parser_class(profile: Profile) -> type[ProfileParser]:
    """A Parser subclass reading ``profile``'s layout, named after the profile."""
    needs_file = "xlsx" in profile.files or (
        profile.parties is not None
        and profile.parties.caller is None
        and profile.parties.line is None
    )
    attributes: dict[str, Any] = {
        "name": profile.name,
        "description": profile.description,
        "version": f"1/{profile.digest[:12]}",
        "seekable": needs_file,
        "profile": profile,
        "__module__": __name__,
        "__doc__": f"The layout in profile {profile.source}.",
    }
    class_name = "Profile_" + profile.name
    return cast(type[ProfileParser], type(class_name, (ProfileParser,), attributes))


def load_profiles(folder: Path) -> list[type[ProfileParser]]:
    """One parser per ``*.toml`` in ``folder``, in name order; nothing is registered."""
    return [parser_class(load_profile(path)) for path in sorted(folder.glob("*.toml"))]


def register_profiles(folder: Path = PROFILE_FOLDER) -> list[type[ProfileParser]]:
    """Load and register every profile in ``folder``; a name already taken is a ProfileError."""
    parsers = load_profiles(folder)
    for parser in parsers:
        try:
            register(parser)
        except ValueError:
            profile = parser.profile
            raise ProfileError(
                f"profile {profile.source}: name {profile.name!r} is already a format.",
                "Choose another name (and file name) for the profile.",
            ) from None
    return parsers


register_profiles()
