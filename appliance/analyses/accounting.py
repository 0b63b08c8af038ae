"""What the case holds and where it came from: exhibits, sources and their row accounting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from appliance.analyses import sql
from appliance.store.case import CaseStore


@dataclass(frozen=True)
class Exhibit:
    ref: str
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class SourceAccount:
    source_id: int
    exhibit: str
    path: str
    format: str
    detection: str
    subject: str | None
    rows_read: int
    loaded: int
    rejected: int
    warnings: int
    rejections: list[tuple[int, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source_id,
            "exhibit": self.exhibit,
            "path": self.path,
            "format": self.format,
            "detection": self.detection,
            "subject": self.subject,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "rejections": [{"row": row, "reason": reason} for row, reason in self.rejections],
        }


def exhibits(store: CaseStore) -> list[Exhibit]:
    """Every exhibit in acquisition order."""
    rows = store.rows("SELECT ref, original_path, sha256, size FROM exhibits ORDER BY id")
    return [Exhibit(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]


def sources(store: CaseStore, with_rejections: bool = False) -> list[SourceAccount]:
    """Every source with its accounting; each rejected row and its reason when asked."""
    rejected: dict[int, list[tuple[int, str]]] = {}
    if with_rejections:
        for source_id, row, reason in store.rows(
            "SELECT source_id, row, reason FROM rejections ORDER BY source_id, row"
        ):
            rejected.setdefault(int(source_id), []).append((int(row), str(reason)))
    return [
        SourceAccount(
            source_id=r["source_id"],
            exhibit=r["exhibit"],
            path=r["path"],
            format=r["format"],
            detection=r["detection"],
            subject=r["subject"],
            rows_read=r["rows_read"],
            loaded=r["loaded"],
            rejected=r["rejected"],
            warnings=r["warnings"],
            rejections=rejected.get(r["source_id"], []),
        )
        for r in store.fetch(sql.load("accounting")).to_pylist()
    ]
