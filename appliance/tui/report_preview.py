"""The report for the terminal's preview: built as ``appliance report`` builds it, kept in memory.

The PDF is written into a private temporary folder only while ``pdftoppm`` draws its pages and
removed at once (DESIGN §3: nothing plaintext from the evidence is left on disk); the preview
keeps the bytes, so printing and saving give exactly what was previewed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from textual.message import Message

from appliance.errors import PrintError, ReportError
from appliance.report import PrintJob, ReportOptions, ReportSummary, print_pdf, write_report
from appliance.report.options import subjects
from appliance.store.case import CaseStore
from appliance.store.home import Home

PREVIEW_PAGES = 4  # cover, method, summary: what an officer checks before printing
PREVIEW_DPI = 40  # enough for half-blocks and a small Kitty or Sixel picture
PDFTOPPM_TIMEOUT_S = 120


@dataclass(frozen=True)
class Preview:
    pdf: bytes
    summary: ReportSummary
    options: ReportOptions
    a: str
    b: str
    pages: list[bytes] = field(default_factory=list)  # PNG of the first pages, in order


class ReportBuilt(Message):
    def __init__(self, preview: Preview) -> None:
        super().__init__()
        self.preview = preview


def page_images(pdf: Path, pages: int) -> list[bytes]:
    """The first ``pages`` pages of ``pdf`` as PNG bytes, drawn by poppler's pdftoppm."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise ReportError(
            "cannot preview the report's pages: pdftoppm is not installed.",
            "Install poppler-utils; the report can still be printed and saved.",
        )
    out = []
    for page in range(1, pages + 1):
        # No output name: with -singlefile, pdftoppm writes the PNG to stdout.
        pick = ["-f", str(page), "-l", str(page), "-singlefile"]
        done = subprocess.run(
            [tool, "-png", "-r", str(PREVIEW_DPI), *pick, str(pdf)],
            capture_output=True,
            timeout=PDFTOPPM_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip() or "no reason given"
            raise ReportError(f"pdftoppm could not draw page {page}: {reason}", "")
        out.append(done.stdout)
    return out


def build_preview(store: CaseStore, home: Home, options: ReportOptions) -> Preview:
    """The report and its first pages, with nothing left on disk."""
    a, b = subjects(store, options)
    with tempfile.TemporaryDirectory(prefix="appliance-report-") as folder:
        path = Path(folder) / f"{store.info.ref}-report.pdf"
        summary = write_report(store, home, options, path, generated=datetime.now(UTC))
        pdf = path.read_bytes()
        pages = page_images(path, min(PREVIEW_PAGES, summary.pages))
    return Preview(pdf, summary, options, a.name, b.name, pages)


def print_bytes(pdf: bytes, name: str, printer: str | None) -> PrintJob:
    """Print the previewed bytes: lp copies them to the spooler, then the file is removed."""
    with tempfile.TemporaryDirectory(prefix="appliance-print-") as folder:
        path = Path(folder) / name
        try:
            path.write_bytes(pdf)
        except OSError as exc:
            raise PrintError(
                f"cannot print: {exc.strerror}.", "Free some space, then retry."
            ) from exc
        return print_pdf(path, printer)
