"""Paragraph and table styles: plain, high-contrast, printable in black and white."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from appliance.maps import scene
from appliance.report.fonts import BOLD, MONO, SANS, para, printable

PAGE = A4
MARGIN = 16 * mm
WIDTH = PAGE[0] - 2 * MARGIN
# A and B keep the maps' colours in the chart, so a reader learns one key for the whole report.
COLOUR_A = colors.Color(*(c / 255 for c in scene.COLOUR_A))
COLOUR_B = colors.Color(*(c / 255 for c in scene.COLOUR_B))
RULE = colors.HexColor("#555555")
SHADE = colors.HexColor("#eeeeee")

TITLE = ParagraphStyle("title", fontName=BOLD, fontSize=20, leading=24, spaceAfter=6)
H1 = ParagraphStyle("h1", fontName=BOLD, fontSize=15, leading=19, spaceBefore=4, spaceAfter=6)
H2 = ParagraphStyle("h2", fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=3)
BODY = ParagraphStyle("body", fontName=SANS, fontSize=9.5, leading=13, spaceAfter=4)
SMALL = ParagraphStyle("small", fontName=SANS, fontSize=8, leading=10.5, spaceAfter=2)
CELL = ParagraphStyle("cell", fontName=SANS, fontSize=8.5, leading=10.5)
CELL_R = ParagraphStyle("cell_r", parent=CELL, alignment=TA_RIGHT)
TINY = ParagraphStyle("tiny", fontName=SANS, fontSize=7, leading=8.5)
HASH = ParagraphStyle("hash", fontName=MONO, fontSize=6.8, leading=9)
FIGURE = ParagraphStyle("figure", fontName=BOLD, fontSize=17, leading=20)
FIGURE_LABEL = ParagraphStyle("figure_label", fontName=SANS, fontSize=8, leading=10)


def p(text: object, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of evidence text (escaped: no markup from the evidence is obeyed)."""
    return Paragraph(para(text), style)


def markup(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of the report's own words, which may use <b> markup."""
    return Paragraph(text, style)


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    font_size: float = 8.5,
    right: Sequence[int] = (),
    repeat: bool = True,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A ruled table with a bold header row repeated on every page it spans.

    Cells that are strings are set as plain text (never markup); ``right`` lists the columns
    of figures, aligned right so digits line up.
    """
    data = [[_cell(c) for c in header], *[[_cell(c) for c in r] for r in rows]]
    t = Table(data, colWidths=list(widths), repeatRows=1 if repeat else 0)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, 0), BOLD, font_size),
        ("FONT", (0, 1), (-1, -1), SANS, font_size),
        ("LEADING", (0, 0), (-1, -1), font_size * 1.2),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for column in right:
        commands.append(("ALIGN", (column, 0), (column, -1), "RIGHT"))
    for index in range(2, len(data), 2):
        commands.append(("BACKGROUND", (0, index), (-1, index), SHADE))
    commands.extend(extra)
    t.setStyle(TableStyle(commands))
    t.spaceAfter = 5
    return t


def _cell(value: Any) -> Any:
    return printable(value) if isinstance(value, str) else value


def facts(rows: Sequence[tuple[str, Any]], key_width: float) -> Table:
    """A two-column table of labelled facts (label in bold, value beside it)."""
    data = [[_cell(k), _cell(v)] for k, v in rows]
    t = Table(data, colWidths=[key_width, WIDTH - key_width])
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), BOLD, 8.5),
                ("FONT", (1, 0), (1, -1), SANS, 8.5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    t.spaceAfter = 5
    return t
