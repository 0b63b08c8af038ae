"""Pane 4: visits of a subject inside an exclusion zone (a circle round a place an order
names), each with entry, exit, how many positions put them there and the closest one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Static

from appliance.analyses.breach import Breaches, Zone, breaches
from appliance.analyses.common import Period
from appliance.analyses.places import Place, frequent_places
from appliance.cli.session import parse_zone
from appliance.errors import ApplianceError
from appliance.maps.render import MapImage, installed_tiles, visit_map
from appliance.store.case import CaseStore, Subject
from appliance.tui.map_screen import MapRequest
from appliance.tui.messages import BreachDone, CaseOpened, PlacesFound
from appliance.tui.panes.base import Pane
from appliance.tui.places_picker import PlacesPicker
from appliance.tui.text import cell, end_time, number, ordinal, when
from appliance.tui.widgets import RowTable, chooser, field, label
from appliance.units import parse_distance_m, parse_duration_s

HINT = "Give the zone centre as LAT,LON (or f: a frequent place) and a radius, then press g."
PER = 5  # places offered per subject


class BreachPane(Pane):
    key, title, pane_id, summary_id = "4", "Breach", "breach", "breach-summary"
    purpose = "visits of a subject inside an exclusion zone"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f",
            "places",
            "Frequent places",
            tooltip="centre the zone on a place a subject is often seen (the victim's home)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.result: Breaches | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form"):
            yield label("subject")
            yield chooser(id="breach-subject", prompt="subject")
            yield label(" zone")
            yield field("", id="breach-zone", placeholder="LAT,LON", width=20)
            yield label(" radius")
            yield field("200m", id="breach-radius", width=7)
            yield label(" gap")
            yield field("30min", id="breach-gap", width=6)
        yield Static(Text(HINT), id="breach-summary", classes="summary")
        yield RowTable(id="visits-table")

    def on_mount(self) -> None:
        self.query_one("#visits-table", RowTable).add_columns(
            "#", "entry", "exit", "seen", "closest m", "grade"
        )

    def first_focus(self) -> Widget:
        return self.query_one("#visits-table", RowTable)

    def case_opened(self, opened: CaseOpened) -> None:
        super().case_opened(opened)
        self.result = None
        self.query_one("#visits-table", RowTable).clear()
        self.offer_subjects("breach-subject", "suspect")
        self.say(HINT)

    def subjects_changed(self, subjects: list[Subject]) -> None:
        super().subjects_changed(subjects)
        self.offer_subjects("breach-subject", "suspect", keep=True)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.go()

    def go(self) -> None:
        subject = self.chosen("breach-subject")
        if subject is None:
            self.say("Choose the subject the order is against.")
            return
        try:
            lat, lon = parse_zone(self.query_one("#breach-zone", Input).value)
            zone = Zone(lat, lon, parse_distance_m(self.query_one("#breach-radius", Input).value))
            gap_s = parse_duration_s(self.query_one("#breach-gap", Input).value)
        except ApplianceError as exc:
            self.say(cell(exc))
            return

        def job(store: CaseStore) -> BreachDone:
            return BreachDone(breaches(store, subject, zone, Period(), gap_s))

        self.ask(job, "visits to the zone")

    def action_places(self) -> None:
        # The protected person's places first: an order usually names the victim's home.
        order = {"victim": 0, "other": 1, "suspect": 2}
        names = [s.name for s in sorted(self.subjects, key=lambda s: order.get(s.role, 1))]
        if not names:
            self.say("The case has no subjects yet (add them on pane 1 with n).")
            return

        def job(store: CaseStore) -> PlacesFound:
            return PlacesFound(
                [(name, p) for name in names for p in frequent_places(store, name, limit=PER)]
            )

        self.ask(job, "frequent places")

    def on_places_found(self, message: PlacesFound) -> None:
        if not message.places:
            self.say("No subject has precise positions to find places from. " + HINT)
            return
        self.say("Choose a place (enter), or escape to type the zone.")
        self.app.push_screen(PlacesPicker(message.places, self.tz), self.place_picked)

    def place_picked(self, place: Place | None) -> None:
        if place is None:
            self.say(HINT)
            return
        self.query_one("#breach-zone", Input).value = f"{place.lat:.5f},{place.lon:.5f}"
        self.go()

    def map_request(self) -> MapRequest | None:
        result = self.result
        table = self.query_one("#visits-table", RowTable)
        if result is None or not result.visits:
            return None
        chosen = result.visits[min(table.cursor_row, len(result.visits) - 1)]
        timezone, home = str(self.tz), self.host.home

        def draw(number: int, width_px: int, height_px: int) -> MapImage:
            return visit_map(
                result,
                number,
                timezone=timezone,
                tiles=installed_tiles(home),
                width_px=width_px,
                height_px=height_px,
            )

        numbers = [v.number for v in result.visits]
        return MapRequest("Visit", numbers, chosen.number, draw)

    def on_breach_done(self, message: BreachDone) -> None:
        result = self.result = message.result
        table = self.query_one("#visits-table", RowTable)
        table.clear()
        for v in result.visits:
            table.add_row(
                ordinal(v.number),
                when(v.entry, self.tz),
                end_time(v.entry, v.exit, self.tz),
                number(len(v.sightings)),
                number(v.closest.distance_m),
                cell(v.grade),
            )
        z = result.zone
        summary = Text(f"{len(result.visits):,} visits by ")
        summary.append(cell(result.subject))
        summary.append(
            f" within {z.radius_m:g} m of {z.lat:.5f},{z.lon:.5f}; a new visit after "
            f"{result.gap_s:g} s unseen there. Times are local ({self.tz.key})."
        )
        self.say(summary)
