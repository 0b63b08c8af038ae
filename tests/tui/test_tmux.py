"""End to end in a real terminal: ``appliance tui`` under tmux, driven by the keys an officer
would type, the answer read off the captured screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest

from .conftest import REF, Demo, appliance_command

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


@pytest.fixture
def terminal(demo: Demo) -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (Debian: tmux)")
    name = f"appliance-e2e-{os.getpid()}"
    env = demo.env()
    command = [
        "env",
        f"APPLIANCE_HOME={env['APPLIANCE_HOME']}",
        f"APPLIANCE_PASSPHRASE={env['APPLIANCE_PASSPHRASE']}",
        "TERM=xterm-256color",
        *appliance_command(),
        "tui",
        "--case",
        REF,
    ]
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "30", *command], check=True
    )
    try:
        yield Terminal(name)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


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

    terminal.keys("3")
    terminal.keys("g")
    busiest = contacts["busiest_day"]["date"]
    day = busiest[8:10].lstrip("0")
    terminal.wait_for("the busiest day", lambda s: "busiest" in s.lower() and day in s)

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
