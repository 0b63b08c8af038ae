"""Turning one row of a profile's layout into records: a Communication or a Cell, with warnings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import BinaryIO

from appliance.identifiers import normalise_phone
from appliance.model import Cell, Communication, Record, Warning
from appliance.parsers._csvutil import (
    canonical_cell_id_text,
    position_problem,
    quote,
    read_float,
    time_flag_warning,
)
from appliance.parsers._profile_readers import Value, as_text
from appliance.parsers._profile_spec import Profile
from appliance.parsers.base import ParseContext
from appliance.timeutil import local_to_utc, parse_iso

_HAS_TIME_OF_DAY = re.compile(r"\d[Tt ]\d")
_HMS = re.compile(r"(\d{1,6}):([0-5]?\d):([0-5]\d)")


class RowRejected(Exception):
    """A row that cannot be loaded; the message is the rejection reason."""


def context_line(profile: Profile, stream: BinaryIO, context: ParseContext) -> str | None:
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


def communication_records(
    row: int,
    values: Mapping[str, Value],
    profile: Profile,
    context: ParseContext,
    context_line: str | None,
) -> list[Record]:
    """The one Communication for a row, then any warnings about it; RowRejected if none."""
    assert profile.time is not None and profile.parties is not None
    zone = profile.time.zone or context.timezone
    local, raw_time = _local_time(values, profile)
    try:
        placed, flag = local_to_utc(local, zone)
    except (ValueError, OverflowError):
        raise RowRejected(f"time {quote(raw_time)} cannot be placed in UTC") from None

    kind = profile.kind_constant
    if kind is None:
        assert profile.kind_column is not None
        word = as_text(values.get(profile.kind_column, "")).strip()
        kind = profile.kind_words.get(word.lower())
        label = profile.label(profile.kind_column)
        if kind is None:
            raise RowRejected(f"unknown {label} {quote(word)}" if word else f"missing {label}")

    parties = profile.parties
    if parties.caller is not None and parties.callee is not None:
        line = _identifier(values, parties.caller, profile, context)
        other = _identifier(values, parties.callee, profile, context)
        direction = "out"
        if not line:
            raise RowRejected(f"missing {profile.label(parties.caller)}")
        missing_other = profile.label(parties.callee)
    else:
        assert parties.other is not None and parties.direction is not None
        word = as_text(values.get(parties.direction, "")).strip()
        label = profile.label(parties.direction)
        found = parties.direction_words.get(word.lower())
        if found is None:
            raise RowRejected(f"unknown {label} {quote(word)}" if word else f"missing {label}")
        direction = found
        if parties.line is not None:
            line = _identifier(values, parties.line, profile, context)
            if not line:
                raise RowRejected(f"missing {profile.label(parties.line)}")
        else:
            assert context_line is not None
            line = context_line
        other = _identifier(values, parties.other, profile, context)
        missing_other = profile.label(parties.other)
    if not other and kind != "data":
        raise RowRejected(f"missing {missing_other}")

    duration = _duration(values, profile)
    records: list[Record] = []
    cell_id: str | None = None
    if profile.cell_column is not None:
        cell_text = as_text(values.get(profile.cell_column, "")).strip()
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
        texts.append(as_text(value).strip())
        if isinstance(value, datetime):
            parts.append(value)
            continue
        if isinstance(value, time):
            parts.append(datetime.combine(date(1900, 1, 1), value))
            continue
        text = value.strip()
        if not text:
            raise RowRejected(f"missing {label}")
        try:
            if fmt == "iso":
                if not _HAS_TIME_OF_DAY.search(text):
                    raise ValueError("no time of day")
                parts.append(parse_iso(text))
            else:
                parts.append(datetime.strptime(text, fmt))
        except (ValueError, OverflowError):
            raise RowRejected(f"unreadable {label} {quote(text)} (expected {fmt})") from None
    raw = " ".join(texts)
    if len(parts) == 1:
        return parts[0], raw
    return datetime.combine(parts[0].date(), parts[1].timetz()), raw


def _identifier(
    values: Mapping[str, Value], column: str, profile: Profile, context: ParseContext
) -> str:
    text = as_text(values.get(column, "")).strip()
    assert profile.parties is not None
    if profile.parties.as_written:
        return text
    return normalise_phone(text, context.region)


def _duration(values: Mapping[str, Value], profile: Profile) -> float | None:
    if profile.duration_column is None:
        return None
    label = profile.label(profile.duration_column)
    text = as_text(values.get(profile.duration_column, "")).strip()
    if not text:
        return None
    if profile.duration_unit == "hh:mm:ss":
        match = _HMS.fullmatch(text)
        if match is None:
            raise RowRejected(f"unreadable {label} {quote(text)} (expected hh:mm:ss)")
        hours, minutes, seconds = (int(part) for part in match.groups())
        return float(hours * 3600 + minutes * 60 + seconds)
    try:
        duration = read_float(text, label)
    except ValueError as exc:
        raise RowRejected(str(exc)) from None
    if duration < 0:
        raise RowRejected(f"negative {label} {text}")
    return duration


def cell_records(row: int, values: Mapping[str, Value], profile: Profile) -> list[Record]:
    """The one Cell for a tower-list row, then any warnings; RowRejected if none."""
    towers = profile.towers
    assert towers is not None
    id_label = profile.label(towers.id)
    ident = as_text(values.get(towers.id, "")).strip()
    if not ident:
        raise RowRejected(f"missing {id_label}")
    if towers.prefix:
        cell_id: str | None = towers.prefix + ident
    else:
        cell_id = canonical_cell_id_text(ident)
        if cell_id is None:
            raise RowRejected(
                f"{id_label} {quote(ident)} is not mcc-mnc-lac-cid and the profile sets no prefix"
            )
    warnings: list[Record] = []
    coordinates: list[float] = []
    for column in (towers.lat, towers.lon):
        raw = as_text(values.get(column, ""))
        label = profile.label(column)
        if not raw.strip():
            raise RowRejected(f"missing {label}")
        try:
            coordinates.append(read_float(raw, label))
        except ValueError as exc:
            raise RowRejected(str(exc)) from None
        if raw != raw.strip():
            warnings.append(Warning(row, f"{label} {quote(raw)} had spaces around it; trimmed"))
    lat, lon = coordinates
    problem = position_problem(lat, lon)
    if problem is not None:
        if position_problem(lon, lat) is None:
            problem += "; latitude and longitude look swapped"
        raise RowRejected(problem)
    if towers.area is not None:
        lat_min, lat_max, lon_min, lon_max = towers.area
        if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
            problem = f"position {lat},{lon} is outside the profile's area"
            if lat_min <= lon <= lat_max and lon_min <= lat <= lon_max:
                problem += "; latitude and longitude look swapped"
            raise RowRejected(problem)
    range_m: float | None = None
    if towers.range is not None:
        range_text = as_text(values.get(towers.range, "")).strip()
        if range_text:
            try:
                range_m = read_float(range_text, profile.label(towers.range))
            except ValueError as exc:
                raise RowRejected(str(exc)) from None
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
    text = as_text(values.get(column, "")).strip()
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
