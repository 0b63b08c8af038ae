"""A subject, or more identifiers for one: the officer's own attribution of who is who.

The form only collects words; the app writes them through the store's one write path
(``CaseStore.add_subject`` / ``add_identifiers``), which normalises each number and refuses an
identifier that already belongs to someone else, in the command line's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from appliance.store.case import ROLES
from appliance.tui.text import cell


@dataclass(frozen=True)
class SubjectEntry:
    """What the officer typed: a new subject (``existing`` False) or identifiers for one."""

    name: str
    role: str
    identifiers: list[str]
    existing: bool


def split_identifiers(text: str) -> list[str]:
    """Numbers separated by commas or semicolons (spaces belong to written numbers)."""
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class SubjectForm(ModalScreen[SubjectEntry | None]):
    """Enter on the last field saves; escape closes without saving."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Back", show=False)]

    def __init__(self, existing: str | None = None) -> None:
        super().__init__(id="subject-form")
        self.existing = existing

    def compose(self) -> ComposeResult:
        with Vertical(id="subject-box"):
            if self.existing is None:
                yield Static(Text("New subject", style="bold"))
                yield Label("Name (as the analyses will call them)")
                yield Input(id="subject-name", compact=True, placeholder="suspect")
                yield Label("Role")
                yield Select(
                    [(role, role) for role in ROLES],
                    value="other",
                    allow_blank=False,
                    id="subject-role",
                    compact=True,
                )
            else:
                title = Text("Identifiers for ", style="bold")
                title.append(cell(self.existing))
                yield Static(title)
            yield Label("Phone numbers, IMEIs, IMSIs (commas between; then enter)")
            yield Input(id="subject-ids", compact=True, placeholder="07700 900123, +447700900456")
            yield Static("", id="subject-error")

    def on_mount(self) -> None:
        first = "#subject-name" if self.existing is None else "#subject-ids"
        self.query_one(first, Input).focus()

    @on(Input.Submitted, "#subject-name")
    def next_field(self) -> None:
        self.query_one("#subject-ids", Input).focus()

    @on(Input.Submitted, "#subject-ids")
    def save(self) -> None:
        ids = split_identifiers(self.query_one("#subject-ids", Input).value)
        if self.existing is not None:
            if not ids:
                self.show_error("Type at least one identifier, or press escape.")
                return
            self.dismiss(SubjectEntry(self.existing, "", ids, existing=True))
            return
        name = self.query_one("#subject-name", Input).value.strip()
        if not name:
            self.show_error("The subject needs a name.")
            self.query_one("#subject-name", Input).focus()
            return
        role = self.query_one("#subject-role", Select).value
        self.dismiss(SubjectEntry(name, str(role), ids, existing=False))

    def show_error(self, reason: str) -> None:
        self.query_one("#subject-error", Static).update(cell(reason))

    def action_close(self) -> None:
        self.dismiss(None)
