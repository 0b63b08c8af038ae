"""Every action has a name: the command palette finds the new ones and runs them."""

from __future__ import annotations

from textual.widgets import TabbedContent

from appliance.tui.app import ApplianceApp

from .conftest import REF, Demo, run
from .test_screens import opened, text_of, until


def names(app: ApplianceApp) -> list[str]:
    return [command.name for command in app.palette_commands()]


def test_the_palette_names_the_intake_subject_and_zone_actions(demo: Demo) -> None:
    async def scenario() -> list[str]:
        app = opened(demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            return names(app)

    assert {
        "New case",
        "New subject",
        "Add identifiers to a subject",
        "Exclusion zone at a frequent place",
        "Acquire evidence from a path",
        "Attribute a sealed file to a subject",
        "Parse sealed files",
        "Watch for USB sticks",
    } <= set(run(scenario))


def test_acquire_by_name_shows_the_intake_pane_asking_for_a_path(demo: Demo) -> None:
    async def scenario() -> tuple[str, str]:
        app = opened(demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            await pilot.press("ctrl+p")
            await pilot.press(*"acquire evidence")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await until(pilot, lambda: "Type the path" in text_of(app, "#intake-summary"), "ask")
            return app.query_one("#tabs", TabbedContent).active, str(app.focused and app.focused.id)

    assert run(scenario) == ("intake", "intake-path")


def test_the_help_lists_the_intake_panes_keys(demo: Demo) -> None:
    async def scenario() -> list[str]:
        app = opened(demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            return [title for title, _keys in app.help_sections()]

    assert "Intake pane (6)" in run(scenario)
