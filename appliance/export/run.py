"""``appliance export``: the CSV, KML and GeoJSON exports of one case, with their README.

Figures come from the analyses: co-location once (its events feed events.csv, occasions.csv and
both occasion maps), the communication records once, and each track streamed from the store.
So the largest thing held in memory is the co-location result, held once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from appliance import __version__
from appliance.analyses.colocate import colocate
from appliance.analyses.communications import communications
from appliance.analyses.register import register
from appliance.export import readme, tables
from appliance.export.cells import write_csv
from appliance.export.drawing import draw_occasions, draw_tracks
from appliance.export.folder import OutputFolder
from appliance.export.geo import Tee
from appliance.export.geojson import GeoJsonWriter
from appliance.export.kml import KmlWriter
from appliance.export.options import ExportOptions
from appliance.export.times import local_text, utc_text
from appliance.store.case import CaseStore
from appliance.textsafe import shown
from appliance.timeutil import zone

FILES = (
    "README.txt",
    "export.json",
    "events.csv",
    "occasions.csv",
    "communications.csv",
    "occasions.kml",
    "occasions.geojson",
    "tracks.kml",
    "tracks.geojson",
)


@dataclass
class ExportSummary:
    case: str
    a: str
    b: str
    generated: datetime
    custody_head: str
    parameters: dict[str, Any]
    tolerance_s: float
    events: int = 0
    occasions: int = 0
    communications: int = 0
    communication_records: int = 0
    merged_duplicates: int = 0
    track_points: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "a": self.a,
            "b": self.b,
            "generated": utc_text(self.generated),
            "software": f"appliance {__version__}",
            "custody_head": self.custody_head,
            "colocation": {**self.parameters, "events": self.events, "occasions": self.occasions},
            "contacts": {
                "communications": self.communications,
                "records": self.communication_records,
                "merged_duplicates": self.merged_duplicates,
                "tolerance_s": self.tolerance_s,
            },
            "tracks": self.track_points,
            "files": self.files,
        }


def export_case(
    store: CaseStore,
    options: ExportOptions,
    folder: OutputFolder,
    *,
    prefix: str = "",
    generated: datetime | None = None,
    custody_head: str = "",
) -> ExportSummary:
    """Write every export file into ``folder`` (under ``prefix``, e.g. ``exports/``)."""
    tz = zone(store.info.timezone)
    params = options.parameters
    summary = ExportSummary(
        case=store.info.ref,
        a=options.a,
        b=options.b,
        generated=generated or datetime.now(UTC).replace(microsecond=0),
        custody_head=custody_head,
        parameters=params.as_json(),
        tolerance_s=options.tolerance_s,
    )
    sha256 = {x.ref: x.sha256 for x in register(store)}

    result = colocate(store, options.a, options.b, params)
    with folder.text(prefix + "events.csv") as out:
        summary.events = write_csv(out, tables.EVENT_COLUMNS, tables.event_rows(result, sha256, tz))
    with folder.text(prefix + "occasions.csv") as out:
        summary.occasions = write_csv(
            out, tables.OCCASION_COLUMNS, tables.occasion_rows(result, tz)
        )
    title = f"Co-location of {options.a} (A) and {options.b} (B), case {store.info.ref}"
    about = (
        f"within {params.within_m:g} m and {params.window_s:g} s; occasions split by gaps of more "
        f"than {params.gap_s:g} s"
    )
    with folder.text(prefix + "occasions.kml") as k, folder.text(prefix + "occasions.geojson") as g:
        sink = Tee(KmlWriter(k, title, about), GeoJsonWriter(g, title, about))
        draw_occasions(result, sha256, tz, sink)
        sink.close()
    del result

    listing = communications(store, options.a, options.b, params.period, options.tolerance_s)
    with folder.text(prefix + "communications.csv") as out:
        summary.communication_records = write_csv(
            out, tables.COMMUNICATION_COLUMNS, tables.communication_rows(listing, sha256, tz)
        )
    summary.communications = listing.communications
    summary.merged_duplicates = len(listing.records) - listing.communications
    del listing

    title = f"Tracks: {', '.join(options.tracks_of)}, case {store.info.ref}"
    with folder.text(prefix + "tracks.kml") as k, folder.text(prefix + "tracks.geojson") as g:
        sink = Tee(KmlWriter(k, title, "positions in time order"), GeoJsonWriter(g, title, ""))
        summary.track_points = draw_tracks(
            store, options.tracks_of, params.period, sha256, tz, sink
        )
        sink.close()

    summary.files = [prefix + name for name in FILES]
    with folder.text(prefix + "export.json") as out:
        json.dump(summary.as_json(), out, indent=2, ensure_ascii=True)
        out.write("\n")
    with folder.text(prefix + "README.txt") as out:
        out.write(readme_text(summary, store.info.timezone))
    return summary


def readme_text(summary: ExportSummary, timezone: str) -> str:
    tz = zone(timezone)
    p = summary.parameters
    period = f"from {p['from'] or 'the first record'} to {p['to'] or 'the last record'}"
    tracks = ", ".join(f"{shown(k)}: {v:,}" for k, v in summary.track_points.items())
    head = f"""\
Exports of case {shown(summary.case)}
{"=" * (len(shown(summary.case)) + 16)}

Generated {utc_text(summary.generated)} ({local_text(summary.generated, tz)} in {timezone})
by appliance {__version__}.
Custody ledger head at the time: {summary.custody_head or "(not given)"}
A is '{shown(summary.a)}' and B is '{shown(summary.b)}'; period {period}.
Every row names the exhibit (and its SHA-256) and the row in it that each figure comes from.

Co-location: an event is a position of A and a position of B at most {p["within_m"]} m apart
(geodesic distance on the WGS84 ellipsoid) and at most {p["window_s"]} s apart in time, both
bounds inclusive; its time is the earlier of the two. Events in time order form occasions; a
new occasion starts when an event comes more than {p["gap_s"]} s after the one before.
{summary.events:,} event(s) in {summary.occasions:,} occasion(s).

Contacts: {summary.communications:,} communication(s) between A and B, from
{summary.communication_records:,} record(s). Two records are the same communication when they
come from different sources, have the same kind, caller and callee, and start no more than
{summary.tolerance_s:g} s apart; records from one source are never merged. Each communication
is listed under its first record ('counted'); its other records are listed too, marked
'merged duplicate' and not counted again ({summary.merged_duplicates:,} here).

Times: *_utc columns are UTC (ending Z); *_local columns are the same moment on the clocks
of {timezone}, with the offset in force (+01:00 in British Summer Time). Fractions of a
second are kept where the evidence has them. A time_flag of 'nonexistent' or 'ambiguous'
marks a local time in the evidence that fell in the hour skipped or repeated at a clock
change; it was placed at its first reading, and its local day is the same either way.

Files:
  events.csv          every co-location event
  occasions.csv       every occasion
  communications.csv  every record of a communication between A and B
  occasions.kml, occasions.geojson   the events on a map
  tracks.kml, tracks.geojson         each subject's positions in time order
                                     ({tracks})
  export.json         these parameters and counts, for programs

"""
    return (
        head
        + readme.CSV_RULE
        + "\n"
        + readme.columns_text("events.csv", tables.EVENT_COLUMNS)
        + "\n"
        + readme.columns_text("occasions.csv", tables.OCCASION_COLUMNS)
        + "\n"
        + readme.columns_text("communications.csv", tables.COMMUNICATION_COLUMNS)
        + "\n"
        + readme.MAP_RULE
        + "\nGrades\n"
        + readme.GRADES
        + "\n"
    )
