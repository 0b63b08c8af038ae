"""The command line as other tools drive it (DESIGN §7): a real process, real files, a real case.

Every command runs ``appliance`` in a subprocess with ``APPLIANCE_HOME`` and
``APPLIANCE_PASSPHRASE`` set, exactly as a script or a check would.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PASSPHRASE = "a long and careful passphrase"
REF = "OP-CONTRACT-1"
A_NUMBER = "07700 900123"
B_NUMBER = "+447700900456"
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
LOOKS_LIKE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:")

A_LOCATIONS = """time,lat,lon,accuracy_m
2024-03-30T12:00:00.250000Z,51.5416,-0.1022,8
2024-03-30T12:05:00Z,51.5420,-0.1030,12
2024-03-30T13:00:00,51.6000,-0.2000,
2024-03-30T14:00:00Z,95.0,-0.1,5
"""
B_LOCATIONS = """time,lat,lon,accuracy_m
2024-03-30T12:01:30.999999Z,51.5418,-0.1025,6
2024-03-30T12:20:00Z,51.5419,-0.1024,6
"""
A_CDR = f"""start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi
2024-03-30T22:30:00.500000Z,voice,out,{A_NUMBER},{B_NUMBER},61,,,
2024-03-31T01:30:00,sms,in,{A_NUMBER},00447700900456,,,,
2024-03-31T09:00:00+01:00,sms,out,{A_NUMBER},07700900456,,,,
"""


def appliance_command() -> list[str]:
    script = Path(sys.executable).with_name("appliance")
    if script.is_file():
        return [str(script)]
    found = shutil.which("appliance")
    return [found] if found else [sys.executable, "-m", "appliance"]


@dataclass
class Cli:
    home: Path
    files: Path
    intake_a: subprocess.CompletedProcess[str]

    def run(self, *args: str, passphrase: str = PASSPHRASE) -> subprocess.CompletedProcess[str]:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")},
            "APPLIANCE_HOME": str(self.home),
            "APPLIANCE_PASSPHRASE": passphrase,
        }
        return subprocess.run(
            [*appliance_command(), *args],
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = self.run(*args)
        assert done.returncode == 0, (args, done.stderr)
        return done

    def json(self, *args: str) -> Any:
        """The one JSON document a ``--json`` command prints: stdout holds nothing else."""
        return json.loads(self.ok(*args, "--json").stdout)

    def sources(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.json("sources", "--case", REF)
        return found


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {text!r}"
    return lines[0]


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    root = tmp_path_factory.mktemp("cli")
    files = root / "stick"
    files.mkdir()
    (files / "a_locations.csv").write_text(A_LOCATIONS)
    (files / "b_locations.csv").write_text(B_LOCATIONS)
    (files / "a_cdr.csv").write_text(A_CDR)
    cli = Cli(root / "home", files, subprocess.CompletedProcess([], 0))
    cli.ok("case", "new", REF, "--timezone", "Europe/London")
    cli.ok("subject", "add", REF, "suspect", "--role", "suspect", "--id", A_NUMBER)
    cli.ok("subject", "add", REF, "victim", "--role", "victim", "--id", B_NUMBER)
    cli.intake_a = cli.ok(
        "intake", str(files / "a_locations.csv"), str(files / "a_cdr.csv"),
        "--case", REF, "--subject", "suspect", "--json",
    )  # fmt: skip
    cli.ok("intake", str(files / "b_locations.csv"), "--case", REF, "--subject", "victim")
    yield cli


def times_in(document: Any) -> Iterator[str]:
    """Every string in a JSON document that looks like a date-time."""
    if isinstance(document, dict):
        for value in document.values():
            yield from times_in(value)
    elif isinstance(document, list):
        for value in document:
            yield from times_in(value)
    elif isinstance(document, str) and LOOKS_LIKE_TIME.match(document):
        yield document


def assert_times_are_utc_seconds(document: Any) -> None:
    found = list(times_in(document))
    assert found, "the document has no times to check"
    for text in found:
        assert TIME.match(text), f"{text!r} is not UTC to the second with Z"


# --- cases ------------------------------------------------------------------------------------


def test_case_list_json(cli: Cli) -> None:
    cases = cli.json("case", "list")
    assert isinstance(cases, list)
    assert [c["ref"] for c in cases] == [REF]
    assert set(cases[0]) >= {"ref", "created", "timezone"}
    assert cases[0]["timezone"] == "Europe/London"
    assert_times_are_utc_seconds(cases)


# --- intake -----------------------------------------------------------------------------------


def test_intake_json_shape(cli: Cli) -> None:
    report = json.loads(cli.intake_a.stdout)
    assert set(report) >= {"exhibits", "sources"}
    files = {"a_locations.csv": A_LOCATIONS, "a_cdr.csv": A_CDR}
    assert len(report["exhibits"]) == 2
    for exhibit in report["exhibits"]:
        assert set(exhibit) >= {"ref", "path", "sha256", "size", "status"}
        data = files[Path(exhibit["path"]).name].encode()
        assert exhibit["sha256"] == hashlib.sha256(data).hexdigest()
        assert exhibit["size"] == len(data)
        assert exhibit["status"] == "verified"
    by_exhibit = {e["ref"]: Path(e["path"]).name for e in report["exhibits"]}
    sources = {by_exhibit[s["exhibit"]]: s for s in report["sources"]}
    assert set(sources) == set(files)
    keys = {"exhibit", "format", "subject", "rows_read", "loaded", "rejected", "observations",
            "communications", "cells", "rejections"}  # fmt: skip
    for source in sources.values():
        assert set(source) >= keys
        assert source["subject"] == "suspect"
        assert source["rows_read"] == source["loaded"] + source["rejected"]
        assert (
            source["loaded"] == source["observations"] + source["communications"] + source["cells"]
        )
        assert all(set(r) >= {"row", "reason"} for r in source["rejections"])
    locations, cdr = sources["a_locations.csv"], sources["a_cdr.csv"]
    assert (locations["format"], locations["rows_read"], locations["observations"]) == (
        "location_csv",
        4,
        3,
    )
    assert [r["row"] for r in locations["rejections"]] == [4]  # latitude 95
    assert isinstance(locations["rejections"][0]["reason"], str)
    assert (cdr["format"], cdr["rows_read"], cdr["communications"], cdr["rejected"]) == (
        "cdr_csv",
        3,
        3,
        0,
    )


def test_the_same_file_again_is_a_no_op(cli: Cli) -> None:
    before = cli.sources()
    report = cli.json(
        "intake", str(cli.files / "b_locations.csv"), "--case", REF, "--subject", "victim"
    )
    assert [s.get("status") for s in report["sources"]] == ["already loaded"]
    assert cli.sources() == before


@pytest.mark.parametrize(
    "content",
    [A_LOCATIONS.encode(), b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4],
    ids=["location csv", "binary"],
)
def test_a_file_that_is_not_a_cdr_fails_and_leaves_the_case_unchanged(
    cli: Cli, content: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "not_a_cdr.csv"
    path.write_bytes(content)
    before = cli.sources()
    done = cli.run(
        "intake", str(path), "--case", REF, "--subject", "suspect", "--format", "cdr_csv", "--json"
    )
    assert done.returncode != 0
    report = json.loads(done.stdout)  # --json: the report, and nothing else, on stdout
    assert [f["path"] for f in report["failed"]] == [str(path)]
    assert report["sources"] == []
    # Progress lines may come first on stderr; the reason is the last line, and names the file.
    reason = done.stderr.strip().splitlines()[-1]
    assert reason.startswith("appliance: ")
    assert str(path) in reason
    assert cli.sources() == before


# --- analyses ---------------------------------------------------------------------------------


def test_colocate_json(cli: Cli) -> None:
    result = cli.json("colocate", "--case", REF, "--a", "suspect", "--b", "victim")
    assert set(result) >= {"parameters", "events", "occasions"}
    assert (result["parameters"]["within_m"], result["parameters"]["window_s"]) == (500, 300)
    assert result["parameters"]["gap_s"] == 1800
    assert len(result["events"]) == 2  # 12:00:00.25 and 12:05 with 12:01:30.999999
    keys = {"a_time", "b_time", "distance_m", "a_lat", "a_lon", "b_lat", "b_lon", "a_radius_m",
            "b_radius_m", "grade", "a_source", "b_source"}  # fmt: skip
    for event in result["events"]:
        assert set(event) >= keys
        assert isinstance(event["distance_m"], float | int)
    assert [e["a_time"] for e in result["events"]] == [
        "2024-03-30T12:00:00Z",
        "2024-03-30T12:05:00Z",
    ]
    assert result["events"][0]["b_time"] == "2024-03-30T12:01:30Z"
    assert len(result["occasions"]) == 1
    assert set(result["occasions"][0]) >= {"start", "end", "events", "min_distance_m"}
    assert result["occasions"][0]["events"] == 2
    assert_times_are_utc_seconds(result)


def test_within_in_km_equals_within_in_metres(cli: Cli) -> None:
    base = ("colocate", "--case", REF, "--a", "suspect", "--b", "victim", "--window", "1h")
    in_km = cli.json(*base, "--within", "0.5km")
    in_m = cli.json(*base, "--within", "500m")
    assert in_km["parameters"]["within_m"] == 500
    assert in_km == in_m
    assert in_m["parameters"]["window_s"] == 3600


def test_contacts_json(cli: Cli) -> None:
    result = cli.json("contacts", "--case", REF, "--a", "suspect", "--b", "victim")
    assert set(result) >= {"a", "b", "totals", "per_day", "first", "last", "busiest_day"}
    assert (result["a"], result["b"]) == ("suspect", "victim")
    assert result["totals"]["voice_a_to_b"] == 1
    assert result["totals"]["sms_b_to_a"] == 1
    assert result["totals"]["sms_a_to_b"] == 1
    days = {d["date"]: d for d in result["per_day"]}
    # 22:30Z on 30 March is 22:30 GMT; 01:30 local on the 31st is in the skipped hour; 09:00 BST.
    assert sorted(days) == ["2024-03-30", "2024-03-31"]
    assert days["2024-03-30"]["voice_a_to_b"] == 1
    assert days["2024-03-31"]["sms_b_to_a"] == 1
    assert days["2024-03-31"]["sms_a_to_b"] == 1
    assert result["first"] == "2024-03-30T22:30:00Z"
    assert result["last"] == "2024-03-31T08:00:00Z"
    assert_times_are_utc_seconds(result)


def test_timeline_json(cli: Cli) -> None:
    result = cli.json("timeline", "--case", REF)
    assert set(result) == {"items"}
    items = result["items"]
    assert len(items) == 3 + 3 + 2  # A's fixes, A's communications, B's fixes
    for item in items:
        assert set(item) >= {"time", "kind", "subject", "direction", "lat", "lon", "radius_m",
                             "source", "row"}  # fmt: skip
        assert item["kind"] in {"observation", "voice", "sms", "mms", "data", "chat"}
    assert [i["time"] for i in items] == sorted(i["time"] for i in items)
    assert_times_are_utc_seconds(result)
    only_b = cli.json("timeline", "--case", REF, "--subject", "victim")["items"]
    assert [i["subject"] for i in only_b] == ["victim", "victim"]


# --- failures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("contacts", "--case", REF, "--a", "suspect", "--b", "victim", "--json"),
        ("colocate", "--case", REF, "--a", "suspect", "--b", "victim"),
        ("subject", "add", REF, "intruder"),
    ],
    ids=["contacts", "colocate", "subject add"],
)
def test_a_wrong_passphrase_is_refused_in_one_line(cli: Cli, command: tuple[str, ...]) -> None:
    done = cli.run(*command, passphrase="not the passphrase")
    assert done.returncode != 0
    assert done.stdout == ""
    assert "passphrase" in one_line(done.stderr).lower()


@pytest.mark.parametrize(
    "units",
    [("--within", "5 parsecs"), ("--within", "5parsecs"), ("--window", "2 fortnights"),
     ("--gap=-5min",), ("--within", "")],
    ids=["distance", "distance, no space", "duration", "negative", "empty"],
)  # fmt: skip
def test_bad_units_are_refused_in_one_line(cli: Cli, units: tuple[str, ...]) -> None:
    done = cli.run("colocate", "--case", REF, "--a", "suspect", "--b", "victim", *units, "--json")
    assert done.returncode != 0
    assert done.stdout == ""
    one_line(done.stderr)


@pytest.mark.parametrize(
    "command",
    [
        ("contacts", "--case", "NO-SUCH-CASE", "--a", "suspect", "--b", "victim", "--json"),
        ("colocate", "--case", REF, "--a", "suspect", "--b", "nobody", "--json"),
        ("case", "new", REF),
        ("case", "new", "../escape"),
        ("subject", "add", REF, "victim"),
        ("intake", "/no/such/file.csv", "--case", REF, "--json"),
        ("intake", "README", "--case", REF, "--format", "no_such_format", "--json"),
        ("breach", "--case", REF, "--subject", "suspect", "--zone", "north", "--radius", "1km"),
    ],
    ids=["unknown case", "unknown subject", "existing case", "bad reference", "existing subject",
         "missing file", "unknown format", "bad zone"],
)  # fmt: skip
def test_user_mistakes_are_refused_in_one_line(cli: Cli, command: tuple[str, ...]) -> None:
    done = cli.run(*command)
    assert done.returncode != 0
    assert done.stdout == ""
    assert one_line(done.stderr).startswith("appliance: ")


@pytest.mark.parametrize(
    "command",
    [
        ("colocate", "--case", REF, "--a", "suspect", "--b", "victim", "--within", "5",
         "parsecs", "--json"),
        ("colocate", "--case", REF, "--a", "suspect", "--json"),
        ("contacts", "--case", REF, "--a", "suspect", "--b", "victim", "--jsn"),
    ],
    ids=["--within 5 parsecs, unquoted", "missing --b", "misspelt option"],
)  # fmt: skip
def test_command_line_mistakes_are_refused_in_one_line(cli: Cli, command: tuple[str, ...]) -> None:
    """DESIGN §7: non-zero with a one-line reason on stderr, for argument errors too."""
    done = cli.run(*command)
    assert done.returncode != 0
    assert done.stdout == ""
    one_line(done.stderr)
