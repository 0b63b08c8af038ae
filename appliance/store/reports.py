"""What an intake did, as plain data: exhibits acquired, sources loaded, rows accounted."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_KEPT_REJECTIONS_SHOWN = 20


@dataclass
class SourceReport:
    exhibit: str
    path: str
    format: str
    detection: str
    subject: str | None
    rows_read: int = 0
    loaded: int = 0
    rejected: int = 0
    warnings: int = 0
    observations: int = 0
    communications: int = 0
    cells: int = 0
    directory: int = 0
    source_files: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)
    status: str = "loaded"

    @property
    def loaded_so_far(self) -> int:
        return self.observations + self.communications + self.cells

    def as_json(self) -> dict[str, object]:
        return {
            "exhibit": self.exhibit,
            "path": self.path,
            "format": self.format,
            "detection": self.detection,
            "subject": self.subject,
            "status": self.status,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "observations": self.observations,
            "communications": self.communications,
            "cells": self.cells,
            "directory_entries": self.directory,
            "source_files": self.source_files,
            "rejections": [{"row": r, "reason": why} for r, why in self.rejections],
        }


@dataclass
class ExhibitReport:
    ref: str
    path: str
    sha256: str
    size: int
    status: str

    def as_json(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "status": self.status,
        }


@dataclass
class IntakeReport:
    exhibits: list[ExhibitReport] = field(default_factory=list)
    sources: list[SourceReport] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    media: list[dict[str, object]] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    custody_head: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "exhibits": [e.as_json() for e in self.exhibits],
            "sources": [s.as_json() for s in self.sources],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "media": self.media,
            "custody_head": self.custody_head,
        }
