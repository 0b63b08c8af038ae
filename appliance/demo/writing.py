"""Writing the exhibits: operators' CDR rows and CSV, Takeout's Records.json, a Garmin GPX."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from pathlib import Path

from appliance.demo import scenario as sc
from appliance.demo.cells import Network
from appliance.demo.clock import DAY_S, as_local, as_utc
from appliance.demo.comms import Comm
from appliance.demo.itinerary import Itinerary

CDR_HEADER = "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi"
GPX_CREATOR = "Garmin DriveSmart 66"


def _written(e164: str, rng: random.Random, shares: tuple[float, float, float]) -> str:
    """A number as a person or an operator's export might write it."""
    national = national_number(e164)
    if e164.startswith("+4420"):
        spaced = f"{national[:3]} {national[3:7]} {national[7:]}"
    else:
        spaced = f"{national[:5]} {national[5:]}"
    roll = rng.random()
    if roll < shares[0]:
        return spaced
    if roll < shares[0] + shares[1]:
        return e164
    if roll < shares[0] + shares[1] + shares[2]:
        return "00" + e164[1:]
    return national


A_FORMS = (0.75, 0.15, 0.10)
B_FORMS = (0.5, 0.2, 0.1)


def cdr_rows(
    owner: str,
    comms: Iterable[Comm],
    where: Itinerary,
    network: Network,
    rng: random.Random,
    imei: str,
    imsi: str,
    skew: tuple[int, int] = (0, 0),
) -> list[tuple[int, list[str]]]:
    """One operator's records for ``owner``'s line; its clock runs ``skew`` seconds late."""
    rows = []
    for comm in comms:
        outgoing = comm.caller == owner
        other = comm.callee if outgoing else comm.caller
        t = comm.t + rng.randint(*skew)
        cell = network.serving(where.at(t), rng).global_id
        if comm.kind == "sms" and not outgoing and rng.random() < 0.03:
            cell = ""  # texts delivered while the phone was idle carry no cell in some exports
        row = [
            as_local(t).strftime("%Y-%m-%d %H:%M:%S"),
            comm.kind,
            "out" if outgoing else "in",
            _written(owner, rng, A_FORMS),
            _written(other, rng, B_FORMS),
            str(comm.duration),
            cell,
            imei,
            imsi,
        ]
        rows.append((t, row))
    rows.sort(key=lambda r: r[0])
    return rows


def with_malformed(rows: list[list[str]], rng: random.Random) -> list[list[str]]:
    """Insert the scenario's broken rows among the good ones, each shaped like its neighbour."""
    out = list(rows)
    placed = sorted(sc.MALFORMED_ROWS, key=lambda b: b.at, reverse=True)  # back first: no shifts
    for n, broken in enumerate(placed):
        at = round(len(rows) * broken.at)
        model = rows[max(0, at - 1)]
        contact = _written(sc.SUSPECT_CONTACTS[n].number, rng, B_FORMS)
        if broken.fault == "unreadable_time":
            row = ["##########", "voice", "out", model[3], contact, "37", *model[6:]]
        elif broken.fault == "missing_b_number":
            row = [model[0], "sms", "out", model[3], "", "0", *model[6:]]
        elif broken.fault == "short_row":
            row = [model[0], "voice", "in", model[3], contact, "12"]
        else:
            raise ValueError(f"scenario: no way to write a row with fault {broken.fault!r}")
        out.insert(at, row)
    return out


def write_csv(path: Path, rows: Iterable[list[str]]) -> int:
    lines = [CDR_HEADER, *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return len(lines) - 1


def write_records(path: Path, items: list[dict[str, object]]) -> None:
    """Records.json laid out the way Takeout writes it (``}, {`` between items)."""
    bodies = []
    for item in items:
        lines = json.dumps(item, indent=2).splitlines()[1:-1]
        bodies.append("\n".join("  " + line for line in lines))
    text = '{\n  "locations": [{\n' + "\n  }, {\n".join(bodies) + "\n  }]\n}\n"
    path.write_text(text, encoding="utf-8", newline="")


def write_gpx(path: Path, tracks: list[list[tuple[int, float, float, float]]], t1: float) -> None:
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>',
        f'<gpx version="1.1" creator="{GPX_CREATOR}" xmlns="http://www.topografix.com/GPX/1/1"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://www.topografix.com/GPX/1/1'
        ' http://www.topografix.com/GPX/1/1/gpx.xsd">',
        "  <metadata>",
        '    <link href="http://www.garmin.com"><text>Garmin International</text></link>',
        f"    <time>{as_utc(t1 + DAY_S + 11 * 3600):%Y-%m-%dT%H:%M:%SZ}</time>",
        "  </metadata>",
    ]
    for track in tracks:
        out.append("  <trk>")
        out.append(f"    <name>{as_local(track[0][0]):%Y-%m-%d %H:%M:%S}</name>")
        out.append("    <trkseg>")
        for t, lat, lon, ele in track:
            out.append(
                f'      <trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.2f}</ele>'
                f"<time>{as_utc(t):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
            )
        out.append("    </trkseg>")
        out.append("  </trk>")
    out.append("</gpx>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8", newline="")


def national_number(e164: str) -> str:
    """A UK number in national form: +44 dropped, a 0 in front."""
    return "0" + e164[3:]
