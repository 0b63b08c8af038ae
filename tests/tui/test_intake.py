"""The intake pane through Pilot: a path typed or a stick arriving, each file found, read,
hashed and sealed with its progress posted as it happens; each file attributed to a subject and
parsed; escape cancelling; hostile file names shown escaped."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from intake.images import fat_image
from intake_watch.recorded import LG_FLASHDRIVE
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input

from appliance.analyses.accounting import sources
from appliance.custody.ledger import LEDGER_NAME, Ledger
from appliance.intake.events import BytesRead, FileFound, FileSealed, ParseEnded
from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.tui.app import ApplianceApp
from appliance.tui.messages import (
    AcquisitionDone,
    IntakeProgress,
    IntakeStopped,
    ParseDone,
    StickArrived,
)
from appliance.tui.panes.intake import IntakePane
from appliance.tui.widgets import RowTable

from .conftest import FRESH, PASSPHRASE, Fresh, run
from .test_screens import text_of, until

MiB = 1024 * 1024


class Seen:
    """Every message the app dispatched, in order, once each (Pilot's message hook sees a
    message again at each widget it bubbles through)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._ids: set[int] = set()

    def __call__(self, message: Message) -> None:
        if id(message) not in self._ids:
            self._ids.add(id(message))
            self.messages.append(message)

    def of(self, kind: type[Any]) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]

    def events(self, kind: type[Any]) -> list[Any]:
        return [m.event for m in self.of(IntakeProgress) if isinstance(m.event, kind)]


def app_for(fresh: Fresh) -> ApplianceApp:
    return ApplianceApp(Home(fresh.home), FRESH, PASSPHRASE)


async def opened_on_intake(app: ApplianceApp, pilot: Pilot[Any]) -> IntakePane:
    await until(pilot, lambda: f"Case {FRESH}" in text_of(app, "#case-bar"), "the case")
    await pilot.press("6")
    return app.query_one(IntakePane)


async def acquire(pilot: Pilot[Any], pane: IntakePane, path: Path, seen: Seen) -> None:
    pane.query_one("#intake-path", Input).value = str(path)
    pane.query_one("#intake-path", Input).focus()
    await pilot.press("enter")
    await until(pilot, lambda: bool(seen.of(AcquisitionDone)), "the end of the acquisition")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ledger_actions(fresh: Fresh) -> list[str]:
    with Ledger(fresh.home / FRESH / LEDGER_NAME) as ledger:
        return [e.action for e in ledger.entries()]


def test_each_file_found_is_posted_before_it_is_read(fresh: Fresh) -> None:
    seen = Seen()

    async def scenario() -> None:
        app = app_for(fresh)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            await acquire(pilot, await opened_on_intake(app, pilot), fresh.evidence, seen)

    run(scenario)
    assert sorted(Path(e.display).name for e in seen.events(FileFound)) == [
        "suspect_cdr.csv",
        "victim_fixes.csv",
    ]


def test_each_sealed_file_is_posted_with_the_hash_of_its_bytes(fresh: Fresh) -> None:
    seen = Seen()

    async def scenario() -> None:
        app = app_for(fresh)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            await acquire(pilot, await opened_on_intake(app, pilot), fresh.evidence, seen)

    run(scenario)
    assert {Path(e.display).name: e.sha256 for e in seen.events(FileSealed)} == {
        p.name: sha256(p) for p in fresh.evidence.iterdir()
    }


def test_bytes_read_reach_the_file_size(fresh: Fresh) -> None:
    seen = Seen()

    async def scenario() -> None:
        app = app_for(fresh)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            await acquire(pilot, await opened_on_intake(app, pilot), fresh.evidence, seen)

    run(scenario)
    last = {Path(e.display).name: e.done for e in seen.events(BytesRead)}
    assert last == {p.name: p.stat().st_size for p in fresh.evidence.iterdir()}


def test_sealed_files_wait_with_their_references_until_the_officer_parses(fresh: Fresh) -> None:
    seen = Seen()

    async def scenario() -> list[str]:
        app = app_for(fresh)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            pane = await opened_on_intake(app, pilot)
            pane.query_one("#intake-prefix", Input).value = "JS"
            await acquire(pilot, pane, fresh.evidence, seen)
            return sorted(e.ref for e in pane.waiting())

    assert run(scenario) == ["JS/1", "JS/2"]


def test_a_file_is_parsed_for_the_subject_the_officer_attributes_it_to(fresh: Fresh) -> None:
    seen = Seen()

    async def scenario() -> None:
        app = app_for(fresh)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            pane = await opened_on_intake(app, pilot)
            await acquire(pilot, pane, fresh.evidence, seen)
            table = pane.query_one("#intake-table", RowTable)
            fixes = next(e.ref for e in pane.waiting() if e.path.endswith("victim_fixes.csv"))
            table.focus()
            table.move_cursor(row=table.get_row_index(fixes))
            # (from its lines) -> suspect -> victim
            await pilot.press("s", "s", "p")
            await until(pilot, lambda: bool(seen.of(ParseDone)), "the end of the parse")

    run(scenario)
    with CaseStore.open(Home(fresh.home), FRESH, PASSPHRASE, read_only=True) as store:
        subjects = {Path(a.path).name: a.subject for a in sources(store)}
    assert subjects == {"suspect_cdr.csv": "suspect", "victim_fixes.csv": "victim"}


def test_parsing_posts_each_files_rows_loaded_and_rejected(fresh: Fresh) -> None:
    seen = Seen()

    async def scenario() -> None:
        app = app_for(fresh)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            pane = await opened_on_intake(app, pilot)
            await acquire(pilot, pane, fresh.evidence, seen)
            pane.query_one("#intake-table", RowTable).focus()
            await pilot.press("p")
            await until(pilot, lambda: bool(seen.of(ParseDone)), "the end of the parse")

    run(scenario)
    ended = {e.ref: (e.status, e.loaded, e.rejected) for e in seen.events(ParseEnded)}
    assert sorted(ended.values()) == [("loaded", 1, 0), ("loaded", 2, 1)]


def test_parsing_brings_the_other_panes_up_to_date(fresh: Fresh) -> None:
    seen = Seen()

    async def scenario() -> int:
        app = app_for(fresh)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            pane = await opened_on_intake(app, pilot)
            await acquire(pilot, pane, fresh.evidence, seen)
            pane.query_one("#intake-table", RowTable).focus()
            await pilot.press("p")
            await until(pilot, lambda: bool(seen.of(ParseDone)), "the end of the parse")
            sources = app.query_one("#sources-table", RowTable)
            # ParseDone reaches the intake pane first, then bubbles up to the app.
            await until(pilot, lambda: sources.row_count > 0, "the sources pane's rows")
            return sources.row_count

    assert run(scenario) == 2


def test_the_custody_head_on_the_bar_follows_the_intake(fresh: Fresh) -> None:
    seen = Seen()

    async def scenario() -> tuple[str, str]:
        app = app_for(fresh)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            await acquire(pilot, await opened_on_intake(app, pilot), fresh.evidence, seen)
            with Ledger(fresh.home / FRESH / LEDGER_NAME) as ledger:
                head = ledger.head()
            shown = f"custody head {head[:16]}"
            # A bounded wait: the new head reaches the app on its own message.
            with contextlib.suppress(AssertionError):
                await until(pilot, lambda: shown in text_of(app, "#case-bar"), "the new head")
            return shown, text_of(app, "#case-bar")

    shown, bar = run(scenario)
    assert shown in bar


def cancel_a_large_intake(fresh: Fresh) -> None:
    """Start reading a large file from the intake pane, then press escape once bytes flow."""
    big = fresh.evidence / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(4096 * MiB)  # sparse: costs no disk, reads as zeros, takes seconds
    seen = Seen()

    async def scenario() -> None:
        app = app_for(fresh)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            pane = await opened_on_intake(app, pilot)
            pane.query_one("#intake-path", Input).value = str(big)
            pane.query_one("#intake-path", Input).focus()
            await pilot.press("enter")
            await until(pilot, lambda: bool(seen.events(BytesRead)), "the first bytes")
            await pilot.press("escape")
            await until(pilot, lambda: bool(seen.of(IntakeStopped)), "the cancellation")

    run(scenario)


def test_escape_cancels_an_intake_and_the_custody_ledger_says_so(fresh: Fresh) -> None:
    cancel_a_large_intake(fresh)
    assert "intake cancelled" in ledger_actions(fresh)


def test_a_cancelled_intake_leaves_no_exhibit_of_the_file_it_was_reading(fresh: Fresh) -> None:
    cancel_a_large_intake(fresh)
    assert "acquired" not in ledger_actions(fresh)


HOSTILE = "evil\x1b[2J\u202eevil.csv"


def test_a_hostile_file_name_is_shown_escaped(fresh: Fresh) -> None:
    (fresh.evidence / HOSTILE).write_text("start_time\n")
    seen = Seen()

    async def scenario() -> str:
        app = app_for(fresh)
        async with app.run_test(size=(160, 30), message_hook=seen) as pilot:
            pane = await opened_on_intake(app, pilot)
            await acquire(pilot, pane, fresh.evidence, seen)
            await pilot.pause()
            table = pane.query_one("#intake-table", RowTable)
            return " ".join(str(c) for r in range(table.row_count) for c in table.get_row_at(r))

    shown = run(scenario)
    assert "evil" in shown and "\x1b" not in shown and "\u202e" not in shown


# -- a USB stick arriving ------------------------------------------------------------------


class StickEvent:
    """A udev "add" event for a USB flash drive whose device node is a real FAT image."""

    action = "add"

    def __init__(self, node: Path) -> None:
        self.device_node = str(node)
        self.properties = {**LG_FLASHDRIVE, "DEVNAME": str(node)}
        self.attributes = {"size": b"15663104"}


class OneStick:
    """A udev monitor that hands out one stick, then nothing until the watch is stopped."""

    def __init__(self, node: Path) -> None:
        self.pending: list[StickEvent] = [StickEvent(node)]

    def filter_by(self, subsystem: str, device_type: str | None = None) -> None:
        pass

    def start(self) -> None:
        pass

    def poll(self, timeout: float | None = None) -> StickEvent | None:
        if self.pending:
            return self.pending.pop()
        threading.Event().wait(timeout or 0)
        return None


@pytest.fixture
def stick(tmp_path: Path, fresh: Fresh) -> Iterator[Path]:
    files = {p.name: p.read_bytes() for p in fresh.evidence.iterdir()}
    yield fat_image(tmp_path, files, fat=16)


def test_a_usb_stick_arriving_is_read_with_its_progress_on_screen(
    fresh: Fresh, stick: Path
) -> None:
    seen = Seen()

    async def scenario() -> None:
        app = app_for(fresh)
        app.stick_monitor = lambda: OneStick(stick)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            pane = await opened_on_intake(app, pilot)
            pane.query_one("#intake-table", RowTable).focus()
            await pilot.press("w")
            await until(pilot, lambda: bool(seen.of(AcquisitionDone)), "the stick read")
            await pilot.press("w")

    run(scenario)
    sealed = {e.display.rsplit("/", 1)[-1]: e.sha256 for e in seen.events(FileSealed)}
    assert sealed == {p.name: sha256(p) for p in fresh.evidence.iterdir()}


def test_a_usb_stick_arriving_is_announced_once(fresh: Fresh, stick: Path) -> None:
    seen = Seen()

    async def scenario() -> None:
        app = app_for(fresh)
        app.stick_monitor = lambda: OneStick(stick)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            pane = await opened_on_intake(app, pilot)
            pane.query_one("#intake-table", RowTable).focus()
            await pilot.press("w")
            await until(pilot, lambda: bool(seen.of(AcquisitionDone)), "the stick read")
            await pilot.press("w")

    run(scenario)
    assert [m.devnode for m in seen.of(StickArrived)] == [str(stick)]


def test_without_udev_watching_says_why_and_what_to_do(fresh: Fresh) -> None:
    if os.path.exists("/run/udev/control"):
        pytest.skip("udev runs here: watching would start")
    seen = Seen()

    async def scenario() -> str:
        app = app_for(fresh)
        async with app.run_test(size=(100, 30), message_hook=seen) as pilot:
            pane = await opened_on_intake(app, pilot)
            pane.query_one("#intake-table", RowTable).focus()
            await pilot.press("w")
            await until(pilot, lambda: "Cannot watch" in text_of(app, "#intake-summary"), "why")
            return text_of(app, "#intake-summary")

    assert "appliance intake DEVICE" in run(scenario)


def test_files_sealed_by_the_usb_service_appear_while_the_case_is_open(fresh: Fresh) -> None:
    from appliance.crypto import sealing_public_key
    from appliance.intake.session import acquire as seal

    async def scenario() -> list[str]:
        app = app_for(fresh)
        async with app.run_test(size=(100, 30)) as pilot:
            pane = await opened_on_intake(app, pilot)
            info = Home(fresh.home).case(FRESH)
            # What the unattended service does in its own process: the public key only.
            public = sealing_public_key(info.keys_path)
            seal(info.ref, info.folder, public, [fresh.evidence], "USB service", lambda _: None)
            await until(pilot, lambda: len(pane.waiting()) == 2, "the sealed files listed")
            return sorted(Path(e.path).name for e in pane.waiting())

    assert run(scenario) == ["suspect_cdr.csv", "victim_fixes.csv"]
