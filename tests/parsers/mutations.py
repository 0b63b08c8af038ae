"""One mutation engine for every parser's fuzz tests.

A valid sample is damaged one to six times: byte flips, inserted bytes, format tokens,
deletions, truncations, duplicated slices, and whole rows or elements (from ``rows``) placed
just after a ``boundary`` where one could start. Most inputs keep the first ``head`` bytes (the
header or prolog) intact, so the damage reaches the rows; the rest damage anything, which mostly
tests the refusal of what is not the format at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st


@st.composite
def mutated(
    draw: st.DrawFn,
    sample: bytes,
    rows: st.SearchStrategy[bytes],
    *,
    boundary: bytes,
    head: int,
    tokens: Sequence[bytes],
    keep_weight: int = 4,
    max_delete: int = 40,
    max_copy: int = 200,
) -> bytes:
    data = bytearray(sample)
    keep = draw(st.sampled_from([0] + [head] * keep_weight))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "token", "delete", "truncate", "copy", "row"]))
        pos = draw(st.integers(min(keep, len(data)), len(data)))
        if op == "flip" and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=12))
        elif op == "token":
            data[pos:pos] = draw(st.sampled_from(tokens))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, max_delete))]
        elif op == "truncate":
            del data[pos:]
        elif op == "copy":
            start = draw(st.integers(0, len(data)))
            data[pos:pos] = data[start : start + draw(st.integers(1, max_copy))]
        else:
            at = bytes(data).rfind(boundary, 0, pos) + len(boundary) if boundary in data else 0
            data[at:at] = draw(rows)
    return bytes(data)
