"""The CSV neutralisation rule: no cell a spreadsheet would run, numbers still numbers."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.export import tables
from appliance.export.cells import (
    DANGEROUS,
    QUOTE,
    Column,
    is_plain_number,
    number_cell,
    text_cell,
    write_csv,
)
from appliance.textsafe import shown

ALL_TABLES = {
    "events": tables.EVENT_COLUMNS,
    "occasions": tables.OCCASION_COLUMNS,
    "communications": tables.COMMUNICATION_COLUMNS,
    "exhibits": tables.EXHIBIT_COLUMNS,
}

# Text that starts badly far more often than chance would: formula starters, control
# characters, quotes, phone numbers and negative numbers written as text.
hostile_text = st.one_of(
    st.text(),
    st.builds(
        lambda a, b: a + b, st.sampled_from([*DANGEROUS, QUOTE, "\n", "\x1b", "\u202e"]), st.text()
    ),
    st.sampled_from(["+447700900123", "-0.1022", "=1+1", "@SUM(A1)", "'quoted", "\t=x", ""]),
    st.none(),
)
numbers = st.one_of(
    st.none(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
)


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def dangerous(cell: str) -> bool:
    return cell.startswith(DANGEROUS)


@st.composite
def table_and_rows(draw: st.DrawFn) -> tuple[list[Column], list[list[object]]]:
    columns = draw(st.sampled_from(list(ALL_TABLES.values())))
    rows = [
        [draw(numbers) if c.kind == "number" else draw(hostile_text) for c in columns]
        for _ in range(draw(st.integers(1, 4)))
    ]
    return columns, rows


@settings(max_examples=300, deadline=None)
@given(table_and_rows())
def test_no_cell_of_any_table_starts_dangerously_unless_a_number(
    drawn: tuple[list[Column], list[list[object]]],
) -> None:
    columns, rows = drawn
    out = io.StringIO(newline="")
    write_csv(out, columns, rows)
    _header, *body = read_back(out.getvalue())
    offenders = [
        (c.name, cell)
        for line in body
        for c, cell in zip(columns, line, strict=True)
        if dangerous(cell) and not (c.kind == "number" and is_plain_number(cell))
    ]
    assert offenders == []


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_a_text_cell_gives_back_the_shown_text_by_removing_one_quote(value: str | None) -> None:
    cell = text_cell(value)
    original = cell[1:] if cell.startswith(QUOTE) else cell
    assert original == ("" if value is None else shown(value))


@settings(max_examples=200, deadline=None)
@given(hostile_text)
def test_a_text_cell_is_one_line_without_control_characters(value: str | None) -> None:
    assert not any(ch in text_cell(value) for ch in "\r\n\t\x1b\x00")


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_cell_reads_back_as_the_same_number(value: float) -> None:
    assert float(number_cell(value)) == value


def test_a_phone_number_in_a_text_column_is_quoted() -> None:
    assert text_cell("+447700900123") == "'+447700900123"


def test_a_negative_longitude_in_a_number_column_stays_a_number() -> None:
    assert number_cell(-0.1022) == "-0.1022"


def test_a_number_column_refuses_text() -> None:
    with pytest.raises(TypeError):
        write_csv(io.StringIO(), [Column("n", "number", "")], [["=1+1"]])


def test_a_number_column_refuses_infinity() -> None:
    with pytest.raises(ValueError):
        number_cell(float("inf"))


def test_every_table_declares_its_coordinates_as_numbers() -> None:
    kinds = {c.name: c.kind for c in tables.EVENT_COLUMNS}
    assert {kinds[n] for n in ("a_lat", "a_lon", "b_lat", "b_lon", "distance_m")} == {"number"}
