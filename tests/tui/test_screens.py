"""Each screen through Textual's Pilot: keys pressed, app state and the figures on screen
checked against the command line's JSON for the same case."""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TabbedContent

from appliance.store.home import Home
from appliance.tui.app import ApplianceApp
from appliance.tui.widgets import RowTable

from .conftest import PASSPHRASE, REF, Demo, run

SIZES = [(80, 24), (160, 48)]


async def until(pilot: Pilot[Any], ready: Callable[[], bool], what: str, steps: int = 600) -> None:
    """Let the app run until ``ready`` holds (workers finish); a bound on steps, not on time."""
    for _ in range(steps):
        if ready():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"the UI never showed {what}")


def text_of(app: ApplianceApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


def table(app: ApplianceApp, selector: str) -> RowTable:
    return app.query_one(selector, RowTable)


def opened(demo: Demo, passphrase: str | None = PASSPHRASE) -> ApplianceApp:
    return ApplianceApp(Home(demo.home), REF if passphrase else None, passphrase)


def test_opening_a_case_asks_for_the_passphrase_and_refuses_a_wrong_one(demo: Demo) -> None:
    async def scenario() -> None:
        app = ApplianceApp(Home(demo.home))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.id == "open-case", "the open-case screen")
            passphrase = app.screen.query_one("#passphrase", Input)
            passphrase.focus()
            await pilot.press(*"wrong", "enter")
            await until(
                pilot,
                lambda: "passphrase" in str(app.screen.query_one("#open-error", Static).render()),
                "the wrong-passphrase message",
            )
            assert app.screen.id == "open-case"
            passphrase.value = ""
            await pilot.press(*PASSPHRASE, "enter")
            await until(pilot, lambda: app.screen.id != "open-case", "the case")
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the bar")
            bar = text_of(app, "#case-bar")
            assert "Europe/London" in bar and "custody head" in bar

    run(scenario)


def test_colocation_shows_the_same_occasions_as_the_command_line(demo: Demo) -> None:
    expected = demo.json("colocate", "--case", REF, "--a", "suspect", "--b", "victim")

    async def scenario() -> None:
        app = opened(demo)
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            await pilot.press("2")
            await until(
                pilot,
                lambda: app.query_one("#tabs", TabbedContent).active == "colocation",
                "the co-location pane",
            )
            await pilot.press("g")
            occasions = table(app, "#occasions-table")
            await until(pilot, lambda: occasions.row_count > 0, "the occasions")
            assert occasions.row_count == len(expected["occasions"])
            summary = text_of(app, "#coloc-summary")
            assert f"{len(expected['occasions']):,} occasions" in summary
            assert f"{len(expected['events']):,} events" in summary
            occasions.focus()
            await pilot.press("enter")
            events = table(app, "#events-table")
            await until(
                pilot,
                lambda: events.row_count > 0 and not events.queued,
                "the events of the first occasion",
            )
            assert events.row_count == expected["occasions"][0]["events"]

    run(scenario)


def test_contacts_figures_equal_the_command_line(demo: Demo) -> None:
    expected = demo.json("contacts", "--case", REF, "--a", "suspect", "--b", "victim")

    async def scenario() -> None:
        app = opened(demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            await pilot.press("3", "g")
            days = table(app, "#contacts-days")
            await until(pilot, lambda: days.row_count > 0, "the per-day table")
            assert days.row_count == len(expected["per_day"])
            totals = text_of(app, "#contacts-totals")
            for key in ("voice_a_to_b", "sms_a_to_b"):
                assert f"{expected['totals'][key]:,}" in totals
            summary = text_of(app, "#contacts-summary").lower()
            assert "busiest" in summary

    run(scenario)


def test_the_timeline_loads_a_page_at_a_time(demo: Demo) -> None:
    async def scenario() -> None:
        app = opened(demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            await pilot.press("5", "g")
            rows = table(app, "#timeline-table")
            await until(pilot, lambda: rows.row_count > 0 and not rows.queued, "the first page")
            assert rows.row_count == 500  # a page, not the whole case
            rows.focus()
            await pilot.press("end")
            await until(pilot, lambda: rows.row_count > 500, "the next page")
            assert rows.row_count <= 1500

    run(scenario)


def test_what_lives_while_a_case_is_open_is_set_aside_from_collection_until_exit(
    demo: Demo,
) -> None:
    """A full garbage collection walked every object in the process (about 0.1 s, landing on
    a key); once the case is open those are frozen, and released again when the app ends."""

    async def scenario() -> int:
        app = opened(demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            await until(pilot, lambda: gc.get_freeze_count() > 0, "the objects set aside")
        return gc.get_freeze_count()

    assert run(scenario) == 0


def test_sources_show_row_accounting_and_rejections_one_key_away(demo: Demo) -> None:
    expected = demo.json("sources", "--case", REF)

    async def scenario() -> None:
        app = opened(demo)
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            await pilot.press("1")
            sources = table(app, "#sources-table")
            await until(pilot, lambda: sources.row_count > 0, "the sources")
            assert sources.row_count == len(expected)
            with_rejections = next(i for i, s in enumerate(expected) if s["rejected"])
            sources.focus()
            sources.move_cursor(row=with_rejections)
            await pilot.press("r")
            rejections = table(app, "#rejections-table")
            await until(pilot, lambda: rejections.row_count > 0, "the rejected rows")
            assert rejections.row_count == expected[with_rejections]["rejected"]

    run(scenario)


def test_help_lists_the_keys(demo: Demo) -> None:
    async def scenario() -> None:
        app = opened(demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            await pilot.press("question_mark")
            await until(pilot, lambda: app.screen.id == "help", "the help screen")

    run(scenario)


SNAPSHOTS = Path(__file__).with_name("snapshots")
UPDATE = "APPLIANCE_UPDATE_SNAPSHOTS"
SCREENS = {
    "1": "sources",
    "2": "colocation",
    "3": "contacts",
    "4": "breach",
    "5": "timeline",
    "6": "intake",
}


def normalised(svg: str) -> str:
    """What may differ between two runs on the same data: Textual's per-run id, the custody
    head (entry times are in the chain) and the demo's temporary folder."""
    svg = re.sub(r"terminal-\d+", "terminal", svg)
    svg = re.sub(r"(custody(?:&#160;| )head(?:&#160;| ))[0-9a-f]{16}", r"\1HEAD", svg)
    return re.sub(r"appliance-demo-[A-Za-z0-9_]+", "appliance-demo-TMP", svg)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=["80x24", "160x48"])
def test_main_screens_match_their_svg_snapshots(demo: Demo, width: int, height: int) -> None:
    """Every main screen at the smallest console and a large terminal, as SVG, compared with
    the reviewed snapshot (set APPLIANCE_UPDATE_SNAPSHOTS=1 to accept a deliberate change)."""

    async def scenario() -> dict[str, str]:
        app = opened(demo)
        # The tab underline slides; a screenshot mid-slide would differ from run to run.
        app.animation_level = "none"
        shots = {}
        async with app.run_test(size=(width, height)) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            await until(pilot, lambda: table(app, "#sources-table").row_count > 0, "sources")
            for key, name in SCREENS.items():
                await pilot.press(key)
                await until(
                    pilot,
                    lambda name=name: app.query_one("#tabs", TabbedContent).active == name,
                    name,
                )
                await pilot.wait_for_scheduled_animations()
                await pilot.pause(0.2)
                shots[name] = normalised(app.export_screenshot())
        return shots

    for name, svg in run(scenario).items():
        assert svg.startswith("<svg") and f"Case&#160;{REF}" in svg
        snapshot = SNAPSHOTS / f"{name}-{width}x{height}.svg"
        if os.environ.get(UPDATE):
            SNAPSHOTS.mkdir(exist_ok=True)
            snapshot.write_text(svg)
            continue
        assert snapshot.exists(), f"no snapshot {snapshot.name}; run with {UPDATE}=1 and review"
        assert svg == snapshot.read_text(), (
            f"{name} at {width}x{height} differs from {snapshot.name}; "
            f"if the change is deliberate, run with {UPDATE}=1 and review the SVG"
        )
