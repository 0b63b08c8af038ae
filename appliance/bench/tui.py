"""``appliance bench tui``: the terminal UI on a large case, driven through Textual's Pilot.

The case holds two subjects with 1,000,000 located observations each over 30 days (the dense
benchmark's data: about 660,000 co-location events). Measured in one process: time to the
first screen (case unlocked, sources listed), the answer to single keypresses (switching
screens, paging the timeline), and the co-location run from the keyboard. The baseline, in the
same process, is a bare Textual app with five tabs of small tables: its first screen and a
tab-switching key, so the figures separate the appliance's own cost from Textual's and Pilot's.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from appliance.bench.worker import _case, _fill
from appliance.store.home import Home
from appliance.tui.app import ApplianceApp

SIZE = (160, 48)


class _Tabs(App[None]):
    """The baseline: a bare Textual app with five tabs of small tables, keys 1-5 to switch."""

    BINDINGS: ClassVar[list[BindingType]] = [
        (str(n), f"show('p{n}')", f"pane {n}") for n in range(1, 6)
    ]

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


async def _until(pilot: Pilot[Any], ready: Callable[[], bool]) -> float:
    started = time.perf_counter()
    for _ in range(20_000):
        if ready():
            return time.perf_counter() - started
        await pilot.pause(0.005)
    raise RuntimeError("the UI never became ready")


async def _press(pilot: Pilot[Any], key: str, ready: Callable[[], bool]) -> float:
    """From the key to its answer on screen (Pilot waits for the app to settle, animations
    included, as an officer would)."""
    started = time.perf_counter()
    await pilot.press(key)
    await _until(pilot, ready)
    return time.perf_counter() - started


async def _baseline() -> dict[str, float]:
    started = time.perf_counter()
    app = _Tabs()
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: bool(app.query("#ready")))
        first = time.perf_counter() - started
        switch = await _press(pilot, "5", lambda: app.query_one(TabbedContent).active == "p5")
        back = await _press(pilot, "2", lambda: app.query_one(TabbedContent).active == "p2")
    return {"first screen": first, "key": min(switch, back)}


def _bar(app: ApplianceApp) -> str:
    return str(app.query_one("#case-bar", Static).render())


def _rows(app: ApplianceApp, selector: str) -> int:
    return app.query_one(selector, DataTable).row_count


async def _ours(home: Path) -> dict[str, float]:
    started = time.perf_counter()
    app = ApplianceApp(Home(home), "BENCH", "bench")
    figures: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: "Case BENCH" in _bar(app) and _rows(app, "#sources-table") > 0)
        figures["first screen"] = time.perf_counter() - started
        figures["key: to the timeline"] = await _press(
            pilot,
            "5",
            lambda: app.query_one("#tabs").active == "timeline",  # type: ignore[attr-defined]
        )
        figures["key: first timeline page"] = await _press(
            pilot, "g", lambda: _rows(app, "#timeline-table") > 0
        )
        app.query_one("#timeline-table", DataTable).focus()
        shown = _rows(app, "#timeline-table")
        figures["key: page down"] = await _press(pilot, "pagedown", lambda: True)
        figures["key: to the end, next page loaded"] = await _press(
            pilot, "end", lambda: _rows(app, "#timeline-table") > shown
        )
        figures["key: to co-location"] = await _press(
            pilot,
            "2",
            lambda: app.query_one("#tabs").active == "colocation",  # type: ignore[attr-defined]
        )
        figures["co-location from the keyboard"] = await _press(
            pilot, "g", lambda: _rows(app, "#occasions-table") > 0
        )
        figures["key: to the intake pane"] = await _press(
            pilot,
            "6",
            lambda: app.query_one("#tabs").active == "intake",  # type: ignore[attr-defined]
        )
        figures["timeline rows held"] = float(_rows(app, "#timeline-table"))
    return figures


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
        figures = asyncio.run(_ours(folder))
        after = asyncio.run(_baseline())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    base = {k: min(before[k], after[k]) for k in before}
    held = int(figures.pop("timeline rows held"))
    print(
        f"tui: a case of {2 * n:,} observations through Textual's Pilot at {SIZE[0]}x{SIZE[1]}; "
        f"baseline in this process: a bare five-tab Textual app (first screen "
        f"{base['first screen']:.3f} s, a tab-switch key {base['key']:.3f} s)"
    )
    for name, seconds in figures.items():
        against = base["first screen"] if name == "first screen" else base["key"]
        print(f"  {name:<36} {seconds:8.3f} s  ({seconds / against:5.1f} x the bare app)")
    print(f"  timeline rows held after paging: {held:,} of {2 * n:,} (pages of 500)")
