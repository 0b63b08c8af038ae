"""Choosing a case and unlocking it with its passphrase.

Unlocking derives a key from the passphrase (deliberately slow) and attaches the encrypted
database, so it runs in a worker; a wrong passphrase is said here and the screen stays.
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
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from appliance.store.home import CaseInfo
from appliance.tui.text import cell


class OpenCaseScreen(ModalScreen[None]):
    """Pick a case, type its passphrase, Enter. Escape goes back only when a case is open."""

    class Unlock(Message):
        """The officer asks to open ``ref`` with ``passphrase`` (the app does the work)."""

        def __init__(self, ref: str, passphrase: str) -> None:
            super().__init__()
            self.ref = ref
            self.passphrase = passphrase

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", show=False),
        Binding("ctrl+n", "app.new_case", "New case", show=False),
    ]

    def __init__(
        self,
        cases: list[CaseInfo],
        preferred: str | None,
        *,
        error: str = "",
        home: str = "",
        can_close: bool = False,
    ) -> None:
        super().__init__(id="open-case")
        self.cases = cases
        self.preferred = preferred
        self.error = error
        self.home = home
        self.can_close = can_close
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="open-box"):
            yield Static(Text("Open a case (ctrl+n creates a new one)", style="bold"))
            yield OptionList(
                *(
                    Option(cell(f"{c.ref:<24} {c.timezone:<18} {c.created:%d %b %Y}"), c.ref)
                    for c in self.cases
                ),
                id="case-list",
            )
            yield Label("Passphrase (then Enter)")
            yield Input(password=True, id="passphrase", placeholder="type it here", compact=True)
            yield Static(cell(self.error), id="open-error")

    def on_mount(self) -> None:
        case_list = self.query_one("#case-list", OptionList)
        refs = [c.ref for c in self.cases]
        if not refs:
            self.show_error(f"There are no cases in {self.home}. Press ctrl+n to create one.")
            return
        case_list.highlighted = refs.index(self.preferred) if self.preferred in refs else 0
        self.query_one("#passphrase", Input).focus()

    def chosen_ref(self) -> str | None:
        case_list = self.query_one("#case-list", OptionList)
        if case_list.highlighted is None:
            return None
        return case_list.get_option_at_index(case_list.highlighted).id

    @on(OptionList.OptionSelected, "#case-list")
    def case_chosen(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    def unlock(self, event: Input.Submitted) -> None:
        ref = self.chosen_ref()
        if self.busy:
            return
        if ref is None:
            self.show_error("Choose a case in the list first.")
            return
        if not event.value:
            self.show_error("Type the case passphrase, then press Enter.")
            return
        self.busy = True
        status = self.query_one("#open-error", Static)
        status.add_class("-status")
        status.update(Text(f"Unlocking case {ref}…"))
        self.post_message(self.Unlock(ref, event.value))

    def show_error(self, reason: str) -> None:
        """The case did not open: say why, clear the passphrase and let the officer retry."""
        self.busy = False
        # The command line's words, begun with a capital as a sentence on its own.
        status = self.query_one("#open-error", Static)
        status.remove_class("-status")
        status.update(cell(reason[:1].upper() + reason[1:]))
        box = self.query_one("#passphrase", Input)
        box.value = ""
        box.focus()

    def action_close(self) -> None:
        if self.can_close:
            self.dismiss()
