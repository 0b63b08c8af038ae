"""Reading a profile's TOML and checking every key against the schema in ``profiles``.

A profile that cannot be used is a ``ProfileError`` naming the file and the key."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.model.records import KINDS
from appliance.parsers._profile_spec import PartySpec, Profile, ProfileError, TimeSpec, TowerSpec

_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_DIRECTIVE = re.compile(r"%(.)")
# Locale-dependent directives (%c, %x, %X) are left out: a profile must read the same everywhere.
_ALLOWED_DIRECTIVES = set("aAbBdfGHIjmMpSuUVwWyYzZ%")


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
