"""One benchmark in its own process, so its peak memory is its own.

``python -m appliance.bench.worker NAME --part both|ours|baseline [--quick]`` prints one JSON
document: timings of the appliance's query and of the baseline, run in this same process
(interleaved, best of several for the fast one), the result sizes and whether they agree,
and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from appliance.analyses import sql as analysis_sql
from appliance.analyses.colocate import Parameters, colocation_table, query_parameters
from appliance.store.case import CaseStore
from appliance.store.home import Home

DAY_US = 86_400 * 1_000_000
T0_US = 1_711_929_600 * 1_000_000  # 2024-04-01T00:00:00Z
SIZES = {
    # name: (fixes of A, fixes of B, days)
    "dense": (1_000_000, 1_000_000, 30),
    "asymmetric": (2_600_000, 40_000, 30),
}
QUICK_DIVISOR = 10


def _bench_sql(name: str) -> str:
    return (Path(__file__).parent / f"{name}.sql").read_text(encoding="utf-8")


def _case(folder: Path) -> CaseStore:
    store = CaseStore.create(Home(folder), "BENCH", "Europe/London", "bench")
    store.add_subject("a", "suspect")
    store.add_subject("b", "victim")
    store.execute(
        "INSERT INTO exhibits VALUES (1, 'BENCH-1', 'synthetic', 0, 'synthetic', NULL, "
        "TIMESTAMP '2024-04-01 00:00:00', 'bench')"
    )
    for source, subject in ((1, 1), (2, 2)):
        store.execute(
            "INSERT INTO sources VALUES (?, 1, 'synthetic', '1', 'benchmark', 'UTC', ?, "
            "0, 0, 0, 0, 0, 0, 0, TIMESTAMP '2024-04-01 00:00:00')",
            [source, subject],
        )
    return store


def _fill(store: CaseStore, source: int, n: int, days: int, fa: float, fb: float) -> None:
    store.execute(
        _bench_sql("synthetic"),
        {
            "source": source,
            "n": n,
            "span_us": days * DAY_US,
            "t0_us": T0_US,
            "lat0": 51.51,
            "lon0": -0.11,
            "extent_deg": 0.12,
            "fa": fa,
            "fb": fb,
        },
    )


def _timed(fn: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _cpu_seconds() -> float:
    """CPU time of this process, all threads: steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed_cpu(fn: Any) -> tuple[float, float, Any]:
    cpu = _cpu_seconds()
    seconds, result = _timed(fn)
    return seconds, _cpu_seconds() - cpu, result


def run(name: str, part: str, quick: bool) -> dict[str, Any]:
    n_a, n_b, days = SIZES[name]
    if quick:
        n_a, n_b = n_a // QUICK_DIVISOR, n_b // QUICK_DIVISOR
    folder = Path(tempfile.mkdtemp(prefix="appliance-bench-"))
    try:
        store = _case(folder)
        # Different slow frequencies: the two paths cross now and then, as two people's do.
        _fill(store, 1, n_a, days, fa=days * 0.93, fb=days * 1.37)
        _fill(store, 2, n_b, days, fa=days * 1.11, fb=days * 0.71)
        store.checkpoint()
        params = Parameters(500.0, 300.0, 1800.0)
        bound = query_parameters(1, 2, params)
        ours_sql = analysis_sql.load("colocate_events")
        naive = {"within_m": 500.0, "window_s": 300.0}
        store.execute(_bench_sql("tables"))
        result: dict[str, Any] = {"name": name, "fixes_a": n_a, "fixes_b": n_b, "days": days}
        if part in ("both", "baseline"):
            seconds, cpu, rows = _timed_cpu(lambda: store.rows(_bench_sql("naive_join"), naive))
            result["baseline_s"] = seconds
            result["baseline_cpu_s"] = cpu
            result["baseline_pairs"] = int(rows[0][0])
            # The tuned pure-SQL formulation (time buckets x a grid): the same count.
            best = float("inf")
            for _ in range(3):
                seconds, rows = _timed(lambda: store.rows(_bench_sql("grid_join"), naive))
                best = min(best, seconds)
            result["grid_s"] = best
            result["grid_pairs"] = int(rows[0][0])
        if part in ("both", "ours"):
            # The pair search alone (cell pairs, exact time test, east/north test): the work the
            # naive join does, before geodesic distances, ordering and occasions are added.
            search = ours_sql[: ours_sql.rindex("SELECT *\nFROM (")]
            search += "SELECT count(*) FROM near"
            search_params = {k: v for k, v in bound.items() if k != "within_m"}
            best = float("inf")
            for _ in range(3):
                seconds, _rows = _timed(lambda: store.rows(search, search_params))
                best = min(best, seconds)
            result["search_s"] = best
            # The same answer as the baselines' (a count of pairs), with the exact geodesic.
            counted = f"SELECT count(*) FROM ({ours_sql[: ours_sql.rindex('ORDER BY')]})"  # noqa: S608
            best = float("inf")
            for _ in range(3):
                seconds, rows = _timed(lambda: store.rows(counted, bound))
                best = min(best, seconds)
            result["count_s"] = best
            result["count_pairs"] = int(rows[0][0])
            # The whole co-location, as ``appliance colocate`` computes it: every event with its
            # details, geodesic distance and occasion, in time order, as columns.
            best = best_cpu = float("inf")
            for _ in range(3):
                seconds, cpu, table = _timed_cpu(lambda: colocation_table(store, 1, 2, params))
                best, best_cpu = min(best, seconds), min(best_cpu, cpu)
            result["ours_s"] = best
            result["ours_cpu_s"] = best_cpu
            result["ours_events"] = table.num_rows
            result["ours_occasions"] = len(set(table.column("occasion").to_pylist()))
        if part == "both":
            ours_pairs = set(
                zip(
                    table.column("a_row").to_pylist(),
                    table.column("b_row").to_pylist(),
                    strict=True,
                )
            )
            seconds, exact = _timed(lambda: store.fetch(_bench_sql("naive_pairs"), naive))
            exact_pairs = set(
                zip(
                    exact.column("a_row").to_pylist(),
                    exact.column("b_row").to_pylist(),
                    strict=True,
                )
            )
            result["exact_naive_s"] = seconds
            result["identical_pairs"] = ours_pairs == exact_pairs
            result["speedup"] = result["baseline_s"] / result["ours_s"]
            result["cpu_speedup"] = result["baseline_cpu_s"] / result["ours_cpu_s"]
            result["search_speedup"] = result["baseline_s"] / result["search_s"]
            result["count_speedup"] = result["baseline_s"] / result["count_s"]
            result["count_vs_grid"] = result["grid_s"] / result["count_s"]
            result["grid_speedup"] = result["baseline_s"] / result["grid_s"]
        store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=sorted(SIZES))
    parser.add_argument("--part", choices=("both", "ours", "baseline"), default="both")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(args.name, args.part, args.quick)))


if __name__ == "__main__":
    main()
