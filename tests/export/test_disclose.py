"""``appliance disclose``: a bundle the defence checks with stock tools (sha256sum, python3)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from appliance.export.ziparchive import write_zip

from .conftest import REF, Case

SHA256SUM = shutil.which("sha256sum")
PYTHON3 = shutil.which("python3")
needs_sha256sum = pytest.mark.skipif(SHA256SUM is None, reason="sha256sum (coreutils) absent")


@pytest.fixture(scope="module")
def bundle(case: Case) -> Path:
    folder = case.work / "bundle"
    case.ok("disclose", "--case", REF, "--out", str(folder), "--zip")
    return folder


def copy_of(bundle: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    return copy


def sha256sum_check(folder: Path) -> subprocess.CompletedProcess[str]:
    assert SHA256SUM is not None
    return subprocess.run(
        [SHA256SUM, "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True, check=False
    )


def head_in_readme(folder: Path) -> str:
    found = re.search(r"--head ([0-9a-f]{64})", (folder / "README.txt").read_text())
    assert found is not None
    return found.group(1)


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@needs_sha256sum
def test_sha256sum_checks_the_bundle(bundle: Path) -> None:
    assert sha256sum_check(bundle).returncode == 0


@needs_sha256sum
def test_sha256sum_fails_after_one_byte_is_flipped(bundle: Path, tmp_path: Path) -> None:
    copy = copy_of(bundle, tmp_path)
    target = copy / "exports" / "events.csv"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    assert sha256sum_check(copy).returncode != 0


def test_sha256sums_covers_every_other_file(bundle: Path) -> None:
    listed = {line.split("  ", 1)[1] for line in (bundle / "SHA256SUMS").read_text().splitlines()}
    assert listed == files_in(bundle) - {"SHA256SUMS"}


def test_the_bundle_holds_what_the_defence_needs(bundle: Path) -> None:
    expected = {
        "README.txt",
        "report.pdf",
        "exhibits.csv",
        "custody/custody.jsonl",
        "custody/verify_ledger.py",
        "exports/events.csv",
        "exports/occasions.csv",
        "exports/communications.csv",
        "exports/occasions.kml",
        "exports/occasions.geojson",
        "exports/tracks.kml",
        "exports/tracks.geojson",
    }
    assert expected <= files_in(bundle)


@pytest.mark.skipif(PYTHON3 is None, reason="no python3 on the path")
def test_the_bundled_verifier_passes_under_plain_isolated_python(bundle: Path) -> None:
    assert PYTHON3 is not None
    done = subprocess.run(
        [
            PYTHON3,
            "-I",
            "custody/verify_ledger.py",
            "custody/custody.jsonl",
            "--head",
            head_in_readme(bundle),
        ],
        cwd=bundle,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout.startswith("OK")) == (0, True)


@pytest.mark.skipif(PYTHON3 is None, reason="no python3 on the path")
def test_the_bundled_verifier_fails_on_an_edited_ledger(bundle: Path, tmp_path: Path) -> None:
    assert PYTHON3 is not None
    copy = copy_of(bundle, tmp_path)
    ledger = copy / "custody" / "custody.jsonl"
    lines = ledger.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[0])
    entry["actor"] = "someone else"
    lines[0] = json.dumps(entry, sort_keys=True)
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [PYTHON3, "-I", "custody/verify_ledger.py", "custody/custody.jsonl"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1


def test_exhibits_csv_lists_every_exhibit_with_its_hash(bundle: Path, case: Case) -> None:
    with case.open() as store:
        expected = sorted(store.rows("SELECT ref, sha256 FROM exhibits"))
    lines = (bundle / "exhibits.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert sorted(tuple(line.split(",")[i] for i in (0, 3)) for line in lines) == expected


def test_a_hostile_exhibit_path_is_neutralised_in_exhibits_csv(bundle: Path) -> None:
    text = (bundle / "exhibits.csv").read_text(encoding="utf-8")
    assert "=cmd|' calc'!A0.csv" in text and ",=" not in text


@needs_sha256sum
def test_the_zip_unpacks_to_a_bundle_that_checks(bundle: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle.with_name("bundle.zip")) as archive:
        archive.extractall(tmp_path)
    assert sha256sum_check(tmp_path / "bundle").returncode == 0


def test_the_zip_is_the_same_bytes_every_time(bundle: Path, tmp_path: Path) -> None:
    names = sorted(files_in(bundle))
    write_zip(tmp_path / "one.zip", bundle, "bundle", names)
    write_zip(tmp_path / "two.zip", bundle, "bundle", list(reversed(names)))
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()


def test_the_disclosure_is_recorded_in_the_custody_ledger(case: Case, bundle: Path) -> None:
    entries = json.loads(case.ok("custody", "--case", REF, "--json").stdout)["entries"]
    disclosed = [e for e in entries if e["action"] == "disclosed"]
    sums = (bundle / "SHA256SUMS").read_bytes()
    assert disclosed[-1]["details"]["sha256sums_sha256"] == hashlib.sha256(sums).hexdigest()


def test_disclose_refuses_a_non_empty_folder(case: Case, tmp_path: Path) -> None:
    (tmp_path / "old.pdf").write_text("an older bundle")
    assert case.run("disclose", "--case", REF, "--out", str(tmp_path)).returncode == 1


def test_the_report_is_a_pdf(bundle: Path) -> None:
    assert (bundle / "report.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler) absent")
def test_the_report_names_the_custody_head_the_bundle_holds(bundle: Path) -> None:
    text = subprocess.run(
        ["pdftotext", "-layout", str(bundle / "report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert head_in_readme(bundle) in "".join(text.split())
