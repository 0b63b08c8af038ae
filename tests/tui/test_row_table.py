"""Rows added in steps keep their order, whatever arrives while earlier rows still wait, and a
cleared table forgets what was waiting."""

from __future__ import annotations

from textual.app import App, ComposeResult

from appliance.tui import widgets
from appliance.tui.widgets import RowTable

from .conftest import run


class _One(App[None]):
    def compose(self) -> ComposeResult:
        yield RowTable(id="t")

    def on_mount(self) -> None:
        self.query_one(RowTable).add_columns("n")


def values(table: RowTable) -> list[int]:
    return [int(table.get_row_at(i)[0]) for i in range(table.row_count)]


def test_pages_in_steps_come_out_in_order() -> None:
    async def scenario() -> tuple[int, list[int], list[int]]:
        app = _One()
        async with app.run_test() as pilot:
            table = app.query_one(RowTable)
            table.append_rows((n,) for n in range(500))
            at_once = table.row_count
            table.append_rows((n,) for n in range(500, 800))  # a page while rows still wait
            while table.queued:
                await pilot.pause()
            whole = values(table)
            table.append_rows((n,) for n in range(1_000))
            table.clear()
            table.append_rows((n,) for n in range(3))
            while table.queued:
                await pilot.pause()
            return at_once, whole, values(table)

    at_once, whole, after_clear = run(scenario)
    assert at_once == widgets.FIRST_ROWS
    assert whole == list(range(800))
    assert after_clear == [0, 1, 2]
