"""Detection among these five parsers: each sample is claimed by its own parser and no other."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from appliance.errors import NotThisFormat
from appliance.parsers.base import Parser, Probe
from appliance.parsers.cdr_csv import CdrCsvParser
from appliance.parsers.google_records import GoogleRecordsParser
from appliance.parsers.gpx import GpxParser
from appliance.parsers.location_csv import LocationCsvParser
from appliance.parsers.opencellid import OpenCellIdParser

from .conftest import Run

PARSERS: list[type[Parser]] = [
    CdrCsvParser,
    LocationCsvParser,
    GpxParser,
    GoogleRecordsParser,
    OpenCellIdParser,
]

SAMPLES = {
    "cdr_csv": b"start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n",
    "location_csv": b"time,lat,lon,accuracy_m\n2024-05-01T10:00:00Z,51.5,-0.1,5\n",
    "gpx": b'<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1">',
    "google_records": b'{\n  "locations": [{\n    "latitudeE7": 525121303,',
    "opencellid": b"GSM,234,10,20566,4068,0,-0.2255,52.3305,1500,3,1,1290000321,1290000321,0\n",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_sample_is_claimed_by_its_parser_only(name: str) -> None:
    probe = Probe("sample", SAMPLES[name])
    claimed = [parser.name for parser in PARSERS if parser.recognise(probe)]
    assert claimed == [name]


def test_the_specific_csv_formats_go_before_the_generic_location_csv() -> None:
    assert CdrCsvParser.priority < LocationCsvParser.priority
    assert OpenCellIdParser.priority < LocationCsvParser.priority


# Real CSV files in other layouts (MANIFEST.md §5, §6): none of these parsers claims them, and
# forcing the CDR or location parser on them names the missing columns.
FOREIGN_CSV = [
    "vast2008_cdr/cdr.csv",
    "togo_cdr_course/cdr.csv",
    "bandicoot/demo_ego.csv",
    "trackintel/google_trajectory.csv",
    "trackintel/posmo_trajectory.csv",
    "nfi_telcell/testdata.csv",
    "rtlsdr_gsm_scan/cells_located.csv",
]


@pytest.mark.fixtures
@pytest.mark.parametrize("relative", FOREIGN_CSV)
def test_foreign_csv_layouts_are_not_claimed(
    run: Run, real_file: Callable[[str], Path], relative: str
) -> None:
    path = real_file(relative)
    probe = Probe.of_path(path)
    assert [parser.name for parser in PARSERS if parser.recognise(probe)] == []
    for parser in (CdrCsvParser, LocationCsvParser):
        with pytest.raises(NotThisFormat, match="missing column"):
            run(parser, path.read_bytes())
