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
from appliance.tui.panes.base import Pane
from appliance.tui.panes.sources import SourcesPane

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

    return [
        PaletteCommand("Open case", "key o: choose a case, unlock it", app.action_open_case),
        *(show(p) for p in panes),
        *(run_in(p, f"Run {p.title.lower()}") for p in panes if p.pane_id != "sources"),
        *(run_in(p, "Refresh sources") for p in panes if p.pane_id == "sources"),
        PaletteCommand(
            "Rejected rows of the selected source",
            "key r on pane 1",
            lambda: app.query_one(SourcesPane).action_rejections(),
        ),
        PaletteCommand("Cancel the running query", "ctrl+c or escape", app.action_cancel),
        PaletteCommand("Help: every key", "key ?", app.action_help),
        PaletteCommand("Maps", "key m", app.action_maps),
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
    return [("Anywhere", anywhere), ("Sources pane", keys(SourcesPane.BINDINGS))]
