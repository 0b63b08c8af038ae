"""Reading a member of a zip archive in place, from the archive's own stream."""

from __future__ import annotations

import zipfile
from typing import BinaryIO, cast


def open_member(stream: BinaryIO, name: str) -> BinaryIO:
    """A member of the zip in ``stream``, streamed (seekable when ``stream`` is).

    The ``ZipFile`` is not closed here: it was handed a stream, so closing it would not close
    ``stream``, and the member keeps what it needs of it alive until the member is closed.
    """
    archive = zipfile.ZipFile(stream)
    return cast(BinaryIO, archive.open(name))
