"""Installing tile packs under the appliance home, and listing what they cover.

A pack is copied to ``HOME/_tiles/NAME.mbtiles`` under a temporary name, the copy (not the
original, which could change under us) is validated as a raster MBTiles file, flushed, and
renamed into place: a hostile or broken file is refused with its reason and leaves nothing
behind.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import tempfile
from pathlib import Path

from appliance.errors import TilePackExists, TilePackInvalid
from appliance.maps.tiles import (
    PackInfo,
    check_magic,
    check_name,
    inspect,
    installed,
    tiles_folder,
)
from appliance.store.home import Home

CHUNK = 1 << 20


def import_pack(
    home: Home, source: Path, *, name: str | None = None, replace: bool = False
) -> PackInfo:
    pack_name = check_name(name or source.name.removesuffix(".mbtiles"))
    try:
        mode = source.stat().st_mode
    except OSError as exc:
        raise TilePackInvalid(
            f"cannot read {source}: {exc.strerror}.", "Check the path and try again."
        ) from None
    if not stat.S_ISREG(mode):
        raise TilePackInvalid(f"{source} is not a regular file.", "Give an .mbtiles file.")
    try:  # refuse the obviously wrong before copying anything
        check_magic(source, source.name)
    except TilePackInvalid as exc:
        raise TilePackInvalid(exc.message, f"Nothing was installed. {exc.hint}") from None
    folder = tiles_folder(home)
    final = folder / f"{pack_name}.mbtiles"
    if final.exists() and not replace:
        raise TilePackExists(
            f"a tile pack called {pack_name} is already installed.",
            "Use --name to install it under another name, or --replace to replace it.",
        )
    folder.mkdir(parents=True, exist_ok=True, mode=0o755)
    handle, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{pack_name}.", suffix=".partial")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as src:
            while chunk := src.read(CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        info = inspect(temp, pack_name, deep=True, label=source.name)
        temp.chmod(0o644)
        os.replace(temp, final)
        _fsync_folder(folder)
    except TilePackInvalid as exc:
        temp.unlink(missing_ok=True)
        raise TilePackInvalid(exc.message, f"Nothing was installed. {exc.hint}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return dataclasses.replace(info, path=final)


def list_packs(home: Home) -> tuple[list[PackInfo], list[str]]:
    """Every installed pack, and a reason for each one that no longer opens (maps leave it
    out; the list says so rather than hiding it)."""
    packs: list[PackInfo] = []
    problems: list[str] = []
    for path in installed(home):
        try:
            packs.append(inspect(path, path.stem))
        except TilePackInvalid as exc:
            problems.append(exc.message)
    return packs, problems


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
