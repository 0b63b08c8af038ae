"""The demo generator writes well-formed exhibits, the same bytes for a seed, and the story.

The story's claims (co-locations, near misses, the worst day, the clocks changing) are checked
against the files themselves with the test's own arithmetic, not with the generator's.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import math
import re
import xml.etree.ElementTree as ET
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from appliance.demo import scenario
from appliance.demo.generator import DemoFiles, generate, generate_london_size

HEADER = ["start_time", "type", "direction", "a_number", "b_number", "duration_s", "cell_id"]
HEADER += ["imei", "imsi"]
GPX_NS = "{http://www.topografix.com/GPX/1/1}"
LONDON = ZoneInfo("Europe/London")
WITHIN_M, WINDOW_S = 500.0, 300.0


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate(tmp_path_factory.mktemp("stick"))


# --- Reading the files the way an independent checker would -------------------------------


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def e164(written: str) -> str:
    compact = re.sub(r"\s", "", written)
    if compact.startswith("00"):
        return "+" + compact[2:]
    if compact.startswith("0"):
        return "+44" + compact[1:]
    return compact


def cdr_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def row_problem(row: list[str]) -> str | None:
    if len(row) != len(HEADER):
        return "column count"
    try:
        datetime.fromisoformat(row[0])
    except ValueError:
        return "start_time"
    if row[1] not in {"voice", "sms", "mms", "data"} or row[2] not in {"in", "out"}:
        return "type or direction"
    if not row[3].strip() or not row[4].strip():
        return "number missing"
    if not row[5].isdigit():
        return "duration"
    return None


def good_rows(path: Path) -> list[list[str]]:
    return [row for row in cdr_rows(path)[1:] if row_problem(row) is None]


def to_utc(local_text: str) -> datetime:
    return datetime.fromisoformat(local_text).replace(tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True)
class Fix:
    t: float
    lat: float
    lon: float


def victim_fixes(demo: DemoFiles) -> list[Fix]:
    fixes = []
    for item in json.loads(demo.victim_locations.read_text(encoding="utf-8"))["locations"]:
        if "timestampMs" in item:
            t = int(item["timestampMs"]) / 1000
        else:
            t = datetime.fromisoformat(item["timestamp"].replace("Z", "+00:00")).timestamp()
        fixes.append(Fix(t, item["latitudeE7"] / 1e7, item["longitudeE7"] / 1e7))
    return sorted(fixes, key=lambda f: f.t)


def satnav_tracks(demo: DemoFiles) -> list[list[Fix]]:
    root = ET.parse(demo.suspect_satnav).getroot()
    tracks = []
    for trk in root.iter(f"{GPX_NS}trk"):
        points = []
        for pt in trk.iter(f"{GPX_NS}trkpt"):
            when = pt.findtext(f"{GPX_NS}time")
            assert when is not None
            t = datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()
            points.append(Fix(t, float(pt.attrib["lat"]), float(pt.attrib["lon"])))
        tracks.append(points)
    return tracks


def classify(track: list[Fix], fixes: list[Fix]) -> str:
    """colocated, near_distance (500-900 m), near_time (same place, 5-60 min apart), or none."""
    times = [f.t for f in fixes]
    near_time = near_distance = False
    for p in track:
        lo, hi = bisect_left(times, p.t - 3600), bisect_right(times, p.t + 3600)
        for v in fixes[lo:hi]:
            d = haversine_m(p.lat, p.lon, v.lat, v.lon)
            dt = abs(p.t - v.t)
            if d <= WITHIN_M and dt <= WINDOW_S:
                return "colocated"
            near_time |= d <= WITHIN_M
            near_distance |= dt <= WINDOW_S and d <= 900
    return "near_distance" if near_distance else "near_time" if near_time else "none"


def attempts_per_local_day(demo: DemoFiles) -> Counter[date]:
    return Counter(
        datetime.fromisoformat(row[0]).date()
        for row in good_rows(demo.suspect_cdr)
        if row[2] == "out" and e164(row[4]) == demo.victim_number
    )


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- Determinism ------------------------------------------------------------------------------


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", seed=7, scale=0.3)
    second = generate(tmp_path / "b", seed=7, scale=0.3)

    assert digests(first.folder) == digests(second.folder)


def test_a_different_seed_changes_every_file(tmp_path: Path) -> None:
    first = digests(generate(tmp_path / "a", seed=7, scale=0.3).folder)
    second = digests(generate(tmp_path / "b", seed=8, scale=0.3).folder)

    assert first.keys() == second.keys()
    assert all(first[name] != second[name] for name in first)


def test_the_cell_list_is_gzip_without_a_timestamp(demo: DemoFiles) -> None:
    header = demo.cells.read_bytes()[:10]

    assert header[:2] == b"\x1f\x8b"
    assert header[4:8] == b"\x00\x00\x00\x00"


# --- Well-formed files ------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["suspect_cdr", "victim_cdr"])
def test_cdr_header_is_exact(demo: DemoFiles, which: str) -> None:
    path: Path = getattr(demo, which)

    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(HEADER)


def test_suspect_cdr_has_exactly_the_scenario_malformed_rows(demo: DemoFiles) -> None:
    problems = [row_problem(row) for row in cdr_rows(demo.suspect_cdr)[1:]]

    assert sorted(p for p in problems if p) == ["column count", "number missing", "start_time"]
    assert sum(1 for p in problems if p) == len(scenario.MALFORMED_ROWS)
    assert demo.facts.malformed_rows == len(scenario.MALFORMED_ROWS)


def test_victim_cdr_has_no_malformed_rows(demo: DemoFiles) -> None:
    assert all(row_problem(row) is None for row in cdr_rows(demo.victim_cdr)[1:])


def test_cdr_numbers_are_the_subjects_in_several_written_forms(demo: DemoFiles) -> None:
    rows = good_rows(demo.suspect_cdr)
    forms = {row[3] for row in rows}

    assert {e164(form) for form in forms} == {demo.suspect_number}
    assert {"07700 900123", "+447700900123", "00447700900123"} <= forms
    assert Counter(row[3] for row in rows).most_common(1)[0][0] == "07700 900123"
    assert {e164(row[3]) for row in good_rows(demo.victim_cdr)} == {demo.victim_number}


def test_every_number_is_in_the_drama_ranges(demo: DemoFiles) -> None:
    numbers = {demo.suspect_number, demo.victim_number, *demo.other_numbers}
    for path in (demo.suspect_cdr, demo.victim_cdr):
        numbers |= {e164(row[4]) for row in good_rows(path)}

    assert all(re.fullmatch(r"\+447700900\d{3}|\+4420794600?\d{2,3}", n) for n in numbers)


def test_records_json_has_both_timestamp_forms(demo: DemoFiles) -> None:
    items = json.loads(demo.victim_locations.read_text(encoding="utf-8"))["locations"]
    switch = datetime(2024, 3, 25, tzinfo=UTC).timestamp() * 1000
    old = [item for item in items if "timestampMs" in item]
    new = [item for item in items if "timestamp" in item]

    assert old and new and len(old) + len(new) == len(items)
    assert all(int(item["timestampMs"]) < switch for item in old)
    assert all(item["timestamp"].endswith("Z") for item in new)
    assert {item["source"] for item in items} == {"GPS", "WIFI", "CELL"}
    assert all(5 <= item["accuracy"] <= 60 or 500 <= item["accuracy"] <= 1500 for item in items)


def test_gpx_is_garmin_gpx_1_1_with_utc_times_and_elevation(demo: DemoFiles) -> None:
    root = ET.parse(demo.suspect_satnav).getroot()
    points = list(root.iter(f"{GPX_NS}trkpt"))

    assert root.tag == f"{GPX_NS}gpx"
    assert root.attrib["version"] == "1.1"
    assert root.attrib["creator"].startswith("Garmin DriveSmart")
    assert len(points) == demo.facts.satnav_points
    assert all((pt.findtext(f"{GPX_NS}time") or "").endswith("Z") for pt in points)
    assert all(pt.find(f"{GPX_NS}ele") is not None for pt in points)


def test_every_cdr_cell_is_in_the_cell_list(demo: DemoFiles) -> None:
    with gzip.open(demo.cells, "rt", encoding="ascii") as handle:
        rows = list(csv.reader(handle))
    known = {f"{r[1]}-{int(r[2]):02d}-{r[3]}-{r[4]}" for r in rows}
    used = {
        row[6] for path in (demo.suspect_cdr, demo.victim_cdr) for row in good_rows(path) if row[6]
    }

    assert all(len(r) == 14 and r[0] in {"LTE", "UMTS", "GSM"} and r[1] == "234" for r in rows)
    assert all(300 <= int(r[8]) <= 2000 for r in rows)
    assert len({(r[6], r[7]) for r in rows}) // 2 >= 120  # several cells per site
    assert used and used <= known


# --- The story --------------------------------------------------------------------------------


def test_the_period_crosses_the_clocks_going_forward(demo: DemoFiles) -> None:
    change = datetime(2024, 3, 31, 1, 0, tzinfo=UTC)
    times = [to_utc(row[0]) for row in good_rows(demo.suspect_cdr)]

    assert demo.start == datetime(2024, 3, 18, 0, 0, tzinfo=UTC)
    assert demo.end == datetime(2024, 4, 14, 23, 0, tzinfo=UTC)
    assert demo.start < change < demo.end
    on_the_day = [t for t in times if t.astimezone(LONDON).date() == date(2024, 3, 31)]
    assert min(on_the_day) < change < max(on_the_day)
    assert all(demo.start <= t < demo.end for t in times)


def test_local_days_and_utc_days_give_different_counts(demo: DemoFiles) -> None:
    rows = [
        row
        for row in good_rows(demo.suspect_cdr)
        if row[2] == "out" and e164(row[4]) == demo.victim_number
    ]
    by_utc_day = Counter(to_utc(row[0]).date() for row in rows)

    assert by_utc_day != attempts_per_local_day(demo)


def test_the_worst_day_has_at_least_150_attempts(demo: DemoFiles) -> None:
    per_day = attempts_per_local_day(demo)
    worst = max(per_day.values())

    assert worst >= 150
    assert demo.facts.worst_day == max(per_day.items(), key=lambda item: item[1])
    assert per_day[date(2024, 3, 18)] < 10  # it escalates


def test_she_replied_early_on(demo: DemoFiles) -> None:
    replies = [
        row
        for row in good_rows(demo.suspect_cdr)
        if row[2] == "in" and e164(row[4]) == demo.victim_number
    ]

    assert len(replies) == len(scenario.REPLIES)
    assert min(row[0] for row in replies) < "2024-03-25"


def test_her_cdr_covers_part_of_the_period_and_shows_the_same_contacts(demo: DemoFiles) -> None:
    hers = good_rows(demo.victim_cdr)
    days = {datetime.fromisoformat(row[0]).date() for row in hers}
    first, last = scenario.VICTIM_CDR_FIRST_DAY, scenario.VICTIM_CDR_LAST_DAY
    his_to_her = sorted(
        to_utc(row[0])
        for row in good_rows(demo.suspect_cdr)
        if e164(row[4]) == demo.victim_number
        and first <= datetime.fromisoformat(row[0]).date() <= last
    )
    her_from_him = sorted(to_utc(row[0]) for row in hers if e164(row[4]) == demo.suspect_number)

    assert min(days) == first and max(days) == last
    assert len(her_from_him) == len(his_to_her)
    skews = [(b - a).total_seconds() for a, b in zip(his_to_her, her_from_him, strict=True)]
    assert min(skews) >= 0 and max(skews) <= 3


def test_colocations_are_planted(demo: DemoFiles) -> None:
    fixes = victim_fixes(demo)
    kinds = Counter(classify(track, fixes) for track in satnav_tracks(demo))

    assert kinds["colocated"] == demo.facts.colocation_trips == scenario.COLOCATION_TRIPS
    assert kinds["colocated"] > 0


def test_near_misses_are_planted(demo: DemoFiles) -> None:
    fixes = victim_fixes(demo)
    kinds = Counter(classify(track, fixes) for track in satnav_tracks(demo))
    planted = Counter(trip.kind for trip in demo.facts.trips)

    assert kinds["near_time"] == planted[scenario.TripKind.NEAR_MISS_TIME] > 0
    assert kinds["near_distance"] == planted[scenario.TripKind.NEAR_MISS_DISTANCE] > 0


def test_the_exclusion_zone_is_her_home(demo: DemoFiles) -> None:
    home = scenario.VICTIM_HOME

    assert (demo.zone_lat, demo.zone_lon) == (home.lat, home.lon)
    assert demo.zone_radius_m > 0


# --- Size -------------------------------------------------------------------------------------


def test_london_size_has_about_6000_suspect_cdr_lines_and_a_month_of_locations(
    tmp_path: Path,
) -> None:
    big = generate_london_size(tmp_path)
    fixes = victim_fixes(big)

    assert 5_500 <= len(cdr_rows(big.suspect_cdr)) - 1 <= 6_500
    assert fixes[-1].t - fixes[0].t > 27 * 86_400
    assert len(fixes) > 2 * generate(tmp_path / "small", seed=1).facts.victim_points
