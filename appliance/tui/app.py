"""``appliance tui``: the terminal UI an officer works a case in, keyboard only.

The app owns the one open case (``CaseSession``) and is the only place store work runs: a pane
hands it a job (a call into ``appliance.analyses``) and gets back a message. Jobs run in thread
workers of the ``db`` group, so the screen never freezes and ctrl+c or escape cancels them.
Intakes run in the ``intake`` group and the USB stick watcher in ``watch``: an analysis asked
for meanwhile does not cancel an intake, and escape cancels both.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message_pump import MessagePump
from textual.widgets import Static, TabbedContent
from textual.worker import Worker, WorkerState, get_current_worker

from appliance.analyses.colocate import Parameters
from appliance.cli.session import PASSPHRASE_ENV
from appliance.errors import ApplianceError, IntakeCancelled
from appliance.intake.watch import watch
from appliance.store.home import CaseInfo, Home
from appliance.store.loader import Pending
from appliance.textsafe import shown
from appliance.tui.commands import ApplianceCommands, PaletteCommand, help_sections, palette
from appliance.tui.footer import KeyFooter
from appliance.tui.help import HelpScreen, Section
from appliance.tui.intake_jobs import CancelFlag, Relay, acquire_paths, head, parse_job, waiting
from appliance.tui.map_screen import MapScreen
from appliance.tui.messages import (
    AcquisitionDone,
    CaseOpened,
    CustodyChanged,
    IntakeFailed,
    IntakeStopped,
    LedgerMoved,
    OpenFailed,
    ParseDone,
    QueryCancelled,
    QueryFailed,
    StickArrived,
    SubjectsChanged,
    WatchSaid,
)
from appliance.tui.new_case import NewCaseScreen
from appliance.tui.open_case import OpenCaseScreen
from appliance.tui.panes.base import Pane
from appliance.tui.panes.breach import BreachPane
from appliance.tui.panes.colocation import ColocationPane
from appliance.tui.panes.contacts import ContactsPane
from appliance.tui.panes.intake import IntakePane
from appliance.tui.panes.sources import SourcesPane
from appliance.tui.panes.timeline import TimelinePane
from appliance.tui.report_screen import ReportScreen
from appliance.tui.session import CaseSession, Job
from appliance.tui.style import CSS

DB_GROUP, INTAKE_GROUP, WATCH_GROUP, LEDGER_GROUP = "db", "intake", "watch", "ledger"
# How often the custody ledger is looked at for entries written by another process (the USB
# service sealing a stick): a file's worth of progress, from a few-millisecond read.
LEDGER_POLL_S = 1.0
LINGER_CHECK_S = 1.0
ANIMATIONS_ENV = "TEXTUAL_ANIMATIONS"
PANES: tuple[type[Pane], ...] = (
    SourcesPane,
    ColocationPane,
    ContactsPane,
    BreachPane,
    TimelinePane,
    IntakePane,
)
NOTHING_TO_MAP = (
    "Nothing to map here: run a co-location (2) or an exclusion-zone search (4), choose an "
    "occasion or visit, then press m."
)


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
        Binding("m", "maps", "Map", tooltip="map of the chosen occasion (2) or visit (4)"),
        Binding("R", "report", "Report", tooltip="preview the printed report, print or save it"),
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
        # Nothing slides on a console appliance: the tab underline's 0.3 s slide alone repainted
        # the tab strip some twenty times after every pane key, work that held up the next key.
        # Someone who wants the motion back sets TEXTUAL_ANIMATIONS (Textual's own switch).
        if ANIMATIONS_ENV not in os.environ:
            self.animation_level = "none"
        self.home = home
        self.case = case
        self.passphrase = passphrase or os.environ.get(PASSPHRASE_ENV) or None
        self.session = CaseSession()
        self.ref: str | None = None
        self.info: CaseInfo | None = None
        self.custody_head = ""
        self.pending = 0
        self._asked: dict[Worker[None], tuple[MessagePump, str]] = {}
        self._cancel_intake = CancelFlag()
        self._watch_stop: threading.Event | None = None
        # Where stick events come from: udev by default; a test hands in its own events.
        self.stick_monitor: Callable[[], Any] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("No case open: press o (or ctrl+p) to open one."), id="case-bar")
        with TabbedContent(id="tabs"):
            for pane in PANES:
                yield pane()
        yield KeyFooter()

    @property
    def panes(self) -> list[Pane]:
        return list(self.query(Pane))

    def active_pane(self) -> Pane:
        return self.query_one(f"#{self.query_one('#tabs', TabbedContent).active}", Pane)

    def on_resize(self, event: events.Resize) -> None:
        # Rich asks the operating system for the terminal's size (a system call per stream it
        # tries) each time a cell is measured, unless its console is told the size: a page of
        # 500 timeline rows is 2,500 measurements. Textual knows the size, so tell it.
        self.console.size = (event.size.width, event.size.height)

    def on_mount(self) -> None:
        self.console.size = (self.size.width, self.size.height)
        self.set_interval(LEDGER_POLL_S, self._poll_ledger)
        # Let go of the case database once questions stop (a few milliseconds, when it does).
        self.set_interval(LINGER_CHECK_S, self.session.release)
        if self.case and self.passphrase:
            self.query_one("#case-bar", Static).update(Text(f"Unlocking case {self.case}…"))
            self.open_case(self.case, self.passphrase)
        else:
            self.action_open_case()

    def on_unmount(self) -> None:
        gc.unfreeze()  # what was set aside may be garbage now (an app run inside a test run)
        if self._watch_stop is not None:
            self._watch_stop.set()
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
        self.info = info
        self.custody_head, self.pending = message.custody_head, message.pending
        self.show_bar()
        for pane in self.panes:
            pane.case_opened(message)
        while isinstance(self.screen, OpenCaseScreen | NewCaseScreen):
            self.pop_screen()
        if message.pending:
            self.notify(
                f"{message.pending} sealed exhibit(s) are waiting to be parsed: press 6 to "
                "attribute each to a subject and parse it.",
                title="Not parsed yet",
                severity="warning",
                timeout=30,
                markup=False,
            )
        self.call_after_refresh(self._focus_pane)
        # Python's full garbage collection walks every object the process holds: with Textual,
        # DuckDB and Arrow loaded that took about 0.1 s, landing on whichever key came next.
        # What exists once a case is open (modules, the screens) lives as long as the app, so
        # it is set aside from collection; later collections walk only what came after.
        self.call_after_refresh(gc.freeze)

    def show_bar(self) -> None:
        """The case, its zone and its custody head: on every screen, always current."""
        if self.info is None:
            return
        bar = Text(
            f"Case {shown(self.info.ref)} · local times {self.info.timezone} · "
            f"custody head {self.custody_head[:16]}…"
        )
        if self.pending:
            bar.append(f" · {self.pending} sealed, not parsed", style="bold")
        self.query_one("#case-bar", Static).update(bar)

    def on_custody_changed(self, message: CustodyChanged) -> None:
        self.custody_head = message.head
        self.show_bar()

    def _poll_ledger(self) -> None:
        if self.info is not None:
            self._read_ledger(self.info, self.custody_head)

    @work(thread=True, exclusive=True, group=LEDGER_GROUP, exit_on_error=False)
    def _read_ledger(self, info: CaseInfo, known: str) -> None:
        try:
            current = head(info)
            if current != known:
                self.post_message(LedgerMoved(current, waiting(info)))
        except ApplianceError:
            pass  # the ledger is being written; the next look will see it

    def on_ledger_moved(self, message: LedgerMoved) -> None:
        if self.info is None:
            return
        self.custody_head, self.pending = message.head, len(message.waiting)
        self.show_bar()
        self.query_one(IntakePane).ledger_moved(message.waiting)

    def on_subjects_changed(self, message: SubjectsChanged) -> None:
        for pane in self.panes:
            pane.subjects_changed(message.subjects)
        self.notify(message.done, markup=False)

    def on_new_case_screen_create(self, message: NewCaseScreen.Create) -> None:
        self._create(message.ref, message.timezone, message.passphrase)

    @work(thread=True, exclusive=True, group=DB_GROUP)
    def _create(self, ref: str, timezone: str, passphrase: str) -> None:
        try:
            opened = self.session.create(self.home, ref, timezone, passphrase)
        except Exception as exc:
            self.call_from_thread(self._create_failed, _reason(exc))
            return
        self.post_message(opened)

    def _create_failed(self, reason: str) -> None:
        if isinstance(self.screen, NewCaseScreen):
            self.screen.show_error(reason)
        else:
            self.notify(reason, title="Case not created", severity="error", markup=False)

    def action_new_case(self) -> None:
        self.push_screen(NewCaseScreen())

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

    def ask(self, job: Job, reply_to: MessagePump, what: str, *, write: bool = False) -> None:
        """Run ``job`` on the open case in a worker; its message goes to ``reply_to``."""
        if not self.session.is_open:
            reply_to.post_message(QueryFailed(what, "no case is open. Press o to open one."))
            return
        worker = self._run(job, reply_to, what, write)
        self._asked[worker] = (reply_to, what)

    @work(thread=True, exclusive=True, group=DB_GROUP)
    def _run(self, job: Job, reply_to: MessagePump, what: str, write: bool) -> None:
        worker = get_current_worker()
        try:
            message = self.session.run(job, write=write)
        except Exception as exc:
            message = QueryFailed(what, _reason(exc))
        if not worker.is_cancelled:
            reply_to.post_message(message)

    # -- intake ----------------------------------------------------------------------------

    def intake(self, paths: list[Path], prefix: str, reply_to: MessagePump) -> None:
        """Acquire every file under ``paths`` in a worker, relaying progress to ``reply_to``."""
        if not self.session.is_open:
            reply_to.post_message(IntakeFailed("intake", "no case is open. Press o to open one."))
            return
        self._acquire(paths, prefix, reply_to)

    @work(thread=True, exclusive=True, group=INTAKE_GROUP)
    def _acquire(self, paths: list[Path], prefix: str, reply_to: MessagePump) -> None:
        self._acquire_now(paths, prefix, reply_to)

    def _acquire_now(self, paths: list[Path], prefix: str, reply_to: MessagePump) -> int:
        """The acquisition itself, in whichever worker thread calls it; its exit status."""
        info, _keys = case = self.session.case
        worker = get_current_worker()
        self._cancel_intake.clear()
        relay = Relay(reply_to.post_message, lambda: self._cancel_intake() or worker.is_cancelled)
        try:
            done = acquire_paths(case, paths, prefix, relay)
        except IntakeCancelled:
            reply_to.post_message(IntakeStopped("intake", waiting(info)))
            return 1
        except Exception as exc:
            reply_to.post_message(IntakeFailed("intake", _reason(exc)))
            return 1
        finally:
            self._custody_changed(info)
        reply_to.post_message(done)
        return 1 if done.incomplete else 0

    def _custody_changed(self, info: CaseInfo) -> None:
        # If the ledger cannot be read, the bar keeps the last head it knew.
        with contextlib.suppress(ApplianceError):
            self.post_message(CustodyChanged(head(info)))

    def parse(self, attributed: list[tuple[Pending, str | None]], reply_to: MessagePump) -> None:
        """Parse sealed exhibits, each as the officer attributed it, relaying progress."""
        self._parse(attributed, reply_to)

    @work(thread=True, exclusive=True, group=INTAKE_GROUP)
    def _parse(self, attributed: list[tuple[Pending, str | None]], reply_to: MessagePump) -> None:
        info, _keys = self.session.case
        worker = get_current_worker()
        self._cancel_intake.clear()
        relay = Relay(reply_to.post_message, lambda: self._cancel_intake() or worker.is_cancelled)
        try:
            done = self.session.run(parse_job(attributed, relay), write=True)
        except IntakeCancelled:
            reply_to.post_message(IntakeStopped("parse", waiting(info)))
            return
        except Exception as exc:
            reply_to.post_message(IntakeFailed("parse", _reason(exc)))
            return
        finally:
            self._custody_changed(info)
        reply_to.post_message(done)

    def on_parse_done(self, message: ParseDone) -> None:
        # Bubbled up from the intake pane: the other panes see the new sources and subjects.
        self.pending = len(message.waiting)
        self.show_bar()
        if not self.pending:
            self.clear_notifications()  # "waiting to be parsed" is no longer true
        for pane in self.panes:
            pane.sources_changed(message.subjects, message.sources)

    def on_acquisition_done(self, message: AcquisitionDone) -> None:
        self.pending = len(message.waiting)
        self.show_bar()

    def toggle_watch(self, reply_to: MessagePump, prefix: str) -> bool:
        """Start or stop acquiring each USB stick as it arrives; whether it now watches."""
        if self._watch_stop is not None:
            self._watch_stop.set()
            self._watch_stop = None
            return False
        if not self.session.is_open:
            reply_to.post_message(WatchSaid("Open a case first (press o).", watching=False))
            return False
        self._watch_stop = threading.Event()
        self._watch(self._watch_stop, reply_to, prefix)
        return True

    @work(thread=True, exclusive=True, group=WATCH_GROUP)
    def _watch(self, stop: threading.Event, reply_to: MessagePump, prefix: str) -> None:
        """``appliance watch`` in a worker: the same udev test and debouncing, with each
        stick acquired here, into the open case, with its progress on the screen."""

        def run(devnode: str) -> int:
            reply_to.post_message(StickArrived(devnode))
            return self._acquire_now([Path(devnode)], prefix, reply_to)

        def log(line: str) -> None:
            if line.startswith("watching"):
                line = "Watching for USB sticks: plug one in (w stops watching)."
            reply_to.post_message(WatchSaid(line))

        monitor = self.stick_monitor() if self.stick_monitor is not None else None
        try:
            watch(self.home.root, run=run, monitor=monitor, stop=stop, log=log)
        except ApplianceError as exc:
            reply_to.post_message(WatchSaid(f"Cannot watch for USB sticks: {exc}", False))
            return
        reply_to.post_message(WatchSaid("Stopped watching for USB sticks.", watching=False))

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
        # An intake stops at its next file, piece or batch; the watcher goes on watching.
        self._cancel_intake.set()
        self.workers.cancel_group(self, INTAKE_GROUP)
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
        request = self.active_pane().map_request()
        if request is None:
            self.notify(NOTHING_TO_MAP, title="Map", markup=False)
            return
        self.push_screen(MapScreen(request))

    def action_report(self) -> None:
        if not self.session.is_open:
            self.notify("Open a case first: press o.", markup=False)
            return
        self.push_screen(ReportScreen(self.colocation_parameters()))

    def colocation_parameters(self) -> Parameters:
        """The co-location pane's parameters as typed, or the defaults where one does not read."""
        return self.query_one(ColocationPane).parameters() or Parameters()

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
