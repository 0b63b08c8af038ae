"""Exports and the disclosure bundle open no network connection (run in-process, with every
socket connection and name lookup turned into a recorded failure)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from appliance.analyses.colocate import Parameters
from appliance.export.bundle import disclose
from appliance.export.folder import OutputFolder
from appliance.export.options import ExportOptions, default_pair

from .conftest import Case


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("network use attempted in an offline appliance")

    def refuse_lookup(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("name lookup attempted in an offline appliance")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse_lookup)
    monkeypatch.setattr(socket, "create_connection", refuse_lookup)
    return attempts


def test_a_whole_disclosure_makes_no_connection(
    case: Case, tmp_path: Path, no_network: list[Any]
) -> None:
    with case.open() as store:
        store.lock_down()
        a, b = default_pair(store, None, None)
        disclose(store, ExportOptions(a, b, Parameters()), OutputFolder(tmp_path / "bundle"))
    assert no_network == []
