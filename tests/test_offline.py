"""The appliance never opens a network connection: a whole intake-and-analyse flow runs with
every socket connection attempt turned into a failure, and DuckDB is configured so that it
could not fetch an extension even if asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from appliance.analyses.colocate import Parameters, colocate
from appliance.analyses.contacts import contacts
from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.store.loader import Loader

CDR = (
    "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n"
    "2024-03-30 23:30:00,voice,out,07700 900123,07700 900456,12,234-30-100-1,,\n"
)
LOCATIONS = "time,lat,lon,accuracy_m\n2024-03-30T22:29:00Z,51.5420,-0.1030,5\n"


def test_whole_flow_makes_no_connection(tmp_path: Path, no_network: list[Any]) -> None:
    (tmp_path / "cdr.csv").write_text(CDR)
    (tmp_path / "loc.csv").write_text(LOCATIONS)
    with CaseStore.create(Home(tmp_path / "home"), "OFF", "Europe/London", "pw") as store:
        store.add_subject("suspect", "suspect", ["07700900123"])
        store.add_subject("victim", "victim", ["07700900456"])
        Loader(store).intake([tmp_path / "cdr.csv", tmp_path / "loc.csv"], subject="suspect")
        colocate(store, "suspect", "victim", Parameters())
        totals = contacts(store, "suspect", "victim").totals
    assert totals["voice_a_to_b"] == 1
    assert no_network == []


def test_duckdb_cannot_fetch_extensions(tmp_path: Path) -> None:
    with CaseStore.create(Home(tmp_path), "OFF", "Europe/London", "pw") as store:
        settings = dict(
            store.rows(
                "SELECT name, value FROM duckdb_settings() WHERE name IN "
                "('autoinstall_known_extensions', 'autoload_known_extensions', "
                "'allow_unsigned_extensions')"
            )
        )
    assert settings == {
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
        "allow_unsigned_extensions": "false",
    }


def test_package_imports_no_network_client() -> None:
    package = Path(__file__).resolve().parents[1] / "appliance"
    offenders = [
        str(path)
        for path in package.rglob("*.py")
        for line in path.read_text().splitlines()
        if line.strip().startswith(
            (
                "import socket",
                "import requests",
                "import urllib.request",
                "import httpx",
                "from urllib.request",
                "from requests",
                "import http.client",
            )
        )
    ]
    assert offenders == []
