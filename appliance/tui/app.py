"""``appliance tui``: the terminal UI an officer works a case in, keyboard only.

The app owns the one open case (``CaseSession``) and is the only place store work runs: a pane
hands it a job (a call into ``appliance.analyses``) and gets back a message. Jobs run in thread
workers of the ``db`` group, so the screen never freezes and ctrl+c or escape cancels them.
"""

from __future__ import annotations

import os
import sys
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message_pump import MessagePump
from textual.widgets import Footer, Static, TabbedContent
from textual.worker import Worker, WorkerState, get_current_worker

from appliance.cli.session import PASSPHRASE_ENV
from appliance.errors import ApplianceError
from appliance.store.home import Home
from appliance.textsafe import shown
from appliance.tui.commands import ApplianceCommands, PaletteCommand, help_sections, palette
from appliance.tui.help import HelpScreen, Section
from appliance.tui.messages import CaseOpened, OpenFailed, QueryCancelled, QueryFailed
from appliance.tui.open_case import OpenCaseScreen
from appliance.tui.panes.base import Pane
from appliance.tui.panes.breach import BreachPane
from appliance.tui.panes.colocation import ColocationPane
from appliance.tui.panes.contacts import ContactsPane
from appliance.tui.panes.sources import SourcesPane
from appliance.tui.panes.timeline import TimelinePane
from appliance.tui.session import CaseSession, Job
from appliance.tui.style import CSS

DB_GROUP = "db"
PANES: tuple[type[Pane], ...] = (
    SourcesPane,
    ColocationPane,
    ContactsPane,
    BreachPane,
    TimelinePane,
)
MAPS_LATER = "Maps arrive with the maps and report issue."


def _reason(exc: BaseException) -> str:
    """The words for a failure: a user's problem as the command line says it, a bug as one."""
    if isinstance(exc, ApplianceError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc} (please report it; the case is unchanged)"


class ApplianceApp(App[None]):
    TITLE = "appliance"
    CSS = CSS
    COMMANDS = App.COMMANDS | {ApplianceCommands}
    # Footer words are short; the tooltip is what the help screen (?) says about each key.
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                p.key,
                f"show_pane('{p.pane_id}')",
                p.title,
                show=False,
                tooltip=f"{p.title}: {p.purpose}",
            )
            for p in PANES
        ),
        Binding("g", "go", "Run", tooltip="run the shown pane's question with its form's values"),
        Binding("question_mark", "help", "Help", tooltip="this list of keys"),
        Binding("m", "maps", "Maps", tooltip="maps (not built yet: the maps and report issue)"),
        Binding("o", "open_case", "Open case", show=False, tooltip="open or switch case"),
        Binding("escape", "cancel", "Cancel", show=False, tooltip="cancel the running question"),
        # Priority, or the screen's copy binding would take ctrl+c first.
        Binding(
            "ctrl+c",
            "cancel",
            "Cancel",
            show=False,
            priority=True,
            tooltip="cancel the running question",
        ),
        Binding("q", "quit", "Quit", tooltip="quit (the case is closed; nothing is written)"),
    ]

    def __init__(self, home: Home, case: str | None = None, passphrase: str | None = None) -> None:
        super().__init__()
        self.home = home
        self.case = case
        self.passphrase = passphrase or os.environ.get(PASSPHRASE_ENV) or None
        self.session = CaseSession()
        self.ref: str | None = None
        self._asked: dict[Worker[None], tuple[MessagePump, str]] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text("No case open: press o (or ctrl+p) to open one."), id="case-bar")
        with TabbedContent(id="tabs"):
            for pane in PANES:
                yield pane()
        yield Footer()

    @property
    def panes(self) -> list[Pane]:
        return list(self.query(Pane))

    def active_pane(self) -> Pane:
        return self.query_one(f"#{self.query_one('#tabs', TabbedContent).active}", Pane)

    def on_mount(self) -> None:
        if self.case and self.passphrase:
            self.query_one("#case-bar", Static).update(Text(f"Unlocking case {self.case}…"))
            self.open_case(self.case, self.passphrase)
        else:
            self.action_open_case()

    def on_unmount(self) -> None:
        # Forget the keys. A question still inside DuckDB holds the file until it ends;
        # ``run`` waits for that before the process exits.
        self.session.close(wait=False)

    # -- the case --------------------------------------------------------------------------

    def open_case(self, ref: str, passphrase: str) -> None:
        self._open(ref, passphrase)

    @work(thread=True, exclusive=True, group=DB_GROUP)
    def _open(self, ref: str, passphrase: str) -> None:
        try:
            opened = self.session.open(self.home, ref, passphrase)
        except Exception as exc:
            self.post_message(OpenFailed(ref, _reason(exc)))
            return
        self.post_message(opened)

    def on_open_case_screen_unlock(self, message: OpenCaseScreen.Unlock) -> None:
        self.open_case(message.ref, message.passphrase)

    def on_case_opened(self, message: CaseOpened) -> None:
        info = message.info
        self.ref = info.ref
        bar = Text(
            f"Case {shown(info.ref)} · local times {info.timezone} · "
            f"custody head {message.custody_head[:16]}…"
        )
        if message.pending:
            bar.append(f" · {message.pending} sealed, not parsed", style="bold")
        self.query_one("#case-bar", Static).update(bar)
        for pane in self.panes:
            pane.case_opened(message)
        if isinstance(self.screen, OpenCaseScreen):
            self.pop_screen()
        if message.pending:
            self.notify(
                f"{message.pending} sealed exhibit(s) are waiting to be parsed. This view only "
                f"reads: run `appliance sources --case {shown(info.ref)}` to parse them, then "
                "open the case again here (o).",
                title="Not parsed yet",
                severity="warning",
                timeout=30,
                markup=False,
            )
        self.call_after_refresh(self._focus_pane)

    def on_open_failed(self, message: OpenFailed) -> None:
        if isinstance(self.screen, OpenCaseScreen):
            self.screen.show_error(message.reason)
        else:
            self.push_screen(self._open_screen(message.ref, message.reason))

    def _open_screen(self, preferred: str | None, error: str = "") -> OpenCaseScreen:
        return OpenCaseScreen(
            self.home.cases(),
            preferred or self.ref or self.home.active(),
            error=error,
            home=str(self.home.root),
            can_close=self.session.is_open,
        )

    # -- store work ------------------------------------------------------------------------

    def ask(self, job: Job, reply_to: MessagePump, what: str) -> None:
        """Run ``job`` on the open case in a worker; its message goes to ``reply_to``."""
        if not self.session.is_open:
            reply_to.post_message(QueryFailed(what, "no case is open. Press o to open one."))
            return
        worker = self._run(job, reply_to, what)
        self._asked[worker] = (reply_to, what)

    @work(thread=True, exclusive=True, group=DB_GROUP)
    def _run(self, job: Job, reply_to: MessagePump, what: str) -> None:
        worker = get_current_worker()
        try:
            message = self.session.run(job)
        except Exception as exc:
            message = QueryFailed(what, _reason(exc))
        if not worker.is_cancelled:
            reply_to.post_message(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        asked = self._asked.get(event.worker)
        if asked is None or event.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        del self._asked[event.worker]
        if event.state == WorkerState.CANCELLED:
            reply_to, what = asked
            reply_to.post_message(QueryCancelled(what))

    # -- actions ---------------------------------------------------------------------------

    def action_show_pane(self, pane_id: str) -> None:
        self.query_one("#tabs", TabbedContent).active = pane_id
        self.call_after_refresh(self._focus_pane)

    def _focus_pane(self) -> None:
        target = self.active_pane().first_focus()
        if target is not None and self.screen is target.screen:
            target.focus()

    def action_go(self) -> None:
        if not self.session.is_open:
            self.notify("Open a case first: press o.", markup=False)
            return
        self.active_pane().go()

    def action_cancel(self) -> None:
        cancelled = self.workers.cancel_group(self, DB_GROUP)
        # Unlocking a case is not thrown away (it finishes and opens), so it is not mentioned.
        if any(worker in self._asked for worker in cancelled):
            self.notify(
                "Cancelled. A query already inside the database runs to its end first; "
                "its result is thrown away.",
                markup=False,
            )

    def action_open_case(self) -> None:
        self.push_screen(self._open_screen(self.case))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_sections()))

    def action_maps(self) -> None:
        self.notify(MAPS_LATER, title="Maps", markup=False)

    def help_sections(self) -> list[Section]:
        return help_sections(self)

    def palette_commands(self) -> list[PaletteCommand]:
        return palette(self)


def run(home: Home, case: str | None) -> None:
    """Run the UI full screen until the officer quits; then close the case."""
    app = ApplianceApp(home, case)
    try:
        app.run()
    finally:
        if not app.session.close(wait=False):
            print("appliance: waiting for the running question to end…", file=sys.stderr)
            app.session.close(wait=True)
