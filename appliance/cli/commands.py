"""The commands behind ``appliance``: each parses nothing and formats little, it calls the
library and hands results to ``render``."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from appliance.analyses.accounting import sources
from appliance.analyses.breach import Zone, breaches
from appliance.analyses.colocate import Parameters, colocate
from appliance.analyses.common import Period
from appliance.analyses.contacts import contacts
from appliance.analyses.timeline import timeline
from appliance.cli import render, unattended
from appliance.cli.session import home_of, open_case, parse_time, parse_zone, passphrase
from appliance.custody import verify_ledger
from appliance.custody.ledger import LEDGER_NAME
from appliance.errors import UsageError
from appliance.intake.disk import WalkLimits
from appliance.intake.session import case_lock, open_ledger
from appliance.intake.verify import verify
from appliance.store.case import CaseStore, actor
from appliance.store.loader import Loader
from appliance.textsafe import shown


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
    with open_case(home_of(args.home), args.ref) as store:
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
    with open_case(home_of(args.home), args.case) as store:
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
    with open_case(home_of(args.home), args.case) as store:
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


def cmd_sources(args: argparse.Namespace) -> int:
    with open_case(home_of(args.home), args.case) as store:
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


def cmd_demo(args: argparse.Namespace) -> int:
    from appliance.demo.run import run_demo

    return run_demo(home_of(args.home), args.ref, keep=args.keep, say=_say)


def cmd_bench(args: argparse.Namespace) -> int:
    from appliance.bench.run import run_benchmarks

    return run_benchmarks(args.names, quick=args.quick)
