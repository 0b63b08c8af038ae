"""Exports and the disclosure bundle open no network connection (run in-process, with every
socket connection and name lookup turned into a recorded failure by the shared ``no_network``
fixture in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from appliance.analyses.colocate import Parameters
from appliance.export.bundle import disclose
from appliance.export.folder import OutputFolder
from appliance.export.options import ExportOptions, default_pair

from .conftest import Case


def test_a_whole_disclosure_makes_no_connection(
    case: Case, tmp_path: Path, no_network: list[Any]
) -> None:
    with case.open() as store:
        store.lock_down()
        a, b = default_pair(store, None, None)
        disclose(store, ExportOptions(a, b, Parameters()), OutputFolder(tmp_path / "bundle"))
    assert no_network == []
