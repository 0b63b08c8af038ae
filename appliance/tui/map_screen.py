"""The map of one co-location occasion or one exclusion-zone visit, full screen.

The map is drawn by ``appliance.maps`` (a pure function of the pane's result, no store work) in
a worker of its own, so a slow draw never freezes the screen and escape both cancels it and
closes the screen. ``[`` and ``]`` step to the previous and next occasion or visit; the legend
and the tiles' attribution are text under the picture, because they are what makes the picture
readable as evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from appliance.errors import ApplianceError
from appliance.maps.render import MapImage
from appliance.tui.footer import KeyFooter
from appliance.tui.picture import picture, show

# Pixels asked of the map renderer: enough for a sharp picture in Kitty or Sixel; half-blocks
# scale it down to the cells there are.
WIDTH_PX, HEIGHT_PX = 960, 640
MAP_GROUP = "map"

Draw = Callable[[int, int, int], MapImage]


@dataclass(frozen=True)
class MapRequest:
    """What a pane asks to map: "Occasion" or "Visit", the numbers there are, the one chosen,
    and how to draw one."""

    kind: str
    numbers: list[int]
    number: int
    draw: Draw


class MapScreen(Screen[None]):
    """``numbers`` are the occasions (or visits) there are; ``draw(n, w, h)`` draws one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="close the map (cancels a map being drawn)"),
        Binding("left_square_bracket", "step(-1)", "Previous", tooltip="the previous one"),
        Binding("right_square_bracket", "step(1)", "Next", tooltip="the next one"),
    ]

    class Drawn(Message):
        def __init__(self, number: int, image: MapImage) -> None:
            super().__init__()
            self.number, self.image = number, image

    class Failed(Message):
        def __init__(self, number: int, reason: str) -> None:
            super().__init__()
            self.number, self.reason = number, reason

    def __init__(self, request: MapRequest) -> None:
        super().__init__()
        self.kind, self.numbers, self.number = request.kind, request.numbers, request.number
        self._draw_one = request.draw
        self.shown: MapImage | None = None  # the map on screen, once drawn

    def compose(self) -> ComposeResult:
        yield Static(Text(""), id="map-title")
        yield picture(None, id="map-image")
        yield Static(Text(""), id="map-legend")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._start()

    def _start(self) -> None:
        self.shown = None
        place = self.numbers.index(self.number) + 1
        self.query_one("#map-title", Static).update(
            Text(
                f"{self.kind} {self.number} ({place} of {len(self.numbers)}): drawing the map… "
                "([ previous, ] next, escape closes)"
            )
        )
        self._draw(self.number)

    @work(thread=True, exclusive=True, group=MAP_GROUP)
    def _draw(self, number: int) -> None:
        worker = get_current_worker()
        try:
            image = self._draw_one(number, WIDTH_PX, HEIGHT_PX)
        except ApplianceError as exc:
            self.post_message(self.Failed(number, str(exc)))
            return
        except Exception as exc:  # a bug: said as one, the case is untouched
            self.post_message(
                self.Failed(
                    number, f"internal error: {type(exc).__name__}: {exc} (please report it)"
                )
            )
            return
        if not worker.is_cancelled:
            self.post_message(self.Drawn(number, image))

    def on_map_screen_drawn(self, message: Drawn) -> None:
        if message.number != self.number:
            return  # an earlier map, stepped past
        self.shown = message.image
        show(self.query_one("#map-image"), message.image.png)
        place = self.numbers.index(self.number) + 1
        base = "" if message.image.basemap else " · no map tiles installed: coordinate grid"
        self.query_one("#map-title", Static).update(
            Text(f"{self.kind} {self.number} ({place} of {len(self.numbers)}){base}")
        )
        legend = Text("\n".join(message.image.legend))
        if message.image.attribution:
            legend.append(f"\n{message.image.attribution}")
        self.query_one("#map-legend", Static).update(legend)

    def on_map_screen_failed(self, message: Failed) -> None:
        if message.number == self.number:
            self.query_one("#map-title", Static).update(
                Text(f"{self.kind} {self.number}: the map could not be drawn: {message.reason}")
            )

    def action_step(self, by: int) -> None:
        place = self.numbers.index(self.number) + by
        if 0 <= place < len(self.numbers):
            self.number = self.numbers[place]
            self._start()

    def action_close(self) -> None:
        self.workers.cancel_group(self, MAP_GROUP)
        self.dismiss()
