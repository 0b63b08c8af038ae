"""Operator cell-site lists with sectors (profile operator_cells.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.model import Cell, Rejection, Warning
from appliance.parsers.base import Probe
from appliance.parsers.registry import by_name, detect

from .conftest import Run

HEADER = "cell_id,latitude,longitude,azimuth,beamwidth,range_m\n"


def test_a_cell_list_with_sectors_is_recognised_by_its_header() -> None:
    parser, reason = detect(Probe("cells.csv", HEADER.encode()))
    assert parser.name == "operator_cells"
    assert "operator_cells" in reason


def test_sector_and_range_are_loaded(run: Run) -> None:
    [cell] = run(by_name("operator_cells"), HEADER + "234-30-1000-17,51.5416,-0.1022,120,65,1200\n")
    assert cell == Cell(
        row=1,
        cell_id="234-30-1000-17",
        lat=51.5416,
        lon=-0.1022,
        range_m=1200.0,
        azimuth_deg=120.0,
        beamwidth_deg=65.0,
    )


def test_zero_padded_ids_take_the_canonical_form(run: Run) -> None:
    [cell] = run(by_name("operator_cells"), HEADER + "234-030-01000-0018,51.5,-0.1,,,\n")
    assert isinstance(cell, Cell)
    assert cell.cell_id == "234-30-1000-18"
    assert (cell.azimuth_deg, cell.beamwidth_deg, cell.range_m) == (None, None, None)


@pytest.mark.parametrize(
    ("azimuth", "beamwidth", "warned"),
    [
        ("400", "65", "azimuth"),
        ("120", "0", "beamwidth"),
        ("nan", "65", "azimuth"),
        ("120", "361", "beamwidth"),
        ("-1", "65", "azimuth"),
    ],
)
def test_an_impossible_angle_is_a_warning_and_the_cell_still_loads(
    run: Run, azimuth: str, beamwidth: str, warned: str
) -> None:
    records = run(
        by_name("operator_cells"), HEADER + f"234-30-1000-17,51.5,-0.1,{azimuth},{beamwidth},900\n"
    )
    cells = [r for r in records if isinstance(r, Cell)]
    warnings = [r for r in records if isinstance(r, Warning)]
    assert len(cells) == 1 and cells[0].range_m == 900.0
    assert len(warnings) == 1 and warned in warnings[0].message


def test_a_malformed_cell_id_is_rejected_with_its_reason(run: Run) -> None:
    [rejection] = run(by_name("operator_cells"), HEADER + "bad-id,51.5,-0.1,10,60,100\n")
    assert isinstance(rejection, Rejection)
    assert "mcc-mnc-lac-cid" in rejection.reason


def test_a_cdr_event_is_placed_at_its_sector_mast(tmp_path: Path) -> None:
    from appliance.store.case import CaseStore
    from appliance.store.home import Home
    from appliance.store.loader import Loader

    (tmp_path / "cells.csv").write_text(HEADER + "234-30-1000-17,51.5416,-0.1022,120,65,1200\n")
    (tmp_path / "cdr.csv").write_text(
        "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
        "2024-04-01T10:00:00Z,voice,out,07700900123,07700900456,30,234-030-1000-017,,\n"
    )
    with CaseStore.create(Home(tmp_path / "home"), "CELLS", "Europe/London", "pw") as store:
        store.add_subject("suspect", "suspect")
        Loader(store).intake([tmp_path / "cells.csv"])
        Loader(store).intake([tmp_path / "cdr.csv"], subject="suspect")
        rows = store.rows(
            "SELECT p.lat, p.lon, p.radius_m, p.method, s.azimuth_deg, s.beamwidth_deg "
            "FROM positions p JOIN communications c USING (source_id, row) "
            "JOIN cell_sites s ON s.cell_id = c.cell_id"
        )
    assert rows == [(51.5416, -0.1022, 1200.0, "cell", 120.0, 65.0)]
