"""``appliance bench export``: a long track to KML and GeoJSON, streamed, against the naive way.

One subject with 1,000,000 GPS fixes over 30 days (100,000 with ``--quick``). The appliance
streams the track from the store in Arrow batches through both writers at once (two passes:
the line, then the points). The baseline writes the same files with the same writers but first
holds the whole track in memory, as an export that did not stream would. Each runs in its
own child process on the same case, so each peak resident memory is its own; the ratios are
printed.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from appliance.analyses.common import Period
from appliance.analyses.tracks import track
from appliance.bench.worker import _case, _fill
from appliance.export.drawing import draw_track, draw_tracks
from appliance.export.folder import OutputFolder
from appliance.export.geo import Tee
from appliance.export.geojson import GeoJsonWriter
from appliance.export.kml import KmlWriter
from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.timeutil import zone

FIXES = 1_000_000
QUICK_FIXES = 100_000


def _streamed(store: CaseStore, out: Path) -> int:
    folder = OutputFolder(out)
    with folder.text("tracks.kml") as k, folder.text("tracks.geojson") as g:
        sink = Tee(KmlWriter(k, "bench", ""), GeoJsonWriter(g, "bench", ""))
        counts = draw_tracks(store, ["a"], Period(), {}, zone("Europe/London"), sink)
        sink.close()
    return counts["a"]


def _whole(store: CaseStore, out: Path) -> int:
    # The same writers and the same output; only the track is first held whole in memory.
    points = list(track(store, "a", Period()))
    folder = OutputFolder(out)
    with folder.text("tracks.kml") as k, folder.text("tracks.geojson") as g:
        sink = Tee(KmlWriter(k, "bench", ""), GeoJsonWriter(g, "bench", ""))
        sink.folder("Track: a", "", None, None)
        count = draw_track("a", "suspect", lambda: points, {}, zone("Europe/London"), sink)
        sink.close()
    return count


def child(home: str, part: str) -> dict[str, Any]:
    """Run one variant on the prepared case; print its time, size and peak memory."""
    out = Path(tempfile.mkdtemp(prefix="appliance-bench-export-out-")) / "out"
    try:
        with CaseStore.open(Home(Path(home)), "BENCH", "bench", read_only=True) as store:
            started = time.perf_counter()
            points = (_streamed if part == "stream" else _whole)(store, out)
            seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in out.iterdir())
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "points": points, "bytes": size, "peak_rss_mb": peak}


def _run_child(home: Path, part: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "appliance.bench.export", str(home), part],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def run(quick: bool) -> None:
    n = QUICK_FIXES if quick else FIXES
    folder = Path(tempfile.mkdtemp(prefix="appliance-bench-export-"))
    try:
        with _case(folder) as store:
            _fill(store, 1, n, 30, fa=30 * 0.93, fb=30 * 1.37)
            store.checkpoint()
        whole = _run_child(folder, "whole")
        stream = _run_child(folder, "stream")
        print(
            f"export: a track of {n:,} fixes (one subject, 30 days)\n"
            f"  whole track in memory, then written        {whole['seconds']:7.2f} s  "
            f"{whole['bytes'] / 2**20:7.1f} MB written  peak {whole['peak_rss_mb']:6.0f} MB\n"
            f"  appliance: streamed from the store         {stream['seconds']:7.2f} s  "
            f"{stream['bytes'] / 2**20:7.1f} MB written  peak {stream['peak_rss_mb']:6.0f} MB\n"
            f"  streamed: {stream['seconds'] / whole['seconds']:.2f} x the time, "
            f"{stream['peak_rss_mb'] / whole['peak_rss_mb']:.2f} x the peak memory "
            f"({stream['points']:,} points each, KML and GeoJSON with every point's provenance)"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], sys.argv[2])))
