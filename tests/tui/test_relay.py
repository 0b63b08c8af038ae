"""The relay between an intake in a worker thread and the screen (``intake_jobs.Relay``)."""

from __future__ import annotations

import pytest
from textual.message import Message

from appliance.errors import IntakeCancelled
from appliance.intake.events import BytesRead, FileSealed
from appliance.tui.intake_jobs import Relay
from appliance.tui.messages import IntakeProgress


def test_a_cancelled_intake_stops_at_the_next_event() -> None:
    relay = Relay(lambda _: None, lambda: True)
    with pytest.raises(IntakeCancelled):
        relay(FileSealed("JS/1", "a.csv", "0" * 64, 1))


def test_the_last_byte_count_of_a_file_always_reaches_the_screen() -> None:
    posted: list[Message] = []
    relay = Relay(posted.append, lambda: False)
    for done in range(1, 1001):
        relay(BytesRead("JS/1", "big.bin", done, 1000))
    last = posted[-1]
    assert isinstance(last, IntakeProgress) and last.event == BytesRead(
        "JS/1", "big.bin", 1000, 1000
    )


def test_every_sealed_file_reaches_the_screen() -> None:
    posted: list[Message] = []
    relay = Relay(posted.append, lambda: False)
    for n in range(50):
        relay(FileSealed(f"JS/{n}", f"{n}.csv", "0" * 64, 1))
    assert len(posted) == 50
