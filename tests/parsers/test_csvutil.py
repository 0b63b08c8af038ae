"""The shared helpers: the canonical cell id every parser writes."""

from __future__ import annotations

import pytest

from appliance.parsers._csvutil import canonical_cell_id, canonical_cell_id_text


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((234, 10, 20566, 4068), "234-10-20566-4068"),
        ((234, 1, 5, 6), "234-01-5-6"),
        ((310, 410, 1, 2), "310-410-1-2"),
        ((1, 1, 0, 0), "001-01-0-0"),
    ],
)
def test_canonical_cell_id(parts: tuple[int, int, int, int], expected: str) -> None:
    assert canonical_cell_id(*parts) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("234-10-20566-4068", "234-10-20566-4068"),
        (" 234-010-020566-04068 ", "234-10-20566-4068"),
        ("234-01-5-6", "234-01-5-6"),
        ("234-1-5-6", None),
        ("23-10-5-6", None),
        ("234-10-5", None),
        ("234-10-0x50-6", None),
        ("234-10-5-" + "9" * 13, None),
        ("", None),
    ],
)
def test_canonical_cell_id_text(text: str, expected: str | None) -> None:
    assert canonical_cell_id_text(text) == expected
