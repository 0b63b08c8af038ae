"""Every command the appliance has is shown in the README (the sqlite-utils habit)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from appliance.cli.main import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    parser = build_parser()
    found: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
                if nested:
                    found.extend(f"{name} {child}" for child in nested[0].choices)
                else:
                    found.append(name)
    return found


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"appliance {command}" in README, f"`appliance {command}` is not shown in README.md"
