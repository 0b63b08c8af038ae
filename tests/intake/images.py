"""Real disk images, made with the real tools, for the stick-reading tests.

Each builder writes its image under a given folder from a ``{relative path: bytes}`` mapping
(nested folders included) and skips the calling test, saying why, when a tool or a capability
(loop devices, FUSE) is missing. ``make system-deps`` installs the tools; CI runs as root.

exFAT and NTFS have no "populate from a folder" option, so they are written through their FUSE
drivers on a loop device, run in the foreground so that unmounting waits for every byte to
reach the image.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import struct
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest

MiB = 1024 * 1024
Files = Mapping[str, bytes]


def tool(name: str) -> str:
    found = shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if found is None:
        pytest.skip(f"{name} is not installed (make system-deps installs it)")
    return found


def run(*args: str | Path, env: Mapping[str, str] | None = None, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env} if env else None,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def write_tree(root: Path, files: Files) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def sha256sum(path: Path) -> str:
    """The host's own sha256sum, independent of the code under test."""
    return run(tool("sha256sum"), path).split()[0]


def blkid(path: Path, tag: str) -> str | None:
    if shutil.which("blkid", path="/usr/sbin:/sbin:/usr/bin:/bin") is None:
        return None
    done = subprocess.run(
        [tool("blkid"), "-p", "-o", "value", "-s", tag, str(path)], capture_output=True, text=True
    )
    return done.stdout.strip() or None


def _folders(files: Files) -> list[str]:
    folders = {str(Path(rel).parents[i]) for rel in files for i in range(len(Path(rel).parts) - 1)}
    return sorted(folders, key=lambda f: (f.count("/"), f))


# FAT12 must stay under 4,085 clusters and FAT32 over 65,525: size and cluster size chosen so.
_FAT_GEOMETRY = {12: (4096, 8), 16: (8192, 1), 32: (34000, 1)}


def fat_image(
    folder: Path,
    files: Files,
    fat: int = 32,
    label: str = "STICK",
    volume_id: str = "1234ABCD",
    name: str | None = None,
    prepare: Callable[[Path], None] | None = None,
) -> Path:
    kib, per_cluster = _FAT_GEOMETRY[fat]
    image = folder / (name or f"fat{fat}.img")
    mkfs = tool("mkfs.vfat")
    run(
        mkfs,
        "-C",
        "-F",
        str(fat),
        "-s",
        str(per_cluster),
        "-n",
        label,
        "-i",
        volume_id,
        image,
        str(kib),
    )
    src = write_tree(folder / f"{image.stem}-src", files)
    if prepare is not None:
        prepare(src)
    env = {"MTOOLS_SKIP_CHECK": "1"}
    for sub in _folders(files):
        run(tool("mmd"), "-i", image, f"::/{sub}", env=env)
    for rel in files:
        run(tool("mcopy"), "-m", "-i", image, src / rel, f"::/{rel}", env=env)
    return image


@contextlib.contextmanager
def fuse_mounted(image: Path, driver: Sequence[str]) -> Iterator[Path]:
    """The image on a loop device, mounted by a FUSE driver kept in the foreground."""
    losetup = tool("losetup")
    attach = subprocess.run([losetup, "-f", "--show", str(image)], capture_output=True, text=True)
    if attach.returncode != 0:
        pytest.skip(f"no loop device available ({attach.stderr.strip()}): needs root")
    device = attach.stdout.strip()
    mountpoint = Path(tempfile.mkdtemp(prefix="mnt-", dir=image.parent))
    log = mountpoint.with_suffix(".log")
    try:
        # The read-only flag outlives a loop device's previous user (e.g. a test of the udev
        # rule, which runs blockdev --setro), so make sure the one we attached can be written.
        subprocess.run([tool("blockdev"), "--setrw", device], capture_output=True)
        if Path(f"/sys/block/{Path(device).name}/ro").read_text().strip() != "0":
            pytest.skip(f"{device} stays read-only: cannot write the test image through it")
        with log.open("wb") as sink:
            daemon = subprocess.Popen([*driver, device, str(mountpoint)], stdout=sink, stderr=sink)
        try:
            _wait_mounted(mountpoint, daemon, log)
            yield mountpoint
        finally:
            if daemon.poll() is None:
                subprocess.run([tool("umount"), str(mountpoint)], capture_output=True)
                try:
                    daemon.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    daemon.kill()
                    daemon.wait()
    finally:
        subprocess.run([losetup, "-d", device], capture_output=True)
        with contextlib.suppress(OSError):
            mountpoint.rmdir()


def _wait_mounted(mountpoint: Path, daemon: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if os.path.ismount(mountpoint):
            return
        if daemon.poll() is not None:
            pytest.skip(f"FUSE mount failed: {log.read_text(errors='replace')[-400:]}")
        time.sleep(0.02)
    daemon.kill()
    pytest.skip("FUSE mount did not appear within 15 s")


def _copy_into(mountpoint: Path, files: Files) -> None:
    for rel, data in files.items():
        target = mountpoint / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def exfat_image(folder: Path, files: Files, label: str = "EXSTICK", size: int = 8 * MiB) -> Path:
    image = folder / "exfat.img"
    with image.open("wb") as handle:
        handle.truncate(size)
    run(tool("mkfs.exfat"), "-L", label, image)
    if files:
        # -d keeps the driver in the foreground (its debug output goes to the log).
        with fuse_mounted(image, [tool("mount.exfat-fuse"), "-d"]) as mnt:
            _copy_into(mnt, files)
    return image


def ntfs_image(folder: Path, files: Files, label: str = "NTSTICK", size: int = 8 * MiB) -> Path:
    image = folder / "ntfs.img"
    with image.open("wb") as handle:
        handle.truncate(size)
    run(tool("mkntfs"), "-F", "-Q", "-L", label, image)
    if not files:
        return image
    flat = all("/" not in rel for rel in files)
    try:
        with fuse_mounted(image, [tool("ntfs-3g"), "-o", "no_detach"]) as mnt:
            _copy_into(mnt, files)
    except pytest.skip.Exception:
        if not flat:
            raise
        # Without FUSE, ntfscp can still add files to the root folder.
        src = write_tree(folder / "ntfs-src", files)
        for rel in files:
            run(tool("ntfscp"), "-f", image, src / rel, rel)
    return image


def ext_image(
    folder: Path,
    files: Files,
    kind: str = "ext4",
    label: str = "EXTSTICK",
    fs_uuid: str = "2f1c6f0e-5d0a-4a53-9d3c-7b1e0c9a4f11",
    dirty: bool = False,
    size: str = "8M",
    prepare: Callable[[Path], None] | None = None,
    name: str | None = None,
) -> Path:
    """``prepare`` adds what a mapping cannot hold (links, sparse files, odd names)."""
    image = folder / (name or f"{kind}.img")
    src = write_tree(folder / f"{image.stem}-src", files)
    if prepare is not None:
        prepare(src)
    run(tool("mke2fs"), "-q", "-F", "-t", kind, "-L", label, "-U", fs_uuid, "-d", src, image, size)
    if dirty:
        run(tool("debugfs"), "-w", "-R", "feature needs_recovery", image)
    return image


def iso_image(
    folder: Path,
    files: Files,
    label: str = "ISOSTICK",
    prepare: Callable[[Path], None] | None = None,
) -> Path:
    image = folder / "iso9660.img"
    src = write_tree(folder / "iso-src", files)
    if prepare is not None:
        prepare(src)
    run(tool("genisoimage"), "-quiet", "-R", "-J", "-V", label, "-o", image, src)
    return image


def partitioned(
    folder: Path,
    images: Sequence[Path],
    scheme: str = "mbr",
    names: Sequence[str] | None = None,
    out: str | None = None,
) -> tuple[Path, list[int]]:
    """A disk holding each image in its own partition, 1 MiB aligned; returns byte offsets."""
    disk = folder / (out or f"{scheme}-disk.img")
    starts, cursor = [], MiB
    sizes = [math.ceil(img.stat().st_size / MiB) * MiB for img in images]
    for size in sizes:
        starts.append(cursor)
        cursor += size
    with disk.open("wb") as handle:
        handle.truncate(cursor + MiB)  # room for GPT's backup table at the end
    if scheme == "mbr":
        table = "label: dos\n" + "".join(
            f"start={s // 512}, size={n // 512}, type=83\n"
            for s, n in zip(starts, sizes, strict=True)
        )
        run(tool("sfdisk"), "-q", disk, stdin=table)
    else:
        args: list[str | Path] = [tool("sgdisk"), "-o"]
        for i, (s, n) in enumerate(zip(starts, sizes, strict=True), start=1):
            args += ["-n", f"{i}:{s // 512}:{(s + n) // 512 - 1}", "-t", f"{i}:0700"]
            if names:
                args += ["-c", f"{i}:{names[i - 1]}"]
        run(*args, disk)
    for img, start in zip(images, starts, strict=True):
        seek = f"seek={start // MiB}"
        run(
            tool("dd"),
            f"if={img}",
            f"of={disk}",
            "bs=1M",
            seek,
            "conv=notrunc,sparse",
            "status=none",
        )
    return disk, starts


def truncated_copy(image: Path, target: Path, keep: int) -> Path:
    """The first ``keep`` bytes: what is left when a stick is pulled out mid-copy."""
    with image.open("rb") as src, target.open("wb") as dst:
        dst.write(src.read(keep))
    return target


def _patch(image: Path, offset: int, change: Callable[[int], int], width: int) -> None:
    fmt = {1: "<B", 2: "<H", 4: "<I"}[width]
    with image.open("r+b") as handle:
        handle.seek(offset)
        (value,) = struct.unpack(fmt, handle.read(width))
        handle.seek(offset)
        handle.write(struct.pack(fmt, change(value)))


# No tool sets these flags on an image (they are set by a kernel that crashes mid-write), so
# the tests flip the documented bits in place, exactly as a crashed system would leave them.


def set_fat_dirty(image: Path, where: str = "boot") -> None:
    """``boot``: the boot-sector flag Linux and Windows NT set while mounted; ``fat``: the
    "clean shutdown" bit in the second FAT entry (cleared while mounted by Windows)."""
    boot = image.read_bytes()[:512]
    fat32 = boot[0x52:0x5A] == b"FAT32   "
    if where == "boot":
        _patch(image, 0x41 if fat32 else 0x25, lambda v: v | 0x01, 1)
    else:
        fat = struct.unpack_from("<H", boot, 0x0E)[0] * struct.unpack_from("<H", boot, 0x0B)[0]
        width, bit = (4, 1 << 27) if fat32 else (2, 1 << 15)
        _patch(image, fat + width, lambda v: v & ~bit, width)


def set_exfat_dirty(image: Path) -> None:
    _patch(image, 106, lambda v: v | 0x2, 2)  # VolumeFlags.VolumeDirty, outside the checksum


def set_ntfs_dirty(image: Path) -> None:
    """Set VOLUME_IS_DIRTY in $Volume's $VOLUME_INFORMATION (MFT entry 3)."""
    data = image.read_bytes()
    sector = struct.unpack_from("<H", data, 0x0B)[0]
    cluster = sector * data[0x0D]
    raw = struct.unpack_from("<b", data, 0x40)[0]
    record_size = raw * cluster if raw > 0 else 1 << -raw
    entry = struct.unpack_from("<Q", data, 0x30)[0] * cluster + 3 * record_size
    attr = entry + struct.unpack_from("<H", data, entry + 0x14)[0]
    while (kind := struct.unpack_from("<I", data, attr)[0]) != 0xFFFFFFFF:
        if kind == 0x70:
            content = attr + struct.unpack_from("<H", data, attr + 0x14)[0]
            # The flags (content + 10) sit mid-sector, clear of the update-sequence fixups.
            _patch(image, content + 10, lambda v: v | 0x0001, 2)
            return
        attr += struct.unpack_from("<I", data, attr + 4)[0]
    raise AssertionError("no $VOLUME_INFORMATION in MFT entry 3")
