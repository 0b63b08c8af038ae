"""Cases created, subjects and identifiers added, and exclusion zones picked from a subject's
frequent places, all from the keyboard through Pilot."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Select

from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.tui.app import ApplianceApp
from appliance.tui.messages import BreachDone, QueryFailed, SubjectsChanged

from .conftest import FRESH, PASSPHRASE, REF, Demo, Fresh, run
from .test_intake import Seen
from .test_screens import opened, text_of, until


def test_a_case_created_from_the_ui_opens_with_its_zone_and_custody_head(tmp_path: Path) -> None:
    async def scenario() -> str:
        app = ApplianceApp(Home(tmp_path / "home"))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.id == "open-case", "the open-case screen")
            await pilot.press("ctrl+n")
            await until(pilot, lambda: app.screen.id == "new-case", "the new-case form")
            await pilot.press(*"OP-NEW", "enter")
            app.screen.query_one("#new-timezone", Input).value = "Europe/Dublin"
            await pilot.press("enter", *"s3cret", "enter", *"s3cret", "enter")
            await until(pilot, lambda: "Case OP-NEW" in text_of(app, "#case-bar"), "the case")
            return text_of(app, "#case-bar")

    bar = run(scenario)
    assert "Europe/Dublin" in bar and "custody head" in bar


def test_a_new_case_needs_the_same_passphrase_twice(tmp_path: Path) -> None:
    async def scenario() -> str:
        app = ApplianceApp(Home(tmp_path / "home"))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.id == "open-case", "the open-case screen")
            await pilot.press("ctrl+n")
            await until(pilot, lambda: app.screen.id == "new-case", "the new-case form")
            await pilot.press(*"OP-NEW", "enter", "enter", *"one", "enter", *"two", "enter")
            return str(app.screen.query_one("#new-error").render())

    assert "differ" in run(scenario)


def test_a_case_reference_already_used_is_refused_in_the_words_of_the_cli(fresh: Fresh) -> None:
    async def scenario() -> str:
        app = ApplianceApp(Home(fresh.home))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.id == "open-case", "the open-case screen")
            await pilot.press("ctrl+n")
            await until(pilot, lambda: app.screen.id == "new-case", "the new-case form")
            await pilot.press(*FRESH, "enter", "enter", *"pw", "enter", *"pw", "enter")
            error = app.screen.query_one("#new-error")
            await until(pilot, lambda: "already exists" in str(error.render()), "the refusal")
            return str(error.render())

    assert "Choose another reference" in run(scenario)


async def _add_subject(app: ApplianceApp, pilot: Pilot[Any], name: str, ids: str) -> None:
    await until(pilot, lambda: f"Case {FRESH}" in text_of(app, "#case-bar"), "the case")
    await pilot.press("1", "n")
    await until(pilot, lambda: app.screen.id == "subject-form", "the subject form")
    await pilot.press(*name, "enter")
    await pilot.press(*ids, "enter")


def test_a_subject_added_from_the_ui_is_in_the_case_with_normalised_numbers(
    fresh: Fresh,
) -> None:
    seen = Seen()

    async def scenario() -> None:
        app = ApplianceApp(Home(fresh.home), FRESH, PASSPHRASE)
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            await _add_subject(app, pilot, "friend", "07700 900999, 07700900998")
            await until(pilot, lambda: bool(seen.of(SubjectsChanged)), "the saved subject")

    run(scenario)
    with CaseStore.open(Home(fresh.home), FRESH, PASSPHRASE, read_only=True) as store:
        assert store.subject("friend").identifiers == ("+447700900998", "+447700900999")


def test_a_new_subject_is_offered_in_every_subject_chooser(fresh: Fresh) -> None:
    seen = Seen()

    async def scenario() -> list[str]:
        app = ApplianceApp(Home(fresh.home), FRESH, PASSPHRASE)
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            await _add_subject(app, pilot, "friend", "07700 900999")
            select = app.query_one("#breach-subject", Select)

            def offered() -> list[str]:
                return [str(v) for _label, v in select._options if isinstance(v, str)]

            # SubjectsChanged reaches the sources pane first, then bubbles up to the app.
            with contextlib.suppress(AssertionError):
                await until(pilot, lambda: "friend" in offered(), "the new subject offered")
            return offered()

    assert "friend" in run(scenario)


def test_an_identifier_that_is_someone_elses_is_refused(fresh: Fresh) -> None:
    seen = Seen()

    async def scenario() -> None:
        app = ApplianceApp(Home(fresh.home), FRESH, PASSPHRASE)
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            await until(pilot, lambda: f"Case {FRESH}" in text_of(app, "#case-bar"), "the case")
            await pilot.press("1", "i")  # the subjects table's cursor is on the suspect
            await until(pilot, lambda: app.screen.id == "subject-form", "the identifiers form")
            await pilot.press(*"07700 900456", "enter")  # the victim's number
            await until(pilot, lambda: bool(seen.of(QueryFailed)), "the refusal")

    run(scenario)
    assert "already attributed to 'victim'" in seen.of(QueryFailed)[0].reason


def test_the_zone_centred_on_the_victims_most_frequent_place_finds_the_cli_visits(
    demo: Demo,
) -> None:
    seen = Seen()

    async def scenario() -> str:
        app = opened(demo)
        async with app.run_test(size=(160, 48), message_hook=seen) as pilot:
            await until(pilot, lambda: f"Case {REF}" in text_of(app, "#case-bar"), "the case")
            await pilot.press("4", "f")
            await until(pilot, lambda: app.screen.id == "places", "the places")
            await pilot.press("enter")
            await until(pilot, lambda: bool(seen.of(BreachDone)), "the visits")
            return app.query_one("#breach-zone", Input).value

    zone = run(scenario)
    expected = demo.json(
        "breach", "--case", REF, "--subject", "suspect", "--zone", zone, "--radius", "200m"
    )
    assert len(seen.of(BreachDone)[0].result.visits) == len(expected["visits"])
