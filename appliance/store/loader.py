"""Loading evidence into a case: acquire (seal and record), then parse from the sealed copy.

Acquisition (``appliance.intake``) seals every file into the evidence store and records it in
the custody ledger. Parsing then reads the sealed copy, never the original again, so what is in
the database is provably what was sealed. Each exhibit is parsed in one database transaction
(all its rows, rejections and accounting, or none) and the ledger records the parse after it
commits. Exhibits sealed while the case was locked (the unattended USB service) are parsed here
the next time the case is unlocked. Parsing the same bytes the same way twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from appliance.custody.ledger import Entry, Ledger
from appliance.errors import ApplianceError, FormatNotRecognised, NotThisFormat
from appliance.evidence.store import EvidenceStore
from appliance.intake.acquire import ACQUIRED, initials
from appliance.intake.disk import WalkLimits
from appliance.intake.events import (
    Observer,
    ParseEnded,
    ParseProgress,
    ParseStarted,
    ignore,
)
from appliance.intake.files import Found, open_content
from appliance.intake.files import find_files as find_host_files
from appliance.intake.media import is_medium
from appliance.intake.members import open_member
from appliance.intake.session import acquire
from appliance.parsers.base import ParseContext, Parser, Probe
from appliance.parsers.registry import by_name, detect
from appliance.store.archives import Archive, expand, is_archive
from appliance.store.batches import Batches
from appliance.store.case import CaseStore, actor
from appliance.store.reports import ExhibitReport, IntakeReport, SourceReport
from appliance.textsafe import shown
from appliance.timeutil import zone

Progress = Callable[[str], None]
PARSED, NOT_PARSED = "parsed", "not parsed"


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Pending:
    """An acquired exhibit to parse: its reference, content hash, size and where it came from."""

    ref: str
    sha256: str
    size: int
    path: str
    parent: str | None = None
    member: str | None = None
    # For a member of an archive: the sealed file it lives in, and the member names leading
    # to it from there (archives inside archives).
    chain: tuple[str, ...] = ()
    root: str = ""

    def __post_init__(self) -> None:
        if not self.root:
            object.__setattr__(self, "root", self.sha256)


@dataclass
class Options:
    subject: str | None
    subject_id: int | None
    format_name: str | None
    tz_name: str
    context: ParseContext
    # Files the officer named: if one fails its format, the command fails and the case
    # database keeps nothing of it (its sealed copy and custody entries remain).
    named: set[str] = field(default_factory=set)


def pending_exhibits(ledger: Ledger) -> list[Pending]:
    """Acquired or extracted exhibits the ledger has no parse entry for, in reference order."""
    done: set[str] = set()
    latest: dict[str, Entry] = {}
    for entry in ledger.entries():
        if entry.exhibit is None:
            continue
        if entry.action in (PARSED, NOT_PARSED):
            done.add(entry.exhibit)
        elif entry.action in (ACQUIRED, "extracted") and entry.sha256:
            latest.setdefault(entry.exhibit, entry)
    return [_pending(e) for ref, e in latest.items() if ref not in done]


def _pending(entry: Entry) -> Pending:
    assert entry.exhibit and entry.sha256
    details = entry.details
    return Pending(
        entry.exhibit,
        entry.sha256,
        int(entry.size or 0),
        str(details.get("path", entry.origin or "")),
        details.get("parent"),
        details.get("member"),
        tuple(details.get("chain", ())),
        str(details.get("root", "")),
    )


class Loader:
    """Loads evidence into one open case."""

    def __init__(
        self, store: CaseStore, progress: Progress = _quiet, observe: Observer = ignore
    ) -> None:
        self.store = store
        self.progress = progress
        # The same moments as values, for a screen with live progress (and its cancel key).
        self.observe = observe

    # -- the whole intake ----------------------------------------------------------------

    def intake(
        self,
        paths: Iterable[Path],
        subject: str | None = None,
        format_name: str | None = None,
        timezone: str | None = None,
        line: str | None = None,
        limits: WalkLimits | None = None,
    ) -> IntakeReport:
        """Acquire every file under ``paths``, then parse each into the case.

        A file the officer named directly is recognised before anything is written, so a file
        that is not a known format fails the command with the case unchanged. Anything found
        on a medium or in a folder is acquired whether or not a parser reads it.
        """
        paths = list(paths)
        options = self._options(subject, format_name, timezone, line)
        self._check_named(paths, format_name)
        acquired = acquire(
            self.store.info.ref,
            self.store.info.folder,
            self.store.keys.sealing_public,
            paths,
            actor(),
            self.progress,
            limits,
            initials(actor()),
            self.observe,
        )
        report = IntakeReport()
        report.recovered = acquired.recovered
        report.media = [m.__dict__ for m in acquired.media]
        mine: dict[str, Pending] = {}
        for outcome in acquired.outcomes:
            if outcome.status == "verified" and outcome.ref and outcome.sha256:
                report.exhibits.append(
                    ExhibitReport(
                        outcome.ref, outcome.display, outcome.sha256, outcome.size or 0, "verified"
                    )
                )
                if outcome.ref not in mine:
                    mine[outcome.ref] = Pending(
                        outcome.ref, outcome.sha256, outcome.size or 0, outcome.display
                    )
                if outcome.named:
                    options.named.add(outcome.ref)
            elif outcome.status == "incomplete" and outcome.ref:
                report.exhibits.append(
                    ExhibitReport(outcome.ref, outcome.display, "", outcome.size or 0, "incomplete")
                )
                report.failed.append((outcome.display, outcome.reason))
            else:
                report.skipped.append((outcome.display, outcome.reason))
        self.parse(list(mine), options, report, list(mine.values()))
        self.parse_pending(report)
        return report

    def _options(
        self, subject: str | None, format_name: str | None, timezone: str | None, line: str | None
    ) -> Options:
        tz_name = timezone or self.store.info.timezone
        context = ParseContext(timezone=zone(tz_name))
        if line:
            # For layouts whose rows do not carry the line they were obtained for.
            context.options["line"] = line
        subject_id = self.store.subject(subject).id if subject else None
        if format_name:
            by_name(format_name)
        return Options(subject, subject_id, format_name, tz_name, context)

    def _check_named(self, paths: list[Path], format_name: str | None) -> None:
        for path in paths:
            if is_medium(path):
                continue
            for item in find_host_files([path]):
                if isinstance(item, Found) and item.named and not format_name:
                    probe = Probe.of_path(item.path)
                    try:
                        detect(probe)
                    except FormatNotRecognised:
                        # An archive nobody parses whole is acquired member by member.
                        if not is_archive(probe):
                            raise

    # -- parsing sealed exhibits -----------------------------------------------------------

    def parse_pending(self, report: IntakeReport | None = None) -> IntakeReport:
        """Parse every exhibit acquired (for example by the USB service) and not yet parsed."""
        report = report or IntakeReport()
        with self.store.ledger() as ledger:
            pending = pending_exhibits(ledger)
        if pending:
            self.progress(f"{len(pending)} sealed exhibit(s) waiting to be parsed")
            self.parse(
                [p.ref for p in pending], self._options(None, None, None, None), report, pending
            )
        return report

    def parse_exhibits(
        self,
        pending: list[Pending],
        subject: str | None,
        format_name: str | None = None,
        timezone: str | None = None,
    ) -> IntakeReport:
        """Parse sealed exhibits (``pending_exhibits``) as the records of ``subject``.

        For a view where the officer attributes each exhibit after it was sealed (the USB
        service seals with no one at the keyboard); None lets the subject be inferred from
        the lines the records are for, as ``intake`` without ``--subject`` does.
        """
        report = IntakeReport()
        options = self._options(subject, format_name, timezone, None)
        self.parse([p.ref for p in pending], options, report, pending)
        return report

    def parse(
        self,
        refs: list[str],
        options: Options,
        report: IntakeReport,
        known: list[Pending] | None = None,
    ) -> None:
        with self.store.ledger() as ledger:
            exhibits = {p.ref: p for p in known or []}
            if not known:
                for entry in ledger.entries(action=ACQUIRED):
                    if entry.exhibit in refs and entry.exhibit not in exhibits:
                        exhibits[entry.exhibit] = _pending(entry)
            for ref in refs:
                if ref in exhibits:
                    self._exhibit(ledger, exhibits[ref], options, report, depth=0)
        self.store.checkpoint()

    def _open(self, pending: Pending) -> BinaryIO:
        store = self.store
        stream = EvidenceStore(store.info.folder).open(
            pending.root, store.info.ref, store.keys.sealing_private
        )
        for name in pending.chain:
            stream = open_member(stream, name)
        return stream

    def _exhibit(
        self,
        ledger: Ledger,
        pending: Pending,
        options: Options,
        report: IntakeReport,
        depth: int,
        stream: BinaryIO | None = None,
    ) -> None:
        own = stream is None
        if stream is None:
            stream = self._open(pending)
        try:
            name = Path(pending.member or pending.path.rsplit(":", 1)[-1]).name
            probe = Probe.of_stream(name, stream)
            parser_cls: type[Parser] | None = None
            try:
                if options.format_name:
                    parser_cls, reason = by_name(options.format_name), "named with --format"
                else:
                    parser_cls, reason = detect(probe)
            except ApplianceError as exc:
                reason = exc.message
            if parser_cls is None and is_archive(probe):
                archive = Archive(pending, stream, depth)
                self._exhibit_row(pending)
                ledger.append(
                    NOT_PARSED,
                    actor(),
                    exhibit=pending.ref,
                    details={"reason": "an archive: its members are acquired as exhibits"},
                )
                for child, child_stream in expand(archive, ledger, actor(), self.progress):
                    report.exhibits.append(
                        ExhibitReport(child.ref, child.path, child.sha256, child.size, "verified")
                    )
                    self._exhibit(ledger, child, options, report, depth + 1, child_stream)
                return
            self._load(ledger, pending, stream, probe, parser_cls, reason, options, report)
        finally:
            if own:
                stream.close()

    def _load(
        self,
        ledger: Ledger,
        pending: Pending,
        stream: BinaryIO,
        probe: Probe,
        parser_cls: type[Parser] | None,
        reason: str,
        options: Options,
        report: IntakeReport,
    ) -> None:
        ref = pending.ref
        self.store.begin()
        try:
            exhibit_id = self._exhibit_row(pending)
            if parser_cls is None:
                self.store.commit()
                report.skipped.append((pending.path, f"acquired, not parsed: {reason}"))
                ledger.append(NOT_PARSED, actor(), exhibit=ref, details={"reason": reason})
                self.observe(ParseEnded(ref, NOT_PARSED, reason=reason))
                self.progress(
                    f"{ref} {shown(pending.path)}: acquired, not parsed ({shown(reason)})"
                )
                return
            # The same bytes read the same way again change nothing. Without a named subject
            # any earlier reading matches (its subject may have been inferred then).
            if self.store.rows(
                "SELECT 1 FROM sources WHERE exhibit_id = ? AND format = ? "
                "AND (? IS NULL OR subject_id IS NOT DISTINCT FROM ?)",
                [exhibit_id, parser_cls.name, options.subject_id, options.subject_id],
            ):
                self.store.commit()
                report.sources.append(
                    SourceReport(
                        ref,
                        pending.path,
                        parser_cls.name,
                        reason,
                        options.subject,
                        status="already loaded",
                    )
                )
                self._ledger_parsed(ledger, ref, parser_cls, None)
                self.progress(f"{ref} {shown(pending.path)}: already loaded; nothing to do")
                self.observe(ParseEnded(ref, "already loaded", subject=options.subject))
                return
            self.progress(f"{ref} {shown(pending.path)}: {parser_cls.name} ({shown(reason)})")
            self.observe(ParseStarted(ref, pending.path, parser_cls.name, options.subject))
            source = self._parse(pending, stream, probe, parser_cls, reason, exhibit_id, options)
            self.store.commit()
        except NotThisFormat as exc:
            self.store.rollback()
            if ref in options.named:
                report.failed.append((pending.path, exc.message))
            else:
                report.skipped.append((pending.path, f"acquired, not parsed: {exc.message}"))
                self._exhibit_only(pending)
            ledger.append(NOT_PARSED, actor(), exhibit=ref, details={"reason": exc.message})
            self.progress(f"{ref}: not parsed, no rows kept: {shown(exc)}")
            self.observe(ParseEnded(ref, NOT_PARSED, reason=exc.message))
            return
        except BaseException:
            self.store.rollback()
            raise
        report.sources.append(source)
        self._ledger_parsed(ledger, ref, parser_cls, source)
        self.progress(
            f"{ref}: read {source.rows_read} rows, loaded {source.loaded}, "
            f"rejected {source.rejected}, warnings {source.warnings}"
        )
        self.observe(
            ParseEnded(
                ref, "loaded", source.rows_read, source.loaded, source.rejected, source.subject
            )
        )

    def _ledger_parsed(
        self, ledger: Ledger, ref: str, parser_cls: type[Parser], source: SourceReport | None
    ) -> None:
        details: dict[str, object] = {"status": "already loaded"}
        if source is not None:
            details = {
                "subject": source.subject,
                "rows_read": source.rows_read,
                "loaded": source.loaded,
                "rejected": source.rejected,
                "warnings": source.warnings,
            }
        ledger.append(
            PARSED,
            actor(),
            exhibit=ref,
            parser=f"{parser_cls.name} {parser_cls.version}",
            details=details,
        )

    def _exhibit_only(self, pending: Pending) -> None:
        self.store.begin()
        try:
            self._exhibit_row(pending)
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise

    def _exhibit_row(self, pending: Pending) -> int:
        existing = self.store.rows("SELECT id FROM exhibits WHERE ref = ?", [pending.ref])
        if existing:
            return int(existing[0][0])
        existing = self.store.rows("SELECT id FROM exhibits WHERE sha256 = ?", [pending.sha256])
        if existing:
            return int(existing[0][0])
        exhibit_id = self.store.next_id("exhibit_ids")
        self.store.execute(
            "INSERT INTO exhibits (id, ref, sha256, size, original_path, device, acquired, officer)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                exhibit_id,
                pending.ref,
                pending.sha256,
                pending.size,
                pending.path,
                pending.parent,
                datetime.now(UTC).replace(tzinfo=None, microsecond=0),
                actor(),
            ],
        )
        return exhibit_id

    def _parse(
        self,
        pending: Pending,
        stream: BinaryIO,
        probe: Probe,
        parser_cls: type[Parser],
        reason: str,
        exhibit_id: int,
        options: Options,
    ) -> SourceReport:
        ref = pending.ref
        subject, subject_id = options.subject, options.subject_id
        source_id = self.store.next_id("source_ids")
        source = SourceReport(ref, pending.path, parser_cls.name, reason, subject)

        def flushed(so_far: SourceReport) -> None:
            self.progress(
                f"{ref}: {so_far.loaded_so_far:,} rows loaded, {so_far.rejected:,} rejected so far"
            )
            self.observe(ParseProgress(ref, so_far.loaded_so_far, so_far.rejected))

        batches = Batches(self.store, source_id, on_flush=flushed)
        stream.seek(0)
        # A container needs random access; everything else streams, decompressed if gzip.
        content = stream if parser_cls.seekable else open_content(stream, probe.gzipped)
        try:
            for record in parser_cls().parse(content, options.context):
                batches.add(record, source)
        except NotThisFormat as exc:
            raise NotThisFormat(f"{shown(pending.path)}: {exc.message}", exc.hint) from None
        except (OSError, EOFError) as exc:
            raise NotThisFormat(
                f"{shown(pending.path)}: the file could not be read to the end ({exc}).",
                "The file may be truncated or damaged.",
            ) from None
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
                options.tz_name,
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
