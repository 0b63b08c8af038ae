"""How sure a proximity is, given the positions' uncertainty radii.

A reported position is the centre of a circle the device was probably inside (GPS: metres;
Wi-Fi: tens of metres; a cell: the cell's whole serving area, often kilometres). Two reported
positions ``d`` metres apart with radii ``ra`` and ``rb`` mean the true separation lay between
``max(0, d - ra - rb)`` and ``d + ra + rb``. Grades, best first:

* ``certain``: ``d + ra + rb <= within``. Even at the far edges of both circles the two devices
  were within the distance.
* ``probable``: the reported positions are within the distance and ``ra + rb <= within``: the
  uncertainty is smaller than the distance asked about, but the worst case exceeds it.
* ``possible``: the reported positions are within the distance but ``ra + rb > within``: the
  positions are too coarse (typically cell sites) to show proximity, only to be consistent
  with it.
* ``unknown``: a radius was not reported, so how sure cannot be said.

A grade is about the devices, not the people carrying them.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

GRADES = ("certain", "probable", "possible", "unknown")


def grade(
    distance_m: float, within_m: float, radius_a: float | None, radius_b: float | None
) -> str:
    if radius_a is None or radius_b is None:
        return "unknown"
    spread = radius_a + radius_b
    if distance_m + spread <= within_m:
        return "certain"
    if spread <= within_m:
        return "probable"
    return "possible"


def best(grades: list[str]) -> str:
    """The strongest grade among ``grades`` (``unknown`` only if nothing better)."""
    return min(grades, key=GRADES.index) if grades else "unknown"


def grade_column(
    distance_m: pa.ChunkedArray | pa.Array,
    within_m: float,
    radius_a: pa.ChunkedArray | pa.Array,
    radius_b: pa.ChunkedArray | pa.Array,
) -> pa.Array:
    """``grade`` for a column of events at once (the same IEEE additions and comparisons)."""
    spread = pc.add(radius_a, radius_b)  # null where either radius is unknown
    graded = pc.if_else(
        pc.less_equal(pc.add(distance_m, spread), within_m),
        "certain",
        pc.if_else(pc.less_equal(spread, within_m), "probable", "possible"),
    )
    column = pc.if_else(pc.is_null(spread), "unknown", graded)
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks()
    return column


def grade_ranks(grades: pa.Array) -> pa.Array:
    """Each grade's place in ``GRADES`` (0 is the strongest), for taking the best of a group."""
    ranks: pa.Array = pc.index_in(grades, value_set=pa.array(GRADES))
    return ranks
