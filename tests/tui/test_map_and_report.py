"""The map screen (m) and the report screen (R) through Pilot, against the demo case."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report.cups import CupsUnavailable, PrivateCups, private_cups
from textual.pilot import Pilot

from appliance.tui.app import ApplianceApp
from appliance.tui.map_screen import MapScreen
from appliance.tui.report_screen import ReportScreen

from .conftest import REF, Demo, run
from .test_screens import SIZES, SNAPSHOTS, UPDATE, normalised, opened, table, text_of, until


@pytest.fixture(scope="module")
def cups() -> Iterator[PrivateCups]:
    try:
        with private_cups() as running:
            yield running
    except CupsUnavailable as exc:
        pytest.skip(f"no private CUPS: {exc}")


async def colocated(app: ApplianceApp, pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
    await pilot.press("2", "g")
    await until(pilot, lambda: table(app, "#occasions-table").row_count > 1, "the occasions")


async def map_shown(app: ApplianceApp, pilot: Pilot[Any]) -> MapScreen:
    await until(pilot, lambda: isinstance(app.screen, MapScreen), "the map screen")
    screen = app.screen
    assert isinstance(screen, MapScreen)
    await until(pilot, lambda: screen.shown is not None, "the map")
    return screen


def test_m_on_an_occasion_maps_that_occasion(demo: Demo) -> None:
    async def scenario() -> tuple[int, str]:
        app = opened(demo)
        async with app.run_test(size=(160, 48)) as pilot:
            await colocated(app, pilot)
            table(app, "#occasions-table").focus()
            await pilot.press("down", "m")
            screen = await map_shown(app, pilot)
            assert screen.shown is not None
            return screen.number, screen.shown.legend[0]

    number, first_line = run(scenario)
    assert (number, first_line.startswith("Occasion 2:")) == (2, True)


def test_right_bracket_steps_to_the_next_occasion(demo: Demo) -> None:
    async def scenario() -> str:
        app = opened(demo)
        async with app.run_test(size=(160, 48)) as pilot:
            await colocated(app, pilot)
            table(app, "#occasions-table").focus()
            await pilot.press("m")
            screen = await map_shown(app, pilot)
            await pilot.press("right_square_bracket")
            await until(pilot, lambda: screen.number == 2 and screen.shown is not None, "map 2")
            assert screen.shown is not None
            return screen.shown.legend[0]

    assert run(scenario).startswith("Occasion 2:")


def test_escape_closes_the_map(demo: Demo) -> None:
    async def scenario() -> bool:
        app = opened(demo)
        async with app.run_test(size=(160, 48)) as pilot:
            await colocated(app, pilot)
            table(app, "#occasions-table").focus()
            await pilot.press("m")
            await map_shown(app, pilot)
            await pilot.press("escape")
            await pilot.pause(0.1)
            return isinstance(app.screen, MapScreen)

    assert run(scenario) is False


def test_m_with_nothing_to_map_says_so(demo: Demo) -> None:
    async def scenario() -> list[str]:
        app = opened(demo)
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            await pilot.press("3", "m")
            await pilot.pause(0.1)
            return [str(n.message) for n in app._notifications]

    assert any(m.startswith("Nothing to map here") for m in run(scenario))


async def report_built(app: ApplianceApp, pilot: Pilot[Any]) -> ReportScreen:
    await colocated(app, pilot)
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, ReportScreen), "the report screen")
    screen = app.screen
    assert isinstance(screen, ReportScreen)
    await until(pilot, lambda: screen.preview is not None, "the report", steps=3000)
    return screen


def test_the_report_preview_has_the_command_lines_figures(demo: Demo) -> None:
    expected = demo.json("colocate", "--case", REF, "--a", "suspect", "--b", "victim")

    async def scenario() -> tuple[int, int]:
        app = opened(demo)
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await report_built(app, pilot)
            assert screen.preview is not None
            return screen.preview.summary.occasions, len(screen.preview.pages)

    occasions, pages = run(scenario)
    assert (occasions, pages > 0) == (len(expected["occasions"]), True)


def test_printing_to_a_missing_printer_says_why(demo: Demo, cups: PrivateCups) -> None:
    async def scenario() -> str:
        app = opened(demo)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CUPS_SERVER", str(cups.socket))
            async with app.run_test(size=(160, 48)) as pilot:
                screen = await report_built(app, pilot)
                screen.query_one("#report-printer").value = "no-such-printer"  # type: ignore[attr-defined]
                await pilot.press("p")
                await until(
                    pilot,
                    lambda: bool(screen.said) and "Sending" not in screen.said,
                    "the print outcome",
                    steps=3000,
                )
                return screen.said

    assert "no such printer" in run(scenario)


def test_printing_names_the_job_on_the_queue(demo: Demo, cups: PrivateCups) -> None:
    async def scenario() -> str:
        app = opened(demo)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CUPS_SERVER", str(cups.socket))
            async with app.run_test(size=(160, 48)) as pilot:
                screen = await report_built(app, pilot)
                screen.query_one("#report-printer").value = cups.queue  # type: ignore[attr-defined]
                await pilot.press("p")
                await until(
                    pilot,
                    lambda: bool(screen.said) and "Sending" not in screen.said,
                    "the print outcome",
                    steps=3000,
                )
                return screen.said

    assert run(scenario).startswith(f"printing: job {cups.queue}-")


def test_s_saves_the_previewed_report(demo: Demo, tmp_path: Path) -> None:
    target = tmp_path / "saved.pdf"

    async def scenario() -> None:
        app = opened(demo)
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await report_built(app, pilot)
            screen.query_one("#report-path").value = str(target)  # type: ignore[attr-defined]
            await pilot.press("s")
            await until(
                pilot, lambda: screen.said.startswith("wrote"), "the saved report", steps=3000
            )

    run(scenario)
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(("width", "height"), SIZES, ids=["80x24", "160x48"])
def test_the_map_screen_matches_its_svg_snapshot(demo: Demo, width: int, height: int) -> None:
    """The first occasion's map in half-blocks, legend below (APPLIANCE_UPDATE_SNAPSHOTS=1
    accepts a deliberate change)."""

    async def scenario() -> str:
        app = opened(demo)
        app.animation_level = "none"
        async with app.run_test(size=(width, height)) as pilot:
            await colocated(app, pilot)
            table(app, "#occasions-table").focus()
            await pilot.press("m")
            await map_shown(app, pilot)
            await pilot.pause(0.2)
            return normalised(app.export_screenshot())

    svg = run(scenario)
    snapshot = SNAPSHOTS / f"map-{width}x{height}.svg"
    if os.environ.get(UPDATE):
        snapshot.write_text(svg)
        return
    assert svg == snapshot.read_text(), f"the map at {width}x{height} differs from {snapshot.name}"
