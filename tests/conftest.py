"""Test-wide settings.

``no_network`` turns every socket connection attempt and name lookup into a failure and
records it: a test that uses it shows a code path never reaches the network.

Under CI (``CI`` set) hypothesis draws the same examples on every run, so a submission's result
does not depend on luck; on a developer's machine it keeps exploring new inputs each run.
"""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


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
