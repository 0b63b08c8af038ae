"""Column buffers for one source, written to the case database as Arrow batches.

Row-by-row inserts into DuckDB cost milliseconds each; columns of 50,000 rows at a time cost
about as much as one. Times go in as exact microseconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from appliance.model import (
    Cell,
    Communication,
    DirectoryEntry,
    Observation,
    Rejection,
    SourceReference,
    Warning,
)
from appliance.store.case import CaseStore
from appliance.store.reports import MAX_KEPT_REJECTIONS_SHOWN, SourceReport
from appliance.timeutil import epoch_us

BATCH_ROWS = 50_000


class Batches:
    """Column buffers for one source, flushed to the store as Arrow batches."""

    def __init__(
        self,
        store: CaseStore,
        source_id: int,
        on_flush: Callable[[SourceReport], None] | None = None,
    ) -> None:
        self.store = store
        self.source_id = source_id
        # Called after each full batch: progress for the officer on long files.
        self.on_flush = on_flush
        self.obs: dict[str, list[object]] = {k: [] for k in _OBS_COLUMNS}
        self.com: dict[str, list[object]] = {k: [] for k in _COM_COLUMNS}
        self.cel: dict[str, list[object]] = {k: [] for k in _CELL_COLUMNS}
        self.rej: dict[str, list[object]] = {k: [] for k in ("row", "reason")}
        self.warn: dict[str, list[object]] = {k: [] for k in ("row", "message")}
        self.dir: dict[str, list[object]] = {k: [] for k in _DIR_TYPES}
        self.refs: dict[str, list[object]] = {k: [] for k in _REF_TYPES}

    def add(self, record: object, report: SourceReport) -> None:
        if isinstance(record, Observation):
            _append(
                self.obs,
                record.row,
                epoch_us(record.time),
                record.lat,
                record.lon,
                record.radius_m,
                record.method,
                record.time_flag,
                record.item_ref,
            )
            report.observations += 1
        elif isinstance(record, Communication):
            _append(
                self.com,
                record.row,
                epoch_us(record.time),
                record.kind,
                record.direction,
                record.line,
                record.other,
                record.duration_s,
                record.cell_id,
                record.imei,
                record.imsi,
                record.time_flag,
                record.item_ref,
            )
            report.communications += 1
        elif isinstance(record, Cell):
            _append(
                self.cel,
                record.row,
                record.cell_id,
                record.lat,
                record.lon,
                record.range_m,
                record.radio,
                record.azimuth_deg,
                record.beamwidth_deg,
            )
            report.cells += 1
        elif isinstance(record, Rejection):
            _append(self.rej, record.row, record.reason)
            report.rejected += 1
            if len(report.rejections) < MAX_KEPT_REJECTIONS_SHOWN:
                report.rejections.append((record.row, record.reason))
        elif isinstance(record, Warning):
            _append(self.warn, record.row, record.message)
            report.warnings += 1
        elif isinstance(record, DirectoryEntry):
            _append(
                self.dir,
                record.entry,
                record.kind,
                record.identifier,
                record.name,
                record.service,
                record.deleted,
            )
            report.directory += 1
        elif isinstance(record, SourceReference):
            _append(self.refs, record.item_ref, record.path, record.offset, record.size)
            report.source_files += 1
        else:  # pragma: no cover - a parser bug, not an input problem
            raise TypeError(f"parser yielded {type(record).__name__}")
        # Rejections and warnings count too: a file of bad rows must not grow memory.
        buffered = sum(
            _length(c)
            for c in (self.obs, self.com, self.cel, self.rej, self.warn, self.dir, self.refs)
        )
        if buffered >= BATCH_ROWS:
            self.flush()
            if self.on_flush is not None:
                self.on_flush(report)

    def flush(self) -> None:
        self._write("observations", self.obs, _OBS_TYPES, time_column=True)
        self._write("communications", self.com, _COM_TYPES, time_column=True)
        self._write("cells", self.cel, _CELL_TYPES)
        self._write("rejections", self.rej, {"row": pa.int64(), "reason": pa.string()})
        self._write("warnings", self.warn, {"row": pa.int64(), "message": pa.string()})
        self._write("directory", self.dir, _DIR_TYPES)
        self._write("source_files", self.refs, _REF_TYPES)

    def _write(
        self,
        table: str,
        columns: dict[str, list[object]],
        types: dict[str, pa.DataType],
        time_column: bool = False,
    ) -> None:
        count = _length(columns)
        if not count:
            return
        arrays = {"source_id": pa.array([self.source_id] * count, pa.int32())}
        for name, values in columns.items():
            if time_column and name == "t":
                # Microseconds since the epoch, exact, as a UTC timestamp.
                arrays["t"] = pa.array(values, pa.int64()).cast(pa.timestamp("us"))
            else:
                arrays[name] = pa.array(values, types[name])
            values.clear()
        self.store.insert_arrow(table, list(arrays), pa.table(arrays))


def _length(columns: dict[str, list[object]]) -> int:
    return len(next(iter(columns.values())))


def _append(columns: dict[str, list[object]], *values: object) -> None:
    for column, value in zip(columns.values(), values, strict=True):
        column.append(value)


_OBS_TYPES = {
    "row": pa.int64(),
    "t": pa.int64(),
    "lat": pa.float64(),
    "lon": pa.float64(),
    "radius_m": pa.float64(),
    "method": pa.string(),
    "time_flag": pa.string(),
    "item_ref": pa.string(),
}
_COM_TYPES = {
    "row": pa.int64(),
    "t": pa.int64(),
    "kind": pa.string(),
    "direction": pa.string(),
    "line": pa.string(),
    "other": pa.string(),
    "duration_s": pa.float64(),
    "cell_id": pa.string(),
    "imei": pa.string(),
    "imsi": pa.string(),
    "time_flag": pa.string(),
    "item_ref": pa.string(),
}
_CELL_TYPES = {
    "row": pa.int64(),
    "cell_id": pa.string(),
    "lat": pa.float64(),
    "lon": pa.float64(),
    "range_m": pa.float64(),
    "radio": pa.string(),
    "azimuth_deg": pa.float64(),
    "beamwidth_deg": pa.float64(),
}
_OBS_COLUMNS = list(_OBS_TYPES)
_COM_COLUMNS = list(_COM_TYPES)
_CELL_COLUMNS = list(_CELL_TYPES)
_DIR_TYPES = {
    "entry": pa.int64(),
    "kind": pa.string(),
    "identifier": pa.string(),
    "name": pa.string(),
    "service": pa.string(),
    "deleted": pa.bool_(),
}
_REF_TYPES = {
    "item_ref": pa.string(),
    "path": pa.string(),
    "byte_offset": pa.int64(),
    "size": pa.int64(),
}
