"""Pane 6: evidence coming in, live: files found, bytes read, hashes, then each file parsed.

Two steps, as the custody chain has them. Acquisition reads each file once, hashes it while
sealing it, and gives it an exhibit reference (the officer's prefix and a number): from a path
typed here, or from a USB stick the moment it arrives (``w`` watches for sticks). Then the
officer checks each reference against the label on the exhibit bag, attributes each file to a
subject (``s``), and parses (``p``): rows loaded and rejected appear per file as they are
written. Exhibits the unattended USB service sealed while the case was locked wait here too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message_pump import MessagePump
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.widgets.data_table import RowDoesNotExist

from appliance.intake.acquire import initials
from appliance.intake.events import (
    BytesRead,
    FileFound,
    FileNotAcquired,
    FileSealed,
    ParseEnded,
    ParseProgress,
    ParseStarted,
)
from appliance.store.case import CaseStore, actor
from appliance.store.loader import Pending
from appliance.tui.intake_jobs import waiting
from appliance.tui.messages import (
    AcquisitionDone,
    CaseOpened,
    IntakeFailed,
    IntakeProgress,
    IntakeStopped,
    ParseDone,
    StickArrived,
    WaitingLoaded,
    WatchSaid,
)
from appliance.tui.panes.base import RUNNING, Pane
from appliance.tui.text import cell, number
from appliance.tui.widgets import RowTable, field, label

MIB = 1024 * 1024
HINT = "Type a folder, file, disk image or device and press enter, or press w to wait for a stick."
INFER = "(from its lines)"
# The path last: it is the longest, and at 80 columns it would push the rest off the screen.
COLUMNS = ("exhibit", "size", "sha256", "subject", "status", "loaded", "rejected", "file")


def size(count: int) -> Text:
    """Bytes as an officer reads them: exact below a MiB, in MiB above."""
    shown = f"{count / MIB:,.1f} MiB" if count >= MIB else f"{count:,} B"
    return Text(shown, justify="right")


class IntakeHost(Protocol):
    """What the pane asks of the app, which owns the workers and the open case."""

    def intake(self, paths: list[Path], prefix: str, reply_to: MessagePump) -> None: ...

    def parse(
        self, attributed: list[tuple[Pending, str | None]], reply_to: MessagePump
    ) -> None: ...

    def toggle_watch(self, reply_to: MessagePump, prefix: str) -> bool: ...


@dataclass
class Exhibit:
    """One line of the table: a file on its way from the medium into the case."""

    ref: str
    path: str
    size: int
    sha256: str = ""
    subject: str | None = None
    status: str = "reading"
    loaded: int | None = None
    rejected: int | None = None
    pending: Pending | None = None


class IntakePane(Pane):
    key, title, pane_id, summary_id = "6", "Intake", "intake", "intake-summary"
    purpose = "take in evidence: files, hashes, subjects, parsing"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "acquire", "Acquire", tooltip="read, hash and seal every file at the path"),
        Binding("s", "subject", "Subject", tooltip="attribute the file under the cursor"),
        Binding("p", "parse", "Parse", tooltip="parse the sealed files as attributed"),
        Binding("w", "watch", "Watch USB", tooltip="acquire each USB stick as it arrives"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.exhibits: dict[str, Exhibit] = {}
        self.found = 0
        self.bytes_total = 0
        self.bytes_done = 0  # of files finished; the current file's count is added on top
        self.current: BytesRead | None = None
        self.busy = False
        self.watching = False

    @property
    def intake_host(self) -> IntakeHost:
        return cast(IntakeHost, self.app)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form"):
            yield label("path")
            yield field("", id="intake-path", placeholder="/media/stick or /dev/sdb", width=26)
            yield label(" officer")
            yield field(actor(), id="intake-officer", width=14)
            yield label(" prefix")
            yield field(initials(actor()), id="intake-prefix", width=6)
        yield Static(Text(HINT), id="intake-summary", classes="summary")
        yield RowTable(id="intake-table")

    def on_mount(self) -> None:
        table = self.query_one("#intake-table", RowTable)
        for name in COLUMNS:
            table.add_column(name, key=name)

    def first_focus(self) -> Widget:
        return self.query_one("#intake-table", RowTable)

    def case_opened(self, opened: CaseOpened) -> None:
        super().case_opened(opened)
        self.exhibits = {}
        self.query_one("#intake-table", RowTable).clear()
        self.show_waiting(opened.waiting)
        if opened.waiting:
            self.say(self.waiting_note())
        else:
            self.say(HINT)

    # -- the table -------------------------------------------------------------------------

    def row(self, exhibit: Exhibit) -> list[Text]:
        sha = exhibit.sha256[:12] + "…" if exhibit.sha256 else ""
        subject = exhibit.subject if exhibit.subject is not None else INFER
        return [
            cell(exhibit.ref),
            size(exhibit.size),
            cell(sha),
            cell(subject),
            cell(exhibit.status),
            number(exhibit.loaded),
            number(exhibit.rejected),
            cell(exhibit.path),
        ]

    def put(self, exhibit: Exhibit) -> None:
        """Add the exhibit's line, or bring it up to date."""
        table = self.query_one("#intake-table", RowTable)
        self.exhibits[exhibit.ref] = exhibit
        try:
            table.get_row(exhibit.ref)
        except RowDoesNotExist:
            table.add_row(*self.row(exhibit), key=exhibit.ref)
            return
        for name, value in zip(COLUMNS, self.row(exhibit), strict=True):
            table.update_cell(exhibit.ref, name, value, update_width=True)

    def show_waiting(self, waiting: list[Pending]) -> None:
        for p in waiting:
            known = self.exhibits.get(p.ref)
            exhibit = known or Exhibit(p.ref, p.path, p.size, p.sha256)
            exhibit.pending, exhibit.sha256 = p, p.sha256
            exhibit.status = "sealed"
            self.put(exhibit)

    def waiting(self) -> list[Exhibit]:
        return [e for e in self.exhibits.values() if e.pending is not None]

    def waiting_note(self) -> str:
        count = len(self.waiting())
        return (
            f"{count:,} sealed file(s) wait to be parsed. Check each exhibit reference against "
            "its label, press s on a file to attribute it to a subject, then p to parse."
        )

    def go(self) -> None:
        """Read again which sealed files wait (g): the USB service may have sealed more."""

        def job(store: CaseStore) -> WaitingLoaded:
            return WaitingLoaded(waiting(store.info))

        self.ask(job, "sealed files waiting")

    def on_waiting_loaded(self, message: WaitingLoaded) -> None:
        self.show_waiting(message.waiting)
        self.say(self.waiting_note() if self.waiting() else "Nothing is waiting to be parsed.")

    def ledger_moved(self, waiting: list[Pending]) -> None:
        """Another process sealed exhibits (the USB service): list them as they come."""
        if self.busy:
            return  # this pane's own intake: its events say more, sooner
        new = [p for p in waiting if p.ref not in self.exhibits]
        self.show_waiting(waiting)
        if new:
            news = f"{len(new):,} more file(s) sealed (by the USB service or the command line). "
            self.say(news + self.waiting_note())

    # -- acquiring -------------------------------------------------------------------------

    @on(Input.Submitted, "#intake-path")
    def path_entered(self) -> None:
        self.action_acquire()

    def action_acquire(self) -> None:
        text = self.query_one("#intake-path", Input).value.strip()
        if self.busy:
            self.say(f"An intake is running.{RUNNING}")
            return
        if not text:
            self.say("Type the path of a folder, a file, a disk image or a device first.")
            self.query_one("#intake-path", Input).focus()
            return
        path = Path(text).expanduser()
        if not path.exists():
            self.say(cell(f"There is no {text} on this machine. Check the path and try again."))
            return
        self.start([path])

    def start(self, paths: list[Path]) -> None:
        officer = self.query_one("#intake-officer", Input).value.strip()
        if officer:
            # Who acts goes into every custody entry, as ``intake --officer`` does.
            os.environ["APPLIANCE_OFFICER"] = officer
        prefix = self.query_one("#intake-prefix", Input).value.strip().rstrip("/")
        self.begin()
        self.say(cell(f"Reading {', '.join(map(str, paths))}…{RUNNING}"))
        self.intake_host.intake(paths, prefix, self)
        self.first_focus().focus()

    def begin(self) -> None:
        self.busy = True
        self.found = self.bytes_total = self.bytes_done = 0
        self.current = None

    def on_intake_progress(self, message: IntakeProgress) -> None:
        event = message.event
        if isinstance(event, FileFound):
            self.found += 1
            self.bytes_total += event.size
        elif isinstance(event, BytesRead):
            self.current = event
            known = self.exhibits.get(event.ref)
            exhibit = known or Exhibit(event.ref, event.display, event.size)
            exhibit.status = f"reading {event.done * 100 // max(event.size, 1)}%"
            self.put(exhibit)
        elif isinstance(event, FileSealed):
            self.current = None
            self.bytes_done += event.size
            exhibit = self.exhibits.get(event.ref) or Exhibit(event.ref, event.display, event.size)
            exhibit.sha256 = event.sha256
            exhibit.status = f"same as {event.duplicate_of}" if event.duplicate_of else "sealed"
            self.put(exhibit)
        elif isinstance(event, FileNotAcquired):
            self.current = None
            if event.ref:
                exhibit = self.exhibits.get(event.ref) or Exhibit(event.ref, event.display, 0)
                exhibit.status = "INCOMPLETE"
                self.put(exhibit)
        else:
            self.parse_progress(event)
            return
        self.say(self.reading_note())

    def reading_note(self) -> Text:
        done = self.bytes_done + (self.current.done if self.current else 0)
        sealed = sum(1 for e in self.exhibits.values() if e.sha256)
        note = Text(
            f"{self.found:,} files found · {done / MIB:,.1f} of {self.bytes_total / MIB:,.1f} "
            f"MiB read · {sealed:,} hashed and sealed"
        )
        if self.current is not None:
            note.append(" · reading ")
            note.append(cell(self.current.display))
        note.append(RUNNING)
        return note

    def on_acquisition_done(self, message: AcquisitionDone) -> None:
        self.busy = False
        self.show_waiting(message.waiting)
        note = Text(
            f"Acquired: {message.sealed:,} sealed, {message.incomplete:,} incomplete, "
            f"{message.declined:,} declined. "
        )
        note.append(self.waiting_note())
        self.say(note)

    # -- attributing and parsing -------------------------------------------------------------

    def action_subject(self) -> None:
        """Attribute the file under the cursor to the next subject (then back to none)."""
        table = self.query_one("#intake-table", RowTable)
        if not table.row_count:
            self.say("No file to attribute yet.")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        exhibit = self.exhibits.get(str(key))
        if exhibit is None or exhibit.pending is None:
            self.say("That file is parsed already; its subject is on the sources pane (1).")
            return
        choices: list[str | None] = [None, *(s.name for s in self.subjects)]
        exhibit.subject = choices[(choices.index(exhibit.subject) + 1) % len(choices)]
        self.put(exhibit)
        who = Text(f"{exhibit.ref} is attributed to ")
        who.append(
            cell(exhibit.subject) if exhibit.subject else Text("whoever its lines belong to")
        )
        who.append(". s again for the next subject; p parses.")
        self.say(who)

    def action_parse(self) -> None:
        if self.busy:
            self.say(f"An intake is running.{RUNNING}")
            return
        waiting = self.waiting()
        if not waiting:
            self.say("Nothing is waiting to be parsed.")
            return
        self.busy = True
        for e in waiting:
            e.status = "queued"
            self.put(e)
        self.say(f"Parsing {len(waiting):,} file(s)…{RUNNING}")
        attributed = [(e.pending, e.subject) for e in waiting if e.pending is not None]
        self.intake_host.parse(attributed, self)

    def parse_progress(self, event: object) -> None:
        if isinstance(event, ParseStarted):
            exhibit = self.exhibits.get(event.ref) or Exhibit(event.ref, event.path, 0)
            exhibit.status = f"parsing {event.format}"
            exhibit.loaded, exhibit.rejected = 0, 0
        elif isinstance(event, ParseProgress):
            exhibit = self.exhibits.get(event.ref) or Exhibit(event.ref, "", 0)
            exhibit.loaded, exhibit.rejected = event.loaded, event.rejected
        elif isinstance(event, ParseEnded):
            exhibit = self.exhibits.get(event.ref) or Exhibit(event.ref, "", 0)
            exhibit.pending = None
            exhibit.status = event.status if not event.reason else f"{event.status}: {event.reason}"
            if event.status == "loaded":
                exhibit.loaded, exhibit.rejected = event.loaded, event.rejected
                exhibit.subject = event.subject
        else:
            return
        self.put(exhibit)
        loaded = sum(e.loaded or 0 for e in self.exhibits.values())
        rejected = sum(e.rejected or 0 for e in self.exhibits.values())
        self.say(f"Parsing: {loaded:,} rows loaded, {rejected:,} rejected so far.{RUNNING}")

    def on_parse_done(self, message: ParseDone) -> None:
        self.busy = False
        self.show_waiting(message.waiting)
        report = message.report
        loaded = sum(s.loaded for s in report.sources)
        rejected = sum(s.rejected for s in report.sources)
        note = (
            f"Parsed {len(report.sources):,} source(s): {loaded:,} rows loaded, "
            f"{rejected:,} rejected (press 1, then r on a source, for the reasons)."
        )
        if report.skipped or report.failed:
            note += f" {len(report.skipped) + len(report.failed):,} file(s) not parsed."
        self.say(note)

    # -- endings ------------------------------------------------------------------------------

    def on_intake_failed(self, message: IntakeFailed) -> None:
        self.busy = False
        self.say(cell(f"The {message.what} stopped: {message.reason}"))

    def on_intake_stopped(self, message: IntakeStopped) -> None:
        self.busy = False
        for e in self.exhibits.values():
            if e.status.startswith(("reading", "parsing", "queued")):
                e.status = "cancelled"
                self.put(e)
        self.show_waiting(message.waiting)
        self.say(
            f"Cancelled the {message.what}. Files sealed before the key are exhibits; "
            "press a (or p) to go on."
        )

    # -- USB sticks -----------------------------------------------------------------------------

    def action_watch(self) -> None:
        prefix = self.query_one("#intake-prefix", Input).value.strip().rstrip("/")
        self.watching = self.intake_host.toggle_watch(self, prefix)
        if not self.watching:
            self.say("Stopped watching for USB sticks.")

    def on_watch_said(self, message: WatchSaid) -> None:
        self.watching = message.watching
        if not self.busy:
            self.say(cell(message.line))

    def on_stick_arrived(self, message: StickArrived) -> None:
        self.begin()
        self.say(cell(f"USB stick {message.devnode}: reading it (never mounted)…{RUNNING}"))
