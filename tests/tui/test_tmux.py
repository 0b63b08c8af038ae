"""End to end in a real terminal: ``appliance tui`` under tmux, driven by the keys an officer
would type, the answer read off the captured screen."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .conftest import FRESH, PASSPHRASE, REF, Demo, Fresh, appliance_command

WAIT_S = 60


class Terminal:
    def __init__(self, name: str) -> None:
        self.name = name

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def screen(self) -> str:
        done = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        )
        return done.stdout

    def wait_for(self, what: str, test: Callable[[str], bool]) -> str:
        """Poll the screen until ``test`` holds; the bound is generous, not a speed claim."""
        deadline = time.monotonic() + WAIT_S
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if test(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"never saw {what}; the screen was:\n{screen}")


@contextlib.contextmanager
def tui_in_tmux(home: Path, ref: str, passphrase: str) -> Iterator[Terminal]:
    """``appliance tui --case REF`` in a detached 100x30 tmux session, killed afterwards."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (Debian: tmux)")
    name = f"appliance-e2e-{os.getpid()}-{ref}"
    command = [
        "env",
        f"APPLIANCE_HOME={home}",
        f"APPLIANCE_PASSPHRASE={passphrase}",
        "APPLIANCE_OFFICER=Demo Officer",
        "TERM=xterm-256color",
        *appliance_command(),
        "tui",
        "--case",
        ref,
    ]
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "30", *command], check=True
    )
    try:
        yield Terminal(name)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


@pytest.fixture
def terminal(demo: Demo) -> Iterator[Terminal]:
    with tui_in_tmux(demo.home, REF, PASSPHRASE) as terminal:
        yield terminal


def test_an_officer_finds_the_occasions_and_the_contacts(demo: Demo, terminal: Terminal) -> None:
    expected = demo.json("colocate", "--case", REF, "--a", "suspect", "--b", "victim")
    occasions = len(expected["occasions"])
    contacts = demo.json("contacts", "--case", REF, "--a", "suspect", "--b", "victim")

    screen = terminal.wait_for("the case bar", lambda s: f"Case {REF}" in s)
    assert "custody head" in screen
    terminal.keys("2")
    terminal.keys("g")
    screen = terminal.wait_for("the occasions", lambda s: f"{occasions:,} occasions" in s)
    first = expected["occasions"][0]
    assert f"{round(first['min_distance_m'])}" in screen

    terminal.keys("m")
    terminal.wait_for("the first occasion's map", lambda s: f"(1 of {occasions})" in s)
    terminal.wait_for("the map's legend", lambda s: "Occasion 1:" in s)
    terminal.keys("Escape")
    terminal.wait_for("the occasions again", lambda s: f"{occasions:,} occasions" in s)

    terminal.keys("3")
    terminal.keys("g")
    busiest = contacts["busiest_day"]["date"]
    day = busiest[8:10].lstrip("0")
    terminal.wait_for("the busiest day", lambda s: "busiest" in s.lower() and day in s)

    terminal.keys("R")
    terminal.wait_for("the report preview", lambda s: "Report on" in s and "pages" in s)
    terminal.keys("p")
    # No printer is set up in this terminal: the outcome is the printer's error, in words.
    terminal.wait_for("the print outcome", lambda s: "printing: job" in s or "cannot print" in s)
    terminal.keys("Escape")
    terminal.wait_for("the panes again", lambda s: "Report on" not in s)

    terminal.keys("q")
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        alive = subprocess.run(
            ["tmux", "has-session", "-t", terminal.name], capture_output=True
        ).returncode
        if alive != 0:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("q did not quit the UI")


def test_an_officer_takes_in_a_folder_attributes_it_and_sees_the_rows(fresh: Fresh) -> None:
    with tui_in_tmux(fresh.home, FRESH, PASSPHRASE) as terminal:
        terminal.wait_for("the case bar", lambda s: f"Case {FRESH}" in s)
        terminal.keys("6")
        terminal.wait_for("the intake pane's keys", lambda s: "Acquire" in s)
        terminal.keys("a")  # with no path yet: the cursor goes to the path field
        terminal.wait_for("the path asked for", lambda s: "Type the path" in s)
        terminal.keys("-l", str(fresh.evidence))
        terminal.keys("Enter")
        screen = terminal.wait_for("the files sealed", lambda s: "2 sealed" in s)
        assert "DO/1" in screen and "DO/2" in screen
        terminal.keys("p")
        screen = terminal.wait_for("the parse", lambda s: "Parsed 2 source(s)" in s)
        assert "3 rows loaded, 1 rejected" in screen
