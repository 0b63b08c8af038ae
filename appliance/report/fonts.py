"""The report's fonts: DejaVu from Debian's fonts-dejavu-core, embedded (subset) in every PDF.

A court bundle must look the same on every reader, and a report must be the same bytes on every
appliance, so the fonts are fixed files, never a viewer's substitutes. A character the font has
no glyph for would print as an empty box and silently lose evidence text; ``printable`` shows it
as a visible ``\\uXXXX`` escape instead, after ``textsafe.shown`` has made control and
bidirectional characters visible.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from appliance.errors import ReportError
from appliance.textsafe import shown

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SANS, BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
_FILES = {SANS: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", MONO: "DejaVuSansMono.ttf"}


@lru_cache(maxsize=1)
def register() -> frozenset[int]:
    """Register the fonts once per process; the code points the text font can draw."""
    for name, file in _FILES.items():
        path = FONT_DIR / file
        if not path.is_file():
            raise ReportError(
                f"the report font {path} is missing.",
                "Install the Debian package fonts-dejavu-core (make system-deps does).",
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=BOLD, italic=SANS, boldItalic=BOLD)
    face = pdfmetrics.getFont(SANS).face  # type: ignore[attr-defined]
    return frozenset(face.charToGlyph)


def printable(text: object) -> str:
    """Evidence text as the report prints it: escapes for what must not act or cannot show."""
    glyphs = register()
    return "".join(
        ch if ord(ch) in glyphs or ch in "\n\t" else f"\\u{ord(ch):04x}" for ch in shown(text)
    )


def para(text: object) -> str:
    """``printable`` text made safe inside a reportlab Paragraph's mini-markup."""
    return escape(printable(text))
