"""Creating a case from the UI: its reference, its time zone, its passphrase (twice).

The app creates it in a worker (deriving the key from the passphrase is deliberately slow) with
the same library call as ``appliance case new``, then opens it; a refusal (a reference already
used, an unknown zone) is said here and the form stays.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from appliance.tui.text import cell

DEFAULT_TIMEZONE = "Europe/London"
FIELDS = ("#new-ref", "#new-timezone", "#new-passphrase", "#new-again")


class NewCaseScreen(ModalScreen[None]):
    """Enter moves to the next field; on the last it creates the case. Escape goes back."""

    class Create(Message):
        def __init__(self, ref: str, timezone: str, passphrase: str) -> None:
            super().__init__()
            self.ref = ref
            self.timezone = timezone
            self.passphrase = passphrase

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Back", show=False)]

    def __init__(self) -> None:
        super().__init__(id="new-case")
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="new-box"):
            yield Static(Text("New case", style="bold"))
            yield Label("Reference (letters, digits, . _ -)")
            yield Input(id="new-ref", compact=True, placeholder="OP-KESTREL")
            yield Label("Time zone of the case's local days")
            yield Input(DEFAULT_TIMEZONE, id="new-timezone", compact=True)
            yield Label("Passphrase")
            yield Input(id="new-passphrase", password=True, compact=True)
            yield Label("Passphrase again (then enter)")
            yield Input(id="new-again", password=True, compact=True)
            yield Static("", id="new-error")

    def on_mount(self) -> None:
        self.query_one("#new-ref", Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        at = FIELDS.index(f"#{event.input.id}")
        if at + 1 < len(FIELDS):
            self.query_one(FIELDS[at + 1], Input).focus()
            return
        self.create()

    def create(self) -> None:
        if self.busy:
            return
        ref, timezone, first, again = (self.query_one(f, Input).value for f in FIELDS)
        if not ref.strip():
            self.show_error("Give the case a reference.", "#new-ref")
        elif not first:
            self.show_error("Choose a passphrase; it cannot be recovered.", "#new-passphrase")
        elif first != again:
            self.show_error("The two passphrases differ. Type them again.", "#new-passphrase")
        else:
            self.busy = True
            status = self.query_one("#new-error", Static)
            status.add_class("-status")
            status.update(cell(f"Creating case {ref.strip()}…"))
            self.post_message(self.Create(ref.strip(), timezone.strip(), first))

    def show_error(self, reason: str, focus: str = "#new-ref") -> None:
        self.busy = False
        status = self.query_one("#new-error", Static)
        status.remove_class("-status")
        status.update(cell(reason[:1].upper() + reason[1:]))
        for secret in ("#new-passphrase", "#new-again"):
            self.query_one(secret, Input).value = ""
        self.query_one(focus, Input).focus()

    def action_close(self) -> None:
        self.dismiss()
