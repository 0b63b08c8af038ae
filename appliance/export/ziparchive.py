"""One zip of a bundle, the same bytes every time for the same files.

Entries are sorted by name, dated 1980-01-01 00:00 (the zip epoch), marked as regular files
readable by all, and deflated at zlib's default level: nothing about the machine, the clock or the
order files were written leaks into the archive, so two copies can be compared by hash.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from appliance.export.checksums import CHUNK
from appliance.export.folder import atomic_file

EPOCH = (1980, 1, 1, 0, 0, 0)


def write_zip(target: Path, root: Path, top: str, names: Iterable[str]) -> None:
    """Zip the files ``names`` under ``root`` into ``target``, inside a folder called ``top``."""
    with atomic_file(target) as temporary, zipfile.ZipFile(temporary, "w") as archive:
        for name in sorted(set(names)):
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permissions below are read
            info.external_attr = 0o100644 << 16
            with (root / name).open("rb") as source, archive.open(info, "w") as entry:
                while chunk := source.read(CHUNK):
                    entry.write(chunk)
