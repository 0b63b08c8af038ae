"""The dense benchmark compares like with like: its co-location finds the naive join's pairs."""

from __future__ import annotations

from appliance.bench import worker


def test_dense_benchmark_finds_the_exact_naive_joins_pairs() -> None:
    # Quick size: 100,000 fixes per subject over 30 days, still crossing on 10 occasions.
    result = worker.run("dense", "both", quick=True)
    assert result["identical_pairs"] is True
