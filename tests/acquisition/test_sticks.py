"""USB sticks end to end through the real command line: images made by the real tools, read
without mounting, every file sealed, recorded, verified and parsed, the stick never written.

Each image comes from ``intake.images`` (mkfs.*, mtools, the exFAT and NTFS FUSE drivers,
genisoimage, sgdisk); a test skips, saying which tool, when one is missing. Expected hashes are
the host's own ``sha256sum`` of each file as written on the host, never the appliance's code.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from intake import images
from intake.images import MiB

from appliance.custody.ledger import Entry, Ledger

from .conftest import (
    CANARIES,
    CDR,
    LOCATIONS,
    NOTE,
    PASSPHRASE,
    REF,
    SUSPECT,
    VICTIM,
    Appliance,
    appliance_command,
    scan_for,
)

CLEAN = "OP-CLEAN-27"  # a second case, for a clean single intake to compare against
COMPLETE = "APPLIANCE INTAKE COMPLETE"
PHOTO = random.Random(20260715).randbytes(1_300_000)  # more than one 1 MiB read
STICK = {
    "calls.csv": CDR.encode(),
    "locations.csv": LOCATIONS.encode(),
    "notes/note.txt": NOTE,
    "DCIM/photo.jpg": PHOTO,
}
EXT_UUID = "6a0c2b8e-3f4d-4e21-9b7a-0d5c1e2f3a41"
# Hostile input must never keep the appliance busy for long: generous, but a hang fails.
Done = TypeVar("Done", subprocess.CompletedProcess[str], subprocess.CompletedProcess[bytes])


# -- the appliance -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two cases with their subjects, made once through the CLI and copied for each test."""
    app = Appliance(tmp_path_factory.mktemp("template") / "home")
    for ref in (REF, CLEAN):
        app.ok("case", "new", ref)
        app.ok("subject", "add", ref, "suspect", "--role", "suspect", "--id", SUSPECT)
        app.ok("subject", "add", ref, "victim", "--role", "victim", "--id", VICTIM)
    return app.home


@pytest.fixture
def app(template: Path, tmp_path: Path) -> Appliance:
    home = tmp_path / "home"
    shutil.copytree(template, home)
    return Appliance(home)


def run_raw(
    app: Appliance, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """As ``Appliance.run``, keeping the output as bytes: text mode would turn a raw CR into
    a newline and hide it."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    environment.update(
        APPLIANCE_HOME=str(app.home),
        APPLIANCE_OFFICER="Jane Smith",
        APPLIANCE_PASSPHRASE=PASSPHRASE,
    )
    return subprocess.run(
        [*appliance_command(), *args],
        env=environment,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def sha256sum(path: Path) -> str:
    """The host's own sha256sum, fed on stdin: it escapes odd file names in its output."""
    with path.open("rb") as handle:
        done = subprocess.run(
            [images.tool("sha256sum")], stdin=handle, capture_output=True, text=True, check=True
        )
    return done.stdout.split()[0]


def timed(call: Callable[[], Done]) -> Done:
    """The command's result. Staying responsive is bounded by each test's timeout mark (a
    hostile stick that made the intake hang or spin would trip it), never by a timed assert:
    these machines are shared and noisy."""
    return call()


def entries(app: Appliance, action: str | None = None, ref: str = REF) -> list[Entry]:
    with Ledger(app.home / ref / "custody.sqlite") as ledger:
        return list(ledger.entries(action=action) if action else ledger.entries())


def manifest(app: Appliance, ref: str = REF) -> dict[str, tuple[str, str]]:
    """Origin on the stick -> (exhibit reference, SHA-256), from the latest "acquired" entries."""
    out = {}
    for e in entries(app, "acquired", ref):
        assert e.origin and e.exhibit and e.sha256
        out[e.origin] = (e.exhibit, e.sha256)
    return out


def verify_json(app: Appliance, ref: str = REF) -> dict[str, Any]:
    done = app.run("verify", "--case", ref, "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["ok"], done.stdout + done.stderr
    return report  # type: ignore[no-any-return]


def not_acquired(app: Appliance) -> dict[str, str]:
    """Reason per path (or per archive member) of everything the intake declined."""
    out = {}
    for e in entries(app, "not acquired"):
        key = e.details.get("member") or (e.origin or "").rpartition("|")[2]
        out[str(key)] = str(e.details["reason"])
    return out


# -- the sticks ----------------------------------------------------------------------------


FsWanted = tuple[int, str, str, str | None]  # volume index, type, label, identifier


@dataclass(frozen=True)
class Stick:
    image: Path
    scheme: str
    # (volume index, path on the stick) -> the same file as written on the host
    files: dict[tuple[int, str], Path]
    filesystems: list[FsWanted]  # in partition order
    anomalies: list[str]  # what each expected anomaly starts with


KINDS = ["FAT32", "exFAT", "NTFS", "ext4-dirty", "ISO9660", "GPT-FAT16+ext4"]


def _identifier(image: Path, known: str | None = None) -> str | None:
    """What the file system is known by: as made, else as blkid reads it (None: no blkid)."""
    return known or images.blkid(image, "UUID")


def _build(kind: str, folder: Path) -> Stick:
    host = images.write_tree(folder / "host", STICK)
    on_host = {(0, f"/{rel}"): host / rel for rel in STICK}
    fs: list[FsWanted]
    if kind == "FAT32":
        image = images.fat_image(folder, STICK, fat=32, label="FAT32STICK", volume_id="5EC0FA32")
        fs = [(0, "FAT32", "FAT32STICK", "5EC0-FA32")]
    elif kind == "exFAT":
        image = images.exfat_image(folder, STICK, label="EXSTICK")
        fs = [(0, "exFAT", "EXSTICK", _identifier(image))]
    elif kind == "NTFS":
        image = images.ntfs_image(folder, STICK, label="NTSTICK")
        fs = [(0, "NTFS", "NTSTICK", _identifier(image))]
    elif kind == "ext4-dirty":
        image = images.ext_image(folder, STICK, label="EXT4STICK", fs_uuid=EXT_UUID, dirty=True)
        fs = [(0, "ext4", "EXT4STICK", EXT_UUID)]
        return Stick(image, "none", on_host, fs, ["ext4 journal needs recovery"])
    elif kind == "ISO9660":
        image = images.iso_image(folder, STICK, label="ISOSTICK")
        fs = [(0, "ISO9660", "ISOSTICK", _identifier(image))]
    else:
        first = {rel: STICK[rel] for rel in ("calls.csv", "notes/note.txt")}
        second = {rel: STICK[rel] for rel in ("locations.csv", "DCIM/photo.jpg")}
        fat = images.fat_image(folder, first, fat=16, label="PART1FAT", volume_id="CAFE0001")
        ext = images.ext_image(folder, second, label="PART2EXT", fs_uuid=EXT_UUID)
        image, _starts = images.partitioned(folder, [fat, ext], "gpt", names=["one", "two"])
        on_host = {(1, f"/{rel}"): host / rel for rel in first}
        on_host |= {(2, f"/{rel}"): host / rel for rel in second}
        fs = [(1, "FAT16", "PART1FAT", "CAFE-0001"), (2, "ext4", "PART2EXT", EXT_UUID)]
        return Stick(image, "gpt", on_host, fs, [])
    return Stick(image, "none", on_host, fs, [])


class Sticks:
    """Each stick made once per module; intake never writes to it (the tests check)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: dict[str, Stick] = {}

    def __call__(self, kind: str) -> Stick:
        if kind not in self.made:
            folder = self.root / kind
            shutil.rmtree(folder, ignore_errors=True)  # what a build that skipped left
            folder.mkdir()
            self.made[kind] = _build(kind, folder)
        return self.made[kind]


@pytest.fixture(scope="module")
def sticks(tmp_path_factory: pytest.TempPathFactory) -> Sticks:
    return Sticks(tmp_path_factory.mktemp("sticks"))


# -- 1. every kind of stick ----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_file_on_a_stick_is_a_verified_exhibit_and_the_stick_is_never_written(
    sticks: Sticks, app: Appliance, kind: str
) -> None:
    stick = sticks(kind)
    image_before = sha256sum(stick.image)
    expected = {where: sha256sum(path) for where, path in stick.files.items()}
    assert all(c in stick.image.read_bytes() for c in CANARIES), "the stick holds the canaries"

    done = app.run("intake", str(stick.image), "--case", REF, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)

    # Every file on the stick is an exhibit of its own, hashed as the host hashes it.
    acquired = {(e.details["volume"], e.details["path"]): e for e in entries(app, "acquired")}
    assert set(acquired) == set(stick.files)
    for where, sha in expected.items():
        assert acquired[where].sha256 == sha, where
        assert acquired[where].size == stick.files[where].stat().st_size
    refs = {str(e.exhibit): e.sha256 for e in acquired.values()}
    assert len(refs) == len(stick.files)
    reported = {e["ref"]: (e["sha256"], e["status"]) for e in report["exhibits"]}
    assert reported == {ref: (sha, "verified") for ref, sha in refs.items()}
    assert report["failed"] == []

    # The CSVs on the stick were parsed, from the sealed copies.
    loaded = {s["format"]: s["loaded"] for s in report["sources"] if s["status"] == "loaded"}
    assert loaded == {"cdr_csv": 3, "location_csv": 2}

    # The custody ledger describes the medium: file system, label, identifier, anomalies.
    custody = json.loads(app.ok("custody", "--case", REF, "--json").stdout)
    (examined,) = [e for e in custody["entries"] if e["action"] == "medium examined"]
    details = examined["details"]
    assert examined["origin"] == str(stick.image)
    assert details["partition_scheme"] == stick.scheme
    described = [
        (fs["volume"]["index"], fs["type"], fs["label"], fs["uuid"])
        for fs in details["filesystems"]
    ]
    for got, want in zip(described, stick.filesystems, strict=True):
        assert got[:3] == want[:3]
        assert got[3] and (want[3] is None or got[3] == want[3]), (got, want)
    assert len(details["anomalies"]) == len(stick.anomalies), details["anomalies"]
    for anomaly, start in zip(details["anomalies"], stick.anomalies, strict=True):
        assert anomaly.startswith(start)
        assert anomaly in details["filesystems"][0]["anomalies"]

    verified = verify_json(app)
    assert sorted(verified["verified"]) == sorted(refs)
    assert verified["incomplete"] == []
    assert sha256sum(stick.image) == image_before
    assert scan_for(app.home, CANARIES) == []


# -- 2. a stick pulled out mid-copy ---------------------------------------------------------


def test_a_stick_pulled_mid_copy_is_incomplete_then_completed_under_the_same_refs(
    app: Appliance, tmp_path: Path
) -> None:
    big = random.Random(3).randbytes(3 * MiB)
    files = {"calls.csv": CDR.encode(), "big.bin": big, "locations.csv": LOCATIONS.encode()}
    files["notes/note.txt"] = NOTE
    (tmp_path / "build").mkdir()
    whole = images.fat_image(tmp_path / "build", files, fat=16, label="PULLED")
    host = images.write_tree(tmp_path / "host", files)
    data = whole.read_bytes()
    start = data.find(big[:4096])
    cut = start + 3 * MiB // 2 + 12_345  # the stick came out half way through big.bin
    # mtools writes files in the order given: big.bin and everything after it lie past the cut.
    cut_off = {
        f"/{rel}" for rel, content in files.items() if data.find(content) + len(content) > cut
    }
    assert cut_off == {"/big.bin", "/locations.csv", "/notes/note.txt"}

    stick = tmp_path / "stick.img"
    stick.write_bytes(data[:cut])
    first = app.run("intake", str(stick), "--case", REF, "--json")
    assert first.returncode != 0
    report = json.loads(first.stdout)
    status = {e["path"].rpartition(":")[2]: (e["ref"], e["status"]) for e in report["exhibits"]}
    assert {p for p, (_, s) in status.items() if s == "incomplete"} == cut_off
    assert {p for p, (_, s) in status.items() if s == "verified"} == {"/calls.csv"}
    assert {f["path"].rpartition(":")[2] for f in report["failed"]} == cut_off
    assert all("read failed at byte" in f["reason"] for f in report["failed"])
    (examined,) = entries(app, "medium examined")
    assert any("truncated" in a for a in examined.details["anomalies"])

    incomplete = {e.details["path"].rpartition(":")[2]: e for e in entries(app, "incomplete")}
    assert set(incomplete) == cut_off
    big_entry = incomplete["/big.bin"]
    # big.bin is contiguous: its bytes run out exactly where the stick's did.
    assert big_entry.details["offset"] == cut - start
    assert "truncated" in big_entry.details["error"]
    assert big_entry.size == len(big)
    for path in ("/locations.csv", "/notes/note.txt"):
        assert incomplete[path].details["offset"] == 0, incomplete[path].details
    early = {path: e.exhibit for path, e in incomplete.items()}

    # Nothing incomplete is ever shown as verified.
    checked = verify_json(app)
    listed = {i["exhibit"]: i["reason"] for i in checked["incomplete"]}
    assert set(listed) == set(early.values())
    assert all("read failed at byte" in r and "truncated" in r for r in listed.values()), listed
    assert checked["verified"] == [status["/calls.csv"][0]]

    # Read again while still short: the same references, and still never shown as verified.
    retry = app.run("intake", str(stick), "--case", REF)
    assert retry.returncode != 0
    lines = retry.stdout.splitlines()
    for ref in early.values():
        assert f"{ref}  INCOMPLETE: not verified, no hash" in "\n".join(lines)
        assert not [line for line in lines if line.startswith(f"{ref}  sha256")]
    assert [e.exhibit for e in entries(app, "incomplete")] == [*early.values()] * 2

    # The full image appears at the same path: the second intake completes the same exhibits.
    stick.write_bytes(data)
    second = app.run("intake", str(stick), "--case", REF, "--json")
    assert second.returncode == 0, second.stderr
    after = json.loads(second.stdout)
    again = {e["path"].rpartition(":")[2]: (e["ref"], e["status"]) for e in after["exhibits"]}
    assert again == {path: (ref, "verified") for path, (ref, _) in status.items()}
    assert {s["format"] for s in after["sources"] if s["status"] == "loaded"} == {"location_csv"}
    final = manifest(app)
    for origin, (ref, sha) in final.items():
        path = origin.rpartition("|")[2]
        assert sha == sha256sum(host / path.lstrip("/"))
        if path in early:
            assert ref == early[path]
    checked = verify_json(app)
    assert checked["incomplete"] == [] and len(checked["verified"]) == len(files)

    # Identical to one clean intake of the full image into a fresh case.
    app.ok("intake", str(stick), "--case", CLEAN)
    assert manifest(app, CLEAN) == final
    assert len(final) == len(files)


# -- 3. hostile sticks ---------------------------------------------------------------------


RAW_CONTROLS = [b"\x1b", b"\r", b"\x07", "\u202e".encode()]


def assert_escaped(output: bytes, *forms: str) -> None:
    """No raw control or bidi characters reached the terminal; each name shows escaped."""
    for raw in RAW_CONTROLS:
        assert raw not in output, (raw, output[-2000:])
    for form in forms:
        assert form.encode() in output, (form, output[-2000:])


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb(zeros: int = 256 * MiB) -> bytes:
    """A deflated run of zeros: about 250 KiB holding 256 MiB, streamed so it is never held."""
    buffer = io.BytesIO()
    info = zipfile.ZipInfo("zeros.bin")
    info.compress_type = zipfile.ZIP_DEFLATED
    with (
        zipfile.ZipFile(buffer, "w") as archive,
        archive.open(info, "w") as member,
    ):
        piece = bytes(MiB)
        for _ in range(zeros // MiB):
            member.write(piece)
    return buffer.getvalue()


def _nested(levels: int) -> bytes:
    """``level1.zip`` holding ``level2.zip`` ... holding ``deep.txt``."""
    data = _zip({"deep.txt": b"found at the bottom\n"})
    for level in range(levels, 1, -1):
        data = _zip({f"level{level}.zip": data})
    return data


@pytest.mark.timeout(120)
def test_zip_bombs_on_a_stick_are_stopped_by_the_stated_limits(
    app: Appliance, tmp_path: Path
) -> None:
    files = {
        "calls.csv": CDR.encode(),
        "export/bomb.zip": _bomb(),
        "export/nested.zip": _nested(5),
    }
    assert len(files["export/bomb.zip"]) < 300 * 1024  # over 800:1
    image = images.ext_image(tmp_path, files)
    done = timed(lambda: app.run("intake", str(image), "--case", REF, "--json"))
    assert done.returncode == 0, done.stderr
    acquired = {e.details["path"]: e.exhibit for e in entries(app, "acquired")}
    assert set(acquired) == {f"/{rel}" for rel in files}
    bomb, nested = acquired["/export/bomb.zip"], acquired["/export/nested.zip"]

    # The bomb's member is refused on what it claims, before a byte is inflated.
    refused = {(e.origin, str(e.details["reason"])) for e in entries(app, "not acquired")}
    (why,) = [r for origin, r in refused if origin == f"{bomb}!zeros.bin"]
    assert f"{256 * MiB:,} bytes" in why and "200:1 expansion" in why and "zip bomb" in why
    assert "zip bomb" in done.stderr and "zeros.bin: not acquired" in done.stderr

    # Nesting: three levels of members are opened, the archive found at the third is not.
    extracted = {e.exhibit: e.details["member"] for e in entries(app, "extracted")}
    deepest = f"{nested}.1.1.1"
    assert extracted == {
        f"{nested}.1": "level2.zip",
        f"{nested}.1.1": "level3.zip",
        deepest: "level4.zip",
    }
    assert (deepest, "archives nested deeper than 3 are not opened") in refused
    assert f"{deepest}: archive nested too deep; members not opened" in done.stderr

    verified = verify_json(app)
    assert set(verified["verified"]) == {*acquired.values(), *extracted}
    assert scan_for(app.home, [b"found at the bottom"]) == []


def _files_under(root: Path, skip: Path) -> dict[str, int]:
    return {
        str(p): p.lstat().st_size
        for p in root.rglob("*")
        if skip not in p.parents and p != skip and not p.is_dir()
    }


@pytest.mark.timeout(120)
def test_zip_member_names_that_climb_out_are_only_ever_data(app: Appliance, tmp_path: Path) -> None:
    escape = tmp_path / "escaped.txt"
    members = {
        "../../x": b"climbs two levels\n",
        "../" * 16 + str(escape).lstrip("/"): b"climbs to an absolute path\n",
        str(escape): b"is an absolute path\n",
        "..\\..\\windows.txt": b"climbs the Windows way\n",
        "../\x1b]0;owned\x07title.txt": b"sets the terminal title\n",
    }
    image = images.ext_image(tmp_path / "build", {"export/evil.zip": _zip(members)})
    workdir = tmp_path / "cwd" / "a" / "b"  # "../../x" from here would be cwd/x
    workdir.mkdir(parents=True)
    before = _files_under(tmp_path, app.home)

    done = timed(lambda: run_raw(app, "intake", str(image), "--case", REF, "--json", cwd=workdir))
    assert done.returncode == 0, done.stderr
    assert _files_under(tmp_path, app.home) == before  # nothing written outside the home
    assert not (tmp_path / "cwd" / "x").exists() and not escape.exists()

    report = json.loads(done.stdout)
    (archive,) = [e["ref"] for e in report["exhibits"] if e["path"].endswith("/export/evil.zip")]
    listed = {e["path"].rpartition("!")[2]: e for e in report["exhibits"] if "!" in e["path"]}
    assert set(listed) == set(members)
    for name, data in members.items():
        assert listed[name]["status"] == "verified"
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest()
    extracted = {e.details["member"]: str(e.exhibit) for e in entries(app, "extracted")}
    assert set(extracted) == set(members)
    assert all(ref.startswith(f"{archive}.") for ref in extracted.values())
    # Shown as the data they are, with the control characters escaped.
    assert_escaped(done.stderr, "evil.zip!../../x", "!../\\x1b]0;owned\\x07title.txt")
    custody = run_raw(app, "custody", "--case", REF)
    assert_escaped(custody.stdout, f"{archive}!../../x", "!../\\x1b]0;owned\\x07title.txt")
    assert verify_json(app)["verified"]


def _links(src: Path) -> None:
    (src / "self").symlink_to("self")  # points at itself
    (src / "dir" / "up").symlink_to("..")  # a folder link to its own parent


@pytest.mark.timeout(120)
def test_symbolic_link_loops_are_not_followed(app: Appliance, tmp_path: Path) -> None:
    files = {"calls.csv": CDR.encode(), "dir/sub/inner.txt": b"inside\n"}
    image = images.ext_image(tmp_path, files, prepare=_links)
    # And a second name for a folder inside itself, as a crafted file system has.
    images.run(images.tool("debugfs"), "-w", "-R", "link /dir /dir/sub/back", image)
    done = timed(lambda: app.run("intake", str(image), "--case", REF))
    assert done.returncode == 0, done.stderr
    assert not_acquired(app) == {
        "/self": "symbolic link not followed",
        "/dir/up": "symbolic link not followed",
        "/dir/sub/back": "directory loop: folder already listed",
    }
    for path in ("/self", "/dir/up"):
        assert f"{path}: symbolic link not followed" in done.stderr
    assert {e.details["path"] for e in entries(app, "acquired")} == {f"/{rel}" for rel in files}
    assert len(verify_json(app)["verified"]) == len(files)


ODD = {
    "\x1b[31mred.txt": ("\\x1b[31mred.txt", b"red\n"),
    "carriage\rreturn.txt": ("carriage\\x0dreturn.txt", b"carriage return\n"),
    "bell\x07.txt": ("bell\\x07.txt", b"bell\n"),
    "calls\u202evsc.csv": ("calls\\u202evsc.csv", CDR.encode()),
    "\x1b[2Jfolder/inner.txt": ("\\x1b[2Jfolder/inner.txt", b"in an odd folder\n"),
}


@pytest.mark.timeout(120)
def test_control_characters_in_names_are_acquired_and_only_ever_shown_escaped(
    app: Appliance, tmp_path: Path
) -> None:
    files = {name: data for name, (_, data) in ODD.items()}
    image = images.ext_image(tmp_path, files, label="EVIL\x1b[2J\u202e")
    host = images.write_tree(tmp_path / "host", files)
    escaped = [form for form, _ in ODD.values()]

    done = run_raw(app, "intake", str(image), "--case", REF)
    assert done.returncode == 0, done.stderr
    acquired = {e.details["path"]: e for e in entries(app, "acquired")}
    assert set(acquired) == {f"/{name}" for name in ODD}
    for name in ODD:
        assert acquired[f"/{name}"].sha256 == sha256sum(host / name)
    # Every place the CLI shows a name: intake progress and report, custody, sources, verify.
    assert_escaped(done.stderr, *escaped, "EVIL\\x1b[2J\\u202e")
    assert_escaped(done.stdout, "calls\\u202evsc.csv")
    assert_escaped(run_raw(app, "custody", "--case", REF).stdout, *escaped)
    sources = run_raw(app, "sources", "--case", REF)
    assert_escaped(sources.stdout, "calls\\u202evsc.csv")
    assert b"cdr_csv" in sources.stdout
    checked = run_raw(app, "verify", "--case", REF)
    assert checked.returncode == 0
    assert_escaped(checked.stdout + checked.stderr)


@pytest.mark.timeout(120)
def test_a_stick_of_many_tiny_files_stops_at_the_file_limit(app: Appliance, tmp_path: Path) -> None:
    files = {f"many/{i:04d}.txt": f"tiny file {i}\n".encode() for i in range(3000)}
    image = images.ext_image(tmp_path, files, size="16M")
    done = timed(
        lambda: app.run("intake", str(image), "--case", REF, "--max-files", "500", "--json")
    )
    assert done.returncode == 0, done.stderr
    message = "more than 500 files: stopped at the limit (--max-files)"
    assert message in done.stderr
    assert not_acquired(app) == {"stopped": message}
    acquired = entries(app, "acquired")
    assert [e.exhibit for e in acquired] == [f"JS/{n}" for n in range(1, 501)]
    assert [e.details["path"] for e in acquired] == [f"/many/{i:04d}.txt" for i in range(500)]
    assert len(json.loads(done.stdout)["exhibits"]) == 500
    assert len(verify_json(app)["verified"]) == 500


def _sparse(src: Path) -> None:
    with (src / "huge.bin").open("wb") as handle:
        handle.truncate(100 * 1024**3)


@pytest.mark.timeout(120)
def test_oversized_files_are_refused_by_the_per_file_limit(app: Appliance, tmp_path: Path) -> None:
    files = {"small.txt": b"small\n", "three.bin": random.Random(9).randbytes(3 * MiB)}
    image = images.ext_image(tmp_path, files, prepare=_sparse)
    assert image.stat().st_size == 8 * MiB  # the 100 GiB file is a hole, not 100 GiB of zeros

    done = timed(lambda: app.run("intake", str(image), "--case", REF))
    assert done.returncode == 0, done.stderr
    limit = "larger than the 64 GiB per-file limit (100 GiB)"
    assert not_acquired(app) == {"/huge.bin": limit}
    assert f"/huge.bin: {limit}" in done.stderr
    assert {e.details["path"] for e in entries(app, "acquired")} == {"/small.txt", "/three.bin"}
    verify_json(app)

    small = timed(lambda: app.run("intake", str(image), "--case", CLEAN, "--max-file-size", "1M"))
    assert small.returncode == 0, small.stderr
    assert "/three.bin: larger than the 1 MiB per-file limit (3 MiB)" in small.stderr
    assert "/huge.bin: larger than the 1 MiB per-file limit (100 GiB)" in small.stderr
    assert {e.details["path"] for e in entries(app, "acquired", CLEAN)} == {"/small.txt"}
    verify_json(app, CLEAN)


# -- 4. the unattended USB service ----------------------------------------------------------


def test_unattended_intake_of_a_stick_prints_one_line_then_parses_at_unlock(
    sticks: Sticks, app: Appliance
) -> None:
    stick = sticks("FAT32")
    app.ok("case", "use", REF)
    done = app.run(
        "intake", "--unattended", str(stick.image), passphrase=None, APPLIANCE_OFFICER=""
    )
    assert done.returncode == 0, done.stderr
    n = len(stick.files)
    assert done.stdout.splitlines() == [
        f"{COMPLETE} case={REF} exhibits={n} verified={n} incomplete=0"
    ]
    acquired = entries(app, "acquired")
    assert [e.exhibit for e in acquired] == [f"USB/{i}" for i in range(1, n + 1)]
    assert not entries(app, "parsed")

    # The next unlock parses what was sealed.
    sources = json.loads(app.ok("sources", "--case", REF, "--json").stdout)
    assert {s["format"]: s["loaded"] for s in sources} == {"cdr_csv": 3, "location_csv": 2}
    assert {e.exhibit for e in entries(app, "parsed") + entries(app, "not parsed")} == {
        e.exhibit for e in acquired
    }
    assert len(verify_json(app)["verified"]) == n
    assert scan_for(app.home, CANARIES) == []
