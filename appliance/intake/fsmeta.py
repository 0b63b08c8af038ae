"""What a file system says about itself: type, label, identifier and whether it was left dirty.

Read from the raw superblocks through the same read-only descriptor TSK uses, because TSK does
not expose labels, serials or dirty flags. A dirty flag matters to an examiner: a kernel mount
would replay or repair the volume and so change the evidence, which is why we never mount.
Every parser tolerates short or garbage input (a truncated image, a crafted stick) and then
reports less, never raises.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytsk3

Reader = Callable[[int, int], bytes]

LABEL_ENTRY_SUFFIX = " (Volume Label Entry)"
# TSK's names for exFAT directory entries that are file system structures, not files.
_EXFAT_STRUCTURES = {
    "$ALLOC_BITMAP",
    "$UPCASE_TABLE",
    "$TEX_FAT",
    "$ACCESS_CONTROL_TABLE",
    "$VOLUME_GUID",
    "$EMPTY_VOLUME_LABEL",
}
# NTFS keeps its own metadata ($MFT, $LogFile, $Secure, $Extend...) as MFT entries 0-15.
_NTFS_FIRST_USER_ENTRY = 16

_FAT = {
    pytsk3.TSK_FS_TYPE_FAT12: "FAT12",
    pytsk3.TSK_FS_TYPE_FAT16: "FAT16",
    pytsk3.TSK_FS_TYPE_FAT32: "FAT32",
}
_OTHER = {
    pytsk3.TSK_FS_TYPE_NTFS: "NTFS",
    pytsk3.TSK_FS_TYPE_EXFAT: "exFAT",
    pytsk3.TSK_FS_TYPE_ISO9660: "ISO9660",
    pytsk3.TSK_FS_TYPE_HFS: "HFS+",
    pytsk3.TSK_FS_TYPE_APFS: "APFS",
    pytsk3.TSK_FS_TYPE_FFS1: "UFS1",
    pytsk3.TSK_FS_TYPE_FFS1B: "UFS1",
    pytsk3.TSK_FS_TYPE_FFS2: "UFS2",
    pytsk3.TSK_FS_TYPE_YAFFS2: "YAFFS2",
}
_EXT = {pytsk3.TSK_FS_TYPE_EXT2, pytsk3.TSK_FS_TYPE_EXT3, pytsk3.TSK_FS_TYPE_EXT4}


@dataclass(frozen=True)
class FsMeta:
    type: str
    label: str | None
    uuid: str | None
    anomalies: tuple[str, ...]


def describe(fs: Any, read: Reader, start: int) -> FsMeta:
    ftype = int(fs.info.ftype)
    if ftype in _FAT:
        meta = _fat(read, start, _FAT[ftype], _root_label(fs))
    elif ftype == pytsk3.TSK_FS_TYPE_EXFAT:
        meta = _exfat(read, start, _root_label(fs))
    elif ftype == pytsk3.TSK_FS_TYPE_NTFS:
        meta = _ntfs(fs, read, start)
    elif ftype in _EXT:
        meta = _ext(read, start)
    elif ftype == pytsk3.TSK_FS_TYPE_ISO9660:
        meta = _iso9660(read, start)
    else:
        meta = FsMeta(_OTHER.get(ftype, f"TSK type {ftype:#x}"), None, None, ())
    if int(fs.info.last_block_act) < int(fs.info.last_block):
        present = (int(fs.info.last_block_act) + 1) * int(fs.info.block_size)
        claimed = (int(fs.info.last_block) + 1) * int(fs.info.block_size)
        truncated = (
            f"{meta.type} file system claims {claimed:,} bytes but only {present:,} are present: "
            "the image is truncated or the stick was removed during copying"
        )
        meta = FsMeta(meta.type, meta.label, meta.uuid, (*meta.anomalies, truncated))
    return meta


def is_structure(ftype: int, name: str, addr: int, size: int) -> bool:
    """An entry at the root that TSK shows but that is file system metadata, not user evidence.

    Only called for the root folder. ``$RECYCLE.BIN`` and other user-visible ``$`` folders are
    kept: they are evidence.
    """
    if ftype in _FAT or ftype == pytsk3.TSK_FS_TYPE_EXFAT:
        if name.endswith(LABEL_ENTRY_SUFFIX) and size == 0:
            return True
        return ftype == pytsk3.TSK_FS_TYPE_EXFAT and name in _EXFAT_STRUCTURES
    if ftype == pytsk3.TSK_FS_TYPE_NTFS:
        return name.startswith("$") and addr < _NTFS_FIRST_USER_ENTRY
    return False


def modified_time(meta: Any, ftype: int) -> datetime | None:
    seconds, nanos = int(meta.mtime), int(getattr(meta, "mtime_nano", 0) or 0)
    if not seconds and ftype == pytsk3.TSK_FS_TYPE_ISO9660:
        # TSK puts an ISO 9660 directory record's only date (when it was recorded) in crtime.
        seconds, nanos = int(meta.crtime), int(getattr(meta, "crtime_nano", 0) or 0)
    if not seconds:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC).replace(microsecond=nanos // 1000 % 1_000_000)
    except (OverflowError, OSError, ValueError):
        return None


def has_signature(head: bytes) -> bool:
    """Cheap first look: a boot-sector/MBR signature, an ext superblock or an ISO descriptor."""
    return (
        head[510:512] == b"\x55\xaa"
        or head[1080:1082] == b"\x53\xef"
        or head[32769:32774] == b"CD001"
    )


def _u(data: bytes, offset: int, size: int) -> int:
    return int.from_bytes(data[offset : offset + size], "little")


def _serial32(value: int) -> str:
    return f"{value >> 16:04X}-{value & 0xFFFF:04X}"


def _root_label(fs: Any) -> str | None:
    """FAT and exFAT keep the label Windows shows in a root directory entry; TSK lists it."""
    try:
        for entry in fs.open_dir(path="/"):
            name = entry.info.name.name.decode("utf-8", "replace")
            live = int(entry.info.name.flags) & pytsk3.TSK_FS_NAME_FLAG_ALLOC
            if live and name.endswith(LABEL_ENTRY_SUFFIX):
                return name[: -len(LABEL_ENTRY_SUFFIX)].rstrip() or None
    except (OSError, AttributeError):
        pass
    return None


def _fat(read: Reader, start: int, kind: str, root_label: str | None) -> FsMeta:
    boot = read(start, 512)
    base = 0x40 if kind == "FAT32" else 0x24  # extended BPB: drive number, flags, signature...
    label = root_label
    serial = None
    anomalies: list[str] = []
    if len(boot) == 512 and boot[base + 2] in (0x28, 0x29):
        serial = _serial32(_u(boot, base + 3, 4))
        if label is None and boot[base + 2] == 0x29:
            bpb_label = boot[base + 7 : base + 18].decode("cp437").rstrip(" \x00")
            label = None if bpb_label in ("", "NO NAME") else bpb_label
    dirty = len(boot) == 512 and bool(boot[base + 1] & 0x01)  # Linux and Windows NT set this
    if kind != "FAT12" and len(boot) == 512:
        # The second FAT entry carries "clean shutdown" and "no hard error" bits (Windows 9x on).
        fat = start + _u(boot, 0x0E, 2) * _u(boot, 0x0B, 2)
        width = 4 if kind == "FAT32" else 2
        entry = _u(read(fat + width, width), 0, width)
        clean_bit, error_bit = (1 << 27, 1 << 26) if kind == "FAT32" else (1 << 15, 1 << 14)
        dirty = dirty or not entry & clean_bit
        if not entry & error_bit:
            anomalies.append(
                "FAT hard-error bit set: the last system to use the volume hit a disk I/O error"
            )
    if dirty:
        anomalies.insert(0, "FAT dirty bit set: the volume was not cleanly unmounted")
    return FsMeta(kind, label, serial, tuple(anomalies))


def _exfat(read: Reader, start: int, root_label: str | None) -> FsMeta:
    boot = read(start, 512)
    if len(boot) < 512:
        return FsMeta("exFAT", root_label, None, ())
    flags = _u(boot, 106, 2)
    anomalies = []
    if flags & 0x2:
        anomalies.append(
            "exFAT VolumeDirty flag set: the volume was not cleanly unmounted (a kernel mount "
            "would repair it and change the device)"
        )
    if flags & 0x4:
        anomalies.append("exFAT MediaFailure flag set: the stick has reported read/write errors")
    return FsMeta("exFAT", root_label, _serial32(_u(boot, 100, 4)), tuple(anomalies))


def _ntfs(fs: Any, read: Reader, start: int) -> FsMeta:
    boot = read(start, 512)
    serial = f"{_u(boot, 0x48, 8):016X}" if len(boot) == 512 else None
    label = None
    anomalies: list[str] = []
    try:
        volume = fs.open_meta(inode=3)  # $Volume
        for attr in volume:
            kind, size = int(attr.info.type), int(attr.info.size)
            if kind not in (0x60, 0x70) or size > 4096:
                continue
            data = volume.read_random(0, size, attr.info.type, attr.info.id)
            if kind == 0x60:  # $VOLUME_NAME
                label = data.decode("utf-16-le", "replace") or None
            elif len(data) >= 12 and _u(data, 10, 2) & 0x0001:  # $VOLUME_INFORMATION flags
                anomalies.append(
                    "NTFS volume marked dirty: it was not cleanly unmounted (Windows would run "
                    "chkdsk on it and change the device)"
                )
    except OSError:
        anomalies.append("NTFS $Volume could not be read: label and dirty flag unknown")
    return FsMeta("NTFS", label, serial, tuple(anomalies))


def _ext(read: Reader, start: int) -> FsMeta:
    sb = read(start + 1024, 1024)
    if len(sb) < 1024:
        return FsMeta("ext2", None, None, ("ext superblock could not be read",))
    state, compat = _u(sb, 58, 2), _u(sb, 92, 4)
    incompat, ro_compat = _u(sb, 96, 4), _u(sb, 100, 4)
    # extents, 64bit or flex_bg (incompat), or huge_file, gdt_csum, dir_nlink, extra_isize,
    # metadata_csum (ro_compat): features ext3 drivers refuse, so it is ext4.
    if incompat & (0x40 | 0x80 | 0x200) or ro_compat & (0x8 | 0x10 | 0x20 | 0x40 | 0x400):
        kind = "ext4"
    elif compat & 0x4:
        kind = "ext3"
    else:
        kind = "ext2"
    label = sb[120:136].split(b"\x00", 1)[0].decode("utf-8", "replace") or None
    raw_uuid = sb[104:120]
    anomalies = []
    if incompat & 0x4:
        anomalies.append(
            f"{kind} journal needs recovery: the volume was not cleanly unmounted (a kernel mount "
            "would replay it and change the device)"
        )
    elif not state & 0x1 and not compat & 0x4:
        anomalies.append(f"{kind} volume was not cleanly unmounted")
    if state & 0x2:
        anomalies.append(f"{kind} file system has recorded errors that fsck has not repaired")
    return FsMeta(
        kind, label, str(uuid.UUID(bytes=raw_uuid)) if any(raw_uuid) else None, tuple(anomalies)
    )


def _iso9660(read: Reader, start: int) -> FsMeta:
    for sector in range(16, 48):  # volume descriptors run until the terminator (type 255)
        desc = read(start + sector * 2048, 2048)
        if len(desc) < 2048 or desc[1:6] != b"CD001" or desc[0] == 255:
            break
        if desc[0] == 1:
            label = desc[40:72].decode("ascii", "replace").rstrip(" \x00") or None
            # As blkid shows it: the modification date, else the creation date.
            stamp = _iso_date(desc[830:847]) or _iso_date(desc[813:830])
            return FsMeta("ISO9660", label, stamp, ())
    return FsMeta("ISO9660", None, None, ("ISO 9660 primary volume descriptor not found",))


def _iso_date(raw: bytes) -> str | None:
    digits = raw[:16].decode("ascii", "replace")
    if not digits.isdigit() or not digits.strip("0"):
        return None
    parts = (digits[0:4], digits[4:6], digits[6:8], digits[8:10], digits[10:12], digits[12:14])
    return "-".join((*parts, digits[14:16]))
