"""`appliance report` as a script drives it: one JSON document describing what was written."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from .conftest import GENERATED, REF, DemoCase, pdf_text


def test_report_with_only_the_case_writes_ref_report_pdf_and_describes_it(
    demo_case: DemoCase,
) -> None:
    folder = demo_case.folder / "default-out"
    folder.mkdir()
    done = demo_case.run("report", "--case", REF, "--generated", GENERATED, "--json", cwd=folder)
    document = json.loads(done.stdout)
    written = (folder / f"{REF}-report.pdf").read_bytes()
    assert (document["sha256"], document["size"]) == (
        hashlib.sha256(written).hexdigest(),
        len(written),
    )


def test_a_bad_generation_time_is_refused_in_one_line(demo_case: DemoCase) -> None:
    done = demo_case.run("report", "--case", REF, "--generated", "yesterday", check=False)
    assert (done.returncode, len(done.stderr.strip().splitlines())) == (2, 1)


def test_the_demo_writes_the_same_report_the_command_makes(demo_case: DemoCase) -> None:
    """`appliance demo` ends with the printed product, made exactly as `report --case DEMO` makes
    it: the same pages and text but for the stated generation time."""
    made_by_demo = demo_case.home / f"{REF}-report.pdf"
    by_command = demo_case.report("again.pdf")
    drop = re.compile(r"Generated|generated")

    def lines(path: Path) -> list[str]:
        return [line for line in pdf_text(path).splitlines() if not drop.search(line)]

    assert lines(made_by_demo) == lines(by_command)
