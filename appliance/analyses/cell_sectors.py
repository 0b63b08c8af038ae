"""The serving cells behind cell-based positions, with their sector geometry.

A call record gives no position of its own: the analyses place it at its serving cell's site,
with the cell's range as the uncertainty. Where the cell list also gives the sector's azimuth
and beamwidth, a map can draw the wedge the phone was in. This looks those up for given
(source, row) pairs, such as the cell-based positions of a co-location occasion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from appliance.analyses import sql
from appliance.analyses.common import SourceLabel, source_labels
from appliance.store.case import CaseStore

Key = tuple[SourceLabel, int]


@dataclass(frozen=True)
class CellSector:
    cell_id: str
    lat: float
    lon: float
    range_m: float | None
    azimuth_deg: float | None
    beamwidth_deg: float | None


def cell_sectors(store: CaseStore, keys: Iterable[Key]) -> dict[Key, CellSector]:
    """The serving cell of each call record named by (source label, row); records with no
    known cell are absent from the result."""
    labels = source_labels(store)
    ids_of: dict[SourceLabel, list[int]] = {}
    for source_id, label in labels.items():
        ids_of.setdefault(label, []).append(source_id)
    source_ids: list[int] = []
    rows: list[int] = []
    for label, row in sorted(set(keys), key=lambda k: (k[0].exhibit, k[0].path, k[1])):
        for source_id in ids_of.get(label, []):
            source_ids.append(source_id)
            rows.append(row)
    if not source_ids:
        return {}
    found = store.fetch(sql.load("cell_sectors"), {"source_ids": source_ids, "rows": rows})
    return {
        (labels[r["source_id"]], r["row"]): CellSector(
            r["cell_id"],
            r["lat"],
            r["lon"],
            r["range_m"],
            r["azimuth_deg"],
            r["beamwidth_deg"],
        )
        for r in found.to_pylist()
    }
