"""The report against the demo case, built once per session through the real command line.

The expected figures come from ``colocate --json``, ``contacts --json`` and ``breach --json`` in
separate processes, and the PDF's text from poppler's ``pdftotext``: the report is checked
against the analyses reached another way, through a reader that is not reportlab.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PASSPHRASE = "demo"
REF = "DEMO"
GENERATED = "2026-05-01T09:00:00Z"


def appliance_command() -> list[str]:
    script = Path(sys.executable).with_name("appliance")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "appliance"]


def need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} is not installed (Debian poppler-utils; make system-deps installs it)")
    return found


@dataclass
class DemoCase:
    home: Path
    folder: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
        env["APPLIANCE_HOME"] = str(self.home)
        env["APPLIANCE_PASSPHRASE"] = PASSPHRASE
        env["APPLIANCE_OFFICER"] = "Demo Officer"
        env.pop("SOURCE_DATE_EPOCH", None)
        return env

    def run(
        self, *args: str, check: bool = True, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*appliance_command(), *args],
            env=self.env(),
            cwd=cwd,
            capture_output=True,
            text=True,
            check=check,
            stdin=subprocess.DEVNULL,
        )

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)

    def report(self, name: str, *args: str) -> Path:
        out = self.folder / name
        self.run("report", "--case", REF, "--out", str(out), "--generated", GENERATED, *args)
        return out


def pdf_text(path: Path, *, layout: bool = True) -> str:
    command = [need("pdftotext"), *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


# The demo's base map as `make demo` builds it (see the Makefile), when `make test` could fetch
# its data: the report is then checked as the officer gets it, maps on tiles included.
REPO = Path(__file__).resolve().parents[2]
LONDON_LINES = REPO / ".cache" / "basemap" / "londonTubeLines.json"
DEMO_BBOX = "-0.20,51.49,0.01,51.61"
DEMO_CREDIT = "Underground lines © OpenStreetMap contributors, ODbL (via vega-datasets)"


@pytest.fixture(scope="session")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> DemoCase:
    root = tmp_path_factory.mktemp("report")
    case = DemoCase(root / "home", root)
    if LONDON_LINES.exists():
        pack = root / "london-underground.mbtiles"
        case.run(
            "tiles", "build", str(LONDON_LINES), "--out", str(pack), "--zoom", "11-16",
            f"--bbox={DEMO_BBOX}", "--attribution", DEMO_CREDIT,
        )  # fmt: skip
        case.run("tiles", "import", str(pack))
    case.run("demo")
    return case


@pytest.fixture(scope="session")
def demo_report(demo_case: DemoCase) -> Path:
    """The demo report exactly as `appliance report --case DEMO` makes it (only --case given)."""
    return demo_case.report("DEMO.pdf")


@pytest.fixture(scope="session")
def demo_text(demo_report: Path) -> str:
    return pdf_text(demo_report)


@pytest.fixture(scope="session")
def demo_lines(demo_text: str) -> set[str]:
    """Every line of the PDF's text with runs of spaces collapsed, for row-by-row matching."""
    return {" ".join(line.split()) for line in demo_text.splitlines() if line.strip()}
