"""Drawing a ``Scene``: base map (or coordinate grid), shapes to scale, markers, and the
furniture a reader needs to read a map honestly (scale bar, north arrow, key, attribution).

Layout, top to bottom: a title strip, the map, then the key and the attribution. The key and
title sit outside the map so they can never hide a position. Shapes are drawn at twice the size
and reduced (Pillow draws no anti-aliased lines), areas first, then outlines, links and dots,
so every dot stays visible. Everything is a pure function of its inputs: the same scene gives
the same PNG bytes.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from appliance.errors import UsageError
from appliance.maps import geo
from appliance.maps.scene import (
    COLOUR_A,
    COLOUR_B,
    COLOUR_CLOSEST,
    COLOUR_LINK,
    COLOUR_ZONE,
    RGB,
    KeyEntry,
    Scene,
    Wedge,
)
from appliance.maps.source import offline_map, staticmap_shapes
from appliance.maps.tiles import TileSet
from appliance.textsafe import shown

HEADER_PX = 36
PADDING_PX = 70
SS = 2  # supersampling factor for shapes
DOT_PX = 5
WHITE: RGB = (255, 255, 255)
INK: RGB = (25, 25, 25)
GRID_BACKGROUND: RGB = (250, 250, 246)
GRID_LINE: RGB = (200, 200, 196)
PALETTE_FIXED: tuple[RGB, ...] = (
    COLOUR_A,
    COLOUR_B,
    COLOUR_ZONE,
    COLOUR_LINK,
    COLOUR_CLOSEST,
    WHITE,
    INK,
)
_GRID_STEPS = (
    0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
    10.0, 20.0, 45.0,
)  # fmt: skip


@dataclass(frozen=True)
class Drawn:
    png: bytes
    basemap: bool
    packs: list[str]
    view: geo.View  # where the map area's pixels are (it starts HEADER_PX below the top)


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font: the same glyphs on every machine, no system fonts needed."""
    return ImageFont.load_default(size=size)


def draw(scene: Scene, tiles: TileSet | None, width_px: int, height_px: int) -> Drawn:
    footer_px = _footer_height(scene.key)
    map_h = height_px - HEADER_PX - footer_px
    if width_px < 400 or map_h < 240:
        raise UsageError(
            f"a map of {width_px} x {height_px} pixels is too small to read.",
            "Use at least 600 x 500 pixels.",
        )
    smap = offline_map(width_px, map_h, PADDING_PX, tiles)
    _add_extent(smap, scene)
    zoom = smap.fit_zoom()
    if tiles is not None:
        west, south, east, north = smap.determine_extent()
        if tiles.covers((west + east) / 2, (south + north) / 2):
            zoom = min(zoom, tiles.max_zoom)
    base: Image.Image = smap.render(zoom=zoom).convert("RGB")
    view = geo.View(smap.zoom, smap.x_center, smap.y_center, width_px, map_h)
    basemap = smap.tiles_drawn > 0
    if not basemap:
        _grid(base, view)
    base = _shapes(base, scene, view)
    _labels(base, scene, view)
    _scale_bar(base, view)
    _north_arrow(base)
    page = Image.new("RGB", (width_px, height_px), WHITE)
    page.paste(base, (0, HEADER_PX))
    pen = ImageDraw.Draw(page)
    _title(pen, shown(scene.title), width_px - 20)
    pen.line([(0, HEADER_PX - 1), (width_px, HEADER_PX - 1)], fill=GRID_LINE)
    attribution = tiles.attribution if (basemap and tiles is not None) else ""
    _footer(pen, scene.key, attribution, basemap, HEADER_PX + map_h, width_px)
    return Drawn(_png(page), basemap, smap.packs_used if basemap else [], view)


def _title(pen: ImageDraw.ImageDraw, title: str, room: float) -> None:
    """One line: smaller type for a long title, then cut with an ellipsis (the legend's first
    line always has the whole title)."""
    for size in (17, 16, 15, 14, 13):
        if pen.textlength(title, font=font(size)) <= room:
            pen.text((10, 9 + (17 - size) // 2), title, fill=INK, font=font(size))
            return
    while title and pen.textlength(title + "...", font=font(13)) > room:
        title = title[:-1]
    pen.text((10, 11), title.rstrip(" ,") + "...", fill=INK, font=font(13))


def _add_extent(smap: Any, scene: Scene) -> None:
    """Give staticmap every shape, so the zoom it picks shows all of them whole."""
    CircleMarker, Polygon = staticmap_shapes()  # staticmap's classes
    for spot in scene.spots:
        smap.add_marker(CircleMarker((spot.lon, spot.lat), "#000", DOT_PX * 3))
        outline = _outline(spot.lat, spot.lon, spot.radius_m, spot.wedge)
        if outline:
            smap.add_polygon(Polygon(outline, None, None))
    if scene.zone:
        zone = scene.zone
        smap.add_polygon(Polygon(geo.circle(zone.lat, zone.lon, zone.radius_m), None, None))


def _outline(
    lat: float, lon: float, radius_m: float | None, wedge: Wedge | None
) -> list[geo.LonLat]:
    if wedge is not None:
        return geo.sector(lat, lon, wedge.azimuth_deg, wedge.beamwidth_deg, wedge.range_m)
    if radius_m is not None and radius_m > 0:
        return geo.circle(lat, lon, radius_m)
    return []


def _scaled(view: geo.View, ring: list[geo.LonLat]) -> list[tuple[float, float]]:
    return [tuple(SS * v for v in view.to_px(lon, lat)) for lon, lat in ring]  # type: ignore[misc]


def _shapes(base: Image.Image, scene: Scene, view: geo.View) -> Image.Image:
    size = (base.width * SS, base.height * SS)
    fills = Image.new("RGBA", size, (0, 0, 0, 0))
    lines = Image.new("RGBA", size, (0, 0, 0, 0))
    fill_pen, line_pen = ImageDraw.Draw(fills), ImageDraw.Draw(lines)
    if scene.zone:
        ring = _scaled(view, geo.circle(scene.zone.lat, scene.zone.lon, scene.zone.radius_m))
        fill_pen.polygon(ring, fill=(*COLOUR_ZONE, 38))
        line_pen.line(ring, fill=(*COLOUR_ZONE, 255), width=3 * SS, joint="curve")
        cx, cy = (SS * v for v in view.to_px(scene.zone.lon, scene.zone.lat))
        arm = 9 * SS
        line_pen.line([(cx - arm, cy), (cx + arm, cy)], fill=(*COLOUR_ZONE, 255), width=2 * SS)
        line_pen.line([(cx, cy - arm), (cx, cy + arm)], fill=(*COLOUR_ZONE, 255), width=2 * SS)
    for spot in scene.spots:
        outline = _outline(spot.lat, spot.lon, spot.radius_m, spot.wedge)
        if outline:
            ring = _scaled(view, outline)
            fill_pen.polygon(ring, fill=(*spot.colour, 40))
            line_pen.line(ring, fill=(*spot.colour, 190), width=int(1.5 * SS), joint="curve")
    for link in scene.links:
        a = tuple(SS * v for v in view.to_px(link.a[1], link.a[0]))
        b = tuple(SS * v for v in view.to_px(link.b[1], link.b[0]))
        line_pen.line([a, b], fill=(*COLOUR_LINK, 200), width=int(1.5 * SS))
    for spot in scene.spots:
        x, y = (SS * v for v in view.to_px(spot.lon, spot.lat))
        if spot.highlight:
            r = 12 * SS
            line_pen.ellipse(
                (x - r, y - r, x + r, y + r), outline=(*COLOUR_CLOSEST, 255), width=SS * 2
            )
        r = (DOT_PX + 2) * SS
        line_pen.ellipse((x - r, y - r, x + r, y + r), fill=(*WHITE, 255))
        r = DOT_PX * SS
        line_pen.ellipse((x - r, y - r, x + r, y + r), fill=(*spot.colour, 255))
    out = base.convert("RGBA")
    for layer in (fills, lines):
        out.alpha_composite(layer.reduce(SS))  # a box average: exact coverage, and fast
    return out.convert("RGB")


def _labels(base: Image.Image, scene: Scene, view: geo.View) -> None:
    pen = ImageDraw.Draw(base)
    for spot in scene.spots:
        if not spot.label:
            continue
        x, y = view.to_px(spot.lon, spot.lat)
        pen.text(
            (x + DOT_PX + 4, y - DOT_PX - 16),
            shown(spot.label),
            fill=spot.colour,
            font=font(15),
            stroke_width=3,
            stroke_fill=WHITE,
        )


def _grid(base: Image.Image, view: geo.View) -> None:
    """A latitude/longitude grid where no tiles exist, labelled at the map's edges."""
    pen = ImageDraw.Draw(base)
    pen.rectangle((0, 0, base.width, base.height), fill=GRID_BACKGROUND)
    west, north = view.to_lonlat(0, 0)
    east, south = view.to_lonlat(base.width, base.height)
    span = max(east - west, north - south)
    step = next((s for s in _GRID_STEPS if span / s <= 8), _GRID_STEPS[-1])
    digits = max(0, -math.floor(math.log10(step)))
    small = font(12)
    lon = math.ceil(west / step) * step
    while lon <= east:
        x = view.to_px(lon, north)[0]
        pen.line([(x, 0), (x, base.height)], fill=GRID_LINE, width=1)
        if x < base.width - 110:  # clear of the north arrow
            pen.text((x + 3, 3), _degrees(lon, digits, "E", "W"), fill=(110, 110, 110), font=small)
        lon += step
    lat = math.ceil(south / step) * step
    while lat <= north:
        y = view.to_px(west, lat)[1]
        pen.line([(0, y), (base.width, y)], fill=GRID_LINE, width=1)
        if y < base.height - 60:  # clear of the scale bar
            pen.text((3, y + 2), _degrees(lat, digits, "N", "S"), fill=(110, 110, 110), font=small)
        lat += step


def _degrees(value: float, digits: int, positive: str, negative: str) -> str:
    hemisphere = positive if value >= -1e-12 else negative
    return f"{abs(value):.{digits}f}° {hemisphere}"


def nice_length(max_m: float) -> float:
    """The longest 1, 2 or 5 times a power of ten not over ``max_m``."""
    power = 10.0 ** math.floor(math.log10(max_m))
    return max(m * power for m in (1, 2, 5) if m * power <= max_m)


def _scale_bar(base: Image.Image, view: geo.View) -> None:
    per_px = view.metres_per_pixel()
    metres = nice_length(per_px * base.width / 4)
    length = metres / per_px
    x0, y0 = 14, base.height - 18
    pen = ImageDraw.Draw(base)
    pen.rectangle((x0 - 6, y0 - 24, x0 + length + 8, y0 + 8), fill=WHITE)
    pen.rectangle((x0, y0 - 3, x0 + length, y0 + 3), fill=INK)
    pen.rectangle((x0 + length / 2, y0 - 2, x0 + length - 1, y0 + 2), fill=WHITE)
    label = f"{metres:,.0f} m" if metres < 1000 else f"{metres / 1000:g} km"
    pen.text((x0, y0 - 22), label, fill=INK, font=font(13))


def _north_arrow(base: Image.Image) -> None:
    pen = ImageDraw.Draw(base)
    cx, top = base.width - 30, 12
    pen.rectangle((cx - 16, top - 4, cx + 16, top + 50), fill=WHITE)
    pen.polygon([(cx, top), (cx - 10, top + 28), (cx, top + 22), (cx + 10, top + 28)], fill=INK)
    pen.text((cx - 5, top + 30), "N", fill=INK, font=font(15))


def _key_rows(key: list[KeyEntry]) -> int:
    return math.ceil(len(key) / 2)


def _footer_height(key: list[KeyEntry]) -> int:
    return 14 + 22 * (_key_rows(key) + 1)


def _footer(
    pen: ImageDraw.ImageDraw,
    key: list[KeyEntry],
    attribution: str,
    basemap: bool,
    top: int,
    width: int,
) -> None:
    pen.line([(0, top), (width, top)], fill=GRID_LINE)
    rows = _key_rows(key)
    column_w = width // 2
    for i, entry in enumerate(key):
        x = 12 + (i // rows) * column_w
        y = top + 10 + (i % rows) * 22
        _symbol(pen, entry, x, y + 8)
        pen.text((x + 26, y), shown(entry.words), fill=INK, font=font(14))
    y = top + 10 + rows * 22
    credit = (
        f"Map data: {attribution}"
        if basemap and attribution
        else ("Base map: tile pack with no attribution given" if basemap else "")
    )
    grid_note = (
        "" if basemap else "No map tiles cover this area: drawn on a latitude/longitude grid."
    )
    pen.text((12, y), shown(credit or grid_note), fill=(80, 80, 80), font=font(13))


def _symbol(pen: ImageDraw.ImageDraw, entry: KeyEntry, x: int, y: int) -> None:
    c = entry.colour
    if entry.symbol == "dot":
        pen.ellipse((x + 4, y - 6, x + 16, y + 6), fill=c, outline=WHITE)
    elif entry.symbol == "circle":
        pen.ellipse((x, y - 9, x + 18, y + 9), fill=_tint(c), outline=c, width=2)
    elif entry.symbol == "wedge":
        pen.pieslice((x - 4, y - 12, x + 20, y + 12), 300, 360, fill=_tint(c), outline=c, width=2)
    elif entry.symbol == "zone":
        pen.ellipse((x, y - 9, x + 18, y + 9), fill=_tint(c), outline=c, width=3)
    elif entry.symbol == "ring":
        pen.ellipse((x + 1, y - 8, x + 17, y + 8), outline=c, width=2)
    elif entry.symbol == "link":
        pen.line([(x, y + 5), (x + 18, y - 5)], fill=c, width=2)


def _tint(colour: RGB) -> RGB:
    return tuple(round(255 - (255 - v) * 0.2) for v in colour)  # type: ignore[return-value]


def _png(image: Image.Image) -> bytes:
    """A palette PNG, several times smaller than RGB. The palette is the image's own colours
    plus the exact marker and ink colours, so a small dot never drifts to a neighbouring
    shade (what a reader matches against the key)."""
    fixed = [*PALETTE_FIXED]
    adaptive = image.quantize(
        colors=256 - len(fixed), method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    palette = (adaptive.getpalette() or [])[: 3 * (256 - len(fixed))]
    for colour in fixed:
        palette.extend(colour)
    holder = Image.new("P", (1, 1))
    holder.putpalette(palette)
    out = io.BytesIO()
    image.quantize(palette=holder, dither=Image.Dither.NONE).save(out, format="PNG", optimize=True)
    return out.getvalue()
