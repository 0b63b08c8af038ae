"""Prints the image test's scores in pytest's closing summary, where they cannot be missed."""

from __future__ import annotations

import pytest

SCORES = pytest.StashKey[list[str]]()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    lines = config.stash.get(SCORES, [])
    if lines:
        terminalreporter.section("appliance image scores")
        for line in lines:
            terminalreporter.write_line(line)
