"""The serving cell behind a cell-based position, with its sector, for drawing on a map."""

from __future__ import annotations

from pathlib import Path

from appliance.analyses.cell_sectors import CellSector, cell_sectors
from appliance.analyses.colocate import Parameters, colocate
from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.store.loader import Loader

CELLS = (
    "cell_id,latitude,longitude,azimuth,beamwidth,range_m\n"
    "234-30-1000-17,51.5416,-0.1022,120,65,1200\n"
    "234-30-1000-18,51.5420,-0.1030,,,900\n"
)
CDR = (
    "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
    "2024-04-01T10:00:00Z,voice,out,07700900123,07700900456,30,234-30-1000-17,,\n"
    "2024-04-01T10:05:00Z,voice,out,07700900123,07700900456,30,234-30-1000-18,,\n"
    "2024-04-01T10:09:00Z,voice,out,07700900123,07700900456,30,234-30-9999-1,,\n"
)
VICTIM = "time,lat,lon,accuracy_m\n2024-04-01T10:01:00Z,51.5418,-0.1025,10\n"


def sectors_of_colocation(tmp_path: Path) -> dict[int, CellSector]:
    (tmp_path / "cells.csv").write_text(CELLS)
    (tmp_path / "cdr.csv").write_text(CDR)
    (tmp_path / "victim.csv").write_text(VICTIM)
    with CaseStore.create(Home(tmp_path / "home"), "SECT", "Europe/London", "pw") as store:
        store.add_subject("suspect", "suspect")
        store.add_subject("victim", "victim")
        loader = Loader(store)
        loader.intake([tmp_path / "cells.csv"])
        loader.intake([tmp_path / "cdr.csv"], subject="suspect")
        loader.intake([tmp_path / "victim.csv"], subject="victim")
        result = colocate(store, "suspect", "victim", Parameters(within_m=500, window_s=600))
        keys = [(e.a_source, e.a_row) for e in result.events]
        found = cell_sectors(store, keys)
    return {row: sector for (_label, row), sector in found.items()}


def test_each_call_record_gets_its_serving_cell_and_sector(tmp_path: Path) -> None:
    assert sectors_of_colocation(tmp_path) == {
        1: CellSector("234-30-1000-17", 51.5416, -0.1022, 1200.0, 120.0, 65.0),
        2: CellSector("234-30-1000-18", 51.542, -0.103, 900.0, None, None),
    }


def test_no_keys_ask_nothing(tmp_path: Path) -> None:
    with CaseStore.create(Home(tmp_path), "EMPTY", "Europe/London", "pw") as store:
        assert cell_sectors(store, []) == {}
