"""staticmap with its tiles from installed packs: never a URL, and a missing tile is blank.

staticmap fetches tiles with ``requests`` from a URL template, retries, and fails when a tile
cannot be had. Here the only path to a tile is ``TileSet.tile``: ``_draw_base_layer`` is
replaced (staticmap 0.5.7, pinned) and ``get``, its one network call, refuses. staticmap still
chooses the zoom and centre that fit the features; the features themselves are drawn by
``render`` in the order a reader needs (areas under outlines under markers), so staticmap's
own feature drawing is switched off.
"""

from __future__ import annotations

import io
import math
from functools import cache
from typing import Any

from PIL import Image

from appliance.maps.tiles import TileSet

TILE_SIZE = 256
BLANK = "#eeeeea"
"""Where no tile exists: a flat pale grey, plainly not a map."""


def decode_tile(data: bytes) -> Image.Image | None:
    """A tile as an RGBA image, or None when it is not a sane PNG, JPEG or WebP tile.

    The size is checked before the pixels are decoded, so a hostile pack cannot make the
    appliance decompress a huge image.
    """
    try:
        with Image.open(io.BytesIO(data)) as tile:
            if tile.format not in {"PNG", "JPEG", "WEBP"} or tile.size not in {
                (256, 256),
                (512, 512),
            }:
                return None
            tile.load()
            image = tile.convert("RGBA")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    if image.size != (TILE_SIZE, TILE_SIZE):
        image = image.resize((TILE_SIZE, TILE_SIZE), Image.Resampling.LANCZOS)
    return image


@cache
def _offline_class() -> type[Any]:
    # Imported here, when a map is drawn, not when the package is imported: staticmap imports
    # requests, whose urllib3 binds a socket at import time to probe for IPv6, and code that
    # only imports the appliance (the USB intake under its unit) must make no socket at all.
    from staticmap import StaticMap

    class OfflineStaticMap(StaticMap):  # type: ignore[misc]  # staticmap has no type hints
        """A StaticMap whose base layer comes from local packs only."""

        def __init__(self, width: int, height: int, padding: int, tiles: TileSet | None) -> None:
            super().__init__(
                width,
                height,
                padding_x=padding,
                padding_y=padding,
                url_template="",
                tile_size=TILE_SIZE,
                background_color=BLANK,
            )
            self.tiles = tiles
            self.tiles_drawn = 0
            self.packs_used: list[str] = []

        def get(self, url: str, **kwargs: Any) -> tuple[int, bytes]:
            raise RuntimeError("an offline map never fetches tiles from a URL")

        def fit_zoom(self) -> int:
            """The deepest zoom at which every feature fits (staticmap's own rule, up to 17)."""
            zoom: int = self._calculate_zoom()
            return zoom

        def _draw_base_layer(self, image: Image.Image) -> None:
            if self.tiles is None:
                return
            half_w, half_h = 0.5 * self.width / TILE_SIZE, 0.5 * self.height / TILE_SIZE
            n = 1 << self.zoom
            for x in range(math.floor(self.x_center - half_w), math.ceil(self.x_center + half_w)):
                for y in range(
                    math.floor(self.y_center - half_h), math.ceil(self.y_center + half_h)
                ):
                    if not 0 <= y < n:
                        continue  # beyond the poles: blank
                    found = self.tiles.tile(self.zoom, x % n, y)
                    tile = decode_tile(found[1]) if found else None
                    if found is None or tile is None:
                        continue
                    box = (self._x_to_px(x), self._y_to_px(y))
                    image.paste(tile, box, tile)
                    self.tiles_drawn += 1
                    if found[0].name not in self.packs_used:
                        self.packs_used.append(found[0].name)

        def _draw_features(self, image: Image.Image) -> None:
            return None

    return OfflineStaticMap


def offline_map(width: int, height: int, padding: int, tiles: TileSet | None) -> Any:
    """A staticmap ``StaticMap`` whose base layer comes from local packs only."""
    return _offline_class()(width, height, padding, tiles)


def staticmap_shapes() -> tuple[Any, Any]:
    """staticmap's ``CircleMarker`` and ``Polygon`` (imported late, as above)."""
    from staticmap import CircleMarker, Polygon

    return CircleMarker, Polygon
