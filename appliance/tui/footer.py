"""The footer of keys, redrawn only when the keys it shows change.

Textual's ``Footer`` rebuilds all its key widgets (and restyles each) whenever the screen's
bindings are refreshed, which happens on every focus change: switching panes moves focus two or
three times, so each pane key rebuilt the same footer several times over. Here the footer keeps
what it last showed and lets an identical refresh pass.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen[object]) -> tuple[Hashable, ...]:
    """Everything ``Footer.compose`` draws from: the shown bindings, whether each is enabled,
    their tooltips, and the command palette's key."""
    palette = screen.app.COMMAND_PALETTE_BINDING
    return tuple(
        (key, binding, enabled, tooltip)
        for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
        if binding.show or key == palette
    )


class KeyFooter(Footer):
    def __init__(self) -> None:
        super().__init__()
        self._drawn: tuple[Hashable, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        keys = shown_keys(screen)
        if keys == self._drawn:
            return
        super().bindings_changed(screen)
        # Footer only redraws for its own screen while the app has focus; remember the keys
        # only when it did, so a refresh it skipped is not mistaken for one it drew.
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._drawn = keys
