"""Laying the sections out as an A4 PDF that is the same bytes every time.

Determinism: reportlab's invariant mode fixes the creation date and the document ID (a digest
of the content), the fonts are fixed files embedded as subsets with fixed names, and nothing
else varies; the generation time is passed in and stated on the cover and in the metadata.
Each page carries the case, "page N of M" and the custody head it was made under, so a page
separated from the rest still says where it belongs.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from appliance.report.content import ReportContent
from appliance.report.fonts import SANS, printable, register
from appliance.report.styles import MARGIN, PAGE, RULE


class _NumberedCanvas(Canvas):
    """Holds every page until the end so each footer can say how many pages there are."""

    def __init__(self, *args: Any, footer: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._footer = footer
        self.total = 0

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab internal, unstubbed

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        self.total = total  # after the loop: restoring each page's state resets attributes
        super().save()

    def _draw_footer(self, total: int) -> None:
        width = PAGE[0]
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, 12 * mm, width - MARGIN, 12 * mm)
        self.setFont(SANS, 7)
        self.drawString(MARGIN, 8.5 * mm, self._footer)
        self.drawRightString(width - MARGIN, 8.5 * mm, f"page {self.getPageNumber()} of {total}")
        self.restoreState()


def _stamp(canvas: Canvas, generated: datetime) -> None:
    """The PDF's creation and modification dates: the stated generation time, not reportlab's
    invariant-mode 2000-01-01 (nor SOURCE_DATE_EPOCH, which reportlab would otherwise read)."""
    stamp: Any = canvas._doc._timeStamp  # type: ignore[attr-defined]  # reportlab internal
    moment = generated.astimezone(UTC)
    stamp.t = moment.timestamp()
    stamp.lt = moment.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    stamp.tzname = "UTC"


def render(content: ReportContent, story: list[Flowable]) -> tuple[bytes, int]:
    """The PDF's bytes and its page count."""
    register()
    out = io.BytesIO()
    footer = printable(
        f"Case {content.ref} · evidential report · {content.software} · custody ledger head "
        f"{content.custody_head[:16]}…"
    )
    doc = BaseDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=18 * mm,
        title=printable(f"Evidential report, case {content.ref}"),
        author=content.software,
        subject=printable(f"{content.a.name} and {content.b.name}"),
        creator=content.software,
        invariant=1,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    made: list[_NumberedCanvas] = []

    def make_canvas(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        canvas = _NumberedCanvas(*args, footer=footer, **{**kwargs, "invariant": 1})
        _stamp(canvas, content.generated)
        made.append(canvas)
        return canvas

    doc.build(story, canvasmaker=make_canvas)
    return out.getvalue(), made[-1].total
