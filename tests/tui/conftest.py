"""The terminal UI against the demo case: built once per session through the real command line.

Expected figures come from the command line's ``--json`` in a separate process, so the UI is
checked against the same analyses reached another way, not against itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

PASSPHRASE = "demo"
REF = "DEMO"
T = TypeVar("T")


def appliance_command() -> list[str]:
    script = Path(sys.executable).with_name("appliance")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "appliance"]


@dataclass
class Demo:
    home: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
        env["APPLIANCE_HOME"] = str(self.home)
        env["APPLIANCE_PASSPHRASE"] = PASSPHRASE
        # Exhibit references carry the officer's initials: fixed, so screens are reproducible.
        env["APPLIANCE_OFFICER"] = "Demo Officer"
        return env

    def json(self, *args: str) -> Any:
        done = subprocess.run(
            [*appliance_command(), *args, "--json"],
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        return json.loads(done.stdout)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    home = tmp_path_factory.mktemp("tui") / "home"
    case = Demo(home)
    subprocess.run(
        [*appliance_command(), "demo"],
        env=case.env(),
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    return case


def run(coroutine: Callable[[], Awaitable[T]]) -> T:
    """Run one Pilot session to completion (no asyncio plugin needed)."""
    return asyncio.run(coroutine())  # type: ignore[arg-type]
