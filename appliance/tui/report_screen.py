"""The printed report, previewed before it is printed (``R``).

The report is built in the app's store worker for the case's suspect (A) and victim (B) with
the co-location pane's parameters, exactly as ``appliance report`` builds it. The screen shows
what will be printed: page count, the cover's facts, the summary figures, and the first pages
as pictures. ``p`` prints the previewed bytes through CUPS and ``s`` saves them; both say what
happened in the command line's words.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from appliance.analyses.colocate import Parameters
from appliance.errors import ApplianceError
from appliance.report import ReportOptions, write_report
from appliance.store.case import CaseStore
from appliance.textsafe import shown
from appliance.tui.footer import KeyFooter
from appliance.tui.messages import QueryCancelled, QueryFailed
from appliance.tui.panes.base import Host
from appliance.tui.picture import picture, show
from appliance.tui.report_preview import Preview, ReportBuilt, build_preview, print_bytes

PRINT_GROUP = "print"


class ReportScreen(Screen[None]):
    # Nothing focused at first, so p and s are keys, not letters typed into a field.
    AUTO_FOCUS = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="close the preview (cancels building it)"),
        Binding("p", "print", "Print", tooltip="print the previewed report to the printer named"),
        Binding("s", "save", "Save", tooltip="save the previewed report to the path typed"),
        Binding("left_square_bracket", "page(-1)", "Prev page", tooltip="previous page"),
        Binding("right_square_bracket", "page(1)", "Next page", tooltip="next page"),
    ]

    class Said(Message):
        """What printing or saving came to, in the command line's words."""

        def __init__(self, text: str, *, error: bool = False) -> None:
            super().__init__()
            self.text, self.error = text, error

    def __init__(self, params: Parameters) -> None:
        super().__init__()
        self.options = ReportOptions(params=params)
        self.preview: Preview | None = None
        self.page = 0
        self.said = ""  # the last print or save outcome, for the officer and the tests

    def compose(self) -> ComposeResult:
        yield Static(Text("Building the report… (escape cancels)"), id="report-facts")
        with Horizontal(classes="form"):
            yield Static(Text("printer "), classes="label")
            yield Input("", placeholder="default printer", id="report-printer")
            yield Static(Text(" save to "), classes="label")
            yield Input("", placeholder="/path/to/report.pdf", id="report-path")
        yield Static(Text(""), id="report-said")
        yield picture(None, id="report-page")
        yield KeyFooter()

    def on_mount(self) -> None:
        host = cast(Host, self.app)
        options = self.options

        def job(store: CaseStore) -> ReportBuilt:
            return ReportBuilt(build_preview(store, host.home, options))

        host.ask(job, self, "the report")

    @property
    def _path_default(self) -> str:
        return f"{self.preview.summary.path.name}" if self.preview else ""

    def on_report_built(self, message: ReportBuilt) -> None:
        self.preview = p = message.preview
        s = p.summary
        params = p.options.params
        facts = Text(f"Report on {shown(p.a)} (A) and {shown(p.b)} (B): {s.pages} pages, ")
        facts.append(f"{s.size:,} bytes, sha256 {s.sha256[:16]}…\n")
        facts.append(
            f"Cover: generated {s.generated:%Y-%m-%d %H:%M} UTC, "
            f"custody head {s.custody_head[:16]}…; "
            f"co-location within {params.within_m:g} m and {params.window_s:g} s, "
            f"new occasion after {params.gap_s:g} s.\n"
        )
        facts.append(
            f"Summary: {s.occasions} occasions, {s.events:,} events, {s.contacts:,} contacts, "
            f"{s.visits} visits. p prints, s saves, [ ] turn the pages shown."
        )
        self.query_one("#report-facts", Static).update(facts)
        path = self.query_one("#report-path", Input)
        if not path.value:
            path.value = str(Path.cwd() / self._path_default)
        self.page = 0
        self._show_page()

    def _show_page(self) -> None:
        if self.preview is None or not self.preview.pages:
            return
        show(self.query_one("#report-page"), self.preview.pages[self.page])
        self.query_one(
            "#report-page"
        ).border_title = f"page {self.page + 1} of {self.preview.summary.pages}"

    def on_query_failed(self, message: QueryFailed) -> None:
        if self.preview is not None:  # saving failed; the preview stands
            self._say(message.reason, error=True)
            return
        self.query_one("#report-facts", Static).update(
            Text(f"The report could not be built: {message.reason}")
        )

    def on_query_cancelled(self, message: QueryCancelled) -> None:
        self.query_one("#report-facts", Static).update(Text("Building the report was cancelled."))

    def action_page(self, by: int) -> None:
        if self.preview is not None and 0 <= self.page + by < len(self.preview.pages):
            self.page += by
            self._show_page()

    @on(Input.Submitted, "#report-printer")
    def action_print(self) -> None:
        if self.preview is None:
            self._say("The report is not built yet.", error=True)
            return
        printer = self.query_one("#report-printer", Input).value.strip() or None
        self._say("Sending the report to the printer…")
        self._print(self.preview, printer)

    @work(thread=True, exclusive=True, group=PRINT_GROUP)
    def _print(self, preview: Preview, printer: str | None) -> None:
        try:
            job = print_bytes(preview.pdf, preview.summary.path.name, printer)
        except ApplianceError as exc:
            self.post_message(self.Said(str(exc), error=True))
            return
        self.post_message(self.Said(f"printing: job {job.job} on {shown(job.printer)}"))

    @on(Input.Submitted, "#report-path")
    def action_save(self) -> None:
        preview = self.preview
        if preview is None:
            self._say("The report is not built yet.", error=True)
            return
        typed = self.query_one("#report-path", Input).value.strip()
        if not typed:
            self._say("Type the path to save the report to.", error=True)
            return
        path = Path(typed).expanduser()
        host = cast(Host, self.app)
        options, generated = preview.options, preview.summary.generated

        def job(store: CaseStore) -> ReportScreen.Said:
            # The same case, options and time give the same bytes as the preview.
            summary = write_report(store, host.home, options, path, generated=generated)
            return ReportScreen.Said(
                f"wrote {summary.path}: {summary.pages} pages, {summary.size:,} bytes, "
                f"sha256 {summary.sha256}"
            )

        host.ask(job, self, "saving the report")

    def on_report_screen_said(self, message: Said) -> None:
        self._say(message.text, error=message.error)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.said = text
        said = self.query_one("#report-said", Static)
        said.update(Text(text, style="bold red" if error else ""))

    def action_close(self) -> None:
        self.workers.cancel_group(self, PRINT_GROUP)
        self.app.workers.cancel_group(self.app, "db")
        self.dismiss()
