"""The exhibit register: every acquired file with its hash, origin, time and officer.

What a disclosure lists so that anyone holding a copy of an exhibit can check it is the same
file (``sha256sum``) and see when and by whom it was taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from appliance.analyses import sql
from appliance.analyses.common import utc
from appliance.store.case import CaseStore


@dataclass(frozen=True)
class RegisteredExhibit:
    ref: str
    original_path: str
    size: int
    sha256: str
    acquired: datetime
    officer: str
    device: str | None


def register(store: CaseStore) -> list[RegisteredExhibit]:
    """Every exhibit in acquisition order."""
    return [
        RegisteredExhibit(
            r["ref"],
            r["original_path"],
            r["size"],
            r["sha256"],
            utc(r["acquired_us"]),
            r["officer"],
            r["device"],
        )
        for r in store.fetch(sql.load("register")).to_pylist()
    ]
