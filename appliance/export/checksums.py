"""``SHA256SUMS``: the file ``sha256sum -c`` checks, in GNU coreutils' own format."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sums_text(root: Path, names: Iterable[str]) -> str:
    """One ``HASH  NAME`` line per file (binary-safe: the hash is of the bytes), sorted by name.

    Names are the export's own (plain ASCII, no spaces or backslashes), so no line needs the
    escaping coreutils applies to awkward names.
    """
    return "".join(f"{file_sha256(root / name)}  {name}\n" for name in sorted(set(names)))
