"""Picking an exclusion zone's centre from a subject's most frequented places.

The list comes from ``appliance.analyses.places`` (ranked by the local days seen there); the
officer chooses, and the breach pane fills in the zone, ready to confirm with g.
"""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from appliance.analyses.places import Place
from appliance.tui.text import DAY, cell, when


class PlacesPicker(ModalScreen[Place | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Back", show=False)]

    def __init__(self, places: list[tuple[str, Place]], tz: ZoneInfo) -> None:
        super().__init__(id="places")
        self.places = places
        self.tz = tz

    def line(self, subject: str, p: Place) -> Text:
        text = cell(f"{subject[:12]:<12}")
        text.append(f" {p.lat:.5f},{p.lon:.5f} {p.days:>3} days {p.positions:>6,} fixes ")
        text.append(when(p.first, self.tz, DAY))
        return text

    def compose(self) -> ComposeResult:
        title = Text("Where each subject was seen most; enter makes one the zone centre", "bold")
        with Vertical(id="places-box"):
            yield Static(title)
            yield Static(Text(" subject      place                days  fixes  first seen"))
            yield OptionList(
                *(Option(self.line(name, p), str(n)) for n, (name, p) in enumerate(self.places)),
                id="places-list",
            )

    def on_mount(self) -> None:
        self.query_one("#places-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#places-list")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.places[event.option_index][1])

    def action_close(self) -> None:
        self.dismiss(None)
