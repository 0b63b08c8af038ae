"""The keys, all of them, on one screen (``?``). The app builds the list from its own
bindings, so the help cannot drift from what the keys do."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from appliance.tui.widgets import RowTable

Section = tuple[str, list[tuple[str, str]]]

# Keys the widgets themselves own (tables, forms), which no BINDINGS list of ours holds.
WIDGET_KEYS: list[Section] = [
    (
        "Tables",
        [
            ("↑ ↓ pgup pgdn", "move through the rows"),
            ("home end", "first and last row"),
            ("enter", "open the row (an occasion lists its events)"),
        ],
    ),
    (
        "Forms",
        [
            ("tab shift+tab", "next and previous field (pane keys do not work in a text field)"),
            ("enter", "in a text field: run the pane's question; on a list: open it"),
        ],
    ),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
    ]

    def __init__(self, sections: list[Section]) -> None:
        super().__init__(id="help")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(
                Text("Keys (escape closes; ctrl+p finds any action by name)", style="bold")
            )
            yield RowTable(id="help-table")

    def on_mount(self) -> None:
        table = self.query_one("#help-table", RowTable)
        table.add_columns("key", "what it does")
        for title, keys in [*self.sections, *WIDGET_KEYS]:
            table.add_row(Text(title, style="bold underline"), Text(""))
            for key, what in keys:
                table.add_row(Text(key), Text(what))
        table.focus()
