"""The appliance's home: where cases live, what each is called, and which one is active.

A case is a folder ``HOME/REF`` holding ``case.json`` (reference, creation time, time zone: no
evidence, so readable without the passphrase), ``keys.json`` (the wrapped keys) and
``case.duckdb`` (the encrypted database).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from appliance.errors import CaseExists, CaseNotFound, UsageError
from appliance.timeutil import iso_z, zone

SYSTEM_HOME = Path("/var/lib/appliance")
# A reference becomes a folder name: letters, digits and . _ - only, so no reference can point
# outside the home (no '/', no '..', no control characters).
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def default_home() -> Path:
    """``APPLIANCE_HOME``, else the system folder for root, else the XDG data folder."""
    env = os.environ.get("APPLIANCE_HOME")
    if env:
        return Path(env)
    if os.geteuid() == 0 and SYSTEM_HOME.exists():
        return SYSTEM_HOME
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "appliance"


def check_ref(ref: str) -> str:
    if not _REF.match(ref) or ref in {".", ".."}:
        raise UsageError(
            f"{ref!r} cannot be a case reference.",
            "Use up to 64 letters, digits, dots, dashes or underscores, e.g. OP-KESTREL-24.",
        )
    return ref


@dataclass(frozen=True)
class CaseInfo:
    ref: str
    created: datetime
    timezone: str
    folder: Path
    demo: bool = False

    @property
    def keys_path(self) -> Path:
        return self.folder / "keys.json"

    @property
    def database_path(self) -> Path:
        return self.folder / "case.duckdb"

    def as_json(self) -> dict[str, str]:
        return {"ref": self.ref, "created": iso_z(self.created), "timezone": self.timezone}


class Home:
    """The folder of cases."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def case_folder(self, ref: str) -> Path:
        return self.root / check_ref(ref)

    def new_case(self, ref: str, timezone: str, demo: bool = False) -> CaseInfo:
        """Create the case folder and its ``case.json``; refuse to overwrite a case."""
        zone(timezone)
        folder = self.case_folder(ref)
        if (folder / "case.json").exists():
            raise CaseExists(
                f"case {ref} already exists in {self.root}.", "Choose another reference."
            )
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = CaseInfo(ref, datetime.now(UTC).replace(microsecond=0), timezone, folder, demo)
        document = {**info.as_json(), "demo": demo, "format": 1}
        (folder / "case.json").write_text(json.dumps(document, indent=2) + "\n")
        return info

    def case(self, ref: str) -> CaseInfo:
        folder = self.case_folder(ref)
        try:
            document = json.loads((folder / "case.json").read_text())
        except FileNotFoundError:
            raise CaseNotFound(
                f"there is no case {ref} in {self.root}.",
                "See `appliance case list`, or create it with `appliance case new`.",
            ) from None
        return CaseInfo(
            ref=document["ref"],
            created=datetime.fromisoformat(document["created"].replace("Z", "+00:00")),
            timezone=document["timezone"],
            folder=folder,
            demo=bool(document.get("demo", False)),
        )

    def cases(self) -> list[CaseInfo]:
        if not self.root.is_dir():
            return []
        found = []
        for child in sorted(self.root.iterdir()):
            if (child / "case.json").is_file() and _REF.match(child.name):
                found.append(self.case(child.name))
        return found

    @property
    def _active_file(self) -> Path:
        return self.root / "active-case"

    def use(self, ref: str) -> CaseInfo:
        info = self.case(ref)
        self.root.mkdir(parents=True, exist_ok=True)
        self._active_file.write_text(ref + "\n")
        return info

    def active(self) -> str | None:
        try:
            ref = self._active_file.read_text().strip()
        except FileNotFoundError:
            return None
        return ref or None
