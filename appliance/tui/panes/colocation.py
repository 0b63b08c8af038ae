"""Pane 2: when were A and B together (DESIGN §6), occasion by occasion.

The occasions table comes first; Enter on an occasion lists its events (each pair of
observations, with both uncertainty radii and the grade) so every occasion can be checked.
An occasion can hold tens of thousands of events, so they are listed ``PAGE`` at a time, the
next page when the cursor comes within ``NEAR_END`` rows of the end (as the timeline does).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from appliance.analyses.colocate import Colocation, Event, Parameters, colocate
from appliance.errors import ApplianceError
from appliance.maps.render import MapImage, installed_tiles, occasion_map
from appliance.store.case import CaseStore, Subject
from appliance.tui.map_screen import MapRequest
from appliance.tui.messages import CaseOpened, ColocationDone
from appliance.tui.panes.base import Pane
from appliance.tui.text import CLOCK, FULL, cell, end_time, number, ordinal, radii, when
from appliance.tui.widgets import RowTable, chooser, field, label
from appliance.units import parse_distance_m, parse_duration_s

PAGE = 500
NEAR_END = 100


class ColocationPane(Pane):
    key, title, pane_id, summary_id = "2", "Co-location", "colocation", "coloc-summary"
    purpose = "when A and B were together: occasions, events"

    def __init__(self) -> None:
        super().__init__()
        self.result: Colocation | None = None
        # The occasion whose events are listed: its events' first index and count in the
        # result, and how many are listed so far.
        self._listing = (0, 0, 0, 0)  # occasion number, first index, count, listed

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form"):
            yield label("A")
            yield chooser(id="coloc-a", prompt="A")
            yield label(" B")
            yield chooser(id="coloc-b", prompt="B")
            yield label(" within")
            yield field("500m", id="coloc-within", width=7)
            yield label(" window")
            yield field("5min", id="coloc-window", width=6)
            yield label(" gap")
            yield field("30min", id="coloc-gap", width=6)
        yield Static(
            Text("Press g to find when A and B were together."),
            id="coloc-summary",
            classes="summary",
        )
        yield RowTable(id="occasions-table")
        yield RowTable(id="events-table")

    def on_mount(self) -> None:
        self.query_one("#occasions-table", RowTable).add_columns(
            "#", "start", "end", "events", "closest m", "grade"
        )
        self.query_one("#events-table", RowTable).add_columns(
            "A time", "B time", "distance m", "radii A/B", "grade", "sources A / B"
        )

    def first_focus(self) -> Widget:
        return self.query_one("#occasions-table", RowTable)

    def case_opened(self, opened: CaseOpened) -> None:
        super().case_opened(opened)
        self.result, self._listing = None, (0, 0, 0, 0)
        self.query_one("#occasions-table", RowTable).clear()
        self.query_one("#events-table", RowTable).clear()
        self.offer_subjects("coloc-a", "suspect")
        self.offer_subjects("coloc-b", "victim", skip=self.chosen("coloc-a") or "")
        self.say("Press g to find when A and B were together.")

    def subjects_changed(self, subjects: list[Subject]) -> None:
        super().subjects_changed(subjects)
        self.offer_subjects("coloc-a", "suspect", keep=True)
        self.offer_subjects("coloc-b", "victim", skip=self.chosen("coloc-a") or "", keep=True)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.go()

    def go(self) -> None:
        a, b = self.chosen("coloc-a"), self.chosen("coloc-b")
        if a is None or b is None:
            self.say("Choose two subjects, A and B.")
            return
        try:
            params = self._parameters()
        except ApplianceError as exc:
            self.say(cell(exc))
            return

        def job(store: CaseStore) -> ColocationDone:
            return ColocationDone(colocate(store, a, b, params))

        self.ask(job, "co-location")

    def on_colocation_done(self, message: ColocationDone) -> None:
        result = self.result = message.result
        self._listing = (0, 0, 0, 0)
        table = self.query_one("#occasions-table", RowTable)
        table.clear()
        for o in result.occasions:
            table.add_row(
                ordinal(o.number),
                when(o.start, self.tz),
                end_time(o.start, o.end, self.tz),
                number(o.events),
                number(o.min_distance_m),
                cell(o.grade),
                key=str(o.number),
            )
        self.query_one("#events-table", RowTable).clear()
        p = result.parameters
        summary = Text(f"{len(result.occasions):,} occasions, {result.event_count:,} events")
        summary.append(" · ")
        summary.append(cell(result.a))
        summary.append(" and ")
        summary.append(cell(result.b))
        summary.append(
            f" within {p.within_m:g} m and {p.window_s:g} s; a new occasion after "
            f"{p.gap_s:g} s. Enter on an occasion lists its events."
        )
        self.say(summary)

    def _parameters(self) -> Parameters:
        return Parameters(
            within_m=parse_distance_m(self.query_one("#coloc-within", Input).value),
            window_s=parse_duration_s(self.query_one("#coloc-window", Input).value),
            gap_s=parse_duration_s(self.query_one("#coloc-gap", Input).value),
        )

    def parameters(self) -> Parameters | None:
        """The parameters as typed (the report uses them), or None if one does not read."""
        try:
            return self._parameters()
        except ApplianceError:
            return None

    def map_request(self) -> MapRequest | None:
        result = self.result
        table = self.query_one("#occasions-table", RowTable)
        if result is None or not result.occasions:
            return None
        chosen = result.occasions[min(table.cursor_row, len(result.occasions) - 1)]
        timezone, home = str(self.tz), self.host.home

        def draw(number: int, width_px: int, height_px: int) -> MapImage:
            return occasion_map(
                result,
                number,
                timezone=timezone,
                tiles=installed_tiles(home),
                width_px=width_px,
                height_px=height_px,
            )

        numbers = [o.number for o in result.occasions]
        return MapRequest("Occasion", numbers, chosen.number, draw)

    @on(DataTable.RowSelected, "#occasions-table")
    def occasion_chosen(self, event: DataTable.RowSelected) -> None:
        number_ = int(event.row_key.value or 0)
        self.query_one("#events-table", RowTable).clear()
        start, count = self.result.occasion_span(number_) if self.result else (0, 0)
        self._listing = (number_, start, count, 0)
        self._list_more()

    @on(DataTable.RowHighlighted, "#events-table")
    def near_end(self, event: DataTable.RowHighlighted) -> None:
        if self.query_one("#events-table", RowTable).near_end(event.cursor_row, NEAR_END):
            self._list_more()

    def _row(self, e: Event) -> tuple[Text, ...]:
        same_day = e.a_time.astimezone(self.tz).date() == e.b_time.astimezone(self.tz).date()
        return (
            when(e.a_time, self.tz, FULL),
            when(e.b_time, self.tz, CLOCK if same_day else FULL),
            number(e.distance_m, 1),
            radii(e.a_radius_m, e.b_radius_m),
            cell(e.grade),
            cell(f"{e.a_source.exhibit}:{e.a_row} / {e.b_source.exhibit}:{e.b_row}"),
        )

    def _list_more(self) -> None:
        """The next page of the chosen occasion's events: only these become objects."""
        number_, start, count, listed = self._listing
        if self.result is None or listed >= count:
            return
        events = self.result.read(start + listed, min(PAGE, count - listed))
        self._listing = (number_, start, count, listed + len(events))
        self.query_one("#events-table", RowTable).append_rows(self._row(e) for e in events)
        if count > PAGE:
            more = "all listed" if listed + len(events) >= count else "more as you scroll down"
            self.say(
                f"Occasion {number_}: {listed + len(events):,} of its {count:,} events "
                f"listed; {more}."
            )
