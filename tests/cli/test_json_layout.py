"""The --json layout: any document prints as JSON that reads back identical, in ASCII, with the
outer members and each list item on a line of their own."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.cli.render import emit_json, json_text

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(documents)
def test_any_document_reads_back_identical(document: Any) -> None:
    text = json_text(document)
    assert json.loads(text) == document
    assert text.isascii()


def test_each_event_is_one_line() -> None:
    document = {
        "a": "suspect",
        "parameters": {"within_m": 500},
        "events": [{"a_row": n, "name": "Zo\u00eb\u202e"} for n in range(3)],
    }
    out = io.StringIO()
    emit_json(document, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert lines.count('    {"a_row": 1, "name": "Zo\\u00eb\\u202e"},') == 1
    assert '    "within_m": 500' in lines
    assert json.loads(out.getvalue()) == document


def test_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError):
        json_text({"d": [float("nan")]})
