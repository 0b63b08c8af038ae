"""What every pane shares: its tab, its case, and how it asks the app for an analysis."""

from __future__ import annotations

from typing import ClassVar, Protocol, cast
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.message_pump import MessagePump
from textual.widget import Widget
from textual.widgets import Select, Static, TabbedContent, TabPane

from appliance.analyses.accounting import SourceAccount
from appliance.store.case import Subject
from appliance.store.home import Home
from appliance.tui.map_screen import MapRequest
from appliance.tui.messages import CaseOpened, QueryCancelled, QueryFailed
from appliance.tui.session import Job
from appliance.tui.text import cell

RUNNING = " (ctrl+c or escape cancels)"


class Host(Protocol):
    """The part of the app a pane relies on (the app is the one place store work runs)."""

    home: Home

    def ask(self, job: Job, reply_to: MessagePump, what: str, *, write: bool = False) -> None: ...


class Pane(TabPane):
    """A tab whose content answers one question; ``go`` (key g) asks it again."""

    key: ClassVar[str]
    title: ClassVar[str]
    purpose: ClassVar[str]  # what the pane answers, in the help and the command palette
    pane_id: ClassVar[str]
    summary_id: ClassVar[str]

    def __init__(self) -> None:
        super().__init__(f"{self.key} {self.title}", id=self.pane_id)
        self.tz = ZoneInfo("UTC")
        self.ref = ""
        self.subjects: list[Subject] = []

    @property
    def host(self) -> Host:
        return cast(Host, self.app)

    def case_opened(self, opened: CaseOpened) -> None:
        """A (new) case: forget the last one's results and offer this one's subjects."""
        self.tz = ZoneInfo(opened.info.timezone)
        self.ref = opened.info.ref
        self.subjects = opened.subjects

    def subjects_changed(self, subjects: list[Subject]) -> None:
        """The officer added a subject or identifiers: offer the new list."""
        self.subjects = subjects

    def sources_changed(self, subjects: list[Subject], accounts: list[SourceAccount]) -> None:
        """An intake parsed new sources (and may have attributed lines to subjects)."""
        self.subjects_changed(subjects)

    def on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        # TabbedContent shows the pane that gains focus. Panes are switched by keys, which
        # focus the new pane's table a moment later; a focus event still in flight from the
        # pane left behind must not switch back to it. Hidden panes cannot take focus
        # otherwise, so this only ever drops such stale events.
        if self.query_ancestor(TabbedContent).active != self.id:
            event.stop()

    def go(self) -> None:
        """Run this pane's analysis with what the form holds."""

    def map_request(self) -> MapRequest | None:
        """What ``m`` maps from this pane (its selected occasion or visit), or None."""
        return None

    def first_focus(self) -> Widget | None:
        """Where the keyboard lands when the pane is shown (never a text field, so the
        single-key bindings keep working)."""
        return None

    def say(self, message: str | Text) -> None:
        summary = self.query_one(f"#{self.summary_id}", Static)
        summary.update(message if isinstance(message, Text) else Text(message))

    def ask(self, job: Job, what: str, *, write: bool = False) -> None:
        self.say(f"Working out the {what}…{RUNNING}")
        self.host.ask(job, self, what, write=write)

    def query_ended(self) -> None:
        """A question ended without an answer (failed or cancelled)."""

    def on_query_failed(self, message: QueryFailed) -> None:
        self.query_ended()
        self.say(cell(f"The {message.what} could not be worked out: {message.reason}"))

    def on_query_cancelled(self, message: QueryCancelled) -> None:
        self.query_ended()
        self.say(f"Cancelled the {message.what}. Press g to ask again.")

    # -- subject choosers -----------------------------------------------------------------

    def offer_subjects(
        self, select_id: str, preferred_role: str | None, skip: str = "", *, keep: bool = False
    ) -> None:
        """Fill a subject chooser; pick the first subject of ``preferred_role`` (else the
        first one that is not ``skip``) so the usual question needs no choosing. With
        ``keep``, a choice the officer already made stays."""
        select = self.query_one(f"#{select_id}", Select)
        names = [s.name for s in self.subjects]
        kept = select.value if keep and select.value in names else None
        select.set_options([(cell(name), name) for name in names])
        if kept is not None:
            select.value = kept
            return
        wanted = [s.name for s in self.subjects if s.role == preferred_role and s.name != skip]
        others = [name for name in names if name != skip]
        choices = wanted or others
        if choices:
            select.value = choices[0]

    def chosen(self, select_id: str) -> str | None:
        value = self.query_one(f"#{select_id}", Select).value
        return value if isinstance(value, str) else None
