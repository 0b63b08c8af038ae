"""``appliance export`` as a real process on a real case: counts, cells, maps and refusals."""

from __future__ import annotations

import csv
import json
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from appliance.export import tables
from appliance.export.cells import DANGEROUS, Column, is_plain_number
from appliance.export.run import FILES

from .conftest import OTHER, REF, SUSPECT, VICTIM, Case
from .geojson_check import problems

KML = "{http://www.opengis.net/kml/2.2}"
CSV_TABLES: dict[str, list[Column]] = {
    "events.csv": tables.EVENT_COLUMNS,
    "occasions.csv": tables.OCCASION_COLUMNS,
    "communications.csv": tables.COMMUNICATION_COLUMNS,
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def out(case: Case) -> Path:
    folder = case.work / "export-out"
    case.ok("export", "--case", REF, "--out", str(folder))
    return folder


@pytest.fixture(scope="module")
def colocation(case: Case) -> dict[str, Any]:
    done = case.ok("colocate", "--case", REF, "--a", SUSPECT, "--b", VICTIM, "--json")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def contacts(case: Case) -> dict[str, Any]:
    done = case.ok("contacts", "--case", REF, "--a", SUSPECT, "--b", VICTIM, "--json")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def geojson(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_the_folder_holds_exactly_the_export_files(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)


def test_events_csv_has_every_colocation_event(out: Path, colocation: dict[str, Any]) -> None:
    assert len(read_csv(out / "events.csv")) == len(colocation["events"]) > 0


def test_occasions_csv_has_every_occasion(out: Path, colocation: dict[str, Any]) -> None:
    assert len(read_csv(out / "occasions.csv")) == len(colocation["occasions"]) > 1


def test_events_csv_distances_match_colocate(out: Path, colocation: dict[str, Any]) -> None:
    written = [round(float(r["distance_m"]), 1) for r in read_csv(out / "events.csv")]
    assert written == [e["distance_m"] for e in colocation["events"]]


def test_communications_csv_counts_as_contacts_does(out: Path, contacts: dict[str, Any]) -> None:
    rows = read_csv(out / "communications.csv")
    assert len({r["communication"] for r in rows}) == contacts["totals"]["total"]


def test_communications_csv_lists_every_record(out: Path, contacts: dict[str, Any]) -> None:
    assert len(read_csv(out / "communications.csv")) == contacts["matching"]["records"]


def test_merged_duplicates_are_marked(out: Path, contacts: dict[str, Any]) -> None:
    rows = read_csv(out / "communications.csv")
    marked = [r for r in rows if r["record"] == "merged duplicate"]
    assert len(marked) == contacts["matching"]["merged_duplicates"] > 0


def test_events_name_exhibit_hash_and_row(out: Path, case: Case) -> None:
    first = read_csv(out / "events.csv")[0]
    with case.open() as store:
        sha = dict(store.rows("SELECT ref, sha256 FROM exhibits"))
    assert (first["a_exhibit_sha256"], first["a_row"]) == (sha[first["a_exhibit"]], "1")


def test_local_times_carry_the_summer_offset(out: Path) -> None:
    rows = read_csv(out / "communications.csv")
    summer = [r for r in rows if r["time_utc"] == "2024-03-31T08:00:00Z"]
    assert summer[0]["time_local"] == "2024-03-31T09:00:00+01:00"


@pytest.mark.parametrize("name", sorted(CSV_TABLES))
def test_no_cell_starts_dangerously_unless_a_number_column(out: Path, name: str) -> None:
    columns = {c.name: c for c in CSV_TABLES[name]}
    with (out / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        offenders = [
            (column, cell)
            for line in reader
            for column, cell in zip(header, line, strict=True)
            if cell.startswith(DANGEROUS)
            and not (columns[column].kind == "number" and is_plain_number(cell))
        ]
    assert offenders == []


def test_a_hostile_name_is_neutralised_and_escaped(out: Path) -> None:
    text = (out / "tracks.kml").read_text(encoding="utf-8")
    assert "\x1b" not in text and "\\x1b[31m" in text


def test_phone_numbers_are_quoted_text(out: Path) -> None:
    assert read_csv(out / "communications.csv")[0]["caller"] == "'+447700900123"


def test_occasions_kml_parses_with_one_folder_per_occasion(
    out: Path, colocation: dict[str, Any]
) -> None:
    root = ET.parse(out / "occasions.kml").getroot()
    assert len(root.findall(f"{KML}Document/{KML}Folder")) == len(colocation["occasions"])


def test_occasions_kml_points_are_lon_lat(out: Path, colocation: dict[str, Any]) -> None:
    root = ET.parse(out / "occasions.kml").getroot()
    first = root.find(f".//{KML}Point/{KML}coordinates")
    assert first is not None and first.text is not None
    event = colocation["events"][0]
    assert [float(v) for v in first.text.split(",")] == [event["a_lon"], event["a_lat"]]


def test_occasions_geojson_is_valid_rfc7946(out: Path) -> None:
    assert problems(geojson(out / "occasions.geojson")) == []


def test_occasions_geojson_positions_are_lon_lat(out: Path, colocation: dict[str, Any]) -> None:
    features = geojson(out / "occasions.geojson")["features"]
    event = colocation["events"][0]
    a_point = next(f for f in features if f["properties"]["side"] == "a")
    assert a_point["geometry"]["coordinates"] == [event["a_lon"], event["a_lat"]]


def test_occasions_geojson_draws_a_line_per_event(out: Path, colocation: dict[str, Any]) -> None:
    features = geojson(out / "occasions.geojson")["features"]
    lines = [f for f in features if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(colocation["events"])


def test_tracks_geojson_is_valid_rfc7946(out: Path) -> None:
    assert problems(geojson(out / "tracks.geojson")) == []


def test_tracks_hold_every_position_in_time_order(out: Path, case: Case) -> None:
    done = case.ok("timeline", "--case", REF, "--subject", SUSPECT, "--json")
    expected = [i["time"] for i in json.loads(done.stdout)["items"] if i["lat"] is not None]
    features = geojson(out / "tracks.geojson")["features"]
    points = [
        f["properties"]["time_utc"][:19] + "Z"
        for f in features
        if f["geometry"]["type"] == "Point" and f["properties"]["subject"] == SUSPECT
    ]
    assert points == expected


def test_tracks_kml_parses_with_a_folder_per_subject(out: Path) -> None:
    root = ET.parse(out / "tracks.kml").getroot()
    assert len(root.findall(f"{KML}Document/{KML}Folder")) == 2


def test_the_validator_catches_a_lat_lon_swap(case: Case, tmp_path: Path) -> None:
    # Sydney's longitude (151.2) is no latitude: a swapped file must fail the check.
    case.ok("export", "--case", REF, "--out", str(tmp_path / "o"), "--subject", OTHER)
    document = geojson(tmp_path / "o" / "tracks.geojson")
    for feature in document["features"]:
        geometry = feature["geometry"]
        if geometry["type"] == "Point":
            geometry["coordinates"] = geometry["coordinates"][::-1]
    assert problems(document) != []


def test_the_other_subjects_track_is_valid_as_written(case: Case, tmp_path: Path) -> None:
    case.ok("export", "--case", REF, "--out", str(tmp_path / "o"), "--subject", OTHER)
    assert problems(geojson(tmp_path / "o" / "tracks.geojson")) == []


def test_an_existing_non_empty_folder_is_refused(case: Case, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("the officer's notes")
    done = case.run("export", "--case", REF, "--out", str(tmp_path))
    assert (done.returncode, "--force" in done.stderr) == (1, True)


def test_a_refused_export_writes_nothing(case: Case, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("the officer's notes")
    case.run("export", "--case", REF, "--out", str(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_force_writes_into_a_non_empty_folder_and_keeps_other_files(
    case: Case, tmp_path: Path
) -> None:
    (tmp_path / "keep.txt").write_text("the officer's notes")
    case.ok("export", "--case", REF, "--out", str(tmp_path), "--force")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FILES, "keep.txt"])


def test_an_empty_existing_folder_is_used(case: Case, tmp_path: Path) -> None:
    case.ok("export", "--case", REF, "--out", str(tmp_path))
    assert (tmp_path / "events.csv").is_file()


def test_the_export_is_recorded_in_the_custody_ledger(case: Case, tmp_path: Path) -> None:
    case.ok("export", "--case", REF, "--out", str(tmp_path / "o"))
    entries = json.loads(case.ok("custody", "--case", REF, "--json").stdout)["entries"]
    assert entries[-1]["action"] == "exported"


def test_an_unknown_track_subject_is_refused_before_writing(case: Case, tmp_path: Path) -> None:
    done = case.run("export", "--case", REF, "--out", str(tmp_path / "o"), "--subject", "nobody")
    assert (done.returncode, (tmp_path / "o").exists()) == (1, False)


def test_parameters_and_period_are_those_colocate_uses(case: Case, tmp_path: Path) -> None:
    chosen = [
        "--within",
        "35m",
        "--window",
        "2min",
        "--from",
        "2024-03-30T11:00",
        "--to",
        "2024-03-30T17:00",
    ]
    case.ok("export", "--case", REF, "--out", str(tmp_path / "o"), *chosen)
    done = case.ok("colocate", "--case", REF, "--a", SUSPECT, "--b", VICTIM, "--json", *chosen)
    expected = [(e["a_row"], e["b_row"]) for e in json.loads(done.stdout)["events"]]
    written = [(int(r["a_row"]), int(r["b_row"])) for r in read_csv(tmp_path / "o" / "events.csv")]
    assert written == expected


@pytest.mark.parametrize("name", FILES)
def test_no_file_holds_a_raw_control_or_direction_character(out: Path, name: str) -> None:
    text = (out / name).read_text(encoding="utf-8")
    raw = [c for c in set(text) if unicodedata.category(c) in ("Cc", "Cf") and c not in "\r\n"]
    assert raw == []
