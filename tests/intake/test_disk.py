"""Sticks and disk images read through The Sleuth Kit: every file, byte for byte, never written.

Images are made by the real tools (mkfs.*, mtools, the exFAT and NTFS FUSE drivers, sfdisk,
sgdisk); expected hashes come from the host's own ``sha256sum`` of the source files.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.intake.disk import (
    DeviceIdentity,
    Disk,
    DiskFile,
    DiskReadError,
    DiskSkipped,
    DiskStopped,
    NotADisk,
    WalkLimits,
    looks_like_disk,
)
from appliance.textsafe import shown

from . import images
from .images import MiB

BIG = random.Random(20260715).randbytes(1_300_000)  # more than one 1 MiB read
CONTENT = {
    "hello.txt": b"hello, stick\n",
    "empty.txt": b"",
    "docs/report.csv": b"number,called\n" + b"07700900123,07700900456\n" * 40,
    "docs/deep/nested/data.bin": BIG,
}
FS_KINDS = ["FAT12", "FAT16", "FAT32", "exFAT", "NTFS", "ext2", "ext3", "ext4", "ISO9660"]
SCHEMES = ["none", "mbr", "gpt"]
EXT_UUID = "2f1c6f0e-5d0a-4a53-9d3c-7b1e0c9a4f11"
LABELS = {
    "FAT12": "FAT12STICK",
    "FAT16": "FAT16STICK",
    "FAT32": "FAT32STICK",
    "exFAT": "EXSTICK",
    "NTFS": "NTSTICK",
    "ext2": "EXT2STICK",
    "ext3": "EXT3STICK",
    "ext4": "EXT4STICK",
    "ISO9660": "ISOSTICK",
}


def _build(kind: str, folder: Path) -> Path:
    label = LABELS[kind]
    if kind.startswith("FAT"):
        return images.fat_image(folder, CONTENT, fat=int(kind[3:]), label=label)
    if kind == "exFAT":
        return images.exfat_image(folder, CONTENT, label=label)
    if kind == "NTFS":
        return images.ntfs_image(folder, CONTENT, label=label)
    if kind.startswith("ext"):
        return images.ext_image(folder, CONTENT, kind=kind, label=label, fs_uuid=EXT_UUID)
    return images.iso_image(folder, CONTENT, label=label)


class Built:
    """Each file system image made once per run; tests copy what they will modify."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, Path] = {}

    def __call__(self, kind: str) -> Path:
        if kind not in self.cache:
            # A fresh folder per attempt: a build that skipped may have left files behind.
            folder = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=self.root))
            self.cache[kind] = _build(kind, folder)
        return self.cache[kind]

    def disk(self, kind: str, scheme: str) -> Path:
        image = self(kind)
        if scheme == "none":
            return image
        out = f"{kind}-{scheme}.img"
        if not (image.parent / out).exists():
            images.partitioned(image.parent, [image], scheme, names=["evidence"], out=out)
        return image.parent / out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(tmp_path_factory.mktemp("images"))


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    src = images.write_tree(tmp_path_factory.mktemp("source"), CONTENT)
    return {f"/{rel}": (len(data), images.sha256sum(src / rel)) for rel, data in CONTENT.items()}


def listing(disk: Disk) -> dict[str, tuple[int, str]]:
    out = {}
    for entry in disk.files():
        assert isinstance(entry, DiskFile), entry
        with entry.open() as handle:
            out[entry.path] = (entry.size, hashlib.sha256(handle.read()).hexdigest())
    return out


def read_only_fds(image: Path) -> list[int]:
    """Access modes of every descriptor this process holds on the image (from fdinfo)."""
    modes = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target == str(image.resolve()):
            flags = Path(f"/proc/self/fdinfo/{fd}").read_text().split("flags:")[1].split()[0]
            modes.append(int(flags, 8) & os.O_ACCMODE)
    return modes


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", FS_KINDS)
def test_every_file_read_exactly_and_the_image_never_written(
    built: Built, expected: dict[str, tuple[int, str]], kind: str, scheme: str
) -> None:
    image = built.disk(kind, scheme)
    before = images.sha256sum(image)
    with Disk.open(image) as disk:
        assert read_only_fds(image) == [os.O_RDONLY]
        assert disk.scheme == scheme
        assert disk.anomalies == []
        assert [fs.type for fs in disk.filesystems] == [kind]
        fs = disk.filesystems[0]
        assert fs.label == LABELS[kind]
        assert fs.anomalies == ()
        volume = fs.volume
        if scheme == "none":
            assert (volume.index, volume.start, volume.scheme) == (0, 0, "none")
        else:
            assert (volume.index, volume.start, volume.scheme) == (1, MiB, scheme)
            assert volume.description == ("evidence" if scheme == "gpt" else "Linux (0x83)")
            assert volume.length >= built(kind).stat().st_size
            assert disk.volumes == [volume]
        assert listing(disk) == expected
    assert read_only_fds(image) == []
    assert images.sha256sum(image) == before


@pytest.mark.parametrize("kind", FS_KINDS)
def test_file_system_identifier_matches_the_tools(built: Built, kind: str) -> None:
    image = built(kind)
    with Disk.open(image) as disk:
        fs = disk.filesystems[0]
    assert fs.uuid is not None
    from_blkid = images.blkid(image, "UUID")
    if from_blkid is not None:
        assert fs.uuid == from_blkid
    if kind.startswith("FAT"):
        assert fs.uuid == "1234-ABCD"  # mkfs.vfat -i 1234ABCD
    elif kind.startswith("ext"):
        assert fs.uuid == EXT_UUID
    if kind.startswith("ext") and images.blkid(image, "TYPE") is not None:
        assert fs.type == images.blkid(image, "TYPE")
    assert json.loads(json.dumps(fs.as_json()))["uuid"] == fs.uuid


def test_stream_seeks_and_reads_across_the_chunk_boundary(built: Built) -> None:
    with Disk.open(built("NTFS")) as disk:
        (data,) = [f for f in disk.files() if isinstance(f, DiskFile) and f.size == len(BIG)]
        with data.open() as handle:
            assert handle.seekable() and handle.readable() and not handle.writable()
            handle.seek(MiB - 10)
            assert handle.read(100) == BIG[MiB - 10 : MiB + 90]
            handle.seek(-5, os.SEEK_END)
            assert handle.read() == BIG[-5:]
            assert handle.read() == b""


def test_two_partitions_and_an_unformatted_one(built: Built, tmp_path: Path) -> None:
    blank = tmp_path / "blank.img"
    blank.write_bytes(bytes(MiB))
    disk_path, starts = images.partitioned(
        tmp_path, [built("FAT16"), built("ext4"), blank], "gpt", names=["one", "two", "three"]
    )
    with Disk.open(disk_path) as disk:
        assert [v.start for v in disk.volumes] == starts
        assert [v.description for v in disk.volumes] == ["one", "two", "three"]
        assert [(fs.volume.index, fs.type) for fs in disk.filesystems] == [
            (1, "FAT16"),
            (2, "ext4"),
        ]
        assert len(disk.anomalies) == 1
        assert "partition 3" in disk.anomalies[0] and "no file system" in disk.anomalies[0]
        files = [f for f in disk.files() if isinstance(f, DiskFile)]
        assert [(f.filesystem.type, f.path) for f in files if f.path == "/hello.txt"] == [
            ("FAT16", "/hello.txt"),
            ("ext4", "/hello.txt"),
        ]
        # The file limit covers the whole disk, not each file system.
        walked = list(disk.files(WalkLimits(max_files=5)))
        assert sum(isinstance(f, DiskFile) for f in walked) == 5
        assert isinstance(walked[-1], DiskStopped)


def test_logical_partition_inside_an_extended_one(built: Built, tmp_path: Path) -> None:
    disk_path = tmp_path / "logical.img"
    with disk_path.open("wb") as handle:
        handle.truncate(24 * MiB)
    # Sectors: a primary partition, then an extended one holding a single logical partition.
    table = "label: dos\nstart=2048, size=16384, type=c\nstart=18432, size=28672, type=5\n"
    table += "start=20480, size=16384, type=83\n"
    images.run(images.tool("sfdisk"), "-q", disk_path, stdin=table)
    for image, sector in ((built("FAT16"), 2048), (built("ext4"), 20480)):
        images.run(
            images.tool("dd"),
            f"if={image}",
            f"of={disk_path}",
            "bs=512",
            f"seek={sector}",
            "conv=notrunc",
            "status=none",
        )
    with Disk.open(disk_path) as disk:
        assert disk.scheme == "mbr"
        assert [(v.index, v.start) for v in disk.volumes] == [(1, MiB), (2, 10 * MiB)]
        assert [fs.type for fs in disk.filesystems] == ["FAT16", "ext4"]
        assert disk.anomalies == []


@pytest.mark.parametrize(
    ("kind", "make_dirty", "words"),
    [
        ("ext4", None, "ext4 journal needs recovery"),
        ("FAT16", lambda p: images.set_fat_dirty(p, "boot"), "FAT dirty bit set"),
        ("FAT32", lambda p: images.set_fat_dirty(p, "fat"), "FAT dirty bit set"),
        ("exFAT", images.set_exfat_dirty, "exFAT VolumeDirty flag set"),
        ("NTFS", images.set_ntfs_dirty, "NTFS volume marked dirty"),
    ],
)
def test_dirty_volumes_are_reported(
    built: Built,
    tmp_path: Path,
    kind: str,
    make_dirty: Callable[[Path], None] | None,
    words: str,
) -> None:
    if make_dirty is None:
        image = images.ext_image(tmp_path, {"a.txt": b"a"}, dirty=True)
    else:
        image = tmp_path / "dirty.img"
        shutil.copyfile(built(kind), image)
        make_dirty(image)
    with Disk.open(image) as disk:
        (fs,) = disk.filesystems
        assert [a for a in fs.anomalies if a.startswith(words)], fs.anomalies
        if kind == "ext4":
            assert "a kernel mount would replay it" in fs.anomalies[0]
        else:
            assert len(listing(disk)) == len(CONTENT)  # still fully readable


def _links(src: Path) -> None:
    (src / "passwd").symlink_to("/etc/passwd")
    (src / "loop").symlink_to(".")
    (src / "docs" / "up").symlink_to("../hello.txt")
    os.mkfifo(src / "pipe")


def test_links_are_not_followed_and_special_files_skipped(tmp_path: Path) -> None:
    image = images.ext_image(tmp_path, CONTENT, prepare=_links)
    with Disk.open(image) as disk:
        entries = list(disk.files())
    skipped = {e.path: e.reason for e in entries if isinstance(e, DiskSkipped)}
    assert skipped == {
        "/passwd": "symbolic link not followed",
        "/loop": "symbolic link not followed",
        "/docs/up": "symbolic link not followed",
        "/pipe": "special file",
    }
    paths = [e.path for e in entries if isinstance(e, DiskFile)]
    assert sorted(paths) == sorted(f"/{rel}" for rel in CONTENT)


ODD = ["evil\x1b[31mred.txt", "gnp.\u202etxt", "tab\there", "new\nline"]


def _odd_names(src: Path) -> None:
    for i, name in enumerate(ODD):
        (src / name).write_bytes(f"odd {i}".encode())
    with open(os.path.join(os.fsencode(src), b"bad\xff.bin"), "wb") as handle:
        handle.write(b"not utf-8")


def test_names_are_kept_raw(tmp_path: Path) -> None:
    image = images.ext_image(tmp_path, {}, prepare=_odd_names)
    with Disk.open(image) as disk:
        files = {f.path: f for f in disk.files() if isinstance(f, DiskFile)}
        assert set(files) == {f"/{n}" for n in ODD} | {"/bad\udcff.bin"}
        for i, name in enumerate(ODD):
            with files[f"/{name}"].open() as handle:
                assert handle.read() == f"odd {i}".encode()
        with files["/bad\udcff.bin"].open() as handle:
            assert handle.read() == b"not utf-8"
    assert "/bad\udcff.bin".encode("utf-8", "surrogateescape") == b"/bad\xff.bin"
    assert shown("/gnp.\u202etxt") == "/gnp.\\u202etxt"  # display escaping is textsafe's job


def _nest(src: Path) -> None:
    folder = src
    for level in range(1, 7):
        folder = folder / f"d{level}"
        folder.mkdir()
        (folder / f"at{level}.txt").write_bytes(b"x" * level)


def test_nesting_beyond_the_depth_limit_is_skipped(tmp_path: Path) -> None:
    image = images.ext_image(tmp_path, {}, prepare=_nest)
    with Disk.open(image) as disk:
        entries = list(disk.files(WalkLimits(max_depth=3)))
        unlimited = [e.path for e in disk.files() if isinstance(e, DiskFile)]
    assert [e.path for e in entries if isinstance(e, DiskFile)] == [
        "/d1/at1.txt",
        "/d1/d2/at2.txt",
        "/d1/d2/d3/at3.txt",
    ]
    assert [e for e in entries if isinstance(e, DiskSkipped)] == [
        DiskSkipped("/d1/d2/d3/d4", "folder nested more than 3 levels deep: not listed")
    ]
    assert len(unlimited) == 6


def test_directory_loop_is_not_followed(tmp_path: Path) -> None:
    image = images.ext_image(tmp_path, {"d1/d2/f.txt": b"f"})
    # A second name for a folder inside itself, as a damaged or crafted file system has.
    images.run(images.tool("debugfs"), "-w", "-R", "link /d1 /d1/d2/back", image)
    with Disk.open(image) as disk:
        entries = list(disk.files())
    assert [e.path for e in entries if isinstance(e, DiskFile)] == ["/d1/d2/f.txt"]
    assert [e for e in entries if isinstance(e, DiskSkipped)] == [
        DiskSkipped("/d1/d2/back", "directory loop: folder already listed")
    ]


def test_more_files_than_the_limit_stops_the_walk(tmp_path: Path) -> None:
    files = {f"many/{i:03d}.txt": str(i).encode() for i in range(300)}
    image = images.ext_image(tmp_path, files)
    with Disk.open(image) as disk:
        entries = list(disk.files(WalkLimits(max_files=100)))
    assert len(entries) == 101
    assert [e.path for e in entries[:100] if isinstance(e, DiskFile)] == [
        f"/many/{i:03d}.txt" for i in range(100)
    ]
    assert entries[-1] == DiskStopped("more than 100 files: stopped at the limit (--max-files)")


def test_crowded_folder_is_cut_at_the_entry_limit(tmp_path: Path) -> None:
    image = images.ext_image(tmp_path, {f"crowd/{i:02d}": b"c" for i in range(50)})
    with Disk.open(image) as disk:
        entries = list(disk.files(WalkLimits(max_entries_per_dir=10)))
    assert sum(isinstance(e, DiskFile) for e in entries) == 10
    assert (
        DiskSkipped("/crowd", "more than 10 entries in one folder: the rest were not listed")
        in entries
    )


def _huge(src: Path) -> None:
    with (src / "huge.bin").open("wb") as handle:
        handle.truncate(100 * 1024**3)


def test_sparse_100_gib_file_is_skipped_by_size(tmp_path: Path) -> None:
    image = images.ext_image(tmp_path, {"small.txt": b"s"}, prepare=_huge)
    assert image.stat().st_size == 8 * MiB  # mke2fs -d copied the hole, not 100 GiB of zeros
    with Disk.open(image) as disk:
        entries = list(disk.files())
    assert DiskSkipped("/huge.bin", "larger than the 64 GiB per-file limit (100 GiB)") in entries
    assert [e.path for e in entries if isinstance(e, DiskFile)] == ["/small.txt"]


@pytest.mark.parametrize("kind", ["ext4", "FAT16"])
def test_truncated_image_raises_a_read_error_not_zeros(tmp_path: Path, kind: str) -> None:
    data = random.Random(kind).randbytes(3 * MiB)
    if kind == "ext4":
        whole = images.ext_image(tmp_path, {"big.bin": data})
    else:
        whole = images.fat_image(tmp_path, {"big.bin": data}, fat=16)
    start = whole.read_bytes().find(data[:4096])
    assert start > 0
    cut = start + 2 * MiB + 12_345  # the stick was pulled two thirds of the way through
    short = images.truncated_copy(whole, tmp_path / "pulled.img", cut)
    with Disk.open(short) as disk:
        (fs,) = disk.filesystems
        assert any("truncated" in a for a in fs.anomalies), fs.anomalies
        (big,) = [f for f in disk.files() if isinstance(f, DiskFile)]
        got = b""
        with pytest.raises(DiskReadError) as caught, big.open() as handle:
            while chunk := handle.read(64 * 1024):
                got += chunk
    error = caught.value
    assert error.path == "/big.bin"
    assert 0 < error.offset <= cut - start
    assert got == data[: len(got)]  # what was read is real; nothing past the cut was invented
    assert "/big.bin" in str(error) and f"{error.offset:,}" in str(error)
    assert "truncated" in error.reason


def test_truncated_partition_is_reported(built: Built, tmp_path: Path) -> None:
    disk_path, starts = images.partitioned(tmp_path, [built("ext4")], "mbr")
    short = images.truncated_copy(disk_path, tmp_path / "short.img", starts[0] + 3 * MiB)
    with Disk.open(short) as disk:
        assert any("runs past the end of the device" in a for a in disk.anomalies)


def test_closed_disk_reads_nothing(built: Built) -> None:
    with Disk.open(built("ext4")) as disk:
        files = [f for f in disk.files() if isinstance(f, DiskFile) and f.size]
    assert files[0].size > 0
    with pytest.raises(DiskReadError, match="closed"):
        files[0].open().read()


def _data_files(folder: Path) -> Iterator[Path]:
    csv = folder / "calls.csv"
    csv.write_text("number,called,start\n07700900123,07700900456,2024-01-01T10:00:00Z\n" * 500)
    yield csv
    js = folder / "records.json"
    js.write_text(json.dumps({"locations": [{"lat": 51.5, "lng": -0.1}] * 500}))
    yield js
    zipped = folder / "export.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("calls.csv", csv.read_text())
    yield zipped
    noise = folder / "noise.bin"
    noise.write_bytes(random.Random(3).randbytes(MiB))
    yield noise
    empty = folder / "empty"
    empty.write_bytes(b"")
    yield empty


def test_looks_like_disk(built: Built, tmp_path: Path) -> None:
    for path in _data_files(tmp_path):
        assert not looks_like_disk(path), path
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert not looks_like_disk(fifo)  # and it did not hang waiting for a writer
    assert not looks_like_disk(tmp_path)
    assert not looks_like_disk(tmp_path / "missing")
    for kind in FS_KINDS:
        assert looks_like_disk(built(kind)), kind
    assert looks_like_disk(built.disk("ext4", "mbr"))
    assert looks_like_disk(built.disk("FAT16", "gpt"))


def test_not_a_disk(built: Built, tmp_path: Path) -> None:
    for path in _data_files(tmp_path):
        with pytest.raises(NotADisk):
            Disk.open(path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(NotADisk):
        Disk.open(fifo)
    with pytest.raises(NotADisk):
        Disk.open(tmp_path)
    link = tmp_path / "stick.img"
    link.symlink_to(built("ext4"))
    with pytest.raises(NotADisk, match="symbolic link"):
        Disk.open(link)
    assert read_only_fds(built("ext4")) == []  # nothing left open by the failures


def test_identity_of_an_image(built: Built) -> None:
    image = built("ext4")
    with Disk.open(image) as disk:
        identity = disk.identity
    size = image.stat().st_size
    assert identity == DeviceIdentity(str(image), "disk image", size, None, None, None)
    assert identity.key() == f"path:{image}:{size}"
    assert json.loads(json.dumps(identity.as_json()))["size"] == size
    stick = DeviceIdentity("/dev/sdb", "block device", size, "SanDisk", "Cruzer", "4C53")
    assert stick.key() == f"serial:4C53:{size}"
    assert stick.key() == DeviceIdentity("/dev/sdc", "block device", size, None, None, "4C53").key()


def test_block_device(built: Built, expected: dict[str, tuple[int, str]]) -> None:
    image = built("ext4")
    losetup = images.tool("losetup")
    attach = subprocess.run(
        [losetup, "-f", "--show", "-r", str(image)], capture_output=True, text=True
    )
    if attach.returncode != 0:
        pytest.skip(f"no loop device available ({attach.stderr.strip()}): needs root")
    device = Path(attach.stdout.strip())
    try:
        assert looks_like_disk(device)
        with Disk.open(device) as disk:
            assert disk.identity.kind == "block device"
            assert disk.identity.size == image.stat().st_size
            assert disk.identity.key().endswith(f":{image.stat().st_size}")
            assert listing(disk) == expected
    finally:
        subprocess.run([losetup, "-d", str(device)], capture_output=True)


WHEN = datetime(2024, 2, 29, 12, 34, 56, tzinfo=UTC)


def _stamp(src: Path) -> None:
    for path in src.rglob("*"):
        os.utime(path, (WHEN.timestamp(), WHEN.timestamp()))


@pytest.mark.parametrize("kind", ["ext4", "FAT16", "ISO9660"])
def test_modified_time_is_utc(tmp_path: Path, kind: str) -> None:
    files = {"dated.txt": b"when"}
    if kind == "ext4":
        image = images.ext_image(tmp_path, files, prepare=_stamp)
    elif kind == "FAT16":
        image = images.fat_image(tmp_path, files, fat=16, prepare=_stamp)
    else:
        image = images.iso_image(tmp_path, files, prepare=_stamp)
    with Disk.open(image) as disk:
        (dated,) = [f for f in disk.files() if isinstance(f, DiskFile)]
    assert dated.modified == WHEN
