"""The commands behind ``appliance``: each parses nothing and formats little, it calls the
library and hands results to ``render``."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from appliance.analyses.accounting import sources
from appliance.analyses.breach import Zone, breaches
from appliance.analyses.colocate import Parameters, colocate
from appliance.analyses.common import Period, two_subjects
from appliance.analyses.contacts import contacts
from appliance.analyses.timeline import timeline
from appliance.cli import render, unattended
from appliance.cli.session import home_of, open_case, parse_time, parse_zone, passphrase
from appliance.custody import verify_ledger
from appliance.custody.ledger import LEDGER_NAME
from appliance.errors import OutputExists, UsageError
from appliance.intake.disk import WalkLimits
from appliance.intake.session import case_lock, open_ledger
from appliance.intake.verify import verify
from appliance.store.case import CaseStore, actor
from appliance.store.loader import Loader
from appliance.textsafe import shown
from appliance.timeutil import parse_iso

if TYPE_CHECKING:  # the export commands import their package when run, not at start-up
    from appliance.export.folder import OutputFolder
    from appliance.export.options import ExportOptions
    from appliance.maps.render import MapImage


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _period(args: argparse.Namespace, timezone: str) -> Period:
    start = parse_time(args.start, timezone) if args.start else None
    end = parse_time(args.end, timezone, end_of_day=True) if args.end else None
    if start and end and end < start:
        raise UsageError("--to is before --from.", "Swap them.")
    return Period(start, end)


def cmd_case_new(args: argparse.Namespace) -> int:
    home = home_of(args.home)
    with CaseStore.create(home, args.ref, args.timezone, passphrase(args.ref, confirm=True)) as st:
        _say(f"created case {st.info.ref} in {st.info.folder} (local days in {args.timezone})")
    return 0


def _head(folder: Path) -> str:
    if not (folder / LEDGER_NAME).exists():
        return ""
    with open_ledger(folder) as ledger:
        return ledger.head()


def cmd_case_list(args: argparse.Namespace) -> int:
    home = home_of(args.home)
    cases = home.cases()
    if args.json:
        render.emit_json([{**c.as_json(), "custody_head": _head(c.folder)} for c in cases])
        return 0
    active = home.active()
    if not cases:
        _say(f"no cases in {home.root}; create one with `appliance case new REF`")
    for c in cases:
        marker = "*" if c.ref == active else " "
        print(
            f"{marker} {c.ref:<24} created {c.as_json()['created']}  {c.timezone}  "
            f"custody head {_head(c.folder)[:16] or '-'}"
        )
    return 0


def cmd_case_use(args: argparse.Namespace) -> int:
    info = home_of(args.home).use(args.ref)
    _say(f"case {info.ref} is now the active case for USB intake")
    return 0


def cmd_subject_add(args: argparse.Namespace) -> int:
    with open_case(home_of(args.home), args.ref, read_only=False) as store:
        subject = store.add_subject(args.name, args.role, args.ids)
        store.checkpoint()
    ids = ", ".join(subject.identifiers) or "no identifiers yet"
    _say(f"added {shown(subject.name)} ({subject.role}): {ids}")
    return 0


def cmd_subject_list(args: argparse.Namespace) -> int:
    with open_case(home_of(args.home), args.ref, spatial=False) as store:
        subjects = store.subjects()
    if args.json:
        render.emit_json(
            [{"name": s.name, "role": s.role, "identifiers": list(s.identifiers)} for s in subjects]
        )
        return 0
    for s in subjects:
        print(f"{shown(s.name):<20} {s.role:<8} {', '.join(map(shown, s.identifiers))}")
    return 0


def cmd_intake(args: argparse.Namespace) -> int:
    if args.officer:
        os.environ["APPLIANCE_OFFICER"] = args.officer
    limits = WalkLimits(max_files=args.max_files, max_file_bytes=args.max_file_size)
    if args.unattended:
        return unattended.intake(args, limits)
    if not args.case:
        raise UsageError("intake needs --case REF.", "Or use --unattended for the active case.")
    started = time.monotonic()
    with open_case(home_of(args.home), args.case, read_only=False) as store:
        loader = Loader(store, progress=_say)
        report = loader.intake(
            args.paths, args.subject, args.format, args.timezone, line=args.line, limits=limits
        )
        with store.ledger() as ledger:
            report.custody_head = ledger.head()
    verified = [e for e in report.exhibits if e.status == "verified"]
    loaded = [s for s in report.sources if s.status == "loaded"]
    _say(
        f"intake done in {time.monotonic() - started:.1f} s: {len(verified)} file(s) acquired "
        f"({sum(e.size for e in verified) / 2**20:,.1f} MiB), "
        f"{len(report.exhibits) - len(verified)} incomplete; {len(loaded)} source(s) parsed, "
        f"{sum(s.loaded for s in loaded):,} rows loaded, {sum(s.rejected for s in loaded):,} "
        "rejected"
    )
    if args.json:
        render.emit_json(report.as_json())
    else:
        render.intake_text(report, sys.stdout)
    if report.failed:
        _path, reason = report.failed[0]
        _say(
            f"appliance: {shown(reason)} ({len(report.failed)} file(s) not loaded; "
            "the case holds nothing from them)"
        )
        return 1
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    with open_case(home_of(args.home), args.case) as store:
        info, private = store.info, store.keys.sealing_private
    with case_lock(info.folder), open_ledger(info.folder) as ledger:
        report = verify(info.ref, info.folder, ledger, private, _say)
        ledger.append(
            "verified",
            actor(),
            details={
                "verified": len(report.verified),
                "problems": [f"{f.exhibit}: {f.problem}" for f in report.problems],
                "incomplete": [f.exhibit for f in report.incomplete],
                "head_checked": report.head,
            },
        )
    if args.json:
        render.emit_json(report.as_json())
    else:
        render.verify_text(report, sys.stdout)
    return 0 if report.ok else 1


def cmd_recover(args: argparse.Namespace) -> int:
    return unattended.recover_cases(args)


def cmd_custody(args: argparse.Namespace) -> int:
    info = home_of(args.home).case(args.case)
    with open_ledger(info.folder) as ledger:
        if args.export:
            args.export.mkdir(parents=True, exist_ok=True)
            count = ledger.export(args.export / "custody.jsonl")
            verifier = Path(verify_ledger.__file__)
            shutil.copyfile(verifier, args.export / "verify_ledger.py")
            _say(
                f"exported {count} entries to {args.export / 'custody.jsonl'}; check it with "
                f"`python3 {args.export / 'verify_ledger.py'} {args.export / 'custody.jsonl'} "
                f"--head {ledger.head()}`"
            )
            return 0
        entries = list(ledger.entries())
        head = ledger.head()
    if args.json:
        render.emit_json(
            {"case": info.ref, "custody_head": head, "entries": [e.__dict__ for e in entries]}
        )
        return 0
    render.custody_text(entries, head, sys.stdout)
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from appliance.intake.watch import watch

    watch(home_of(args.home).root, once=args.once)
    return 0


def _case_head(store: CaseStore) -> str:
    with store.ledger() as ledger:
        return ledger.head()


def _footer(head: str) -> None:
    """Every report names the custody ledger head it was produced under."""
    print(f"\nCustody ledger head {head} (check: appliance verify)")


def cmd_colocate(args: argparse.Namespace) -> int:
    with open_case(home_of(args.home), args.case) as store:
        tz = store.info.timezone
        params = Parameters(args.within, args.window, args.gap, _period(args, tz))
        result = colocate(store, args.a, args.b, params)
        head = _case_head(store)
    if args.json:
        render.emit_json(result.as_json())
    else:
        render.colocation_text(result, ZoneInfo(tz), sys.stdout, events=args.events)
        _footer(head)
    return 0


def cmd_contacts(args: argparse.Namespace) -> int:
    with open_case(home_of(args.home), args.case, spatial=False) as store:
        period = _period(args, store.info.timezone)
        result = contacts(store, args.a, args.b, period, args.match_within)
        head = _case_head(store)
    if args.json:
        render.emit_json(result.as_json())
    else:
        render.contacts_text(result, sys.stdout)
        _footer(head)
    return 0


def cmd_breach(args: argparse.Namespace) -> int:
    lat, lon = parse_zone(args.zone)
    zone = Zone(lat, lon, args.radius)
    with open_case(home_of(args.home), args.case) as store:
        tz = store.info.timezone
        result = breaches(store, args.subject, zone, _period(args, tz), args.gap)
        head = _case_head(store)
    if args.json:
        render.emit_json(result.as_json())
    else:
        render.breach_text(result, ZoneInfo(tz), sys.stdout)
        _footer(head)
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    with open_case(home_of(args.home), args.case, spatial=False) as store:
        tz = store.info.timezone
        items = timeline(store, args.subject, _period(args, tz), limit=args.limit)
    if args.json:
        render.emit_json({"items": [i.as_json() for i in items]})
        return 0
    zone = ZoneInfo(tz)
    for i in items:
        where = f"{i.lat:.5f},{i.lon:.5f}" if i.lat is not None and i.lon is not None else ""
        who = shown(i.subject or "-")
        what = (
            i.kind if i.kind == "observation" else f"{i.kind} {i.direction} {shown(i.other or '')}"
        )
        print(
            f"{render.local(i.time, zone)}  {who:<10} {what:<28} {where:<20} "
            f"{i.source.exhibit}:{i.row}"
        )
    return 0


def _export_options(args: argparse.Namespace, store: CaseStore) -> ExportOptions:
    """Checked before anything is written: both subjects exist and differ, tracks name people."""
    from appliance.export.options import ExportOptions, default_pair

    a, b = default_pair(store, args.a, args.b)
    two_subjects(store, a, b)
    for name in args.subjects:
        store.subject(name)
    params = Parameters(args.within, args.window, args.gap, _period(args, store.info.timezone))
    return ExportOptions(a, b, params, args.match_within, tuple(args.subjects))


def _record(folder: Path, action: str, details: dict[str, object]) -> str:
    """The custody ledger notes what left the appliance, where, and its hashes."""
    with case_lock(folder), open_ledger(folder) as ledger:
        ledger.append(action, actor(), details=details)
        return ledger.head()


def _stale(out: OutputFolder) -> None:
    for name in out.stale():
        _say(f"note: {shown(out.path / name)} was already in the folder and is not part of this.")


def cmd_export(args: argparse.Namespace) -> int:
    from appliance.export.checksums import file_sha256
    from appliance.export.folder import OutputFolder
    from appliance.export.run import export_case

    with open_case(home_of(args.home), args.case) as store:
        options = _export_options(args, store)
        out = OutputFolder(args.out, force=args.force)
        try:
            summary = export_case(store, options, out, custody_head=_case_head(store))
        except BaseException:
            out.discard()
            raise
        case_folder = store.info.folder
    head = _record(
        case_folder,
        "exported",
        {
            "out": shown(out.path.resolve()),
            "files": {name: file_sha256(out.path / name) for name in sorted(out.written)},
            "a": options.a,
            "b": options.b,
            "parameters": summary.parameters,
        },
    )
    _stale(out)
    _say(
        f"exported {summary.events:,} event(s) in {summary.occasions:,} occasion(s), "
        f"{summary.communications:,} communication(s) ({summary.communication_records:,} "
        f"record(s)), tracks of {', '.join(map(shown, summary.track_points))} to "
        f"{shown(out.path)}; custody head now {head}"
    )
    return 0


def cmd_disclose(args: argparse.Namespace) -> int:
    from appliance.export.bundle import disclose
    from appliance.export.checksums import file_sha256
    from appliance.export.folder import OutputFolder
    from appliance.export.ziparchive import write_zip
    from appliance.report import ReportOptions, write_report

    zip_path = args.out.with_name(args.out.name + ".zip") if args.zip else None
    if zip_path and zip_path.exists() and not args.force:
        raise OutputExists(
            f"{shown(zip_path)} already exists.", "Name another folder, or add --force."
        )
    home = home_of(args.home)
    with open_case(home, args.case) as store:
        options = _export_options(args, store)
        out = OutputFolder(args.out, force=args.force)
        report_options = ReportOptions(
            a=options.a, b=options.b, params=options.parameters, match_within_s=options.tolerance_s
        )

        def report(path: Path, generated: datetime) -> str:
            summary = write_report(store, home, report_options, path, generated=generated)
            return (
                f"the evidential report: {summary.pages} pages; {summary.occasions} "
                f"occasion(s), {summary.contacts:,} contact(s), {summary.visits} zone visit(s)"
            )

        try:
            bundle = disclose(store, options, out, report=report)
        except BaseException:
            out.discard()
            raise
        case_folder = store.info.folder
    if zip_path:
        write_zip(zip_path, out.path, out.path.name, bundle.files)
    details: dict[str, object] = {
        "out": shown(out.path.resolve()),
        "sha256sums_sha256": bundle.sums_sha256,
        "files": len(bundle.files),
        "custody_head_disclosed": bundle.custody_head,
    }
    if zip_path:
        details["zip_sha256"] = file_sha256(zip_path)
    head = _record(case_folder, "disclosed", details)
    _stale(out)
    _say(
        f"disclosure bundle written to {shown(out.path)}: {len(bundle.files)} files; SHA256SUMS "
        f"has SHA-256 {bundle.sums_sha256}"
        + (f"; zip {shown(zip_path)}" if zip_path else "")
        + f". Check it with `cd {shown(out.path)} && sha256sum -c SHA256SUMS`. "
        f"Custody head now {head} (the bundle holds the ledger to {bundle.custody_head[:16]}...)"
    )
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    with open_case(home_of(args.home), args.case, spatial=False) as store:
        accounts = sources(store, with_rejections=args.rejections or args.json)
    if args.json:
        render.emit_json([a.as_json() for a in accounts])
        return 0
    for a in accounts:
        print(
            f"{a.exhibit} {shown(a.path)}\n    {a.format} ({shown(a.detection)}), subject "
            f"{shown(a.subject or '-')}: read {a.rows_read:,} = loaded {a.loaded:,} + rejected "
            f"{a.rejected:,}; warnings {a.warnings:,}"
        )
        for row, reason in a.rejections:
            print(f"    row {row}: {shown(reason)}")
    return 0


def cmd_formats(args: argparse.Namespace) -> int:
    from appliance.parsers.registry import all_parsers

    for parser in all_parsers():
        print(f"{parser.name:<20} {parser.description}")
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    # Imported here: Textual is a view's dependency, not something every command should load.
    from appliance.tui.app import run

    run(home_of(args.home), args.case)
    return 0


def cmd_map_occasion(args: argparse.Namespace) -> int:
    from appliance.analyses.cell_sectors import cell_sectors
    from appliance.maps import render as maps
    from appliance.maps.tiles import opened

    home = home_of(args.home)
    with open_case(home, args.case) as store:
        tz = store.info.timezone
        params = Parameters(args.within, args.window, args.gap, _period(args, tz))
        result = colocate(store, args.a, args.b, params)
        mine = result.occasion_events(args.occasion)
        keys = [(e.a_source, e.a_row) for e in mine if e.a_method == "cell"]
        keys += [(e.b_source, e.b_row) for e in mine if e.b_method == "cell"]
        cells = cell_sectors(store, keys)
    with opened(home) as tiles:
        image = maps.occasion_map(
            result,
            args.occasion,
            timezone=tz,
            tiles=tiles,
            width_px=args.width,
            height_px=args.height,
            cells=cells,
        )
    return _map_out(args, image)


def cmd_map_visit(args: argparse.Namespace) -> int:
    from appliance.maps import render as maps
    from appliance.maps.tiles import opened

    lat, lon = parse_zone(args.zone)
    zone = Zone(lat, lon, args.radius)
    home = home_of(args.home)
    with open_case(home, args.case) as store:
        tz = store.info.timezone
        result = breaches(store, args.subject, zone, _period(args, tz), args.gap)
    with opened(home) as tiles:
        image = maps.visit_map(
            result, args.visit, timezone=tz, tiles=tiles, width_px=args.width, height_px=args.height
        )
    return _map_out(args, image)


def _map_out(args: argparse.Namespace, image: MapImage) -> int:
    from appliance.maps.files import write_map

    write_map(args.out, image.png)
    if args.json:
        render.emit_json(
            {
                "path": str(args.out),
                "width_px": image.width_px,
                "height_px": image.height_px,
                "basemap": image.basemap,
                "attribution": image.attribution,
                "legend": image.legend,
            }
        )
    else:
        _say(f"wrote {args.out} ({len(image.png):,} bytes)")
        for line in image.legend:
            print(line)
    return 0


def cmd_tiles_import(args: argparse.Namespace) -> int:
    # Map code is imported by the commands that draw or install maps, not by every command.
    from appliance.maps.install import import_pack

    info = import_pack(home_of(args.home), args.file, name=args.name, replace=args.replace)
    if args.json:
        render.emit_json(info.as_json())
    else:
        _say(f"installed tile pack {info.name} ({info.tile_count:,} tiles) in {info.path}")
        render.tile_packs_text([info], sys.stdout)
    return 0


def cmd_tiles_list(args: argparse.Namespace) -> int:
    from appliance.maps.install import list_packs

    home = home_of(args.home)
    packs, problems = list_packs(home)
    for problem in problems:
        _say(f"left out of maps: {shown(problem)}")
    if args.json:
        render.emit_json([p.as_json() for p in packs])
    elif not packs:
        _say(
            f"no tile packs in {home.root}; maps are drawn on a coordinate grid. "
            "Install one with `appliance tiles import FILE.mbtiles`."
        )
    else:
        render.tile_packs_text(packs, sys.stdout)
    return 0


def cmd_tiles_build(args: argparse.Namespace) -> int:
    from appliance.maps.build import build, parse_bbox, parse_zooms

    zooms = parse_zooms(args.zoom)
    bbox = parse_bbox(args.bbox) if args.bbox else None
    built = build(
        args.osm, args.out, zooms=zooms, bbox=bbox, attribution=args.attribution, progress=_say
    )
    if args.json:
        render.emit_json(
            {
                **built.info.as_json(),
                "path": str(built.info.path),
                "source_sha256": built.source_sha256,
                "features": built.features,
            }
        )
    else:
        render.tile_packs_text([built.info], sys.stdout)
        print(f"  drawn from {shown(args.osm.name)} (SHA-256 {built.source_sha256})")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from appliance.demo.run import run_demo

    return run_demo(home_of(args.home), args.ref, keep=args.keep, say=_say)


def cmd_bench(args: argparse.Namespace) -> int:
    from appliance.bench.run import run_benchmarks

    return run_benchmarks(args.names, quick=args.quick)


def cmd_zone_add(args: argparse.Namespace) -> int:
    from appliance.store.zones import add_zone

    lat, lon = parse_zone(args.at)
    with open_case(home_of(args.home), args.ref, read_only=False) as store:
        zone = add_zone(store, args.name, lat, lon, args.radius, args.subject, args.note)
    _say(
        f"recorded zone {shown(zone.name)}: {zone.radius_m:g} m around {zone.lat},{zone.lon}, "
        f"against {shown(zone.subject)}; every report now shows its visits"
    )
    return 0


def cmd_zone_list(args: argparse.Namespace) -> int:
    from appliance.store.zones import zones

    with open_case(home_of(args.home), args.ref, spatial=False) as store:
        found = zones(store)
    if args.json:
        render.emit_json([z.as_json() for z in found])
        return 0
    if not found:
        _say(f"no zones in case {args.ref}; record one with `appliance zone add`")
    for z in found:
        print(
            f"{shown(z.name):<24} {z.radius_m:>7g} m around {z.lat:.5f},{z.lon:.5f}  "
            f"against {shown(z.subject)}  {shown(z.note)}"
        )
    return 0


def _generated(text: str | None) -> datetime:
    """The stated generation time: --generated, else SOURCE_DATE_EPOCH, else now (UTC)."""
    if text:
        try:
            moment = parse_iso(text)
        except ValueError:
            raise UsageError(
                f"cannot read the generation time {text!r}.",
                "Use ISO 8601, e.g. 2024-05-01T09:00Z.",
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except ValueError:
            raise UsageError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds.", "Unset or fix it."
            ) from None
    return datetime.now(UTC).replace(microsecond=0)


def cmd_report(args: argparse.Namespace) -> int:
    from appliance.report import ReportOptions, ZoneSpec, print_pdf, write_report

    home = home_of(args.home)
    out: Path = args.out or Path(f"{args.case}-report.pdf")
    with open_case(home, args.case) as store:
        tz = store.info.timezone
        zones = None
        if args.zone:
            lat, lon = parse_zone(args.zone)
            zones = (ZoneSpec(lat, lon, args.radius, args.a),)
        options = ReportOptions(
            a=args.a,
            b=args.b,
            params=Parameters(args.within, args.window, args.gap, _period(args, tz)),
            zones=zones,
        )
        summary = write_report(store, home, options, out, generated=_generated(args.generated))
    _say(
        f"wrote {out}: {summary.pages} pages, {summary.size:,} bytes, sha256 {summary.sha256}; "
        f"{summary.occasions} occasions, {summary.contacts:,} contacts, {summary.visits} visits"
    )
    document: dict[str, object] = summary.as_json()
    if args.printer is not None:
        job = print_pdf(out, args.printer or None)
        _say(f"printing: job {job.job} on {shown(job.printer)}")
        document["print"] = job.as_json()
    if args.json:
        render.emit_json(document)
    return 0
