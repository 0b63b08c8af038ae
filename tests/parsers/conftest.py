"""Shared fixtures for the parser tests: running a parser, checking its accounting, real files.

The fixtures are session-scoped callables so hypothesis tests can use them too.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from appliance.model import (
    Cell,
    Communication,
    DirectoryEntry,
    Observation,
    Record,
    Rejection,
    SourceReference,
    Warning,
)
from appliance.model.records import KINDS, METHODS
from appliance.parsers.base import ParseContext, Parser

FIXTURES = Path(__file__).parents[2].parent / "shared" / "fixtures"

Run = Callable[..., list[Record]]
Account = Callable[[list[Record]], tuple[int, int]]


@pytest.fixture(scope="session")
def london() -> ParseContext:
    return ParseContext(ZoneInfo("Europe/London"))


@pytest.fixture(scope="session")
def run(london: ParseContext) -> Run:
    """Every record ``parser`` yields for ``data`` (bytes or text), read in Europe/London."""

    def _run(
        parser: type[Parser], data: bytes | str, context: ParseContext | None = None
    ) -> list[Record]:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return list(parser().parse(io.BytesIO(raw), context or london))

    return _run


@pytest.fixture(scope="session")
def account() -> Account:
    """(loaded, rejected) for a parse, after checking that every row has exactly one outcome.

    Loaded records and rejections together must number each row once, in file order; warnings
    are not rows. Loaded records must also be sane whatever the input was.
    """

    def _account(records: list[Record]) -> tuple[int, int]:
        # Directory entries (who an identifier is) and source references (where on the device
        # an item came from) describe rows; they are not rows.
        records = [r for r in records if not isinstance(r, DirectoryEntry | SourceReference)]
        rows = [r.row for r in records if not isinstance(r, Warning)]
        assert rows == sorted(set(rows)), f"rows not unique and ordered: {rows[:20]}"
        assert all(row >= 1 for row in rows)
        loaded = rejected = 0
        for record in records:
            if isinstance(record, Rejection):
                rejected += 1
                assert record.reason
            elif isinstance(record, Warning):
                assert record.message
            else:
                loaded += 1
                _check_sane(record)
        return loaded, rejected

    return _account


def _check_sane(record: Observation | Communication | Cell) -> None:
    if isinstance(record, Cell):
        assert -90 <= record.lat <= 90 and -180 <= record.lon <= 180
        assert (record.lat, record.lon) != (0.0, 0.0)
        assert record.range_m is None or record.range_m > 0
        return
    assert record.time.tzinfo is not None and record.time.utcoffset() == UTC.utcoffset(None)
    if isinstance(record, Observation):
        assert -90 <= record.lat <= 90 and -180 <= record.lon <= 180
        assert (record.lat, record.lon) != (0.0, 0.0)
        assert record.radius_m is None or record.radius_m >= 0
        assert record.method in METHODS
    else:
        assert record.kind in KINDS and record.direction in ("in", "out")
        assert record.line
        # A call lasts zero seconds or more (a field of the record, not a timing).
        call_length_ok = record.duration_s is None or record.duration_s >= 0
        assert call_length_ok


@pytest.fixture(scope="session")
def real_file() -> Callable[[str], Path]:
    """The path of a file under ../shared/fixtures; the test is skipped when it is absent."""

    def _real_file(relative: str) -> Path:
        path = FIXTURES / relative
        if not path.is_file():
            pytest.skip(f"fixture {relative} is not present at {FIXTURES}")
        return path

    return _real_file
