"""Raster MBTiles packs, opened read-only, and the set of installed packs maps draw from.

An MBTiles file is an SQLite database with a ``metadata`` table (name/value) and a ``tiles``
table (``zoom_level``, ``tile_column``, ``tile_row``, ``tile_data``; MBTiles 1.3). Rows count
from the south (TMS), so row ``y`` of the usual north-first (XYZ) scheme is stored as
``2**z - 1 - y``; a pack whose metadata says ``scheme=xyz`` is stored north-first and is not
flipped. Packs are opened with SQLite's ``mode=ro`` and ``immutable=1`` (nothing is ever
written to, or created beside, the file) and with untrusted-schema protection, since a pack
may come from anywhere.
"""

from __future__ import annotations

import html
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.errors import TilePackInvalid
from appliance.maps.geo import x_to_lon, y_to_lat
from appliance.store.home import Home

TILES_FOLDER = "_tiles"
"""Under the appliance home. A case reference must start with a letter or digit, so no case
can ever be called this."""

SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_ZOOM = 24
RASTER_FORMATS = ("png", "jpg", "webp")
_MAGIC = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "webp": (b"RIFF",),
}
_TAG = re.compile(r"<[^>]*>")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
Bounds = tuple[float, float, float, float]


def tiles_folder(home: Home) -> Path:
    return home.root / TILES_FOLDER


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise TilePackInvalid(
            f"{name!r} cannot be a tile pack name.",
            "Use up to 64 letters, digits, dots, dashes or underscores (--name NAME).",
        )
    return name


@dataclass(frozen=True)
class PackInfo:
    """What a pack covers, from its own tiles (metadata only adds bounds and attribution)."""

    name: str
    path: Path
    format: str
    bounds: Bounds
    min_zoom: int
    max_zoom: int
    tile_count: int
    attribution: str
    flip_y: bool

    def as_json(self) -> dict[str, Any]:
        west, south, east, north = self.bounds
        return {
            "name": self.name,
            "format": self.format,
            "bounds": {"west": west, "south": south, "east": east, "north": north},
            "min_zoom": self.min_zoom,
            "max_zoom": self.max_zoom,
            "tiles": self.tile_count,
            "attribution": self.attribution,
        }


def connect(path: Path, label: str = "") -> sqlite3.Connection:
    """A read-only connection that cannot write to, lock or create files beside ``path``.
    ``label`` names the file in messages (the user's file, not a temporary copy)."""
    label = label or path.name
    check_magic(path, label)
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        # A hostile schema must not run functions through views or triggers.
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error as exc:
        raise _invalid(label, f"SQLite cannot open it ({exc})") from None
    return conn


def check_magic(path: Path, label: str) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise TilePackInvalid(
            f"cannot read {path}: {exc.strerror}.", "Check the path and try again."
        ) from None
    if head != SQLITE_MAGIC:
        raise _invalid(label, "it is not an SQLite database")


def _invalid(label: str, why: str) -> TilePackInvalid:
    return TilePackInvalid(
        f"{label} is not a usable MBTiles tile pack: {why}.",
        "Maps need a raster MBTiles file (PNG, JPEG or WebP tiles), e.g. one made by "
        "`appliance tiles build`.",
    )


def inspect(path: Path, name: str, *, deep: bool = False, label: str = "") -> PackInfo:
    """Validate a pack and describe it. ``deep`` also checks SQLite's structure and that every
    tile starts as its format says (done once, on import; listing trusts installed packs)."""
    label = label or path.name
    with closing(connect(path, label)) as conn:
        try:
            return _inspect(conn, path, name, deep, label)
        except sqlite3.Error as exc:
            raise _invalid(label, f"reading it failed ({exc})") from None


def _inspect(conn: sqlite3.Connection, path: Path, name: str, deep: bool, label: str) -> PackInfo:
    if deep:
        problems = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchmany(3)]
        if problems != ["ok"]:
            raise _invalid(label, "its database is damaged (" + "; ".join(problems) + ")")
    objects = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master")}
    missing = {"metadata", "tiles"} - objects
    if missing:
        raise _invalid(label, "it has no " + " and no ".join(sorted(missing)) + " table")
    metadata = _metadata(conn)
    fmt = _format(label, metadata.get("format", ""))
    stats = conn.execute(
        "SELECT zoom_level, count(*), min(tile_column), max(tile_column), min(tile_row), "
        "max(tile_row) FROM tiles GROUP BY zoom_level ORDER BY zoom_level"
    ).fetchall()
    if not stats:
        raise _invalid(label, "it holds no tiles")
    for zoom, _count, col_lo, col_hi, row_lo, row_hi in stats:
        if not (isinstance(zoom, int) and 0 <= zoom <= MAX_ZOOM):
            raise _invalid(label, f"it has tiles at zoom {zoom!r}")
        corners = (col_lo, col_hi, row_lo, row_hi)
        if not all(isinstance(v, int) and 0 <= v < (1 << zoom) for v in corners):
            raise _invalid(label, f"it has tiles outside the world at zoom {zoom}")
    if deep:
        _check_tiles(conn, label, fmt)
    flip = metadata.get("scheme", "tms").lower() != "xyz"
    top = stats[-1]
    return PackInfo(
        name=name,
        path=path,
        format=fmt,
        bounds=_bounds(metadata.get("bounds"), top, flip),
        min_zoom=int(stats[0][0]),
        max_zoom=int(top[0]),
        tile_count=sum(int(s[1]) for s in stats),
        attribution=plain(metadata.get("attribution", "")),
        flip_y=flip,
    )


def _metadata(conn: sqlite3.Connection) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in conn.execute("SELECT name, value FROM metadata LIMIT 1000"):
        if isinstance(key, str) and isinstance(value, str | int | float):
            found[key.lower()] = str(value)[:2000]
    return found


def _format(label: str, declared: str) -> str:
    fmt = {"jpeg": "jpg"}.get(declared.lower(), declared.lower())
    if fmt == "pbf":
        raise _invalid(label, "it holds vector tiles, and the appliance draws raster tiles only")
    if fmt not in RASTER_FORMATS:
        raise _invalid(label, f"its metadata gives the tile format as {declared!r}")
    return fmt


def _check_tiles(conn: sqlite3.Connection, label: str, fmt: str) -> None:
    query = "SELECT zoom_level, tile_column, tile_row, substr(tile_data, 1, 12) FROM tiles"
    for zoom, col, row, head in conn.execute(query):
        ok = isinstance(head, bytes) and head.startswith(_MAGIC[fmt])
        if ok and fmt == "webp":
            ok = head[8:12] == b"WEBP"
        if not ok:
            raise _invalid(label, f"tile {zoom}/{col}/{row} (as stored) is not {fmt.upper()}")


def _bounds(text: str | None, top: tuple[Any, ...], flip: bool) -> Bounds:
    """Metadata bounds when they make sense, else the extent of the deepest zoom's tiles."""
    if text:
        try:
            west, south, east, north = (float(v) for v in text.split(","))
        except ValueError:
            pass
        else:
            if -180 <= west < east <= 180 and -90 <= south < north <= 90:
                return west, south, east, north
    zoom, _count, col_lo, col_hi, row_lo, row_hi = top
    n = 1 << zoom
    y_north, y_south = (n - 1 - row_hi, n - row_lo) if flip else (row_lo, row_hi + 1)
    return (
        x_to_lon(col_lo, zoom),
        y_to_lat(y_south, zoom),
        x_to_lon(col_hi + 1, zoom),
        y_to_lat(y_north, zoom),
    )


def plain(attribution: str) -> str:
    """Attribution as plain text: packs often carry HTML links (``<a href=...>``)."""
    return " ".join(html.unescape(_TAG.sub("", attribution)).split())


class TileSet:
    """The installed packs, looked up in name order; the first pack holding a tile wins.

    Thread-safe: a terminal UI may draw from a worker thread.
    """

    def __init__(self, packs: list[PackInfo]) -> None:
        self.packs = sorted(packs, key=lambda p: p.name)
        self._conns: dict[str, sqlite3.Connection] = {}
        self._lock = threading.Lock()

    @property
    def max_zoom(self) -> int:
        return max(p.max_zoom for p in self.packs)

    @property
    def attribution(self) -> str:
        seen: list[str] = []
        for pack in self.packs:
            if pack.attribution and pack.attribution not in seen:
                seen.append(pack.attribution)
        return "; ".join(seen)

    def covers(self, lon: float, lat: float) -> bool:
        return any(
            p.bounds[0] <= lon <= p.bounds[2] and p.bounds[1] <= lat <= p.bounds[3]
            for p in self.packs
        )

    def tile(self, zoom: int, x: int, y: int) -> tuple[PackInfo, bytes] | None:
        """The stored bytes of tile ``zoom/x/y`` (XYZ, north-first) and its pack, or None."""
        with self._lock:
            for pack in self.packs:
                if not pack.min_zoom <= zoom <= pack.max_zoom:
                    continue
                row = (1 << zoom) - 1 - y if pack.flip_y else y
                try:
                    found = (
                        self._conn(pack)
                        .execute(
                            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND "
                            "tile_column = ? AND tile_row = ?",
                            (zoom, x, row),
                        )
                        .fetchone()
                    )
                except (sqlite3.Error, TilePackInvalid):
                    found = None  # a damaged pack shows as blank tiles, never as a failure
                if found and isinstance(found[0], bytes):
                    return pack, found[0]
        return None

    def _conn(self, pack: PackInfo) -> sqlite3.Connection:
        if pack.name not in self._conns:
            self._conns[pack.name] = connect(pack.path)
        return self._conns[pack.name]

    def close(self) -> None:
        with self._lock:
            for conn in self._conns.values():
                conn.close()
            self._conns.clear()

    def __enter__(self) -> TileSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def installed(home: Home) -> Iterator[Path]:
    folder = tiles_folder(home)
    if folder.is_dir():
        yield from sorted(p for p in folder.glob("*.mbtiles") if _NAME.match(p.stem))


@contextmanager
def opened(home: Home) -> Iterator[TileSet | None]:
    tiles = installed_tiles(home)
    try:
        yield tiles
    finally:
        if tiles is not None:
            tiles.close()


def installed_tiles(home: Home) -> TileSet | None:
    """The packs installed under ``home``, or None when there are none (maps then draw on a
    coordinate grid). A pack that fails to open is left out rather than failing every map."""
    packs = []
    for path in installed(home):
        try:
            packs.append(inspect(path, path.stem))
        except TilePackInvalid:
            continue
    return TileSet(packs) if packs else None
