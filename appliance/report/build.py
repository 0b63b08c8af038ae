"""Building the report: gather the figures, draw the maps, lay out the pages, write the file."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from appliance.errors import ReportError
from appliance.report.content import ReportContent, gather
from appliance.report.document import render
from appliance.report.fonts import register
from appliance.report.maps import draw_maps
from appliance.report.options import ReportOptions
from appliance.report.sections.appendix import appendices
from appliance.report.sections.cover import cover
from appliance.report.sections.method import method
from appliance.report.sections.storyboard import storyboard
from appliance.report.sections.summary import summary
from appliance.report.sections.visits import visits
from appliance.store.case import CaseStore
from appliance.store.home import Home


@dataclass(frozen=True)
class ReportSummary:
    """What was written: where, how big, its SHA-256, and the headline figures."""

    path: Path
    size: int
    sha256: str
    pages: int
    generated: datetime
    custody_head: str
    occasions: int
    events: int
    contacts: int
    visits: int

    def as_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "size": self.size,
            "sha256": self.sha256,
            "pages": self.pages,
            "generated": self.generated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "custody_head": self.custody_head,
            "occasions": self.occasions,
            "events": self.events,
            "contacts": self.contacts,
            "visits": self.visits,
        }


def _pdf(content: ReportContent) -> tuple[bytes, int]:
    register()  # before any paragraph is made: paragraphs look their fonts up when built
    story = [
        *cover(content),
        *method(content),
        *summary(content),
        *storyboard(content),
        *visits(content),
        *appendices(content),
    ]
    return render(content, story)


def _content(
    store: CaseStore, home: Home, options: ReportOptions, generated: datetime
) -> ReportContent:
    if generated.tzinfo is None:
        raise ReportError("the generation time has no time zone.", "Pass an aware datetime.")
    content = gather(store, options, generated.astimezone(UTC).replace(microsecond=0))
    return draw_maps(store, content, home)


def build_report(
    store: CaseStore, home: Home, options: ReportOptions, *, generated: datetime
) -> bytes:
    """The report as PDF bytes: the same case, options and time always give the same bytes."""
    data, _pages = _pdf(_content(store, home, options, generated))
    return data


def write_report(
    store: CaseStore,
    home: Home,
    options: ReportOptions,
    path: Path,
    *,
    generated: datetime | None = None,
) -> ReportSummary:
    """Write the report to ``path`` (whole or not at all) and say what was written."""
    content = _content(store, home, options, generated or datetime.now(UTC))
    data, pages = _pdf(content)
    _write_atomically(path, data)
    return ReportSummary(
        path=path,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
        generated=content.generated,
        custody_head=content.custody_head,
        occasions=len(content.colocation.occasions),
        events=len(content.colocation.events),
        contacts=sum(content.contacts.totals.values()),
        visits=sum(len(z.breaches.visits) for z in content.zones),
    )


def _write_atomically(path: Path, data: bytes) -> None:
    """A temporary file beside the target, flushed, then renamed: never a half-written report."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ReportError(
            f"cannot write the report to {path}: the folder {folder} does not exist.",
            "Create it or choose another --out.",
        )
    try:
        fd, temporary = tempfile.mkstemp(prefix=".report-", suffix=".pdf", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ReportError(
            f"cannot write the report to {path}: {exc.strerror or exc}.",
            "Choose a folder you can write to with --out.",
        ) from None
