"""``appliance bench tui``: the terminal UI on a large case, driven through Textual's Pilot.

The case holds two subjects with 1,000,000 located observations each over 30 days (the dense
benchmark's data: about 660,000 co-location events). Measured in one process: time to the
first screen (case unlocked, sources listed), the answer to single keypresses (switching
screens, paging the timeline), and the co-location run from the keyboard. The baseline, in the
same process, is a bare Textual app with five tabs of small tables: its first screen and a
tab-switching key, so the figures separate the appliance's own cost from Textual's and Pilot's.

Each key gets two figures. "On screen": from the key to the first frame the app draws on which
its answer shows (the moment an officer sees it). "Settled": until Pilot's ``press`` returns
and the answer is there, which also waits for the process to go idle (worker threads
included) and for any animation to end: the time before the next key finds the app at rest.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.console import RenderableType
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from appliance.bench.worker import _case, _fill
from appliance.store.home import Home
from appliance.tui.app import ApplianceApp

SIZE = (160, 48)


class _Frames:
    """Notes the first frame drawn, after a key, on which that key's answer shows."""

    def __init__(self) -> None:
        self._ready: Callable[[], bool] | None = None
        self._started = 0.0
        self.shown: float | None = None

    def arm(self, ready: Callable[[], bool]) -> None:
        self._ready, self._started, self.shown = ready, time.perf_counter(), None

    def drawn(self) -> None:
        if self._ready is None or self.shown is not None:
            return
        try:
            answered = self._ready()
        except NoMatches:  # drawn before the widget the answer is in was mounted
            return
        if answered:
            self.shown = time.perf_counter() - self._started


class _NotesFrames(App[Any]):
    """An app that tells its ``frames`` of every frame it draws (``_display`` sees every
    frame, headless too, where it is not written out)."""

    frames: _Frames

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        self.frames.drawn()


class _Tabs(_NotesFrames):
    """The baseline: a bare Textual app with five tabs of small tables, keys 1-5 to switch."""

    BINDINGS: ClassVar[list[BindingType]] = [
        (str(n), f"show('p{n}')", f"pane {n}") for n in range(1, 6)
    ]

    def __init__(self) -> None:
        super().__init__()
        self.frames = _Frames()

    def compose(self) -> ComposeResult:
        with TabbedContent(id="tabs"):
            for n in range(1, 6):
                with TabPane(f"pane {n}", id=f"p{n}"):
                    yield DataTable()
        yield Static("ready", id="ready")

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.add_columns("time", "what", "where")
            for i in range(100):
                table.add_row(i, "row", "here")

    def action_show(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane


class _Timed(ApplianceApp, _NotesFrames):
    """The appliance, unchanged, with its frames noted as the bare app's are."""

    def __init__(self, home: Home) -> None:
        super().__init__(home, "BENCH", "bench")
        self.frames = _Frames()


async def _until(pilot: Pilot[Any], ready: Callable[[], bool]) -> float:
    started = time.perf_counter()
    for _ in range(20_000):
        if ready():
            return time.perf_counter() - started
        await pilot.pause(0.005)
    raise RuntimeError("the UI never became ready")


Figures = dict[str, tuple[float, float]]


async def _press(
    pilot: Pilot[Any], frames: _Frames, key: str, ready: Callable[[], bool]
) -> tuple[float, float]:
    """From the key to its answer's first frame, and to Pilot's settling with the answer there
    (the first is never later than the second: an answer found only once settled counts then)."""
    frames.arm(ready)
    started = time.perf_counter()
    await pilot.press(key)
    await _until(pilot, ready)
    settled = time.perf_counter() - started
    return min(frames.shown or settled, settled), settled


async def _baseline() -> Figures:
    app = _Tabs()
    ready = lambda: bool(app.query("#ready"))  # noqa: E731
    app.frames.arm(ready)
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, ready)
        first = time.perf_counter() - started
        first_shown = min(app.frames.shown or first, first)
        switch = await _press(
            pilot, app.frames, "5", lambda: app.query_one(TabbedContent).active == "p5"
        )
        back = await _press(
            pilot, app.frames, "2", lambda: app.query_one(TabbedContent).active == "p2"
        )
    return {
        "first screen": (first_shown, first),
        "key": (min(switch[0], back[0]), min(switch[1], back[1])),
    }


def _bar(app: ApplianceApp) -> str:
    return str(app.query_one("#case-bar", Static).render())


def _rows(app: ApplianceApp, selector: str) -> int:
    return app.query_one(selector, DataTable).row_count


def _shows(app: ApplianceApp, pane: str) -> Callable[[], bool]:
    return lambda: app.query_one("#tabs", TabbedContent).active == pane


async def _ours(home: Path) -> tuple[Figures, int]:
    app = _Timed(Home(home))
    ready = lambda: "Case BENCH" in _bar(app) and _rows(app, "#sources-table") > 0  # noqa: E731
    app.frames.arm(ready)
    started = time.perf_counter()
    figures: Figures = {}
    frames = app.frames
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, ready)
        first = time.perf_counter() - started
        # Settled: the rest of opening (the other panes filled in) done, the app idle. Keys are
        # timed from here, as an officer's first key comes after reading the first screen: a
        # key pressed the instant the screen appears also waits for that rest (about 0.15 s).
        await pilot.pause()
        figures["first screen"] = (min(frames.shown or first, first), time.perf_counter() - started)
        figures["key: to the timeline"] = await _press(pilot, frames, "5", _shows(app, "timeline"))
        figures["key: first timeline page"] = await _press(
            pilot, frames, "g", lambda: _rows(app, "#timeline-table") > 0
        )
        table = app.query_one("#timeline-table", DataTable)
        table.focus()
        await pilot.pause()
        row, shown = table.cursor_row, table.row_count
        figures["key: page down"] = await _press(
            pilot, frames, "pagedown", lambda: table.cursor_row > row
        )
        figures["key: to the end, next page loaded"] = await _press(
            pilot, frames, "end", lambda: table.row_count > shown
        )
        figures["key: to co-location"] = await _press(pilot, frames, "2", _shows(app, "colocation"))
        figures["co-location from the keyboard"] = await _press(
            pilot, frames, "g", lambda: _rows(app, "#occasions-table") > 0
        )
        figures["key: to the intake pane"] = await _press(pilot, frames, "6", _shows(app, "intake"))
        held = table.row_count
    return figures, held


def run(quick: bool) -> None:
    n = 100_000 if quick else 1_000_000
    folder = Path(tempfile.mkdtemp(prefix="appliance-bench-tui-"))
    try:
        store = _case(folder)
        _fill(store, 1, n, 30, fa=30 * 0.93, fb=30 * 1.37)
        _fill(store, 2, n, 30, fa=30 * 1.11, fb=30 * 0.71)
        store.checkpoint()
        store.close()
        before = asyncio.run(_baseline())
        figures, held = asyncio.run(_ours(folder))
        after = asyncio.run(_baseline())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    base = {
        name: (min(before[name][0], after[name][0]), min(before[name][1], after[name][1]))
        for name in before
    }
    print(
        f"tui: a case of {2 * n:,} observations through Textual's Pilot at {SIZE[0]}x{SIZE[1]}; "
        f"baseline in this process: a bare five-tab Textual app (first screen on screen "
        f"{base['first screen'][0]:.3f} s, settled {base['first screen'][1]:.3f} s; a tab-switch "
        f"key on screen {base['key'][0]:.3f} s, settled {base['key'][1]:.3f} s)"
    )
    print(f"  {'':<36} {'on screen':>9}   {'x bare':>6}   {'settled':>9}   {'x bare':>6}")
    for name, (on_screen, settled) in figures.items():
        against = base["first screen" if name == "first screen" else "key"]
        print(
            f"  {name:<36} {on_screen:7.3f} s  {on_screen / against[0]:6.1f}   "
            f"{settled:7.3f} s  {settled / against[1]:6.1f}"
        )
    print(f"  timeline rows held after paging: {held:,} of {2 * n:,} (pages of 500)")
