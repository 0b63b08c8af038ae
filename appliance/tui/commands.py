"""Every action of the UI by name: the command palette (ctrl+p) and the help screen (?).

Both are built from the app's own bindings and panes, so neither can drift from what the keys
do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider

from appliance.tui.help import Section
from appliance.tui.map_screen import MapScreen
from appliance.tui.panes.base import Pane
from appliance.tui.panes.breach import BreachPane
from appliance.tui.panes.intake import IntakePane
from appliance.tui.panes.sources import SourcesPane
from appliance.tui.report_screen import ReportScreen

if TYPE_CHECKING:
    from appliance.tui.app import ApplianceApp


class PaletteCommand(NamedTuple):
    name: str
    help: str
    run: Callable[[], object]


@runtime_checkable
class HasCommands(Protocol):
    def palette_commands(self) -> list[PaletteCommand]: ...


class ApplianceCommands(Provider):
    """Lists the app's own actions; the app says which (``palette_commands``)."""

    def _commands(self) -> list[PaletteCommand]:
        app = self.app
        return app.palette_commands() if isinstance(app, HasCommands) else []

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.run, help=command.help)

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.name, command.run, help=command.help)


def palette(app: ApplianceApp) -> list[PaletteCommand]:
    panes = list(app.query(Pane))

    def show(pane: Pane) -> PaletteCommand:
        return PaletteCommand(
            f"Show {pane.title.lower()}",
            f"key {pane.key}: {pane.purpose}",
            lambda: app.action_show_pane(pane.pane_id),
        )

    def run_in(pane: Pane, name: str) -> PaletteCommand:
        def run() -> None:
            app.action_show_pane(pane.pane_id)
            app.action_go()

        return PaletteCommand(name, f"key g on pane {pane.key}", run)

    def key_in(kind: type[Pane], key: str, name: str) -> PaletteCommand:
        """A pane's own key, by name: shows the pane, then does what the key does."""
        binding = next(b for b in kind.BINDINGS if isinstance(b, Binding) and b.key == key)

        def run() -> None:
            pane = app.query_one(kind)
            app.action_show_pane(pane.pane_id)
            # After the pane has taken the keyboard, so an action that moves it (to a field
            # it asks for) has the last word.
            app.call_after_refresh(getattr(pane, f"action_{binding.action}"))

        return PaletteCommand(name, f"key {key} on pane {kind.key}: {binding.tooltip}", run)

    return [
        PaletteCommand("Open case", "key o: choose a case, unlock it", app.action_open_case),
        PaletteCommand("New case", "ctrl+n on the open-case screen", app.action_new_case),
        *(show(p) for p in panes),
        *(
            run_in(p, f"Run {p.title.lower()}")
            for p in panes
            if p.pane_id not in ("sources", "intake")
        ),
        *(run_in(p, "Refresh sources") for p in panes if p.pane_id == "sources"),
        *(run_in(p, "Refresh sealed files waiting") for p in panes if p.pane_id == "intake"),
        key_in(SourcesPane, "r", "Rejected rows of the selected source"),
        key_in(SourcesPane, "n", "New subject"),
        key_in(SourcesPane, "i", "Add identifiers to a subject"),
        key_in(BreachPane, "f", "Exclusion zone at a frequent place"),
        key_in(IntakePane, "a", "Acquire evidence from a path"),
        key_in(IntakePane, "s", "Attribute a sealed file to a subject"),
        key_in(IntakePane, "p", "Parse sealed files"),
        key_in(IntakePane, "w", "Watch for USB sticks"),
        PaletteCommand("Cancel the running query", "ctrl+c or escape", app.action_cancel),
        PaletteCommand("Help: every key", "key ?", app.action_help),
        PaletteCommand("Map of the chosen occasion or visit", "key m", app.action_maps),
        PaletteCommand("Report: preview, print, save", "key R", app.action_report),
        PaletteCommand("Quit", "key q", app.exit),
    ]


def help_sections(app: ApplianceApp) -> list[Section]:
    def keys(bindings: list[BindingType]) -> list[tuple[str, str]]:
        return [
            (app.get_key_display(b), b.tooltip or b.description or b.action)
            for b in bindings
            if isinstance(b, Binding)
        ]

    anywhere = [
        *keys(app.BINDINGS),
        ("ctrl+p", "command palette: every action by name"),
        ("ctrl+q", "quit"),
    ]
    return [
        ("Anywhere", anywhere),
        *((f"{kind.title} pane ({kind.key})", keys(kind.BINDINGS)) for kind in PANE_KEYS),
        ("Map screen (m)", keys(MapScreen.BINDINGS)),
        ("Report screen (R)", keys(ReportScreen.BINDINGS)),
        ("Open-case screen", [("ctrl+n", "create a new case")]),
    ]


PANE_KEYS: tuple[type[Pane], ...] = (SourcesPane, BreachPane, IntakePane)
