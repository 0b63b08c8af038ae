"""`appliance report` as a script drives it: one JSON document describing what was written."""

from __future__ import annotations

import hashlib
import json

from .conftest import GENERATED, REF, DemoCase


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
