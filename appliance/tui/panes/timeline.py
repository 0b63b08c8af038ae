"""Pane 5: one chronology across all sources, read a page at a time.

A case can hold millions of rows, so the table never asks for everything: it loads a page of
``PAGE`` items and the next page when the cursor comes within ``NEAR_END`` rows of the end.
Each page starts just after the last item of the one before (a cursor, not an offset), so a
page deep into the case costs what the first does; a chosen kind is filtered in the query.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static

from appliance.analyses.common import Period
from appliance.analyses.timeline import Cursor, Item, timeline_page
from appliance.cli.session import parse_time
from appliance.errors import ApplianceError, UsageError
from appliance.model import KINDS
from appliance.store.case import CaseStore, Subject
from appliance.tui.messages import CaseOpened, TimelinePage
from appliance.tui.panes.base import Pane
from appliance.tui.text import cell, when
from appliance.tui.widgets import RowTable, chooser, field, label

PAGE = 500
NEAR_END = 100
EVERYONE = ""  # no subject can have an empty name, so this value can mean "everyone"
ALL_KINDS = "all"


class TimelinePane(Pane):
    key, title, pane_id, summary_id = "5", "Timeline", "timeline", "timeline-summary"
    purpose = "everything in time order, a page at a time"

    def __init__(self) -> None:
        super().__init__()
        self.result: list[Item] = []
        self.generation = 0
        self.after: Cursor | None = None  # where the next page starts
        self.exhausted = True
        self.loading = False
        self._query: tuple[str | None, str, Period] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form"):
            yield chooser(id="timeline-subject", prompt="who")
            kinds: Select[str] = Select(
                [(k, k) for k in (ALL_KINDS, "observation", *KINDS)],
                value=ALL_KINDS,
                allow_blank=False,
                id="timeline-kind",
                compact=True,
            )
            kinds.styles.width = 15
            yield kinds
            yield label(" from")
            yield field("", id="timeline-from", placeholder="YYYY-MM-DD", width=12)
            yield label(" to")
            yield field("", id="timeline-to", placeholder="YYYY-MM-DD", width=12)
        yield Static(
            Text("Press g to list everything in time order, a page at a time."),
            id="timeline-summary",
            classes="summary",
        )
        yield RowTable(id="timeline-table")

    def on_mount(self) -> None:
        self.query_one("#timeline-table", RowTable).add_columns(
            "time", "who", "what", "where", "source:row"
        )

    def first_focus(self) -> Widget:
        return self.query_one("#timeline-table", RowTable)

    def case_opened(self, opened: CaseOpened) -> None:
        super().case_opened(opened)
        self.generation += 1
        self.result, self._query, self.exhausted, self.loading = [], None, True, False
        self.query_one("#timeline-table", RowTable).clear()
        select = self.query_one("#timeline-subject", Select)
        select.set_options(
            [(Text("everyone"), EVERYONE), *((cell(s.name), s.name) for s in self.subjects)]
        )
        select.value = EVERYONE
        self.say("Press g to list everything in time order, a page at a time.")

    def subjects_changed(self, subjects: list[Subject]) -> None:
        super().subjects_changed(subjects)
        select = self.query_one("#timeline-subject", Select)
        chosen = select.value
        select.set_options(
            [(Text("everyone"), EVERYONE), *((cell(s.name), s.name) for s in self.subjects)]
        )
        select.value = chosen if chosen in [s.name for s in subjects] else EVERYONE

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.go()

    def go(self) -> None:
        chosen = self.chosen("timeline-subject")
        kind = self.query_one("#timeline-kind", Select).value
        try:
            period = self._period()
        except ApplianceError as exc:
            self.say(cell(exc))
            return
        self.generation += 1
        self.result, self.after, self.exhausted = [], None, False
        self._query = (chosen or None, kind if isinstance(kind, str) else ALL_KINDS, period)
        self.query_one("#timeline-table", RowTable).clear()
        self.load_page()

    def _period(self) -> Period:
        texts = [self.query_one(f"#timeline-{end}", Input).value.strip() for end in ("from", "to")]
        start = parse_time(texts[0], self.tz.key) if texts[0] else None
        end = parse_time(texts[1], self.tz.key, end_of_day=True) if texts[1] else None
        if start and end and end < start:
            raise UsageError("'to' is before 'from'.", "Swap them.")
        return Period(start, end)

    def load_page(self) -> None:
        if self._query is None or self.loading or self.exhausted:
            return
        self.loading = True
        subject, kind, period = self._query
        generation, after = self.generation, self.after

        def job(store: CaseStore) -> TimelinePage:
            return page(store, generation, subject, kind, period, after)

        self.ask(job, "timeline")

    def on_timeline_page(self, message: TimelinePage) -> None:
        if message.generation != self.generation:
            return  # a page of a query the officer has since replaced
        self.loading = False
        self.after, self.exhausted = message.after, message.exhausted
        self.result.extend(message.items)
        table = self.query_one("#timeline-table", RowTable)
        table.append_rows(row(item, self) for item in message.items)
        more = "all loaded" if self.exhausted else "more load as you scroll down"
        self.say(f"{len(self.result):,} items, in time order ({self.tz.key}); {more}.")

    def query_ended(self) -> None:
        self.loading = False

    @on(DataTable.RowHighlighted, "#timeline-table")
    def near_end(self, event: DataTable.RowHighlighted) -> None:
        if self.query_one("#timeline-table", RowTable).near_end(event.cursor_row, NEAR_END):
            self.load_page()


def page(
    store: CaseStore,
    generation: int,
    subject: str | None,
    kind: str,
    period: Period,
    after: Cursor | None,
) -> TimelinePage:
    """Up to ``PAGE`` items of ``kind`` just after ``after`` (runs in the worker)."""
    items, last = timeline_page(
        store,
        subject,
        period,
        kind=None if kind == ALL_KINDS else kind,
        after=after,
        limit=PAGE,
    )
    return TimelinePage(generation, items, last or after, len(items) < PAGE)


def row(item: Item, pane: Pane) -> tuple[Text, ...]:
    moment = when(item.time, pane.tz)
    if item.time_flag:  # a local time that did not exist or happened twice: say so
        moment.append(f" ({item.time_flag})", style="italic")
    if item.kind == "observation":
        what = cell(f"{item.method or 'position'} fix")
    else:
        what = cell(f"{item.kind} {item.direction or ''} {item.other or ''}".strip())
    where = Text("")
    if item.lat is not None and item.lon is not None:
        spread = f" ±{item.radius_m:,.0f} m" if item.radius_m is not None else ""
        where = Text(f"{item.lat:.5f},{item.lon:.5f}{spread}")
    return (
        moment,
        cell(item.subject or "-"),
        what,
        where,
        cell(f"{item.source.exhibit}:{item.row}"),
    )
