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
"""

from __future__ import annotations

import csv
import fnmatch
import gzip
import hashlib
import io
import re
import tomllib
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.errors import ApplianceError, InputTooLarge, NotThisFormat
from appliance.identifiers import normalise_phone
from appliance.model import Cell, Communication, Record, Rejection, Warning
from appliance.model.records import KINDS
from appliance.parsers._csvutil import (
    MAX_LINE_CHARS,
    CsvRecord,
    _BoundedLines,
    canonical_cell_id_text,
    column_index,
    data_rows,
    position_problem,
    quote,
    read_float,
    time_flag_warning,
)
from appliance.parsers.base import (
    GZIP_MAGIC,
    ZIP_ERRORS,
    ZIP_MAGIC,
    ParseContext,
    Parser,
    Probe,
    open_text,
)
from appliance.parsers.registry import register
from appliance.timeutil import local_to_utc, parse_iso

PROFILE_FOLDER = Path(__file__).with_name("profiles")
PRIORITY = 50
MAX_SHEET_ROWS = 1_048_576
"""Excel's own row limit; a sheet claiming more rows is damaged or hostile."""
MAX_MEMBER_BYTES = 1 << 30
"""The largest uncompressed workbook part read (a zip bomb declares far more)."""

_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_DIRECTIVE = re.compile(r"%(.)")
# Locale-dependent directives (%c, %x, %X) are left out: a profile must read the same everywhere.
_ALLOWED_DIRECTIVES = set("aAbBdfGHIjmMpSuUVwWyYzZ%")
_HAS_TIME_OF_DAY = re.compile(r"\d[Tt ]\d")
_HMS = re.compile(r"(\d{1,6}):([0-5]?\d):([0-5]\d)")

Value = str | datetime | time
"""A cell as read: text, or (from a workbook) a date-time or time of day."""


class ProfileError(ApplianceError):
    """A profile file that cannot be used; the message names the file and the key."""


# --- the profile ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeSpec:
    columns: tuple[str, ...]  # one column, or (date column, time column)
    formats: tuple[str, ...]  # one pattern per column; "iso" for ISO 8601 (one column only)
    zone: ZoneInfo | None  # None: the officer's declared zone


@dataclass(frozen=True)
class PartySpec:
    caller: str | None
    callee: str | None
    line: str | None
    other: str | None
    direction: str | None
    direction_words: Mapping[str, str]
    as_written: bool


@dataclass(frozen=True)
class TowerSpec:
    id: str
    lat: str
    lon: str
    range: str | None
    prefix: str
    area: tuple[float, float, float, float] | None  # lat min, lat max, lon min, lon max
    azimuth: str | None = None
    beamwidth: str | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    kind: str
    source: str  # the file name, for messages
    digest: str
    files: frozenset[str]
    delimiter: str
    sheet: str | int
    file_pattern: str | None
    header: tuple[str, ...]  # lower-case, trimmed
    labels: Mapping[str, str] = field(default_factory=dict)  # lower-case -> as in the profile
    time: TimeSpec | None = None
    parties: PartySpec | None = None
    kind_column: str | None = None
    kind_words: Mapping[str, str] = field(default_factory=dict)
    kind_constant: str | None = None
    duration_column: str | None = None
    duration_unit: str = "seconds"
    cell_column: str | None = None
    cell_prefix: str = ""
    towers: TowerSpec | None = None

    @property
    def optional(self) -> tuple[str, ...]:
        """Mapped columns a file may leave out."""
        wanted = [self.duration_column, self.cell_column]
        if self.towers is not None:
            wanted.extend((self.towers.range, self.towers.azimuth, self.towers.beamwidth))
        return tuple(c for c in wanted if c is not None and c not in self.header)

    def label(self, column: str) -> str:
        return self.labels.get(column, column)


class _Table:
    """One TOML table being read: typed look-ups, and unknown keys reported at the end."""

    def __init__(self, data: Mapping[str, Any], where: str, source: str) -> None:
        self.data = data
        self.where = where
        self.source = source
        self.used: set[str] = set()

    def error(self, key: str, problem: str) -> ProfileError:
        place = f"{self.where}.{key}" if self.where else key
        return ProfileError(
            f"profile {self.source}: {place} {problem}.",
            "Fix the profile (its schema is in appliance/parsers/profiles.py).",
        )

    def get(self, key: str) -> Any:
        self.used.add(key)
        return self.data.get(key)

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.get(key)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "must be a non-empty string")
        return value

    def column(self, key: str, required: bool = False) -> str | None:
        value = self.text(key, required)
        return value.strip().lower() if value is not None else None

    def words(self, key: str, required: bool = False) -> list[str] | None:
        value = self.get(key)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return None
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise self.error(key, "must be a non-empty list of non-empty strings")
        return [v.strip() for v in value]

    def table(self, key: str, required: bool = False) -> _Table | None:
        value = self.get(key)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return None
        if not isinstance(value, dict):
            raise self.error(key, "must be a table")
        where = f"{self.where}.{key}" if self.where else key
        return _Table(value, where, self.source)

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.error(unknown[0], "is not a profile key")


def load_profile(path: Path) -> Profile:
    """The profile in ``path``, checked; ProfileError naming the file and key if unusable."""
    source = path.name
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(
            f"profile {source}: cannot be read as TOML ({exc}).", "Fix the file's syntax."
        ) from None
    top = _Table(data, "", source)
    name = top.text("name", required=True)
    assert name is not None
    if not _NAME.fullmatch(name):
        raise top.error("name", "must be lower-case letters, digits and _, starting with a letter")
    if name != path.stem:
        raise top.error("name", f"must equal the file name without .toml ({path.stem!r})")
    description = top.text("description", required=True)
    assert description is not None
    kind = top.text("kind", required=True)
    if kind not in ("communications", "cells"):
        raise top.error("kind", 'must be "communications" or "cells"')
    files = top.words("files") or ["csv"]
    if not set(files) <= {"csv", "xlsx"}:
        raise top.error("files", 'may hold only "csv" and "xlsx"')
    delimiter = top.text("delimiter") or ","
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise top.error("delimiter", "must be one character other than a quote or line break")
    sheet = top.get("sheet")
    if sheet is None:
        sheet = 0
    if isinstance(sheet, bool) or not isinstance(sheet, str | int):
        raise top.error("sheet", "must be a sheet name or a 0-based index")
    if isinstance(sheet, int) and sheet < 0:
        raise top.error("sheet", "must not be negative")
    file_pattern = top.text("file_pattern")
    if file_pattern is not None and "xlsx" not in files:
        raise top.error("file_pattern", 'recognises workbooks: add "xlsx" to files')
    header_words = top.words("header", required=True)
    assert header_words is not None
    header = tuple(w.lower() for w in header_words)
    if len(set(header)) != len(header):
        raise top.error("header", "names a column twice")
    labels = {w.lower(): w for w in header_words}

    fields: dict[str, Any] = {}
    if kind == "communications":
        fields = _communication_fields(top, header, labels)
    else:
        fields = _tower_fields(top, header, labels)
    top.finish()
    return Profile(
        name=name,
        description=description,
        kind=kind,
        source=source,
        digest=hashlib.sha256(raw).hexdigest(),
        files=frozenset(files),
        delimiter=delimiter,
        sheet=sheet,
        file_pattern=file_pattern.lower() if file_pattern else None,
        header=header,
        labels=labels,
        **fields,
    )


def _need(table: _Table, key: str, column: str | None, header: Sequence[str]) -> None:
    if column is not None and column not in header:
        raise table.error(key, f"names column {column!r}, which is not in header")


def _communication_fields(
    top: _Table, header: Sequence[str], labels: dict[str, str]
) -> dict[str, Any]:
    time_table = top.table("time", required=True)
    assert time_table is not None
    time_spec = _time_spec(time_table, header)

    parties_table = top.table("parties", required=True)
    assert parties_table is not None
    parties = _party_spec(parties_table, header)

    kind_table = top.table("kind_of", required=True)
    assert kind_table is not None
    kind_column = kind_table.column("column")
    constant = kind_table.text("constant")
    kind_words: dict[str, str] = {}
    if (kind_column is None) == (constant is None):
        raise kind_table.error("column", "or constant is required, not both")
    if constant is not None and constant not in KINDS:
        raise kind_table.error("constant", f"must be one of {', '.join(KINDS)}")
    if kind_column is not None:
        _need(kind_table, "column", kind_column, header)
        words = kind_table.table("words", required=True)
        assert words is not None
        for kind in KINDS:
            for word in words.words(kind) or []:
                if kind_words.get(word.lower(), kind) != kind:
                    raise words.error(kind, f"repeats {word!r}, already a word for another kind")
                kind_words[word.lower()] = kind
        words.finish()
        if not kind_words:
            raise kind_table.error("words", f"must map at least one of {', '.join(KINDS)}")
    kind_table.finish()

    fields: dict[str, Any] = {
        "time": time_spec,
        "parties": parties,
        "kind_column": kind_column,
        "kind_words": kind_words,
        "kind_constant": constant,
    }
    duration = top.table("duration")
    if duration is not None:
        fields["duration_column"] = duration.column("column", required=True)
        unit = duration.text("unit") or "seconds"
        if unit not in ("seconds", "hh:mm:ss"):
            raise duration.error("unit", 'must be "seconds" or "hh:mm:ss"')
        fields["duration_unit"] = unit
        duration.finish()
    cell = top.table("cell")
    if cell is not None:
        fields["cell_column"] = cell.column("column", required=True)
        fields["cell_prefix"] = cell.text("prefix") or ""
        cell.finish()
    for key in ("duration_column", "cell_column"):
        column = fields.get(key)
        if column is not None:
            labels.setdefault(column, column)
    if top.get("towers") is not None:
        raise top.error("towers", 'is for kind = "cells"')
    return fields


def _time_spec(table: _Table, header: Sequence[str]) -> TimeSpec:
    column = table.column("column")
    date_column = table.column("date_column")
    time_column = table.column("time_column")
    if column is not None:
        if date_column or time_column:
            raise table.error("column", "and date_column/time_column cannot both be given")
        fmt = table.text("format", required=True)
        assert fmt is not None
        if fmt != "iso":
            _check_pattern(table, "format", fmt, date=True, clock=True)
        columns: tuple[str, ...] = (column,)
        formats: tuple[str, ...] = (fmt,)
    else:
        if date_column is None or time_column is None:
            raise table.error("column", "(or date_column and time_column) is required")
        date_fmt = table.text("date_format", required=True)
        time_fmt = table.text("time_format", required=True)
        assert date_fmt is not None and time_fmt is not None
        _check_pattern(table, "date_format", date_fmt, date=True, clock=False)
        _check_pattern(table, "time_format", time_fmt, date=False, clock=True)
        columns = (date_column, time_column)
        formats = (date_fmt, time_fmt)
    keys = ("column",) if len(columns) == 1 else ("date_column", "time_column")
    for key, name in zip(keys, columns, strict=True):
        _need(table, key, name, header)
    zone_name = table.text("timezone") or "declared"
    zone: ZoneInfo | None = None
    if zone_name != "declared":
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise table.error(
                "timezone", f'{zone_name!r} is not an IANA zone or "declared"'
            ) from None
    table.finish()
    return TimeSpec(columns, formats, zone)


def _check_pattern(table: _Table, key: str, pattern: str, *, date: bool, clock: bool) -> None:
    """A strptime pattern that reads the same everywhere and gives what the field needs."""
    stripped = pattern.replace("%%", "")
    if stripped.count("%") != len(_DIRECTIVE.findall(stripped)) or stripped.endswith("%"):
        raise table.error(key, f"{pattern!r} ends with a lone %")
    directives = set(_DIRECTIVE.findall(stripped))
    bad = sorted(directives - _ALLOWED_DIRECTIVES)
    if bad:
        raise table.error(key, f"{pattern!r} has unknown or locale-dependent directive %{bad[0]}")
    try:
        datetime.strptime("", pattern)
    except ValueError as exc:
        if "directive" in str(exc) or "stray" in str(exc):
            raise table.error(key, f"{pattern!r} is not a strptime pattern ({exc})") from None
    has_day = "j" in directives or ("d" in directives and bool(directives & {"m", "b", "B"}))
    if date and not (directives & {"Y", "y", "G"} and has_day):
        raise table.error(key, f"{pattern!r} must give a year, month and day")
    if clock and not ("H" in directives or directives >= {"I", "p"}):
        raise table.error(key, f"{pattern!r} must give the hour (%H, or %I with %p)")
    if not date and directives & {"Y", "y", "m", "d", "j", "b", "B"}:
        raise table.error(key, f"{pattern!r} must hold the time of day only")
    if not clock and directives & {"H", "I", "M", "S"}:
        raise table.error(key, f"{pattern!r} must hold the date only")


def _party_spec(table: _Table, header: Sequence[str]) -> PartySpec:
    caller, callee = table.column("caller"), table.column("callee")
    line, other, direction = table.column("line"), table.column("other"), table.column("direction")
    identifiers = table.text("identifiers") or "phone"
    if identifiers not in ("phone", "as_written"):
        raise table.error("identifiers", 'must be "phone" or "as_written"')
    words: dict[str, str] = {}
    if caller is not None or callee is not None:
        if caller is None or callee is None:
            raise table.error("caller", "and callee go together")
        if line or other or direction or table.get("direction_words") is not None:
            raise table.error("caller", "(shape A) cannot be mixed with line/other/direction")
        for key, name in (("caller", caller), ("callee", callee)):
            _need(table, key, name, header)
    else:
        if other is None or direction is None:
            raise table.error("other", "and direction are required (or caller and callee)")
        for key, mapped in (("line", line), ("other", other), ("direction", direction)):
            _need(table, key, mapped, header)
        word_table = table.table("direction_words", required=True)
        assert word_table is not None
        for value in ("out", "in"):
            for word in word_table.words(value, required=True) or []:
                if words.get(word.lower(), value) != value:
                    raise word_table.error(value, f"repeats {word!r}, already a word for out")
                words[word.lower()] = value
        word_table.finish()
    table.finish()
    return PartySpec(caller, callee, line, other, direction, words, identifiers == "as_written")


def _tower_fields(top: _Table, header: Sequence[str], labels: dict[str, str]) -> dict[str, Any]:
    for key in ("time", "parties", "kind_of", "duration", "cell"):
        if top.get(key) is not None:
            raise top.error(key, 'is for kind = "communications"')
    table = top.table("towers", required=True)
    assert table is not None
    id_column = table.column("id", required=True)
    lat = table.column("lat", required=True)
    lon = table.column("lon", required=True)
    assert id_column is not None and lat is not None and lon is not None
    for key, name in (("id", id_column), ("lat", lat), ("lon", lon)):
        _need(table, key, name, header)
    range_column = table.column("range")
    azimuth_column = table.column("azimuth")
    beamwidth_column = table.column("beamwidth")
    for optional in (range_column, azimuth_column, beamwidth_column):
        if optional is not None:
            labels.setdefault(optional, optional)
    prefix = table.text("prefix") or ""
    area = None
    area_table = table.table("area")
    if area_table is not None:
        bounds: list[float] = []
        for key, low, high in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
            pair = area_table.get(key)
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair)
                or not low <= pair[0] < pair[1] <= high
            ):
                raise area_table.error(key, f"must be [min, max] within {low:g}..{high:g}")
            bounds.extend(float(v) for v in pair)
        area_table.finish()
        area = (bounds[0], bounds[1], bounds[2], bounds[3])
    table.finish()
    return {
        "towers": TowerSpec(
            id_column, lat, lon, range_column, prefix, area, azimuth_column, beamwidth_column
        )
    }


# --- the parser a profile becomes ------------------------------------------------------------


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
        if set(profile.header) <= set(_split_header(probe.first_line, profile.delimiter)):
            return f"header matches profile {profile.name} ({profile.source})"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        profile = self.profile
        line = _context_line(profile, stream, context)
        rows: Iterator[tuple[int, dict[str, Value]] | Rejection]
        magic = b""
        if stream.seekable():
            magic = stream.read(4)
            stream.seek(0)
            # The loader re-hashes the file it handed over: reading it must not close it.
            stream = _borrowed(stream)
        if magic.startswith(ZIP_MAGIC):
            if "xlsx" not in profile.files:
                raise NotThisFormat(
                    f"profile {profile.name} reads CSV, and this file is a zip (a workbook?).",
                    "Add xlsx to the profile's files, or name the right format with --format.",
                )
            rows = _sheet_rows(stream, profile)
        elif "csv" not in profile.files:
            raise NotThisFormat(
                f"profile {profile.name} reads XLSX workbooks, and this file is not one.",
                "Name the right format with --format.",
            )
        elif magic.startswith(GZIP_MAGIC):
            unzipped = cast(BinaryIO, gzip.GzipFile(fileobj=stream, mode="rb"))
            rows = _gunzipped(_csv_rows(unzipped, profile))
        else:
            rows = _csv_rows(stream, profile)
        for item in rows:
            if isinstance(item, Rejection):
                yield item
                continue
            row, values = item
            try:
                if profile.kind == "cells":
                    yield from _cell(row, values, profile)
                else:
                    yield from _communication(row, values, profile, context, line)
            except _RowRejected as exc:
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


# --- reading rows ------------------------------------------------------------------------------


class _RowRejected(Exception):
    """A row that cannot be loaded; the message is the rejection reason."""


class _Borrowed(io.RawIOBase):
    """A read-only view of a stream that closing (or a text wrapper's collection) leaves open."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream
        self.name = getattr(stream, "name", None)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _borrowed(stream: BinaryIO) -> BinaryIO:
    return cast(BinaryIO, io.BufferedReader(_Borrowed(stream)))


def _split_header(line: str, delimiter: str) -> list[str]:
    try:
        names = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return []
    return [name.strip().lower() for name in names]


def _context_line(profile: Profile, stream: BinaryIO, context: ParseContext) -> str | None:
    """The line of a file without a line column: declared, or a placeholder from its name."""
    parties = profile.parties
    if parties is None or parties.caller is not None or parties.line is not None:
        return None
    declared = context.options.get("line", "").strip()
    if declared:
        return normalise_phone(declared, context.region)
    name = getattr(stream, "name", None)
    if isinstance(name, str) and name.strip():
        base = Path(name).name
        if base.lower().endswith(".gz"):
            base = base[:-3]
        return "line:" + Path(base).stem
    return "line:" + profile.name


def _csv_rows(
    stream: BinaryIO, profile: Profile
) -> Iterator[tuple[int, dict[str, Value]] | Rejection]:
    """The header's column index, then each data row as {column: text} or a Rejection."""
    records = _delimited_records(stream, profile.delimiter)
    header = next((r for r in records if not r.is_blank), None)
    layout = f"profile {profile.name}"
    if header is None or header.problem is not None:
        raise NotThisFormat(
            f"the file has no readable header row, so it is not {layout}.",
            f"Its header holds {','.join(profile.header)}.",
        )
    index = column_index(header.fields, profile.header, profile.optional, layout)
    for item in data_rows(records, header.number, len(header.fields)):
        if isinstance(item, Rejection):
            yield item
        else:
            row, fields = item
            yield row, {name: fields[i] for name, i in index.items()}


def _delimited_records(stream: BinaryIO, delimiter: str) -> Iterator[CsvRecord]:
    """As ``_csvutil.csv_records``, with the profile's delimiter; lines stay bounded."""
    lines = _BoundedLines(open_text(stream), MAX_LINE_CHARS)
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    while True:
        lines.overlong = False
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            yield CsvRecord(number, [], f"unreadable CSV record: {exc}")
            continue
        number += 1
        if lines.overlong:
            yield CsvRecord(number, [], f"line longer than {MAX_LINE_CHARS} characters")
        else:
            yield CsvRecord(number, fields)


def _gunzipped(
    rows: Iterator[tuple[int, dict[str, Value]] | Rejection],
) -> Iterator[tuple[int, dict[str, Value]] | Rejection]:
    """Rows of a gzip file read here (seekable parsers get it compressed); damage is named."""
    try:
        yield from rows
    except (OSError, EOFError, zlib.error) as exc:
        raise NotThisFormat(
            f"the compressed file could not be read to the end ({exc}).",
            "The file may be truncated or damaged; acquire it again.",
        ) from None


def _sheet_rows(
    stream: BinaryIO, profile: Profile
) -> Iterator[tuple[int, dict[str, Value]] | Rejection]:
    """Rows of the profile's sheet, numbered like CSV rows (sheet row minus header row)."""
    values = _sheet_values(stream, profile)
    header_number = 0
    header: list[str] = []
    for number, cells in values:
        if any(_text(c).strip() for c in cells):
            header_number, header = number, [_text(c) for c in cells]
            break
    if not header:
        raise NotThisFormat(
            f"the sheet has no header row, so it is not profile {profile.name}.",
            f"Its header holds {','.join(profile.header)}.",
        )
    while header and not header[-1].strip():
        header.pop()
    index = column_index(header, profile.header, profile.optional, f"profile {profile.name}")
    width = len(header)
    for number, cells in values:
        row = number - header_number
        if not any(_text(c).strip() for c in cells):
            continue
        if any(_text(c).strip() for c in cells[width:]):
            yield Rejection(row, f"cells beyond the header's {width} columns")
            continue
        padded = list(cells) + [""] * (width - len(cells))
        yield row, {name: padded[i] for name, i in index.items()}


def _sheet_values(stream: BinaryIO, profile: Profile) -> Iterator[tuple[int, list[Value]]]:
    """(sheet row number, cell values) with openpyxl; a damaged workbook is NotThisFormat."""
    try:
        with zipfile.ZipFile(stream) as archive:
            sizes = [info.file_size for info in archive.infolist()]
    except ZIP_ERRORS as exc:
        raise NotThisFormat(f"the file is not a readable workbook ({exc}).") from None
    if any(size > MAX_MEMBER_BYTES for size in sizes):
        raise InputTooLarge(
            f"a part of the workbook expands beyond {MAX_MEMBER_BYTES} bytes.",
            "Export the sheet as CSV, or split the workbook.",
        )
    stream.seek(0)
    import openpyxl

    try:
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise NotThisFormat(f"the file is not a readable workbook ({exc}).") from None
    try:
        names = book.sheetnames
        sheet_name = profile.sheet
        if isinstance(sheet_name, int):
            if sheet_name >= len(names):
                raise NotThisFormat(
                    f"the workbook has no sheet {sheet_name} (0-based); it has {len(names)}.",
                    f"Profile {profile.name} reads sheet {sheet_name}.",
                )
            sheet_name = names[sheet_name]
        elif sheet_name not in names:
            raise NotThisFormat(
                f"the workbook has no sheet {sheet_name!r}.",
                f"Profile {profile.name} reads sheet {sheet_name!r}; it has {', '.join(names)}.",
            )
        sheet = book[sheet_name]
        sheet.reset_dimensions()  # ignore a stated size: it could pad every row hugely
        number = 0
        try:
            for cells in sheet.iter_rows(values_only=True):
                number += 1
                if number > MAX_SHEET_ROWS:
                    raise InputTooLarge(
                        f"the sheet has more than {MAX_SHEET_ROWS} rows, Excel's own limit.",
                        "The workbook is damaged; acquire it again or export it as CSV.",
                    )
                yield number, [_value(c) for c in cells]
        except (NotThisFormat, InputTooLarge):
            raise
        except Exception as exc:  # damaged sheet XML, bad CRC, bad cell reference...
            raise NotThisFormat(
                f"the workbook is damaged after sheet row {number} ({exc}).",
                "The file may be truncated or damaged; acquire it again.",
            ) from None
    finally:
        book.close()


def _value(cell: object) -> Value:
    """A workbook cell as text, except date-times and times of day, kept for the time columns."""
    if cell is None:
        return ""
    if isinstance(cell, datetime | time):
        return cell
    if isinstance(cell, date):
        return datetime(cell.year, cell.month, cell.day)
    if isinstance(cell, timedelta):
        seconds = int(cell.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return str(int(cell))
    return str(cell)


def _text(value: Value) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, time):
        return value.isoformat()
    return value


# --- turning a row into records ----------------------------------------------------------------


def _communication(
    row: int,
    values: Mapping[str, Value],
    profile: Profile,
    context: ParseContext,
    context_line: str | None,
) -> list[Record]:
    """The one Communication for a row, then any warnings about it; _RowRejected if none."""
    assert profile.time is not None and profile.parties is not None
    zone = profile.time.zone or context.timezone
    local, raw_time = _local_time(values, profile)
    try:
        placed, flag = local_to_utc(local, zone)
    except (ValueError, OverflowError):
        raise _RowRejected(f"time {quote(raw_time)} cannot be placed in UTC") from None

    kind = profile.kind_constant
    if kind is None:
        assert profile.kind_column is not None
        word = _text(values.get(profile.kind_column, "")).strip()
        kind = profile.kind_words.get(word.lower())
        label = profile.label(profile.kind_column)
        if kind is None:
            raise _RowRejected(f"unknown {label} {quote(word)}" if word else f"missing {label}")

    parties = profile.parties
    if parties.caller is not None and parties.callee is not None:
        line = _identifier(values, parties.caller, profile, context)
        other = _identifier(values, parties.callee, profile, context)
        direction = "out"
        if not line:
            raise _RowRejected(f"missing {profile.label(parties.caller)}")
        missing_other = profile.label(parties.callee)
    else:
        assert parties.other is not None and parties.direction is not None
        word = _text(values.get(parties.direction, "")).strip()
        label = profile.label(parties.direction)
        found = parties.direction_words.get(word.lower())
        if found is None:
            raise _RowRejected(f"unknown {label} {quote(word)}" if word else f"missing {label}")
        direction = found
        if parties.line is not None:
            line = _identifier(values, parties.line, profile, context)
            if not line:
                raise _RowRejected(f"missing {profile.label(parties.line)}")
        else:
            assert context_line is not None
            line = context_line
        other = _identifier(values, parties.other, profile, context)
        missing_other = profile.label(parties.other)
    if not other and kind != "data":
        raise _RowRejected(f"missing {missing_other}")

    duration = _duration(values, profile)
    records: list[Record] = []
    cell_id: str | None = None
    if profile.cell_column is not None:
        cell_text = _text(values.get(profile.cell_column, "")).strip()
        if cell_text and profile.cell_prefix:
            cell_id = profile.cell_prefix + cell_text
        elif cell_text:
            cell_id = canonical_cell_id_text(cell_text)
            if cell_id is None:
                label = profile.label(profile.cell_column)
                message = f"{label} {quote(cell_text)} is not mcc-mnc-lac-cid; loaded without it"
                records.append(Warning(row, message))
    communication = Communication(
        row=row,
        time=placed,
        kind=kind,
        direction=direction,
        line=line,
        other=other or None,
        duration_s=duration,
        cell_id=cell_id,
        time_flag=flag,
    )
    records.insert(0, communication)
    if flag is not None:
        records.insert(1, time_flag_warning(row, raw_time, flag, zone, placed))
    return records


def _local_time(values: Mapping[str, Value], profile: Profile) -> tuple[datetime, str]:
    """The row's time as written (naive, or aware if it carried an offset) and its text."""
    assert profile.time is not None
    spec = profile.time
    parts: list[datetime] = []
    texts: list[str] = []
    for column, fmt in zip(spec.columns, spec.formats, strict=True):
        value = values.get(column, "")
        label = profile.label(column)
        texts.append(_text(value).strip())
        if isinstance(value, datetime):
            parts.append(value)
            continue
        if isinstance(value, time):
            parts.append(datetime.combine(date(1900, 1, 1), value))
            continue
        text = value.strip()
        if not text:
            raise _RowRejected(f"missing {label}")
        try:
            if fmt == "iso":
                if not _HAS_TIME_OF_DAY.search(text):
                    raise ValueError("no time of day")
                parts.append(parse_iso(text))
            else:
                parts.append(datetime.strptime(text, fmt))
        except (ValueError, OverflowError):
            raise _RowRejected(f"unreadable {label} {quote(text)} (expected {fmt})") from None
    raw = " ".join(texts)
    if len(parts) == 1:
        return parts[0], raw
    return datetime.combine(parts[0].date(), parts[1].timetz()), raw


def _identifier(
    values: Mapping[str, Value], column: str, profile: Profile, context: ParseContext
) -> str:
    text = _text(values.get(column, "")).strip()
    assert profile.parties is not None
    if profile.parties.as_written:
        return text
    return normalise_phone(text, context.region)


def _duration(values: Mapping[str, Value], profile: Profile) -> float | None:
    if profile.duration_column is None:
        return None
    label = profile.label(profile.duration_column)
    text = _text(values.get(profile.duration_column, "")).strip()
    if not text:
        return None
    if profile.duration_unit == "hh:mm:ss":
        match = _HMS.fullmatch(text)
        if match is None:
            raise _RowRejected(f"unreadable {label} {quote(text)} (expected hh:mm:ss)")
        hours, minutes, seconds = (int(part) for part in match.groups())
        return float(hours * 3600 + minutes * 60 + seconds)
    try:
        duration = read_float(text, label)
    except ValueError as exc:
        raise _RowRejected(str(exc)) from None
    if duration < 0:
        raise _RowRejected(f"negative {label} {text}")
    return duration


def _cell(row: int, values: Mapping[str, Value], profile: Profile) -> list[Record]:
    """The one Cell for a tower-list row, then any warnings; _RowRejected if none."""
    towers = profile.towers
    assert towers is not None
    id_label = profile.label(towers.id)
    ident = _text(values.get(towers.id, "")).strip()
    if not ident:
        raise _RowRejected(f"missing {id_label}")
    if towers.prefix:
        cell_id: str | None = towers.prefix + ident
    else:
        cell_id = canonical_cell_id_text(ident)
        if cell_id is None:
            raise _RowRejected(
                f"{id_label} {quote(ident)} is not mcc-mnc-lac-cid and the profile sets no prefix"
            )
    warnings: list[Record] = []
    coordinates: list[float] = []
    for column in (towers.lat, towers.lon):
        raw = _text(values.get(column, ""))
        label = profile.label(column)
        if not raw.strip():
            raise _RowRejected(f"missing {label}")
        try:
            coordinates.append(read_float(raw, label))
        except ValueError as exc:
            raise _RowRejected(str(exc)) from None
        if raw != raw.strip():
            warnings.append(Warning(row, f"{label} {quote(raw)} had spaces around it; trimmed"))
    lat, lon = coordinates
    problem = position_problem(lat, lon)
    if problem is not None:
        if position_problem(lon, lat) is None:
            problem += "; latitude and longitude look swapped"
        raise _RowRejected(problem)
    if towers.area is not None:
        lat_min, lat_max, lon_min, lon_max = towers.area
        if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
            problem = f"position {lat},{lon} is outside the profile's area"
            if lat_min <= lon <= lat_max and lon_min <= lat <= lon_max:
                problem += "; latitude and longitude look swapped"
            raise _RowRejected(problem)
    range_m: float | None = None
    if towers.range is not None:
        range_text = _text(values.get(towers.range, "")).strip()
        if range_text:
            try:
                range_m = read_float(range_text, profile.label(towers.range))
            except ValueError as exc:
                raise _RowRejected(str(exc)) from None
            if range_m <= 0:
                label = profile.label(towers.range)
                warnings.append(Warning(row, f"{label} {range_text} is not a radius; not loaded"))
                range_m = None
    azimuth = _sector_value(profile, towers.azimuth, values, row, warnings, 0.0, 360.0, False)
    beamwidth = _sector_value(profile, towers.beamwidth, values, row, warnings, 0.0, 360.0, True)
    if azimuth is not None and azimuth == 360.0:
        azimuth = 0.0
    assert cell_id is not None
    cell = Cell(
        row=row,
        cell_id=cell_id,
        lat=lat,
        lon=lon,
        range_m=range_m,
        azimuth_deg=azimuth,
        beamwidth_deg=beamwidth,
    )
    return [cell, *warnings]


def _sector_value(
    profile: Profile,
    column: str | None,
    values: Mapping[str, Value],
    row: int,
    warnings: list[Record],
    low: float,
    high: float,
    open_low: bool,
) -> float | None:
    """An optional sector angle in degrees; a value outside its range is a Warning, not loaded.

    A cell with no usable sector is still a cell: its position and range stand.
    """
    if column is None:
        return None
    text = _text(values.get(column, "")).strip()
    if not text:
        return None
    label = profile.label(column)
    try:
        value = read_float(text, label)
    except ValueError as exc:
        warnings.append(Warning(row, f"{exc}; sector not loaded"))
        return None
    # Written so that NaN fails too.
    if not low <= value <= high or (open_low and value == low):
        warnings.append(Warning(row, f"{label} {text} is not an angle in degrees; not loaded"))
        return None
    return value


register_profiles()
