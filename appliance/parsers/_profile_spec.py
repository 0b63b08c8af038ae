"""A mapping profile as checked data: what ``_profile_load`` makes of a TOML file.

The schema is described in ``profiles`` (the module an analyst is pointed to)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from appliance.errors import ApplianceError


class ProfileError(ApplianceError):
    """A profile file that cannot be used; the message names the file and the key."""


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
