"""A PNG shown in the terminal: Kitty or Sixel graphics where the terminal has them, half-block
characters where it does not.

textual-image picks its method once, when imported, by asking the terminal. Inside tmux the
answer is the outer terminal's, but tmux may not pass graphics through, and a test (Pilot, no
terminal) must draw the same characters every run; both get half-blocks.
"""

from __future__ import annotations

import io
import os
import sys

from PIL import Image as PILImage
from textual.widget import Widget
from textual_image.widget import HalfcellImage
from textual_image.widget import Image as BestImage


def half_blocks_only() -> bool:
    """Whether graphics must not be tried: under tmux, or with no terminal (tests)."""
    stdout = sys.__stdout__
    return bool(os.environ.get("TMUX")) or stdout is None or not stdout.isatty()


def picture(png: bytes | None, *, id: str) -> Widget:
    """A widget showing ``png`` (or nothing yet), sized by its CSS."""
    image = PILImage.open(io.BytesIO(png)) if png else None
    if half_blocks_only():
        return HalfcellImage(image, id=id)
    return BestImage(image, id=id)


def show(widget: Widget, png: bytes) -> None:
    """Put a new PNG in a widget made by ``picture``."""
    widget.image = PILImage.open(io.BytesIO(png))  # type: ignore[attr-defined]
