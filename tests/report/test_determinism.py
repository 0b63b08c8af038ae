"""The same case, options and stated time give the same bytes; a different time changes only
the stated generation time."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.report import ReportOptions, build_report
from appliance.store.case import CaseStore
from appliance.store.home import Home

from .conftest import PASSPHRASE, REF, DemoCase, pdf_text

FIRST = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 5, 2, 17, 30, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def store(demo_case: DemoCase, demo_report: Path) -> Iterator[CaseStore]:
    """Opened after the command line has made its report: a case opens in one process at once."""
    with CaseStore.open(Home(demo_case.home), REF, PASSPHRASE, read_only=True) as opened:
        yield opened


@pytest.fixture(scope="module")
def first(store: CaseStore, demo_case: DemoCase) -> bytes:
    return build_report(store, Home(demo_case.home), ReportOptions(), generated=FIRST)


def test_same_case_and_time_give_the_same_bytes(
    store: CaseStore, demo_case: DemoCase, first: bytes
) -> None:
    again = build_report(store, Home(demo_case.home), ReportOptions(), generated=FIRST)
    assert again == first


def test_the_command_line_gives_the_library_bytes(demo_report: Path, first: bytes) -> None:
    """`appliance report --generated T` in another process: the same bytes again."""
    assert demo_report.read_bytes() == first


def test_another_time_changes_only_the_stated_time(
    store: CaseStore, demo_case: DemoCase, first: bytes, tmp_path: Path
) -> None:
    later = build_report(store, Home(demo_case.home), ReportOptions(), generated=LATER)
    (tmp_path / "first.pdf").write_bytes(first)
    (tmp_path / "later.pdf").write_bytes(later)
    changed = [
        line
        for line in difflib.unified_diff(
            pdf_text(tmp_path / "first.pdf").splitlines(),
            pdf_text(tmp_path / "later.pdf").splitlines(),
            lineterm="",
            n=0,
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert [" ".join(line.split()[:4]) for line in changed] == [
        "-Generated 2026-05-01 09:00:00 UTC",
        "+Generated 2026-05-02 17:30:15 UTC",
    ]
