"""Zip archives found in evidence: each member acquired as an exhibit of its own.

Members are read from the sealed copy of the archive, in place: nothing is extracted to disk,
and a member's name (which may be ``../../etc/passwd`` or carry control characters) is only
ever data, shown escaped, never a path. A member is stored once, inside its archive's sealed
file; its exhibit records the archive and the member's name, and ``verify`` re-reads it from
there. Limits stop zip bombs: members per archive, bytes per member and per archive, the
expansion ratio, and the nesting depth.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, BinaryIO

from appliance.custody.ledger import Ledger
from appliance.errors import InputTooLarge
from appliance.parsers.base import ZIP_ERRORS, Probe
from appliance.textsafe import shown

if TYPE_CHECKING:
    from appliance.store.loader import Pending

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 4 * 1024**3
MAX_ARCHIVE_BYTES = 16 * 1024**3
MAX_RATIO = 200
MAX_DEPTH = 3
_PIECE = 1024 * 1024


@dataclass
class Archive:
    pending: Pending
    stream: BinaryIO
    depth: int


def is_archive(probe: Probe) -> bool:
    """A zip no parser claims as a whole (UFDR, KMZ and XLSX are parsed as containers)."""
    return probe.head.startswith(b"PK\x03\x04") and not probe.gzipped


def _limit(message: str) -> InputTooLarge:
    return InputTooLarge(message, "The member was recorded and not read further.")


def _hash_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, int]:
    """Hash a member as it inflates, stopping at the first limit it crosses."""
    if info.flag_bits & 0x1:
        raise _limit("the member is encrypted and cannot be read without its password.")
    ceiling = min(MAX_MEMBER_BYTES, max(info.compress_size, 1) * MAX_RATIO)
    if info.file_size > ceiling:
        raise _limit(
            f"the member claims {info.file_size:,} bytes from {info.compress_size:,}: over "
            f"the {MAX_RATIO}:1 expansion or {MAX_MEMBER_BYTES:,}-byte limit (a zip bomb?)."
        )
    digest = hashlib.sha256()
    size = 0
    with archive.open(info) as member:
        while piece := member.read(_PIECE):
            size += len(piece)
            if size > ceiling:
                raise _limit(
                    f"the member inflates past {ceiling:,} bytes: over the {MAX_RATIO}:1 "
                    "expansion limit (a zip bomb)."
                )
            digest.update(piece)
    return digest.hexdigest(), size


def expand(
    archive: Archive, ledger: Ledger, actor: str, say: Callable[[str], None]
) -> Iterator[tuple[Pending, BinaryIO]]:
    """Acquire each member as an exhibit and yield it, opened, for parsing."""
    parent = archive.pending
    if archive.depth >= MAX_DEPTH:
        _refuse(ledger, actor, parent, f"archives nested deeper than {MAX_DEPTH} are not opened")
        say(f"{parent.ref}: archive nested too deep; members not opened")
        return
    try:
        archive.stream.seek(0)
        zipped = zipfile.ZipFile(archive.stream)
        members = [info for info in zipped.infolist() if not info.is_dir()]
    except ZIP_ERRORS as exc:
        _refuse(ledger, actor, parent, f"the archive cannot be read ({exc})")
        return
    if len(members) > MAX_MEMBERS:
        _refuse(
            ledger,
            actor,
            parent,
            f"{len(members):,} members: over the {MAX_MEMBERS:,}-member limit; none opened",
        )
        say(f"{parent.ref}: too many members ({len(members):,}); none opened")
        return
    already = {
        e.details.get("member"): e
        for e in ledger.entries(action="extracted")
        if e.details.get("parent") == parent.ref
    }
    total = 0
    for number, info in enumerate(members, start=1):
        ref = f"{parent.ref}.{number}"
        path = f"{parent.path}!{info.filename}"
        try:
            sha, size = _hash_member(zipped, info)
            total += size
            if total > MAX_ARCHIVE_BYTES:
                raise _limit(f"the archive inflates past {MAX_ARCHIVE_BYTES:,} bytes in all.")
        except InputTooLarge as exc:
            _refuse(ledger, actor, parent, exc.message, member=info.filename)
            say(f"{ref} {shown(path)}: not acquired: {exc.message}")
            continue
        except ZIP_ERRORS as exc:
            _refuse(ledger, actor, parent, f"the member cannot be read ({exc})", info.filename)
            continue
        if info.filename not in already:
            ledger.append(
                "extracted",
                actor,
                exhibit=ref,
                origin=f"{parent.ref}!{info.filename}",
                sha256=sha,
                size=size,
                details={
                    "parent": parent.ref,
                    "member": info.filename,
                    "chain": [*parent.chain, info.filename],
                    "root": parent.root,
                    "path": path,
                },
            )
        say(f"{ref} {shown(path)}: {size:,} bytes, member of {parent.ref}")
        child = replace(
            parent,
            ref=ref,
            sha256=sha,
            size=size,
            path=path,
            parent=parent.ref,
            member=info.filename,
            chain=(*parent.chain, info.filename),
        )
        with zipped.open(info) as member:
            yield child, member  # type: ignore[misc]


def _refuse(
    ledger: Ledger, actor: str, parent: Pending, reason: str, member: str | None = None
) -> None:
    ledger.append(
        "not acquired",
        actor,
        exhibit=None,
        origin=f"{parent.ref}!{member}" if member else parent.ref,
        details={"parent": parent.ref, "member": member, "reason": reason},
    )
