"""``appliance disclose``: the bundle the defence receives, checkable with stock tools alone.

Layout (every name fixed here, none taken from evidence):

    README.txt          how to check everything, in plain words
    SHA256SUMS          the SHA-256 of every other file (``sha256sum -c SHA256SUMS``)
    report.pdf          the evidential report (``appliance report``), same parameters
    exhibits.csv        every exhibit: reference, original path, size, SHA-256, when, who
    exports/            the CSV, KML and GeoJSON exports and their README (``appliance export``)
    custody/custody.jsonl, custody/verify_ledger.py
                        the chain-of-custody ledger and its standard-library checker, exported
                        by the same code as ``appliance custody --export``

The ledger is exported, then checked from the exported file itself, and its head hash goes into
README.txt: the command printed there is the check the defence runs.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from appliance import __version__
from appliance.analyses.register import register
from appliance.custody import verify_ledger
from appliance.errors import StoreError
from appliance.export import readme, tables
from appliance.export.cells import write_csv
from appliance.export.checksums import file_sha256, sums_text
from appliance.export.folder import OutputFolder
from appliance.export.options import ExportOptions
from appliance.export.run import ExportSummary, export_case
from appliance.export.times import local_text, utc_text
from appliance.store.case import CaseStore
from appliance.textsafe import shown
from appliance.timeutil import zone

SUMS = "SHA256SUMS"
LEDGER = "custody/custody.jsonl"
VERIFIER = "custody/verify_ledger.py"
REPORT = "report.pdf"

# Writes the report PDF at the path given, dated as given; returns a line describing it for
# README.txt. Passed in by the caller: export and report are sibling layers, neither imports
# the other.
ReportWriter = Callable[[Path, datetime], str]


@dataclass
class Disclosure:
    folder: Path
    exports: ExportSummary
    custody_head: str
    custody_entries: int
    report: str | None
    files: list[str]
    sums_sha256: str


def disclose(
    store: CaseStore,
    options: ExportOptions,
    folder: OutputFolder,
    *,
    report: ReportWriter | None = None,
    generated: datetime | None = None,
) -> Disclosure:
    """Write the bundle into ``folder``; ``SHA256SUMS`` last, from the files as they lie on disk.

    The ledger is exported first, so the head the bundle names is the one the report prints.
    """
    generated = generated or datetime.now(UTC).replace(microsecond=0)
    tz = zone(store.info.timezone)

    entries, head = _custody(store, folder)
    report_line = None
    if report is not None:
        with folder.file(REPORT) as temporary:
            report_line = report(temporary, generated)
    exports = export_case(
        store, options, folder, prefix="exports/", generated=generated, custody_head=head
    )
    exhibits = register(store)
    with folder.text("exhibits.csv") as out:
        write_csv(out, tables.EXHIBIT_COLUMNS, tables.exhibit_rows(exhibits, tz))
    with folder.text("README.txt") as out:
        out.write(
            readme_text(
                store.info.ref,
                store.info.timezone,
                generated,
                head,
                entries,
                len(exhibits),
                report_line,
                exports,
            )
        )
    names = sorted(folder.written)
    folder.write_bytes(SUMS, sums_text(folder.path, names).encode("ascii"))
    return Disclosure(
        folder=folder.path,
        exports=exports,
        custody_head=head,
        custody_entries=entries,
        report=report_line,
        files=[*names, SUMS],
        sums_sha256=file_sha256(folder.path / SUMS),
    )


def _custody(store: CaseStore, folder: OutputFolder) -> tuple[int, str]:
    """Export the ledger and its checker; check the exported copy; its entries and head."""
    with store.ledger() as ledger, folder.file(LEDGER) as temporary:
        ledger.export(temporary)
        entries = verify_ledger.read_entries(str(temporary))
    problems, head = verify_ledger.check_chain(entries)
    if problems or not entries:
        seq, _exhibit, what = problems[0] if problems else (None, "", "the ledger is empty")
        raise StoreError(
            f"the custody ledger does not verify (entry {seq}: {what}); no bundle was made "
            "from it.",
            "Run `appliance verify` and `appliance custody` to see what is wrong.",
        )
    with folder.file(VERIFIER) as temporary:
        shutil.copyfile(Path(verify_ledger.__file__), temporary)
    return len(entries), head


def readme_text(
    ref: str,
    timezone: str,
    generated: datetime,
    head: str,
    entries: int,
    exhibits: int,
    report_line: str | None,
    exports: ExportSummary,
) -> str:
    tz = zone(timezone)
    report_text = (
        f"report.pdf          {report_line}" if report_line else "(no report.pdf was asked for)"
    )
    return f"""\
Disclosure bundle for case {shown(ref)}
Generated {utc_text(generated)} ({local_text(generated, tz)} in {timezone})
by appliance {__version__}.
Custody ledger head: {head} ({entries} entries)

What is here
------------
  {report_text}
  exhibits.csv        every exhibit ({exhibits}): reference, original path, size, SHA-256,
                      when it was acquired and by whom
  exports/            the figures as data: co-location events and occasions, every
                      communication between A ('{shown(exports.a)}') and B ('{shown(exports.b)}'),
                      maps (KML, GeoJSON) of occasions and tracks; exports/README.txt
                      explains every column
  custody/custody.jsonl     the chain-of-custody ledger, one JSON entry per line
  custody/verify_ledger.py  a checker for it (Python 3 standard library only; read it first)
  SHA256SUMS          the SHA-256 of every file above

How to check it, with stock tools
---------------------------------
Nothing from the appliance needs installing. In this folder, on any Linux or macOS machine
(on macOS use `shasum -a 256 -c SHA256SUMS`):

1. That no file was changed since the bundle was made:

       sha256sum -c SHA256SUMS

   Every line must say OK. Keep the SHA-256 of SHA256SUMS itself with the bundle's paperwork:
   with it, this check proves every file.

2. That the chain of custody is whole, unedited and not cut short:

       python3 -I custody/verify_ledger.py custody/custody.jsonl --head {head}

   It recomputes the hash of every entry and follows every link; it prints OK and the head, or
   one FAIL line per problem. Each entry carries the SHA-256 of the one before it, so changing,
   removing or reordering any entry breaks the chain. The head above is also printed on the
   report.

3. That an exhibit you hold is the one analysed: compare `sha256sum FILE` with its sha256 in
   exhibits.csv. Every row of every export names its exhibit, the exhibit's SHA-256 and the row
   in it, so any figure can be traced back to the line of evidence it came from.

4. The maps: open exports/*.kml or exports/*.geojson in any GIS (QGIS, Google Earth...).
   Coordinates are WGS84, longitude first as both formats require.

{readme.CSV_RULE}
{readme.columns_text("exhibits.csv", tables.EXHIBIT_COLUMNS)}"""
