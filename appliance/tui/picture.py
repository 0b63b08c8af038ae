"""A PNG shown in the terminal: Kitty or Sixel graphics where the terminal has them, half-block
characters where it does not.

textual-image picks its method once, when imported, by asking the terminal. Inside tmux the
answer is the outer terminal's, but tmux may not pass graphics through, and a test (Pilot, no
terminal) must draw the same characters every run; both get half-blocks. Where the terminal's
answer is wrong (a serial line, an old emulator), ``APPLIANCE_GRAPHICS`` chooses: ``sixel``,
``kitty`` or ``halfblocks``.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable

from PIL import Image as PILImage
from textual.widget import Widget
from textual_image.widget import HalfcellImage, SixelImage, TGPImage
from textual_image.widget import Image as BestImage

GRAPHICS_ENV = "APPLIANCE_GRAPHICS"
METHODS: dict[str, Callable[..., Widget]] = {
    "sixel": SixelImage,
    "kitty": TGPImage,
    "halfblocks": HalfcellImage,
}


def half_blocks_only() -> bool:
    """Whether graphics must not be tried: under tmux, or with no terminal (tests)."""
    stdout = sys.__stdout__
    return bool(os.environ.get("TMUX")) or stdout is None or not stdout.isatty()


def method() -> Callable[..., Widget]:
    """The widget class that draws pictures here: as ``APPLIANCE_GRAPHICS`` says, else the
    terminal's best (half-blocks under tmux or without a terminal)."""
    chosen = os.environ.get(GRAPHICS_ENV, "").strip().lower()
    if chosen in METHODS:
        return METHODS[chosen]
    return HalfcellImage if half_blocks_only() else BestImage


def picture(png: bytes | None, *, id: str) -> Widget:
    """A widget showing ``png`` (or nothing yet), sized by its CSS."""
    image = PILImage.open(io.BytesIO(png)) if png else None
    return method()(image, id=id)


def show(widget: Widget, png: bytes) -> None:
    """Put a new PNG in a widget made by ``picture``."""
    widget.image = PILImage.open(io.BytesIO(png))  # type: ignore[attr-defined]
