"""OpenCelliD cell lists: header, headerless and legacy layouts, one Cell per loaded row."""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from appliance.errors import NotThisFormat
from appliance.model import Cell, Communication, Rejection
from appliance.parsers.base import ParseContext, Probe
from appliance.parsers.cdr_csv import CdrCsvParser
from appliance.parsers.opencellid import OpenCellIdParser

from .conftest import Account, Run

HEADER = (
    "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
)
ROW = "GSM,234,10,20566,4068,0,-0.2255,52.3305,1500,3,1,1290000321,1290000321,0\n"
LEGACY_ROW = (
    "22995,52.3305015563965,-0.225562006235123,234,10,20566,4068,0,1,"
    "2008-04-05 21:32:59,2008-04-05 21:32:59\n"
)


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (HEADER + ROW, "header is radio,mcc,net,area,cell,unit,lon,lat,range,..."),
        (ROW, "headerless 14-column rows starting with a radio (GSM)"),
        (LEGACY_ROW, "headerless 11-column legacy cells.txt rows (id,lat,lon,mcc,mnc,...)"),
    ],
)
def test_recognises_three_layouts(head: str, reason: str) -> None:
    assert OpenCellIdParser.recognise(Probe("cells.csv", head.encode())) == reason


@pytest.mark.parametrize(
    "head",
    [
        "timestamp,band,arfcn,freq_mhz,cid,lac,mcc,mnc,rssi\n",
        "time,lat,lon,accuracy_m\n",
        "FOO,1,2,3,4,5,6,7,8,9,10,11,12,13\n",
    ],
)
def test_does_not_recognise_other_csv(head: str) -> None:
    assert OpenCellIdParser.recognise(Probe("x.csv", head.encode())) is None


def test_loads_a_headed_row(run: Run) -> None:
    [cell] = run(OpenCellIdParser, HEADER + ROW)
    assert cell == Cell(
        row=1, cell_id="234-10-20566-4068", lat=52.3305, lon=-0.2255, range_m=1500.0, radio="GSM"
    )


def test_header_columns_are_found_by_name(run: Run) -> None:
    text = "lat,lon,mcc,net,area,cell,radio\n52.3305,-0.2255,234,10,20566,4068,lte\n"
    [cell] = run(OpenCellIdParser, text)
    assert isinstance(cell, Cell)
    assert (cell.cell_id, cell.radio, cell.range_m) == ("234-10-20566-4068", "LTE", None)


def test_headerless_rows_are_numbered_by_line(run: Run, account: Account) -> None:
    records = run(OpenCellIdParser, ROW + "\n" + ROW.replace("52.3305", "95") + ROW)
    assert [(r.row, type(r).__name__) for r in records] == [
        (1, "Cell"),
        (3, "Rejection"),
        (4, "Cell"),
    ]
    assert account(records) == (2, 1)


def test_legacy_cells_txt(run: Run) -> None:
    [cell] = run(OpenCellIdParser, LEGACY_ROW)
    assert cell == Cell(
        row=1,
        cell_id="234-10-20566-4068",
        lat=52.3305015563965,
        lon=-0.225562006235123,
        range_m=None,
        radio=None,
    )


def test_mnc_is_written_with_two_digits(run: Run) -> None:
    [cell] = run(OpenCellIdParser, ROW.replace("GSM,234,10,", "GSM,234,1,"))
    assert isinstance(cell, Cell) and cell.cell_id == "234-01-20566-4068"


def test_a_cdr_cell_id_joins_the_cell_list(run: Run) -> None:
    [cell] = run(OpenCellIdParser, ROW.replace("GSM,234,10,", "GSM,234,1,"))
    cdr = (
        "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
        "2024-05-01T10:00:00Z,sms,out,07700900123,07700900456,,234-001-020566-04068,,\n"
    )
    [communication] = run(CdrCsvParser, cdr)
    assert isinstance(cell, Cell) and isinstance(communication, Communication)
    assert communication.cell_id == cell.cell_id


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (ROW.replace(",234,", ",2x4,"), "unreadable mcc '2x4'"),
        (ROW.replace(",234,", ",1234,"), "mcc 1234 out of range"),
        (ROW.replace(",234,", ",,"), "missing mcc"),
        (ROW.replace(",10,", ",1000,"), "net 1000 out of range"),
        (ROW.replace(",4068,", ",-4068,"), "unreadable cell '-4068'"),
        (ROW.replace("52.3305", "95"), "latitude 95.0 out of range"),
        (
            ROW.replace("-0.2255,52.3305", "0,0"),
            "position 0,0 (null island) is a missing-fix marker",
        ),
        (ROW.replace(",1500,", ",-1,"), "negative range -1"),
        (ROW.replace(",1500,", ",far,"), "unreadable range 'far'"),
        ("GSM,234,10,20566\n", "wrong number of columns: 4, expected 14"),
    ],
)
def test_each_unloadable_row_is_rejected_with_its_reason(run: Run, row: str, reason: str) -> None:
    assert run(OpenCellIdParser, ROW + row)[1:] == [Rejection(2, reason)]


def test_zero_range_is_unknown(run: Run) -> None:
    [cell] = run(OpenCellIdParser, ROW.replace(",1500,", ",0,"))
    assert isinstance(cell, Cell) and cell.range_m is None


@pytest.mark.parametrize("text", ["", "hello,world\n", "radio,mcc,net,lat\n"])
def test_other_files_are_not_this_format(run: Run, text: str) -> None:
    with pytest.raises(NotThisFormat):
        run(OpenCellIdParser, text)


# Real files. Counts from the files: zcat | wc -l gives 29718 lines, of which 2 are blank at the
# end (awk -F, '{print NF}' shows 29716 with 14 fields, 2 with 0); awk on field 1 gives 29140
# GSM, 573 UMTS, 3 LTE; awk found no out-of-range, 0,0 or non-integer rows. The legacy file has
# 3 lines of 11 fields.


@pytest.mark.fixtures
def test_real_opencellid_france(
    account: Account, real_file: Callable[[str], Path], london: ParseContext
) -> None:
    path = real_file("geoloc_gsm_fr/towers_opencellid_fr208.csv.gz")
    assert OpenCellIdParser.recognise(Probe.of_path(path))
    with gzip.open(path, "rb") as stream:
        records = list(OpenCellIdParser().parse(stream, london))  # type: ignore[arg-type]
    assert account(records) == (29716, 0)
    cells = [r for r in records if isinstance(r, Cell)]
    assert Counter(c.radio for c in cells) == {"GSM": 29140, "UMTS": 573, "LTE": 3}
    assert cells[0] == Cell(
        row=1,
        cell_id="208-10-18013-8653445",
        lat=48.980484008789,
        lon=2.2721099853516,
        range_m=1000.0,
        radio="UMTS",
    )
    assert cells[-1].row == 29716


@pytest.mark.fixtures
def test_real_legacy_uk_cells(run: Run, account: Account, real_file: Callable[[str], Path]) -> None:
    path = real_file("upoints/opencellid_legacy_2008_uk_cells.txt")
    assert OpenCellIdParser.recognise(Probe.of_path(path))
    records = run(OpenCellIdParser, path.read_bytes())
    assert account(records) == (3, 0)
    assert [r.cell_id for r in records if isinstance(r, Cell)] == [
        "234-33-2319-647",
        "234-10-20566-4068",
        "234-10-10566-4068",
    ]
