"""What a map shows, as plain data: positions, links, a zone, words. ``canvas`` draws it."""

from __future__ import annotations

from dataclasses import dataclass, field

RGB = tuple[int, int, int]

COLOUR_A: RGB = (31, 95, 209)
"""First subject: blue. Blue and orange stay distinct for the common colour-blindnesses."""
COLOUR_B: RGB = (230, 97, 1)
"""Second subject: orange."""
COLOUR_ZONE: RGB = (200, 16, 46)
COLOUR_LINK: RGB = (90, 90, 90)
COLOUR_CLOSEST: RGB = (0, 0, 0)


@dataclass(frozen=True)
class Wedge:
    """A serving cell's sector: the phone was somewhere in it, not at the mast."""

    azimuth_deg: float
    beamwidth_deg: float
    range_m: float


@dataclass(frozen=True)
class Spot:
    """One reported position: a dot, its label, and its uncertainty drawn to scale (a circle of
    the reported radius, or the cell's wedge; nothing when no radius was reported)."""

    lat: float
    lon: float
    colour: RGB
    label: str
    radius_m: float | None = None
    wedge: Wedge | None = None
    highlight: bool = False


@dataclass(frozen=True)
class Link:
    """A thin line joining the two positions of one co-location event."""

    a: tuple[float, float]  # (lat, lon)
    b: tuple[float, float]


@dataclass(frozen=True)
class ZoneShape:
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class KeyEntry:
    """A line of the key drawn under the map: a symbol and plain words."""

    symbol: str  # "dot", "circle", "wedge", "zone", "ring", "link", "none"
    colour: RGB
    words: str  # beside the symbol under the map
    sentence: str  # the same in the legend's plain words, where no symbol is shown


@dataclass(frozen=True)
class Scene:
    title: str
    spots: list[Spot]
    key: list[KeyEntry]
    links: list[Link] = field(default_factory=list)
    zone: ZoneShape | None = None
