"""An occasion with thousands of events is listed a page at a time: the table holds one page,
the next arrives when the cursor nears the end, and the rows are the analysis's own events."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.analyses.colocate import Parameters, colocate
from appliance.bench.worker import _case, _fill
from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.tui.app import ApplianceApp
from appliance.tui.panes import colocation as pane

from .conftest import run
from .test_screens import table, text_of, until


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two subjects with 20,000 fixes each over a day, crossing paths: occasions of thousands."""
    folder = tmp_path_factory.mktemp("crowded")
    store = _case(folder)
    _fill(store, 1, 20_000, 1, fa=0.93, fb=1.37)
    _fill(store, 2, 20_000, 1, fa=1.11, fb=0.71)
    store.checkpoint()
    store.close()
    return folder


def test_a_big_occasion_is_listed_a_page_at_a_time(crowded: Path) -> None:
    store = CaseStore.open(Home(crowded), "BENCH", "bench", read_only=True)
    expected = colocate(store, "a", "b", Parameters())
    store.close()
    biggest = max(expected.occasions, key=lambda o: o.events)
    assert biggest.events > 2 * pane.PAGE, "the data must make an occasion of several pages"
    first_row = biggest.number - 1

    async def scenario() -> tuple[int, int, str, str]:
        app = ApplianceApp(Home(crowded), "BENCH", "bench")
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: "Case BENCH" in text_of(app, "#case-bar"), "the case")
            await pilot.press("2")
            await until(pilot, lambda: app.active_pane().pane_id == "colocation", "the pane")
            await pilot.press("g")
            occasions = table(app, "#occasions-table")
            await until(pilot, lambda: occasions.row_count > 0, "the occasions")
            occasions.focus()
            occasions.move_cursor(row=first_row)
            await pilot.press("enter")
            events = table(app, "#events-table")
            await until(pilot, lambda: events.row_count > 0 and not events.queued, "a page")
            first = events.row_count
            first_cell = str(events.get_row_at(0)[-1])
            events.focus()
            await pilot.press("end")  # the cursor reaches the end: the next page comes
            await until(
                pilot, lambda: events.row_count > first and not events.queued, "the second page"
            )
            return first, events.row_count, first_cell, text_of(app, "#coloc-summary")

    first, second, first_cell, summary = run(scenario)
    assert (first, second) == (pane.PAGE, 2 * pane.PAGE)
    e = expected.occasion_events(biggest.number)[0]
    assert first_cell == f"{e.a_source.exhibit}:{e.a_row} / {e.b_source.exhibit}:{e.b_row}"
    assert f"{2 * pane.PAGE:,} of its {biggest.events:,} events listed" in summary
