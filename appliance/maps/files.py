"""Writing a map an officer asked for, where they said, whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from appliance.errors import UsageError


def write_map(out: Path, png: bytes) -> None:
    """Write ``png`` to ``out`` atomically, readable by its owner only: a map of a case shows
    evidence (where people were), so it is treated as an export, not a public file."""
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(
            f"there is no folder {folder} to write {out.name} into.", "Create it first."
        )
    handle, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(png)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, out)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
