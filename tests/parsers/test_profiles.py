"""Mapping profiles: the shipped layouts on the real files, a new layout added without code, and
profiles that cannot be used refused with the file named."""

from __future__ import annotations

import gc
import gzip
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from appliance.errors import NotThisFormat
from appliance.model import Cell, Communication, Record, Rejection, Warning
from appliance.parsers import registry
from appliance.parsers.base import ParseContext, Parser, Probe
from appliance.parsers.cdr_csv import CdrCsvParser
from appliance.parsers.location_csv import LocationCsvParser
from appliance.parsers.profiles import (
    PROFILE_FOLDER,
    ProfileError,
    ProfileParser,
    load_profile,
    load_profiles,
    register_profiles,
)

from .conftest import Account, Run

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
SHIPPED = [
    "bandicoot",
    "bandicoot_antennas",
    "operator_cells",
    "togo_cdr",
    "togo_towers",
    "vast2008",
]
LONDON = ParseContext(ZoneInfo("Europe/London"))


def shipped(name: str) -> type[Parser]:
    return registry.by_name(name)


def only(records: list[Record], kind: type) -> list:  # type: ignore[type-arg]
    return [r for r in records if isinstance(r, kind)]


def parse_path(parser: type[Parser], path: Path, context: ParseContext = LONDON) -> list[Record]:
    """Parse as the loader does: seekable parsers get the file itself (with its name)."""
    with path.open("rb") as raw:
        records = list(parser().parse(raw, context))
        gc.collect()
        # The loader seeks back and re-hashes the file after a seekable parser: still open.
        assert not raw.closed
        return records


# --- the shipped profiles ----------------------------------------------------------------------


def test_every_shipped_profile_is_registered_between_the_specific_and_generic_parsers() -> None:
    names = [p.name for p in registry.all_parsers() if issubclass(p, ProfileParser)]
    assert sorted(names) == SHIPPED
    assert sorted(p.stem for p in PROFILE_FOLDER.glob("*.toml")) == SHIPPED
    for name in SHIPPED:
        parser = shipped(name)
        assert CdrCsvParser.priority < parser.priority < LocationCsvParser.priority
        assert f"(profile {name}.toml)" in parser.description
        assert parser.version.startswith("1/") and len(parser.version) == 14


def test_seekable_only_where_the_file_itself_is_needed() -> None:
    # bandicoot has no line column: its placeholder line needs the file's name.
    assert shipped("bandicoot").seekable
    assert not shipped("vast2008").seekable and not shipped("togo_towers").seekable


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (b"From,To,Datetime,Duration(seconds),Cell Tower\r\n349,23,20060601 0008,1,1\r\n",
         "vast2008"),
        (b"caller_id,recipient_id,date,time,duration,tower_id,prefecture,hour\n", "togo_cdr"),
        (b"tower_id,longitude,latitude\n", "togo_towers"),
        (b"interaction,direction,correspondent_id,datetime\n", "bandicoot"),
        (b" ANTENNA_ID , Latitude,longitude\n", "bandicoot_antennas"),
        (b"start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n", None),
        (b"time,lat,lon,accuracy_m\n", None),
        (b"From,To,Datetime\n", None),
        (b"", None),
    ],
)  # fmt: skip
def test_recognition_by_header(sample: bytes, expected: str | None) -> None:
    probe = Probe("x.csv", sample)
    claimed = [name for name in SHIPPED if shipped(name).recognise(probe)]
    assert claimed == ([expected] if expected else [])
    if expected:
        reason = shipped(expected).recognise(probe)
        assert reason == f"header matches profile {expected} ({expected}.toml)"


OWN_FILES = {
    "vast2008_cdr/cdr.csv": "vast2008",
    "togo_cdr_course/cdr.csv": "togo_cdr",
    "togo_cdr_course/towers.csv": "togo_towers",
    "bandicoot/demo_ego.csv": "bandicoot",
    "bandicoot/demo_A.csv": "bandicoot",
    "bandicoot/u_test_antennas.csv": "bandicoot",
    "bandicoot/demo_antennas.csv": "bandicoot_antennas",
    "bandicoot/towers.csv": "bandicoot_antennas",
}


@pytest.mark.fixtures
def test_every_fixture_is_claimed_by_its_own_profile_and_no_other() -> None:
    if not FIXTURES.is_dir():
        pytest.skip(f"no fixtures at {FIXTURES}")
    files = sorted(p for p in FIXTURES.rglob("*") if p.is_file())
    assert len(files) > 50
    for path in files:
        probe = Probe.of_path(path)
        claimed = [name for name in SHIPPED if shipped(name).recognise(probe)]
        relative = path.relative_to(FIXTURES).as_posix()
        expected = OWN_FILES.get(relative)
        assert claimed == ([expected] if expected else []), relative
        if expected:
            detected, _ = registry.detect(probe)
            assert detected.name == expected, relative


def real(relative: str) -> Path:
    path = FIXTURES / relative
    if not path.is_file():
        pytest.skip(f"fixture {relative} is not present at {FIXTURES}")
    return path


@pytest.mark.fixtures
def test_vast2008_real_file(account: Account) -> None:
    records = parse_path(shipped("vast2008"), real("vast2008_cdr/cdr.csv"))
    # 9835 lines = header + 9834 calls (MANIFEST). Four have a negative duration, found by hand
    # with: tr -d '\r' < cdr.csv | awk -F, 'NR>1 && $4<0 {print NR-1, $0}'
    # -> rows 822 (-2), 4221 (-44), 6450 (-113), 7245 (-145). Every Datetime reads with
    # %Y%m%d %H%M, every row has From and To, so 9834 - 4 = 9830 calls load.
    assert account(records) == (9830, 4)
    assert [(r.row, r.reason) for r in only(records, Rejection)] == [
        (822, "negative Duration(seconds) -2"),
        (4221, "negative Duration(seconds) -44"),
        (6450, "negative Duration(seconds) -113"),
        (7245, "negative Duration(seconds) -145"),
    ]
    assert only(records, Warning) == []  # June 2006: no clock change
    calls = only(records, Communication)
    assert calls[0] == Communication(
        row=1,
        time=datetime(2006, 5, 31, 23, 8, tzinfo=UTC),  # 00:08 BST, the declared zone
        kind="voice",
        direction="out",
        line="349",
        other="23",
        duration_s=1634.0,
        cell_id="vast2008-tower-1",
    )
    assert len({c.line for c in calls} | {c.other for c in calls}) == 400  # MANIFEST: 400 ids
    assert {c.cell_id for c in calls} == {f"vast2008-tower-{n}" for n in range(1, 31)}


@pytest.mark.fixtures
def test_togo_real_files(account: Account) -> None:
    records = parse_path(shipped("togo_cdr"), real("togo_cdr_course/cdr.csv"))
    # 13514 lines = header + 13513 calls. One has duration -1, found by hand with
    # awk -F, 'NR>1 && $5<0 {print NR-1, $0}' -> row 2913 (2020-01-20 23:40:51, -1).
    assert account(records) == (13512, 1)
    assert only(records, Rejection) == [Rejection(2913, "negative duration -1")]
    calls = only(records, Communication)
    # Africa/Lome is UTC all year, whatever the officer declared.
    assert calls[0].time == datetime(2020, 1, 1, 0, 24, 29, tzinfo=UTC)
    assert len({c.line for c in calls}) == 145  # MANIFEST: 145 callers

    towers = parse_path(shipped("togo_towers"), real("togo_cdr_course/towers.csv"))
    assert account(towers) == (103, 0)  # 104 lines = header + 103 towers, all inside Togo
    cells = only(towers, Cell)
    assert cells[0] == Cell(1, "togo-tower26", 9.860676901311102, 0.49725349341283775)
    # Every call's tower is in the tower list: the prefixes agree.
    assert {c.cell_id for c in calls} <= {c.cell_id for c in cells}


@pytest.mark.fixtures
def test_bandicoot_real_files(account: Account) -> None:
    ego = parse_path(shipped("bandicoot"), real("bandicoot/demo_ego.csv"))
    # 315 lines = header + 314 records; 239 text + 75 call, all with in/out and a readable
    # datetime (checked with awk and a strptime loop), none in the 2014-03-30 01:00 gap.
    assert account(ego) == (314, 0)
    calls = only(ego, Communication)
    assert {c.line for c in calls} == {"line:demo_ego"}
    assert sum(c.kind == "sms" for c in calls) == 239
    assert sum(c.kind == "voice" for c in calls) == 75
    assert sum(c.direction == "in" for c in calls) == 210
    assert calls[0].duration_s is None and calls[0].cell_id == "bandicoot-1"

    antennas = parse_path(shipped("bandicoot_antennas"), real("bandicoot/demo_antennas.csv"))
    assert account(antennas) == (27, 0)
    assert {c.cell_id for c in calls} <= {c.cell_id for c in only(antennas, Cell)}

    u_test = parse_path(shipped("bandicoot"), real("bandicoot/u_test_antennas.csv"))
    assert account(u_test) == (500, 0)  # 501 lines = header + 500 records
    towers = parse_path(shipped("bandicoot_antennas"), real("bandicoot/towers.csv"))
    # 13 lines = header + 11 antennas + one empty line (not a row). Rows 9-11 (antennas 1000,
    # 1001, 1002) have a space after the comma: trimmed, with a Warning each. Row 4 (15002,
    # "2.294517,48.833478") is Paris swapped, but both values are in range: loaded as written.
    assert account(towers) == (11, 0)
    assert [(w.row, w.message) for w in only(towers, Warning)] == [
        (9, "longitude ' 12.1345' had spaces around it; trimmed"),
        (10, "longitude ' 123.1345' had spaces around it; trimmed"),
        (11, "longitude ' 5.2222' had spaces around it; trimmed"),
    ]
    tower_ids = {c.cell_id for c in only(towers, Cell)}
    used = {c.cell_id for c in only(u_test, Communication)}
    # The MANIFEST's dangling reference: antenna 1337 is used but not in towers.csv.
    assert used - tower_ids == {"bandicoot-1337"}


@pytest.mark.fixtures
def test_bandicoot_line_from_the_context_or_the_gzipped_file_name(tmp_path: Path) -> None:
    source = real("bandicoot/demo_A.csv")
    context = ParseContext(ZoneInfo("Europe/London"), options={"line": "07700 900123"})
    records = parse_path(shipped("bandicoot"), source, context)
    assert {r.line for r in only(records, Communication)} == {"+447700900123"}
    packed = tmp_path / "demo_A.csv.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    records = parse_path(shipped("bandicoot"), packed)  # seekable: handed the gzip itself
    assert len(only(records, Communication)) == 42
    assert {r.line for r in only(records, Communication)} == {"line:demo_A"}


# --- rows, one by one ----------------------------------------------------------------------------

BANDICOOT_HEADER = "interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n"


def test_bandicoot_rows_loaded_or_rejected_with_a_reason(run: Run, account: Account) -> None:
    rows = [
        "call,out,A,2014-03-02 07:13:30,65,3",  # 1 loaded
        "text,in,B,2014-03-30 01:30:00,,",  # 2 loaded, flagged: clocks went forward
        "text,in,B,2014-10-26 01:30:00,,",  # 3 loaded, flagged: the repeated hour
        "call,sideways,A,2014-03-02 07:13:30,1,3",  # 4 unknown direction
        "fax,in,A,2014-03-02 07:13:30,1,3",  # 5 unknown interaction
        "call,in,,2014-03-02 07:13:30,1,3",  # 6 missing party
        "call,in,A,02/03/2014 07:13,1,3",  # 7 not the declared format
        "call,in,A,2014-03-02 07:13:30,-5,3",  # 8 negative duration
        "call,in,A,2014-03-02 07:13:30,x,3",  # 9 unreadable duration
        "call,in,A",  # 10 short row
        "",  # 11 blank: not a row
        " CALL , OUT ,A,2014-03-02 07:13:30,1,",  # 12 words are case-insensitive, trimmed
    ]
    records = run(shipped("bandicoot"), BANDICOOT_HEADER + "\n".join(rows) + "\n")
    assert account(records) == (4, 7)
    assert [(r.row, r.reason) for r in only(records, Rejection)] == [
        (4, "unknown direction 'sideways'"),
        (5, "unknown interaction 'fax'"),
        (6, "missing correspondent_id"),
        (7, "unreadable datetime '02/03/2014 07:13' (expected %Y-%m-%d %H:%M:%S)"),
        (8, "negative call_duration -5"),
        (9, "unreadable call_duration 'x'"),
        (10, "wrong number of columns: 3, expected 6"),
    ]
    first, spring, autumn, last = only(records, Communication)
    assert first.line == "line:bandicoot"  # no file name: the profile's placeholder
    assert first.time == datetime(2014, 3, 2, 7, 13, 30, tzinfo=UTC)
    assert (first.kind, first.direction, first.duration_s) == ("voice", "out", 65.0)
    assert spring.time_flag == "nonexistent" and autumn.time_flag == "ambiguous"
    assert spring.cell_id is None
    assert (last.kind, last.direction) == ("voice", "out")
    warnings = only(records, Warning)
    assert [w.row for w in warnings] == [2, 3]
    assert "nonexistent in Europe/London" in warnings[0].message


def test_bandicoot_without_optional_columns(run: Run, account: Account) -> None:
    records = run(shipped("bandicoot"), "datetime,interaction,direction,correspondent_id\n"
                  "2014-03-02 07:13:30,text,in,A\n")  # fmt: skip
    assert account(records) == (1, 0)
    [text] = only(records, Communication)
    assert text.duration_s is None and text.cell_id is None


def test_a_header_without_the_required_columns_is_not_this_format(run: Run) -> None:
    with pytest.raises(NotThisFormat, match="missing column"):
        run(shipped("vast2008"), "From,To,Datetime\n349,23,20060601 0008\n")
    with pytest.raises(NotThisFormat, match="no readable header"):
        run(shipped("vast2008"), "")


def test_tower_rows(run: Run, account: Account) -> None:
    data = (
        "tower_id,longitude,latitude\n"
        "t1,1.2,6.2\n"  # 1 in Togo
        "t2,6.2,1.2\n"  # 2 swapped: outside the area, inside when swapped
        "t3,2.35,48.85\n"  # 3 Paris: outside, and not a swap
        "t4,1.2,95\n"  # 4 latitude out of range
        ",1.2,6.2\n"  # 5 no id
        "t6,1.2,north\n"  # 6 unreadable
        "t7,0,0\n"  # 7 null island
    )
    records = run(shipped("togo_towers"), data)
    assert account(records) == (1, 6)
    assert only(records, Cell) == [Cell(1, "togo-t1", 6.2, 1.2)]
    assert [(r.row, r.reason) for r in only(records, Rejection)] == [
        (2, "position 1.2,6.2 is outside the profile's area; latitude and longitude look swapped"),
        (3, "position 48.85,2.35 is outside the profile's area"),
        (4, "latitude 95.0 out of range; latitude and longitude look swapped"),
        (5, "missing tower_id"),
        (6, "unreadable latitude 'north'"),
        (7, "position 0,0 (null island) is a missing-fix marker"),
    ]


# --- a new layout, added by an analyst without code ------------------------------------------

ACME = """\
# Acme Mobile's disclosure spreadsheet: semicolon-separated, dd/mm/yyyy, durations h:mm:ss.
name = "acme"
description = "Acme Mobile call records (profile acme.toml)"
kind = "communications"
files = ["csv", "xlsx"]
delimiter = ";"
sheet = "Calls"
file_pattern = "acme_*.xlsx"
header = ["Target MSISDN", "Other Party", "Call Date", "Call Time", "Dir", "Event", "Dur", "CGI"]

[time]
date_column = "Call Date"
date_format = "%d/%m/%Y"
time_column = "Call Time"
time_format = "%H:%M:%S"
timezone = "Europe/London"

[parties]
line = "Target MSISDN"
other = "Other Party"
direction = "Dir"
identifiers = "phone"

[parties.direction_words]
out = ["MO", "outgoing"]
in = ["MT", "incoming"]

[kind_of]
column = "Event"
words = { voice = ["VOICE", "MOC", "MTC"], sms = ["SMS-MO", "SMS-MT"], data = ["GPRS"] }

[duration]
column = "Dur"
unit = "hh:mm:ss"

[cell]
column = "CGI"
"""

ACME_ROWS = [
    ["07700 900123", "07700900456", "30/03/2024", "23:59:00", "MO", "VOICE", "0:01:05",
     "234-010-0123-0456"],
    ["07700 900123", "+447700900789", "31/03/2024", "01:30:00", "MT", "SMS-MT", "", ""],
    ["07700 900123", "", "01/04/2024", "10:00:00", "MO", "GPRS", "1:00:00", "bad cell"],
    ["07700 900123", "07700900456", "31/02/2024", "10:00:00", "MO", "VOICE", "0:00:01", ""],
    ["07700 900123", "07700900456", "01/04/2024", "10:00:00", "MO", "VOICE", "65", ""],
]  # fmt: skip


def write_acme(folder: Path) -> type[ProfileParser]:
    (folder / "acme.toml").write_text(ACME)
    [parser] = load_profiles(folder)
    return parser


def check_acme(records: list[Record], account: Account) -> None:
    assert account(records) == (3, 2)
    first, second, third = only(records, Communication)
    assert first == Communication(
        row=1,
        time=datetime(2024, 3, 30, 23, 59, tzinfo=UTC),
        kind="voice",
        direction="out",
        line="+447700900123",
        other="+447700900456",
        duration_s=65.0,
        cell_id="234-10-123-456",
    )
    assert (second.direction, second.kind, second.time_flag) == ("in", "sms", "nonexistent")
    assert (third.kind, third.other, third.duration_s, third.cell_id) == ("data", None, 3600, None)
    assert [r.row for r in only(records, Warning)] == [2, 3]
    assert [(r.row, r.reason) for r in only(records, Rejection)] == [
        (4, "unreadable Call Date '31/02/2024' (expected %d/%m/%Y)"),
        (5, "unreadable Dur '65' (expected hh:mm:ss)"),
    ]


def test_an_analyst_adds_a_layout_with_a_profile_file(
    tmp_path: Path, run: Run, account: Account
) -> None:
    parser = write_acme(tmp_path)
    assert parser.name == "acme" and issubclass(parser, Parser)
    header = "target msisdn ; Other Party;Call Date;Call Time;Dir;Event;Dur;CGI;Extra\n"
    assert parser.recognise(Probe("acme.csv", header.encode())) == (
        "header matches profile acme (acme.toml)"
    )
    assert parser.recognise(Probe("x.csv", header.replace(";", ",").encode())) is None
    body = "".join(";".join([*row, "note"]) + "\n" for row in ACME_ROWS)
    check_acme(run(parser, header + body), account)


def _workbook(path: Path, rows: list[list[object]], sheet: str = "Calls") -> None:
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["Disclosure for case 24/1234"])
    calls = book.create_sheet(sheet)
    calls.append([])  # a blank row above the header
    calls.append(["Target MSISDN", "Other Party", "Call Date", "Call Time", "Dir", "Event",
                  "Dur", "CGI"])  # fmt: skip
    for row in rows:
        calls.append(row)
    book.save(path)


def test_the_same_profile_reads_a_workbook(tmp_path: Path, account: Account) -> None:
    parser = write_acme(tmp_path)
    assert parser.seekable
    path = tmp_path / "acme_disclosure.xlsx"
    typed: list[list[object]] = [list(row) for row in ACME_ROWS]
    # As a spreadsheet holds them: numbers as numbers, the date as a date cell.
    typed[0] = [7700900123, 7700900456.0, datetime(2024, 3, 30), "23:59:00", "MO", "VOICE",
                "0:01:05", "234-010-0123-0456"]  # fmt: skip
    _workbook(path, typed)
    assert parser.recognise(Probe.of_path(path)) == (
        "workbook name matches profile acme (acme.toml) pattern acme_*.xlsx"
    )
    other_name = tmp_path / "disclosure.xlsx"
    other_name.write_bytes(path.read_bytes())
    assert parser.recognise(Probe.of_path(other_name)) is None  # needs --format acme
    records = parse_path(parser, path)
    # The sheet's header is its row 2, so the first data row is sheet row 3 = row 1.
    # 7700900123 as a number has lost its 0: read in GB it is still +447700900123.
    check_acme(records, account)


def test_a_workbook_without_the_sheet_or_damaged_is_not_this_format(tmp_path: Path) -> None:
    parser = write_acme(tmp_path)
    path = tmp_path / "acme_1.xlsx"
    _workbook(path, [], sheet="Other")
    with pytest.raises(NotThisFormat, match="no sheet 'Calls'"):
        parse_path(parser, path)
    _workbook(path, [])
    data = path.read_bytes()
    with pytest.raises(NotThisFormat, match="workbook"):
        list(parser().parse(io.BytesIO(data[: len(data) // 2]), LONDON))
    with pytest.raises(NotThisFormat, match="reads CSV"):
        list(shipped("vast2008")().parse(io.BytesIO(data), LONDON))


# --- profiles that cannot be used ------------------------------------------------------------

GOOD = """\
name = "bad"
description = "test (profile bad.toml)"
kind = "communications"
header = ["when", "a", "b"]
[time]
column = "when"
format = "%Y-%m-%d %H:%M"
[parties]
caller = "a"
callee = "b"
[kind_of]
constant = "voice"
"""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('name = "bad"\n', "", "name is required"),
        ('name = "bad"', 'name = "other"', "name must equal the file name"),
        ('header = ["when", "a", "b"]\n', "", "header is required"),
        ('"%Y-%m-%d %H:%M"', '"%Y-%m-%d %Q"', "unknown or locale-dependent directive %Q"),
        ('"%Y-%m-%d %H:%M"', '"%c"', "locale-dependent"),
        ('"%Y-%m-%d %H:%M"', '"%Y-%m-%d %H:%M %"', "lone %"),
        ('"%Y-%m-%d %H:%M"', '"%Y-%m-%d"', "must give the hour"),
        ('"%Y-%m-%d %H:%M"', '"%m-%d %H:%M"', "year, month and day"),
        ('column = "when"', 'column = "whence"', "not in header"),
        ('kind = "communications"', 'kind = "calls"', 'kind must be "communications"'),
        ('constant = "voice"', 'constant = "fax"', "kind_of.constant must be one of"),
        ('callee = "b"\n', "", "caller and callee go together"),
        ('callee = "b"\n', 'callee = "b"\ndirection = "a"\n', "cannot be mixed"),
        ("[parties]", 'timezone = "Mars/Olympus"\n[parties]', "time.timezone 'Mars/Olympus'"),
        ("[time]\n", '[time]\ntimezon = "UTC"\n', "time.timezon is not a profile key"),
        ("[parties]", "[parties", "cannot be read as TOML"),
        ('"%Y-%m-%d %H:%M"', "12", "format must be a non-empty string"),
        ('kind = "c', 'file_pattern = "*.xlsx"\nkind = "c', 'add "xlsx" to files'),
        (
            'constant = "voice"',
            'column = "a"\nwords = { voice = ["x"], sms = ["X"] }',
            "repeats 'X'",
        ),
    ],
)
def test_an_unusable_profile_is_refused_naming_the_file(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in GOOD
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(ProfileError, match=r"bad\.toml") as caught:
        load_profile(path)
    assert message in str(caught.value)


def test_the_unchanged_sample_profile_is_usable(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(GOOD)
    [parser] = load_profiles(tmp_path)
    assert parser.name == "bad"


def test_a_profile_cannot_take_a_name_already_used(tmp_path: Path) -> None:
    (tmp_path / "vast2008.toml").write_bytes((PROFILE_FOLDER / "vast2008.toml").read_bytes())
    with pytest.raises(ProfileError, match=r"vast2008.toml: name 'vast2008' is already a format"):
        register_profiles(tmp_path)


def test_every_shipped_profile_file_loads() -> None:
    for path in sorted(PROFILE_FOLDER.glob("*.toml")):
        profile = load_profile(path)
        assert path.read_text().startswith("# Mapping profile: ")
        assert profile.name == path.stem
