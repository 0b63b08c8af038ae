"""``appliance``: the command line (DESIGN §7).

``--json`` prints one JSON document on stdout and nothing else there; messages and progress go
to stderr. Exit status 0 on success; otherwise non-zero with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from appliance import __version__
from appliance.errors import ApplianceError
from appliance.textsafe import shown
from appliance.units import parse_distance_m, parse_duration_s, parse_size

Handler = Callable[[argparse.Namespace], int]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Parser(argparse.ArgumentParser):
    """argparse with the contract's one-line errors (no usage block on stderr)."""

    def error(self, message: str) -> NoReturn:
        _say(f"{self.prog}: {shown(message)} (see `{self.prog} --help`)")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="appliance",
        description="Offline communications-data analysis: co-location, contacts, order breaches.",
    )
    parser.add_argument("--version", action="version", version=f"appliance {__version__}")
    parser.add_argument("--home", help="folder of cases (default: APPLIANCE_HOME or XDG data)")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )

    case = commands.add_parser("case", help="create, list and choose cases")
    case_cmds = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    new = case_cmds.add_parser("new", help="create a case (asks for its passphrase)")
    new.add_argument("ref")
    new.add_argument("--timezone", default="Europe/London", help="IANA zone for local days")
    listing = case_cmds.add_parser("list", help="list the cases in this home")
    listing.add_argument("--json", action="store_true")
    use = case_cmds.add_parser("use", help="make a case the active one for USB intake")
    use.add_argument("ref")

    subject = commands.add_parser("subject", help="people in a case")
    subject_cmds = subject.add_subparsers(dest="subject_command", metavar="ACTION", required=True)
    add = subject_cmds.add_parser("add", help="add a subject with identifiers")
    add.add_argument("ref")
    add.add_argument("name")
    add.add_argument("--role", choices=("suspect", "victim", "other"), default="other")
    add.add_argument("--id", dest="ids", action="append", default=[], metavar="IDENTIFIER")
    slist = subject_cmds.add_parser("list", help="list subjects and their identifiers")
    slist.add_argument("ref")
    slist.add_argument("--json", action="store_true")

    intake = commands.add_parser(
        "intake", help="acquire and load files, folders, disk images or block devices"
    )
    intake.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    intake.add_argument("--case", help="the case (with --unattended: default the active case)")
    intake.add_argument(
        "--unattended",
        action="store_true",
        help="seal into the active case (or QUARANTINE) with no passphrase; parse at next unlock",
    )
    intake.add_argument("--officer", help="who is acquiring (default: APPLIANCE_OFFICER)")
    intake.add_argument(
        "--exhibit-prefix", help="start of exhibit references (default: the officer's initials)"
    )
    intake.add_argument("--max-files", type=int, default=100_000, help="files per medium")
    intake.add_argument(
        "--max-file-size", type=parse_size, default=64 * 1024**3, help="bytes per file (e.g. 64G)"
    )
    intake.add_argument("--subject", help="the subject the data belongs to")
    intake.add_argument("--format", help="skip detection and read as this format")
    intake.add_argument("--timezone", help="zone of naive local times (default: the case's)")
    intake.add_argument(
        "--line", help="the number the records are for, where the layout does not carry it"
    )
    intake.add_argument("--json", action="store_true")

    colocate = commands.add_parser("colocate", help="when were A and B together")
    colocate.add_argument("--case", required=True)
    colocate.add_argument("--a", required=True)
    colocate.add_argument("--b", required=True)
    colocate.add_argument("--within", default="500m", type=parse_distance_m)
    colocate.add_argument("--window", default="5min", type=parse_duration_s)
    colocate.add_argument("--gap", default="30min", type=parse_duration_s)
    colocate.add_argument("--from", dest="start")
    colocate.add_argument("--to", dest="end")
    colocate.add_argument("--events", action="store_true", help="list every event too")
    colocate.add_argument("--json", action="store_true")

    contacts = commands.add_parser("contacts", help="calls and messages between A and B")
    contacts.add_argument("--case", required=True)
    contacts.add_argument("--a", required=True)
    contacts.add_argument("--b", required=True)
    contacts.add_argument("--from", dest="start")
    contacts.add_argument("--to", dest="end")
    contacts.add_argument(
        "--match-within",
        default="60s",
        type=parse_duration_s,
        help="tolerance for the same communication in two sources",
    )
    contacts.add_argument("--json", action="store_true")

    breach = commands.add_parser("breach", help="visits inside an exclusion zone")
    breach.add_argument("--case", required=True)
    breach.add_argument("--subject", required=True)
    breach.add_argument("--zone", required=True, metavar="LAT,LON")
    breach.add_argument("--radius", required=True, type=parse_distance_m)
    breach.add_argument("--gap", default="30min", type=parse_duration_s)
    breach.add_argument("--from", dest="start")
    breach.add_argument("--to", dest="end")
    breach.add_argument("--json", action="store_true")

    zone = commands.add_parser("zone", help="exclusion zones an order names, kept with the case")
    zone_cmds = zone.add_subparsers(dest="zone_command", metavar="ACTION", required=True)
    zadd = zone_cmds.add_parser("add", help="record a zone: a place, a radius, who it binds")
    zadd.add_argument("ref")
    zadd.add_argument("name")
    zadd.add_argument("--at", required=True, metavar="LAT,LON", help="the centre")
    zadd.add_argument("--radius", required=True, type=parse_distance_m, help="e.g. 200m")
    zadd.add_argument("--subject", required=True, help="the subject the order is against")
    zadd.add_argument("--note", default="", help="e.g. the order and its date")
    zlist = zone_cmds.add_parser("list", help="the zones recorded in a case")
    zlist.add_argument("ref")
    zlist.add_argument("--json", action="store_true")

    report = commands.add_parser(
        "report", help="the printed evidential report (PDF): summary, method, maps, appendix"
    )
    report.add_argument("--case", required=True)
    report.add_argument("--out", type=Path, metavar="FILE.pdf", help="default: REF-report.pdf")
    report.add_argument(
        "--print",
        dest="printer",
        nargs="?",
        const="",
        default=None,
        metavar="PRINTER",
        help="also print it with lp (the default printer when none is named)",
    )
    report.add_argument("--a", help="subject A (default: the case's suspect)")
    report.add_argument("--b", help="subject B (default: the case's victim)")
    report.add_argument("--within", default="500m", type=parse_distance_m)
    report.add_argument("--window", default="5min", type=parse_duration_s)
    report.add_argument("--gap", default="30min", type=parse_duration_s)
    report.add_argument("--from", dest="start")
    report.add_argument("--to", dest="end")
    report.add_argument(
        "--zone", metavar="LAT,LON", help="an exclusion zone instead of the case's recorded ones"
    )
    report.add_argument("--radius", default="200m", type=parse_distance_m)
    report.add_argument(
        "--generated",
        metavar="TIME",
        help="the generation time stated in the report (ISO, UTC if no offset; default: now, "
        "or SOURCE_DATE_EPOCH); the same case and time give the same bytes",
    )
    report.add_argument("--json", action="store_true")

    timeline = commands.add_parser("timeline", help="one chronology across all sources")
    timeline.add_argument("--case", required=True)
    timeline.add_argument("--subject")
    timeline.add_argument("--from", dest="start")
    timeline.add_argument("--to", dest="end")
    timeline.add_argument("--limit", type=int, default=1_000_000)
    timeline.add_argument("--json", action="store_true")

    export = commands.add_parser(
        "export", help="CSV, KML and GeoJSON of events, occasions, contacts and tracks"
    )
    _export_arguments(export)
    disclose = commands.add_parser(
        "disclose", help="the defence disclosure bundle: report, exports, hashes, custody"
    )
    _export_arguments(disclose)
    disclose.add_argument("--zip", action="store_true", help="also write DIR.zip (deterministic)")

    verify = commands.add_parser(
        "verify", help="re-read, decrypt and re-hash every exhibit; check the custody chain"
    )
    verify.add_argument("--case", required=True)
    verify.add_argument("--json", action="store_true")

    custody = commands.add_parser("custody", help="show or export the chain-of-custody ledger")
    custody.add_argument("--case", required=True)
    custody.add_argument(
        "--export", type=Path, metavar="DIR", help="write custody.jsonl and the standalone verifier"
    )
    custody.add_argument("--json", action="store_true")

    recover = commands.add_parser(
        "recover",
        help="after a power cut: record the interrupted intake and clean what it left (at boot)",
    )
    recover.add_argument("--case", help="only this case (default: every case in the home)")

    watch = commands.add_parser(
        "watch", help="acquire USB sticks as they are plugged in (where the udev rule is absent)"
    )
    watch.add_argument("--once", action="store_true", help="stop after the first stick")

    sources = commands.add_parser("sources", help="sources and their row accounting")
    sources.add_argument("--case", required=True)
    sources.add_argument("--rejections", action="store_true", help="list every rejected row")
    sources.add_argument("--json", action="store_true")

    commands.add_parser("formats", help="the formats the appliance reads")

    tui = commands.add_parser("tui", help="the terminal UI: browse a case with the keyboard")
    tui.add_argument("--case", help="open this case at once (asks for its passphrase)")

    maps = commands.add_parser("map", help="draw a co-location occasion or a zone visit as a PNG")
    map_cmds = maps.add_subparsers(dest="map_command", metavar="WHAT", required=True)
    map_occasion = map_cmds.add_parser("occasion", help="one co-location occasion of A and B")
    map_occasion.add_argument("--case", required=True)
    map_occasion.add_argument("--a", required=True)
    map_occasion.add_argument("--b", required=True)
    map_occasion.add_argument("--occasion", required=True, type=int, metavar="N")
    map_occasion.add_argument("--within", default="500m", type=parse_distance_m)
    map_occasion.add_argument("--window", default="5min", type=parse_duration_s)
    map_occasion.add_argument("--gap", default="30min", type=parse_duration_s)
    map_visit = map_cmds.add_parser("visit", help="one visit of a subject inside an exclusion zone")
    map_visit.add_argument("--case", required=True)
    map_visit.add_argument("--subject", required=True)
    map_visit.add_argument("--zone", required=True, metavar="LAT,LON")
    map_visit.add_argument("--radius", required=True, type=parse_distance_m)
    map_visit.add_argument("--visit", required=True, type=int, metavar="N")
    map_visit.add_argument("--gap", default="30min", type=parse_duration_s)
    for sub in (map_occasion, map_visit):
        sub.add_argument("--from", dest="start")
        sub.add_argument("--to", dest="end")
        sub.add_argument("--out", required=True, type=Path, metavar="FILE.png")
        sub.add_argument("--width", type=int, default=1200, help="pixels (default 1200)")
        sub.add_argument("--height", type=int, default=800, help="pixels (default 800)")
        sub.add_argument("--json", action="store_true")

    tiles = commands.add_parser("tiles", help="offline map tile packs: import, list, build")
    tiles_cmds = tiles.add_subparsers(dest="tiles_command", metavar="ACTION", required=True)
    tiles_import = tiles_cmds.add_parser(
        "import", help="install a raster MBTiles pack (checked first; nothing changes if refused)"
    )
    tiles_import.add_argument("file", type=Path, metavar="FILE.mbtiles")
    tiles_import.add_argument("--name", help="installed name (default: the file's name)")
    tiles_import.add_argument("--replace", action="store_true", help="replace a pack of that name")
    tiles_import.add_argument("--json", action="store_true")
    tiles_list = tiles_cmds.add_parser("list", help="installed packs and what they cover")
    tiles_list.add_argument("--json", action="store_true")
    tiles_build = tiles_cmds.add_parser(
        "build",
        help="draw a raster MBTiles pack from OpenStreetMap data (.osm.pbf, .osm) or a "
        "GeoJSON/TopoJSON line network, offline",
    )
    tiles_build.add_argument("osm", type=Path, metavar="OSM.pbf|LINES.json")
    tiles_build.add_argument("--out", type=Path, required=True, metavar="PACK.mbtiles")
    tiles_build.add_argument("--zoom", default="12-16", help="zoom levels FROM-TO (default 12-16)")
    tiles_build.add_argument(
        "--bbox", metavar="W,S,E,N", help="area in degrees (default: the extract's own box)"
    )
    tiles_build.add_argument(
        "--attribution",
        default="© OpenStreetMap contributors, ODbL",
        help="the data's credit, printed on every map drawn from the pack",
    )
    tiles_build.add_argument("--json", action="store_true")

    demo = commands.add_parser("demo", help="build and analyse the built-in demo case")
    demo.add_argument("--ref", default="DEMO")
    demo.add_argument("--keep", action="store_true", help="keep the generated files")

    bench = commands.add_parser("bench", help="run the benchmarks and print ratios")
    bench.add_argument(
        "names",
        nargs="*",
        help="london, dense, asymmetric, stick, tui, formats, export (default: all)",
    )
    bench.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")

    return parser


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    """The options export and disclose share: where, who, and the co-location parameters."""
    parser.add_argument("--case", required=True)
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="a new folder")
    parser.add_argument("--a", help="subject A (default: the case's suspect)")
    parser.add_argument("--b", help="subject B (default: the case's victim)")
    parser.add_argument("--within", default="500m", type=parse_distance_m)
    parser.add_argument("--window", default="5min", type=parse_duration_s)
    parser.add_argument("--gap", default="30min", type=parse_duration_s)
    parser.add_argument("--from", dest="start")
    parser.add_argument("--to", dest="end")
    parser.add_argument(
        "--match-within",
        default="60s",
        type=parse_duration_s,
        help="tolerance for the same communication in two sources",
    )
    parser.add_argument(
        "--subject",
        dest="subjects",
        action="append",
        default=[],
        metavar="NAME",
        help="draw this subject's track (repeatable; default: A and B)",
    )
    parser.add_argument(
        "--force", action="store_true", help="write into a folder that already holds files"
    )


def _handler(args: argparse.Namespace) -> Handler:
    if args.command == "recover" or (args.command == "intake" and args.unattended):
        # The appliance's unattended services take the light path: no DuckDB, no analyses.
        from appliance.cli import unattended

        return unattended.recover_cases if args.command == "recover" else unattended.cmd_intake

    from appliance.cli import commands

    key = args.command
    for sub in ("case_command", "subject_command", "zone_command", "tiles_command", "map_command"):
        if getattr(args, sub, None):
            key = f"{key}_{getattr(args, sub)}"
    handler: Any = getattr(commands, f"cmd_{key}")
    return handler  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return _handler(args)(args)
    except ApplianceError as exc:
        _say(f"appliance: {shown(exc)}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("appliance: interrupted; nothing half-written was kept.")
        return 130
    except BrokenPipeError:
        return 141
    except Exception as exc:  # a bug, not a user's mistake: say so in one line
        if os.environ.get("APPLIANCE_DEBUG"):
            raise
        _say(
            f"appliance: internal error: {shown(type(exc).__name__)}: {shown(exc)} "
            "(nothing was committed for the failing step; set APPLIANCE_DEBUG=1 for details)"
        )
        return 70


if __name__ == "__main__":
    raise SystemExit(main())
