"""The few widget variants every pane shares."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any, ClassVar, Self

from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Label, Select
from textual.widgets.data_table import RowKey

# A page of rows is added a screenful first, the rest in steps after the screen has shown it:
# Textual measures every cell of every new row before the frame that shows them (about 0.1 ms
# a cell), so 500 rows of five columns at once held the first frame back by some 50 ms.
FIRST_ROWS = 60  # more than a 160x48 screen shows
STEP_ROWS = 150


class RowTable(DataTable[Any]):
    """A table read a row at a time: the cursor is a row, and home/end go to the first and
    last row (DataTable's own home/end scroll sideways, which is not what a reader expects)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first_row", "First row", show=False),
        Binding("end", "last_row", "Last row", show=False),
    ]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._repaint = False
        self._queued: deque[tuple[Any, ...]] = deque()

    def append_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Add ``rows`` at the end, in order: the first screenful now, the rest in steps once
        the screen has been drawn (rows queued earlier go first)."""
        waiting = bool(self._queued)
        self._queued.extend(rows)
        if not waiting:
            self._add_queued(FIRST_ROWS)

    def _add_queued(self, count: int) -> None:
        for _ in range(min(count, len(self._queued))):
            self.add_row(*self._queued.popleft())
        if self._queued:
            self.call_after_refresh(self._add_queued, STEP_ROWS)

    @property
    def queued(self) -> int:
        """Rows given to ``append_rows`` and not added yet."""
        return len(self._queued)

    def near_end(self, row: int, within: int) -> bool:
        """Whether ``row`` is within ``within`` rows of the end, rows still queued counted (a
        reader at the top of a page being added is not near its end)."""
        return row >= self.row_count + len(self._queued) - within

    def clear(self, columns: bool = False) -> Self:
        self._queued.clear()
        return super().clear(columns)

    def add_row(self, *cells: Any, **options: Any) -> RowKey:
        self._repaint = True
        return super().add_row(*cells, **options)

    def update_cell(self, *args: Any, **options: Any) -> None:
        self._repaint = True
        super().update_cell(*args, **options)

    def on_idle(self) -> None:
        # DataTable measures new rows when idle, but (Textual 8.2) its line cache is not keyed
        # on column widths, so rows painted before they were measured stay cut to the header's
        # width until something else repaints them. Repaint once the widths are known (this
        # runs just before DataTable's own idle handler; the call lands just after it).
        if self._repaint:
            self._repaint = False
            self.call_later(self.notify_style_update)

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)


def field(value: str, *, id: str, placeholder: str = "", width: int = 8) -> Input:
    """A one-line input without a border: at 80x24 a border would cost two rows per form."""
    box = Input(value, placeholder=placeholder, id=id, compact=True)
    box.styles.width = width
    return box


def chooser(*, id: str, prompt: str, width: int = 14) -> Select[str]:
    """A one-line drop-down; its options (subject names) arrive when the case opens."""
    select: Select[str] = Select([], prompt=prompt, id=id, compact=True)
    select.styles.width = width
    return select


def label(text: str) -> Label:
    return Label(text, classes="field-label")
