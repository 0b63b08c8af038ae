"""The commands the appliance runs with nobody at the keyboard: the USB intake and the recovery
after a power cut. No passphrase, and a light import path: nothing here loads DuckDB, Arrow or
the analyses, because on the appliance every second of start-up delays the stick's intake and
the boot (``appliance.cli.main`` imports this module, not ``commands``, for them).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from appliance.crypto import sealing_public_key
from appliance.errors import ApplianceError, CaseNotFound
from appliance.intake.disk import WalkLimits
from appliance.intake.session import acquire, recover
from appliance.store.home import Home, default_home
from appliance.textsafe import shown

QUARANTINE = "QUARANTINE"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _home(value: str | None) -> Home:
    return Home(Path(value) if value else default_home())


def _emit_json(document: object) -> None:
    # The same shape as render.emit_json, without importing the renderers.
    import json

    json.dump(document, sys.stdout, indent=2, ensure_ascii=True, allow_nan=False)
    sys.stdout.write("\n")


def cmd_intake(args: argparse.Namespace) -> int:
    """``appliance intake --unattended PATH...``, reached without importing ``commands``."""
    if args.officer:
        os.environ["APPLIANCE_OFFICER"] = args.officer
    return intake(args, WalkLimits(max_files=args.max_files, max_file_bytes=args.max_file_size))


def intake(args: argparse.Namespace, limits: WalkLimits) -> int:
    """The USB service: seal into the active case (or QUARANTINE) with no passphrase."""
    home = _home(args.home)
    ref = args.case or home.active() or QUARANTINE
    try:
        info = home.case(ref)
    except CaseNotFound:
        print(f"APPLIANCE INTAKE REFUSED case={ref} reason=no-such-case", flush=True)
        raise CaseNotFound(
            f"no active case and no {QUARANTINE} case to seal this stick into.",
            f"Run `appliance case use REF`, or create `appliance case new {QUARANTINE}`.",
        ) from None
    actor = os.environ.get("APPLIANCE_OFFICER") or "USB intake service (unattended)"
    try:
        report = acquire(
            info.ref,
            info.folder,
            sealing_public_key(info.keys_path),
            args.paths,
            actor,
            _say,
            limits,
            args.exhibit_prefix or ("USB" if not os.environ.get("APPLIANCE_OFFICER") else None),
        )
    except ApplianceError as exc:
        # The serial console gets a line whatever happens, so a booted appliance can be checked.
        print(f"APPLIANCE INTAKE FAILED case={info.ref} reason={shown(exc.message)}", flush=True)
        raise
    if args.json:
        _emit_json(
            {
                "case": info.ref,
                "exhibits": [o.as_json() for o in report.outcomes],
                "media": [m.__dict__ for m in report.media],
            }
        )
    code = 1 if report.incomplete else 0
    # The one line a booted appliance's serial console is checked for.
    print(
        f"APPLIANCE INTAKE COMPLETE case={info.ref} exhibits={report.exhibits} "
        f"verified={report.verified} incomplete={report.incomplete}",
        file=sys.stderr if args.json else sys.stdout,
        flush=True,
    )
    return code


def recover_cases(args: argparse.Namespace) -> int:
    """At boot (appliance-recover.service): needs no passphrase, reads no medium."""
    home = _home(args.home)
    cases = [home.case(args.case)] if args.case else home.cases()
    who = os.environ.get("APPLIANCE_OFFICER") or "recovery at boot (unattended)"
    for info in cases:
        recovery = recover(info.ref, info.folder, who)
        stopped = recovery.interruption
        if stopped is not None:
            sealing = ",".join(shown(p.exhibit) for p in stopped.partials) or "unknown"
            # On the console of a headless appliance: the intake a power cut stopped.
            print(
                f"APPLIANCE INTAKE INTERRUPTED case={info.ref} started={stopped.started} "
                f"media={','.join(map(shown, stopped.media)) or 'files'} "
                f"acquired={len(stopped.acquired)} incomplete={sealing}",
                flush=True,
            )
        if recovery.recovered or recovery.resealed:
            _say(
                f"{info.ref}: removed {len(recovery.recovered)} partial cop(ies)"
                + ("; resealed the ledger" if recovery.resealed else "")
            )
    return 0
