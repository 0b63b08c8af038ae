"""A subject's track: every position in a period, in time order, streamed.

A track can hold millions of fixes, so it is yielded point by point from Arrow batches rather
than returned as a list: a writer can put it on disk without the whole track in memory. The
positions and their de-duplication are co-location's own (see ``tracks.sql``), so a track
drawn beside the co-location events shows exactly the fixes those events were found among.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from appliance.analyses import sql
from appliance.analyses.common import Period, SourceLabel, source_labels, utc
from appliance.store.case import CaseStore

BATCH_ROWS = 65_536


@dataclass(frozen=True)
class TrackPoint:
    time: datetime
    lat: float
    lon: float
    radius_m: float | None
    method: str
    source: SourceLabel
    row: int


def track(store: CaseStore, subject: str, period: Period | None = None) -> Iterator[TrackPoint]:
    """The positions of ``subject`` in ``period``, earliest first.

    Consume it fully before running another query on ``store`` (one pending result each).
    """
    who = store.subject(subject)
    labels = source_labels(store)
    lo, hi = (period or Period()).bounds()
    params = {"subject": who.id, "from_t": lo, "to_t": hi}
    for batch in store.stream(sql.load("tracks"), params, BATCH_ROWS):
        for r in batch.to_pylist():
            yield TrackPoint(
                utc(r["t_us"]),
                r["lat"],
                r["lon"],
                r["radius_m"],
                r["method"],
                labels[r["source_id"]],
                r["row"],
            )
