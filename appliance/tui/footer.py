"""The footer of keys, redrawn only when the keys it shows change.

Textual's ``Footer`` rebuilds all its key widgets (and restyles each) whenever the screen's
bindings are refreshed, which happens on every focus change: switching panes moves focus two or
three times, so each pane key rebuilt the same footer several times over. Here the footer keeps
what it last showed, looks again once the screen has settled, and redraws only if that differs.
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
        # As Footer does, but the keys are compared once the screen has been refreshed: focus
        # passing through a widget on its way (the tabs) then costs nothing either.
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._redraw)

    async def _redraw(self) -> None:
        keys = shown_keys(self.screen)
        if keys != self._drawn:
            self._drawn = keys
            await self.recompose()
