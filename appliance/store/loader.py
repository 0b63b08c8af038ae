"""Loading files into a case: detect, parse, write, and account for every row.

One file is one exhibit (identified by its SHA-256) and, once parsed, one source. A source is
written in a single transaction: either all its records, rejections and accounting are in the
case, or none are. Loading the same bytes twice with the same format and subject is a no-op.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from appliance.errors import ApplianceError, NotThisFormat
from appliance.intake.files import (
    Found,
    HashingReader,
    Skipped,
    find_files,
    open_content,
    sha256_file,
)
from appliance.parsers.base import ParseContext, Parser, Probe
from appliance.parsers.registry import by_name, detect
from appliance.store.batches import Batches
from appliance.store.case import CaseStore
from appliance.store.reports import ExhibitReport, IntakeReport, SourceReport
from appliance.timeutil import zone

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def officer() -> str:
    return os.environ.get("APPLIANCE_OFFICER") or os.environ.get("USER") or "unknown"


class Loader:
    """Loads files into one open case."""

    def __init__(self, store: CaseStore, progress: Progress = _quiet) -> None:
        self.store = store
        self.progress = progress

    def intake(
        self,
        paths: Iterable[Path],
        subject: str | None = None,
        format_name: str | None = None,
        timezone: str | None = None,
        line: str | None = None,
    ) -> IntakeReport:
        """Acquire and load every file under ``paths``; each file in its own transaction.

        Files the officer named are detected before anything is written, so a file that is
        not a known format fails the command with the case unchanged. A named file that turns
        out not to be its format while parsing is rolled back whole (no exhibit, no rows) and
        reported as failed. A file found inside a folder is always acquired as an exhibit;
        if no parser reads it, it is reported as not parsed, with the reason.
        """
        tz_name = timezone or self.store.info.timezone
        context = ParseContext(timezone=zone(tz_name))
        if line:
            # For layouts whose rows do not carry the line they were obtained for.
            context.options["line"] = line
        subject_id = self.store.subject(subject).id if subject else None
        report = IntakeReport()
        plan: list[tuple[Found, Probe, type[Parser] | None, str]] = []
        for item in find_files(list(paths)):
            if isinstance(item, Skipped):
                report.skipped.append((str(item.path), item.reason))
                self.progress(f"skipped {item.path}: {item.reason}")
                continue
            probe = Probe.of_path(item.path)
            parser_cls: type[Parser] | None
            try:
                if format_name:
                    parser_cls, reason = by_name(format_name), "named with --format"
                else:
                    parser_cls, reason = detect(probe)
            except ApplianceError as exc:
                if item.named:
                    raise
                plan.append((item, probe, None, exc.message))
                continue
            plan.append((item, probe, parser_cls, reason))
        for item, probe, parser_cls, reason in plan:
            self._one(
                item, probe, parser_cls, reason, report, subject, subject_id, tz_name, context
            )
        self.store.checkpoint()
        return report

    def _one(
        self,
        item: Found,
        probe: Probe,
        parser_cls: type[Parser] | None,
        reason: str,
        report: IntakeReport,
        subject: str | None,
        subject_id: int | None,
        tz_name: str,
        context: ParseContext,
    ) -> None:
        path = item.path
        sha, size = sha256_file(path)
        self.store.begin()
        try:
            exhibit_id, ref, new = self._exhibit(path, sha, size)
            if not item.named:
                # Found on the medium: the exhibit stands whether or not it parses.
                self.store.commit()
                self.store.begin()
            exhibit = ExhibitReport(ref, str(path), sha, size, "verified")
            if parser_cls is None:
                self.store.commit()
                report.exhibits.append(exhibit)
                report.skipped.append((str(path), f"acquired, not parsed: {reason}"))
                self.progress(f"{ref} {path}: acquired, not parsed ({reason})")
                return
            # The same bytes read the same way again change nothing. Without a named subject
            # any earlier reading matches (its subject may have been inferred then).
            if not new and self.store.rows(
                "SELECT 1 FROM sources WHERE exhibit_id = ? AND format = ? "
                "AND (? IS NULL OR subject_id IS NOT DISTINCT FROM ?)",
                [exhibit_id, parser_cls.name, subject_id, subject_id],
            ):
                self.store.commit()
                report.exhibits.append(exhibit)
                report.sources.append(
                    SourceReport(
                        ref, str(path), parser_cls.name, reason, subject, status="already loaded"
                    )
                )
                self.progress(f"{ref} {path}: already loaded in this case; nothing to do")
                return
            self.progress(f"{ref} {path}: {parser_cls.name} ({reason})")
            source = self._parse(
                path,
                probe,
                parser_cls,
                reason,
                ref,
                exhibit_id,
                sha,
                subject,
                subject_id,
                tz_name,
                context,
            )
            self.store.commit()
        except NotThisFormat as exc:
            self.store.rollback()
            if item.named:
                report.failed.append((str(path), exc.message))
            else:
                report.exhibits.append(exhibit)
                report.skipped.append((str(path), f"acquired, not parsed: {exc.message}"))
            self.progress(f"not loaded, nothing kept: {exc}")
            return
        except BaseException:
            self.store.rollback()
            raise
        report.exhibits.append(exhibit)
        report.sources.append(source)
        self.progress(
            f"{ref}: read {source.rows_read} rows, loaded {source.loaded}, "
            f"rejected {source.rejected}, warnings {source.warnings}"
        )

    def _exhibit(self, path: Path, sha: str, size: int) -> tuple[int, str, bool]:
        existing = self.store.rows("SELECT id, ref FROM exhibits WHERE sha256 = ?", [sha])
        if existing:
            return int(existing[0][0]), str(existing[0][1]), False
        exhibit_id = self.store.next_id("exhibit_ids")
        ref = f"EXH-{exhibit_id:04d}"
        self.store.execute(
            "INSERT INTO exhibits (id, ref, sha256, size, original_path, device, acquired, officer)"
            " VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
            [
                exhibit_id,
                ref,
                sha,
                size,
                str(path.resolve()),
                datetime.now(UTC).replace(tzinfo=None, microsecond=0),
                officer(),
            ],
        )
        return exhibit_id, ref, True

    def _parse(
        self,
        path: Path,
        probe: Probe,
        parser_cls: type[Parser],
        reason: str,
        ref: str,
        exhibit_id: int,
        sha: str,
        subject: str | None,
        subject_id: int | None,
        tz_name: str,
        context: ParseContext,
    ) -> SourceReport:
        source_id = self.store.next_id("source_ids")
        source = SourceReport(ref, str(path), parser_cls.name, reason, subject)
        batches = Batches(
            self.store,
            source_id,
            on_flush=lambda s: self.progress(
                f"{ref}: {s.loaded_so_far:,} rows loaded, {s.rejected:,} rejected so far"
            ),
        )
        with path.open("rb") as raw:
            hashing = HashingReader(raw)
            # A container needs random access; everything else streams through the hash.
            content = raw if parser_cls.seekable else open_content(hashing, probe.gzipped)
            try:
                for record in parser_cls().parse(content, context):
                    batches.add(record, source)
            except NotThisFormat as exc:
                raise NotThisFormat(f"{path}: {exc.message}", exc.hint) from None
            except (OSError, EOFError) as exc:
                raise NotThisFormat(
                    f"{path}: the file could not be read to the end ({exc}).",
                    "The file may be truncated or damaged; acquire it again.",
                ) from None
            if parser_cls.seekable:
                raw.seek(0)
            if hashing.finish() != sha:
                raise NotThisFormat(
                    f"{path}: the file changed while it was being read.",
                    "Make sure nothing is writing to the evidence, then run intake again.",
                )
        batches.flush()
        source.loaded = source.observations + source.communications + source.cells
        source.rows_read = source.loaded + source.rejected
        if subject_id is None and source.communications:
            subject_id, subject = self._infer_subject(source_id)
            source.subject = subject
        if subject_id is not None:
            for (line,) in self.store.rows(
                "SELECT DISTINCT line FROM communications WHERE source_id = ? ORDER BY line",
                [source_id],
            ):
                self.store.attribute(subject_id, line, f"source {source_id}")
        self.store.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source_id,
                exhibit_id,
                parser_cls.name,
                parser_cls.version,
                reason,
                tz_name,
                subject_id,
                source.rows_read,
                source.loaded,
                source.rejected,
                source.warnings,
                source.observations,
                source.communications,
                source.cells,
                datetime.now(UTC).replace(tzinfo=None, microsecond=0),
            ],
        )
        return source

    def _infer_subject(self, source_id: int) -> tuple[int | None, str | None]:
        """The subject owning every line of this source's records, if exactly one does."""
        owners = self.store.rows(
            "SELECT DISTINCT s.id, s.name FROM communications c "
            "LEFT JOIN identifiers i ON i.value = c.line "
            "LEFT JOIN subjects s ON s.id = i.subject_id "
            "WHERE c.source_id = ?",
            [source_id],
        )
        if len(owners) == 1 and owners[0][0] is not None:
            return int(owners[0][0]), str(owners[0][1])
        return None, None
