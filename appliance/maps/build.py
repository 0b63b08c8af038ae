"""The tile-building step: raster MBTiles from real OpenStreetMap data, entirely offline.

``appliance tiles build OSM.pbf --out PACK.mbtiles [--zoom 12-16] [--bbox W,S,E,N]`` reads the
extract (``osm``; or a GeoJSON or TopoJSON line network, ``lines``), draws every 256-pixel tile
of the area at each zoom with Pillow (``style``), and writes an MBTiles 1.3 file (TMS rows, PNG
tiles). The image build runs the same command for a force's own area.

Builds are repeatable byte for byte: features are drawn in a fixed order, nothing records the
time, and tiles are written in (zoom, column, row) order. The pack names the extract's SHA-256
in its description, so a map can be traced to the data it was drawn from. The file is written
beside its destination under a temporary name, checked as an import would check it, flushed and
renamed, so a failed build leaves nothing half-written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import osmium
from PIL import Image, ImageDraw

from appliance import __version__
from appliance.errors import MapDataUnreadable, UsageError
from appliance.maps import lines, osm, style
from appliance.maps.osm import Feature
from appliance.maps.tiles import Bounds, PackInfo, inspect

ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
TILE = 256
SS = 2  # drawn at twice the size and reduced: Pillow draws no anti-aliased lines
PAD_PX = 16  # features this close to a tile still touch it (wide roads, casings)
MBTILES_APPLICATION_ID = 0x4D504258  # "MPBX", MBTiles 1.3
DEFAULT_ZOOMS = (12, 16)
MAX_BUILD_ZOOM = 19
MAX_TILES = (
    2_000_000  # Greater London at zoom 12-17 is about 100,000; this stops a typo's world map
)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Built:
    info: PackInfo
    source_sha256: str
    features: int


def parse_zooms(text: str) -> tuple[int, int]:
    """``12-16`` or ``15``."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*(?:-\s*(\d{1,2})\s*)?", text)
    if match:
        lo = int(match.group(1))
        hi = int(match.group(2) or lo)
        if 0 <= lo <= hi <= MAX_BUILD_ZOOM:
            return lo, hi
    raise UsageError(
        f"cannot read the zoom range {text!r}.",
        f"Give FROM-TO between 0 and {MAX_BUILD_ZOOM}, e.g. 12-16.",
    )


def parse_bbox(text: str) -> Bounds:
    """``W,S,E,N`` in decimal degrees."""
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        west = south = east = north = math.nan
    if -180 <= west < east <= 180 and -85 <= south < north <= 85:
        return west, south, east, north
    raise UsageError(
        f"cannot read the area {text!r}.",
        "Give it as WEST,SOUTH,EAST,NORTH in decimal degrees, e.g. -0.15,51.52,-0.08,51.56.",
    )


def build(
    source: Path,
    out: Path,
    *,
    zooms: tuple[int, int] = DEFAULT_ZOOMS,
    bbox: Bounds | None = None,
    attribution: str = ATTRIBUTION,
    progress: Progress = lambda _m: None,
) -> Built:
    digest = _sha256(source)
    if lines.is_lines_file(source):
        features = lines.read(source, progress)
        area = bbox or osm.extent(features)
    else:
        features = osm.read(source, progress)
        area = bbox or _extent(source, features)
    count = sum(
        len(c) * len(r) for c, r in (tile_range(area, z) for z in range(zooms[0], zooms[1] + 1))
    )
    if count > MAX_TILES:
        raise UsageError(
            f"that area at zoom {zooms[0]}-{zooms[1]} is {count:,} tiles, more than {MAX_TILES:,}.",
            "Give a smaller --bbox or a lower top zoom (each zoom level is four times the tiles).",
        )
    name = out.name.removesuffix(".mbtiles")
    metadata = {
        "name": name,
        "format": "png",
        "type": "baselayer",
        "version": "1",
        "bounds": ",".join(f"{v:.7f}" for v in area),
        "center": f"{(area[0] + area[2]) / 2:.7f},{(area[1] + area[3]) / 2:.7f},{zooms[0]}",
        "minzoom": str(zooms[0]),
        "maxzoom": str(zooms[1]),
        "attribution": attribution,
        "description": f"Drawn by appliance {__version__} from {source.name} (SHA-256 {digest}).",
    }
    tiles = _render_all(features, area, zooms, progress)
    info = _write(out, metadata, tiles)
    progress(f"wrote {out} ({info.tile_count:,} tiles, zoom {zooms[0]}-{zooms[1]})")
    return Built(info, digest, len(features))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise MapDataUnreadable(
            f"cannot read {path}: {exc.strerror}.", "Check the path and try again."
        ) from None
    return digest.hexdigest()


def _extent(source: Path, features: list[Feature]) -> Bounds:
    """The extract's declared box, else the extent of what it holds."""
    reader = osmium.io.Reader(str(source), osmium.osm.osm_entity_bits.NOTHING)
    try:
        box = reader.header().box()
    finally:
        reader.close()
    if box.valid() and box.size() > 0:
        return box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat
    return osm.extent(features)


def tile_range(area: Bounds, zoom: int) -> tuple[range, range]:
    """Columns and rows (XYZ) of the tiles that cover an area."""
    west, south, east, north = area
    x0, y0 = osm.world(west, north)
    x1, y1 = osm.world(east, south)
    n = 1 << zoom
    cols = range(max(0, math.floor(x0 * n)), min(n - 1, math.floor(x1 * n)) + 1)
    rows = range(max(0, math.floor(y0 * n)), min(n - 1, math.floor(y1 * n)) + 1)
    return cols, rows


def _render_all(
    features: list[Feature], area: Bounds, zooms: tuple[int, int], progress: Progress
) -> Iterator[tuple[int, int, int, bytes]]:
    boxes = [f.bbox for f in features]
    for zoom in range(zooms[0], zooms[1] + 1):
        cols, rows = tile_range(area, zoom)
        index = _index(boxes, zoom)
        total = len(cols) * len(rows)
        progress(f"zoom {zoom}: {total:,} tiles")
        for done, (x, y) in enumerate(((x, y) for x in cols for y in rows), start=1):
            chosen = [features[i] for i in index.get((x, y), [])]
            yield zoom, x, y, render_tile(chosen, zoom, x, y)
            if done % 500 == 0:
                progress(f"zoom {zoom}: {done:,} of {total:,} tiles")


def _index(
    boxes: list[tuple[float, float, float, float]], zoom: int
) -> dict[tuple[int, int], list[int]]:
    """For each tile, the features whose box (padded by ``PAD_PX``) touches it."""
    n = 1 << zoom
    pad = PAD_PX / (TILE * n)
    index: dict[tuple[int, int], list[int]] = {}
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        c0, c1 = max(0, math.floor((x0 - pad) * n)), min(n - 1, math.floor((x1 + pad) * n))
        r0, r1 = max(0, math.floor((y0 - pad) * n)), min(n - 1, math.floor((y1 + pad) * n))
        for c in range(c0, c1 + 1):
            for r in range(r0, r1 + 1):
                index.setdefault((c, r), []).append(i)
    return index


def render_tile(features: list[Feature], zoom: int, x: int, y: int) -> bytes:
    """One PNG tile: areas, then water lines, railways, road casings, roads and transit lines."""
    size = TILE * SS
    image = Image.new("RGB", (size, size), style.LAND)
    pen = ImageDraw.Draw(image)
    scale = (1 << zoom) * size

    def place(part: tuple[osm.Point, ...]) -> list[tuple[float, float]]:
        return [(px * scale - x * size, py * scale - y * size) for px, py in part]

    for layer in ("landuse", "water", "building"):
        if zoom < style.MIN_ZOOM.get(layer, 0):
            continue
        for f in features:
            if f.layer == layer:
                _area(image, pen, f, place)
    for f in features:
        if f.layer == "waterway" and zoom >= style.MIN_ZOOM.get(f.kind, 0):
            width = (4.0 if f.kind == "river" else 1.5) * 2.0 ** max(0, zoom - 15)
            pen.line(place(f.parts[0]), fill=style.WATERWAY, width=_px(width), joint="curve")
    for f in features:
        if f.layer == "railway":
            pen.line(place(f.parts[0]), fill=style.RAIL, width=_px(1.5), joint="curve")
    roads = sorted(
        (f for f in features if f.layer == "road" and zoom >= style.MIN_ZOOM.get(f.kind, 0)),
        key=lambda f: style.ROAD_ORDER.index(f.kind),
    )
    if zoom >= 14:
        for f in roads:
            if f.kind != "path":
                width = style.road_width(f.kind, zoom) + 2
                pen.line(place(f.parts[0]), fill=style.CASING, width=_px(width), joint="curve")
    for f in roads:
        width = style.road_width(f.kind, zoom)
        pen.line(place(f.parts[0]), fill=style.ROAD_FILL[f.kind], width=_px(width), joint="curve")
    for f in features:
        if f.layer == lines.LAYER:
            colour = style.TRANSIT.get(f.kind, style.TRANSIT_OTHER)
            width = _px(style.transit_width(zoom))
            pen.line(place(f.parts[0]), fill=colour, width=width, joint="curve")
    tile = image.resize((TILE, TILE), Image.Resampling.LANCZOS)
    paletted = tile.quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    paletted.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _px(width: float) -> int:
    return max(1, round(width * SS))


def _area(
    image: Image.Image,
    pen: ImageDraw.ImageDraw,
    f: Feature,
    place: Callable[[tuple[osm.Point, ...]], list[tuple[float, float]]],
) -> None:
    fill = style.AREA_FILL[f.kind]
    edge = style.BUILDING_EDGE if f.layer == "building" else None
    rings = [place(part) for part in f.parts if len(part) >= 3]
    if not rings:
        return
    if all(f.outer):
        for ring in rings:
            pen.polygon(ring, fill=fill, outline=edge)
        return
    # Holes (a courtyard, an island): cut through a mask, since Pillow fills no holes. The mask
    # covers only the rings' box within the tile: a big park's is most of it, a yard's a corner.
    xs = [p[0] for ring in rings for p in ring]
    ys = [p[1] for ring in rings for p in ring]
    left, top = max(0, math.floor(min(xs))), max(0, math.floor(min(ys)))
    right, bottom = (
        min(image.width, math.ceil(max(xs)) + 1),
        min(image.height, math.ceil(max(ys)) + 1),
    )
    if right <= left or bottom <= top:
        return
    mask = Image.new("L", (right - left, bottom - top), 0)
    mask_pen = ImageDraw.Draw(mask)
    for ring, outer in zip(rings, f.outer, strict=False):
        mask_pen.polygon([(px - left, py - top) for px, py in ring], fill=255 if outer else 0)
    image.paste(fill, (left, top, right, bottom), mask)


def _write(
    out: Path, metadata: dict[str, str], tiles: Iterator[tuple[int, int, int, bytes]]
) -> PackInfo:
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(
            f"there is no folder {folder} to write {out.name} into.", "Create it first."
        )
    handle, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".partial")
    os.close(handle)
    temp = Path(temp_name)
    try:
        with sqlite3.connect(temp) as conn:
            conn.execute(f"PRAGMA application_id = {MBTILES_APPLICATION_ID}")
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
            conn.execute(
                "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
                "tile_data BLOB)"
            )
            conn.executemany("INSERT INTO metadata VALUES (?, ?)", sorted(metadata.items()))
            conn.executemany(
                "INSERT INTO tiles VALUES (?, ?, ?, ?)",
                ((z, x, (1 << z) - 1 - y, data) for z, x, y, data in tiles),
            )
            conn.execute(
                "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)"
            )
        conn.close()
        info = inspect(temp, metadata["name"], deep=True)
        temp.chmod(0o644)  # a base map is not secret; mkstemp made it private
        _fsync(temp)
        os.replace(temp, out)
        _fsync(folder)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return dataclasses.replace(info, path=out)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
