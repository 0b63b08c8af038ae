"""Pane 1: who is in the case and what it holds, with every source's row accounting.

Rows read = loaded + rejected for each source (nothing is dropped silently); ``r`` lists the
rejected rows of the source under the cursor, with the reason each was refused. ``n`` adds a
subject and ``i`` identifiers for the subject under the subjects table's cursor.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from appliance.analyses.accounting import SourceAccount, sources
from appliance.store.case import CaseStore, Subject
from appliance.textsafe import shown
from appliance.tui.messages import CaseOpened, RejectionsLoaded, SourcesLoaded, SubjectsChanged
from appliance.tui.panes.base import Pane
from appliance.tui.subject_form import SubjectEntry, SubjectForm
from appliance.tui.text import cell, number, ordinal
from appliance.tui.widgets import RowTable

# More rows than an officer reads on a screen; the command line lists every one.
MAX_REJECTIONS_SHOWN = 10_000


class SourcesPane(Pane):
    key, title, pane_id, summary_id = "1", "Sources", "sources", "sources-note"
    purpose = "subjects, sources and their row accounting"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "rejections",
            "Rejected rows",
            tooltip="rejected rows of the source under the cursor, with reasons",
        ),
        Binding("n", "new_subject", "New subject", tooltip="add a subject with a role and numbers"),
        Binding(
            "i",
            "identifiers",
            "Identifiers",
            tooltip="attribute more numbers to the subject under the subjects table's cursor",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.accounts: list[SourceAccount] = []
        # Filled on the first ``r``: rejections can be many, so they are not read at opening.
        self.rejections: dict[int, list[tuple[int, str]]] | None = None
        self._wanted: int | None = None

    def compose(self) -> ComposeResult:
        yield RowTable(id="subjects-table")
        yield RowTable(id="sources-table")
        yield Static(Text("Open a case to see its sources."), id="sources-note", classes="summary")
        yield RowTable(id="rejections-table")

    def on_mount(self) -> None:
        self.query_one("#subjects-table", RowTable).add_columns("name", "role", "identifiers")
        self.query_one("#sources-table", RowTable).add_columns(
            # The path last: it is the longest, and at 80 columns it would push the row
            # accounting off the screen.
            "exhibit",
            "format",
            "subject",
            "read",
            "loaded",
            "rejected",
            "path",
        )
        self.query_one("#rejections-table", RowTable).add_columns("row", "reason")

    def first_focus(self) -> Widget:
        return self.query_one("#sources-table", RowTable)

    def case_opened(self, opened: CaseOpened) -> None:
        super().case_opened(opened)
        self.rejections = None
        self.show(opened.sources)

    def show(self, accounts: list[SourceAccount]) -> None:
        people = self.query_one("#subjects-table", RowTable)
        people.clear()
        for s in self.subjects:
            people.add_row(cell(s.name), cell(s.role), cell(", ".join(s.identifiers) or "-"))
        self.accounts = accounts
        table = self.query_one("#sources-table", RowTable)
        table.clear()
        for a in accounts:
            table.add_row(
                cell(a.exhibit),
                cell(a.format),
                cell(a.subject or "-"),
                number(a.rows_read),
                number(a.loaded),
                number(a.rejected),
                cell(a.path),
            )
        self.query_one("#rejections-table", RowTable).clear()
        rejected = sum(a.rejected for a in accounts)
        self.say(
            f"{len(accounts):,} sources, {sum(a.rows_read for a in accounts):,} rows read, "
            f"{rejected:,} rejected. Press r on a source to list its rejected rows."
        )

    def sources_changed(self, subjects: list[Subject], accounts: list[SourceAccount]) -> None:
        super().sources_changed(subjects, accounts)
        self.rejections = None
        self.show(accounts)

    def subjects_changed(self, subjects: list[Subject]) -> None:
        super().subjects_changed(subjects)
        self.show(self.accounts)

    # -- who is who ------------------------------------------------------------------------

    def action_new_subject(self) -> None:
        self.app.push_screen(SubjectForm(), self.save_subject)

    def action_identifiers(self) -> None:
        people = self.query_one("#subjects-table", RowTable)
        if not self.subjects:
            self.say("The case has no subjects yet: press n to add one.")
            return
        name = self.subjects[min(people.cursor_row, len(self.subjects) - 1)].name
        self.app.push_screen(SubjectForm(existing=name), self.save_subject)

    def save_subject(self, entry: SubjectEntry | None) -> None:
        if entry is None:
            return

        def job(store: CaseStore) -> SubjectsChanged:
            if entry.existing:
                subject = store.add_identifiers(entry.name, entry.identifiers)
            else:
                subject = store.add_subject(entry.name, entry.role, entry.identifiers)
            store.checkpoint()
            ids = ", ".join(subject.identifiers) or "no identifiers yet"
            return SubjectsChanged(
                store.subjects(), f"Saved {shown(subject.name)} ({subject.role}): {ids}"
            )

        self.ask(job, "subject", write=True)

    def go(self) -> None:
        """Read the accounting again (g): intake may have added sources since opening."""

        def job(store: CaseStore) -> SourcesLoaded:
            return SourcesLoaded(store.subjects(), sources(store))

        self.ask(job, "sources")

    def on_sources_loaded(self, message: SourcesLoaded) -> None:
        self.subjects = message.subjects
        self.rejections = None
        self.show(message.sources)

    def action_rejections(self) -> None:
        table = self.query_one("#sources-table", RowTable)
        if not self.accounts or table.cursor_row >= len(self.accounts):
            self.say("No source is selected.")
            return
        self._wanted = self.accounts[table.cursor_row].source_id
        if self.rejections is not None:
            self.list_rejections()
            return

        def job(store: CaseStore) -> RejectionsLoaded:
            return RejectionsLoaded(sources(store, with_rejections=True))

        self.ask(job, "rejected rows")

    def on_rejections_loaded(self, message: RejectionsLoaded) -> None:
        self.rejections = {a.source_id: a.rejections for a in message.sources}
        self.list_rejections()

    def list_rejections(self) -> None:
        account = next((a for a in self.accounts if a.source_id == self._wanted), None)
        if account is None or self.rejections is None:
            return
        rows = self.rejections.get(account.source_id, [])
        table = self.query_one("#rejections-table", RowTable)
        table.clear()
        for row, reason in rows[:MAX_REJECTIONS_SHOWN]:
            table.add_row(ordinal(row), cell(reason))
        note = Text(f"{account.exhibit} ", style="bold")
        note.append(cell(account.path))
        if not rows:
            note.append(": no rows were rejected.")
        elif len(rows) > MAX_REJECTIONS_SHOWN:
            note.append(
                f": the first {MAX_REJECTIONS_SHOWN:,} of {len(rows):,} rejected rows "
                f"(all of them: appliance sources --case {self.ref} --rejections)."
            )
        else:
            note.append(f": {len(rows):,} rejected rows, with the reason each was refused.")
        self.say(note)
