"""Acquiring files and folders: sealed, hashed independently equal, recorded, verified, and
nothing plaintext left on the appliance's disk."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from .conftest import CANARIES, REF, Appliance, scan_for, write_evidence


def sha256sum(path: Path) -> str:
    """An independent hash: coreutils, not the appliance's code."""
    done = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True)
    return done.stdout.split()[0]


def test_a_folder_is_acquired_sealed_and_verified(appliance: Appliance, tmp_path: Path) -> None:
    files = write_evidence(tmp_path / "stick")
    before = {p: sha256sum(p) for p in files.values()}
    done = appliance.ok("intake", str(tmp_path / "stick"), "--case", REF, "--json")
    report = json.loads(done.stdout)
    exhibits = {Path(e["path"]).name: e for e in report["exhibits"]}
    assert {e["ref"] for e in exhibits.values()} == {"JS/1", "JS/2", "JS/3"}
    for path in files.values():
        exhibit = exhibits[path.name]
        assert exhibit["sha256"] == sha256sum(path) == before[path]
        assert exhibit["status"] == "verified"
        assert exhibit["size"] == path.stat().st_size
    # The sources were parsed from the sealed copies, with the subject inferred from the CDR.
    formats = {s["format"] for s in report["sources"]}
    assert formats == {"cdr_csv", "location_csv"}
    assert len(report["custody_head"]) == 64

    verified = appliance.run("verify", "--case", REF)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "all verified: 3 exhibit(s)" in verified.stdout

    # The case list shows the ledger head, and it is the head verify reported.
    listed = json.loads(appliance.ok("case", "list", "--json").stdout)
    head = listed[0]["custody_head"]
    assert head and head in appliance.ok("custody", "--case", REF).stdout


def test_no_evidence_plaintext_anywhere_in_the_home(appliance: Appliance, tmp_path: Path) -> None:
    write_evidence(tmp_path / "stick")
    appliance.ok("intake", str(tmp_path / "stick"), "--case", REF)
    # Use the case as an officer would, so the database and its logs are written to as well.
    appliance.ok("timeline", "--case", REF, "--json")
    appliance.ok("contacts", "--case", REF, "--a", "suspect", "--b", "victim")
    appliance.ok("verify", "--case", REF)
    assert scan_for(tmp_path / "stick", CANARIES), "the canaries must be in the evidence itself"
    assert scan_for(appliance.home, CANARIES) == []


def test_a_wrong_passphrase_is_refused(appliance: Appliance, tmp_path: Path) -> None:
    write_evidence(tmp_path / "stick")
    for command in (
        ("intake", str(tmp_path / "stick"), "--case", REF),
        ("verify", "--case", REF),
    ):
        done = appliance.run(*command, passphrase="not the passphrase")
        assert done.returncode != 0
        assert "passphrase" in done.stderr and "wrong" in done.stderr
    assert not list((appliance.home / REF / "evidence").glob("*.sealed"))


def _stored(appliance: Appliance) -> list[Path]:
    return sorted((appliance.home / REF / "evidence").glob("*.sealed"))


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_flipped_bit_in_a_stored_blob_is_found_with_its_exhibit(
    appliance: Appliance, tmp_path: Path, where: str
) -> None:
    files = write_evidence(tmp_path / "stick")
    appliance.ok("intake", str(files["cdr"]), "--case", REF)
    (blob,) = _stored(appliance)
    raw = bytearray(blob.read_bytes())
    index = {"start": 20, "middle": len(raw) // 2, "end": len(raw) - 3}[where]
    raw[index] ^= 0x10
    blob.write_bytes(bytes(raw))
    done = appliance.run("verify", "--case", REF, "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert [p["exhibit"] for p in report["problems"]] == ["JS/1"]
    assert report["verified"] == []


def test_a_flipped_bit_in_the_ledger_is_found(appliance: Appliance, tmp_path: Path) -> None:
    files = write_evidence(tmp_path / "stick")
    appliance.ok("intake", str(files["cdr"]), "--case", REF)
    ledger = appliance.home / REF / "custody.sqlite"
    raw = bytearray(ledger.read_bytes())
    at = raw.index(b"calls.csv")
    raw[at] ^= 0x01
    ledger.write_bytes(bytes(raw))
    done = appliance.run("verify", "--case", REF, "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["problems"]


def test_a_missing_or_extra_blob_is_reported(appliance: Appliance, tmp_path: Path) -> None:
    files = write_evidence(tmp_path / "stick")
    appliance.ok("intake", str(files["cdr"]), str(files["locations"]), "--case", REF)
    _first, second = _stored(appliance)
    second.rename(second.with_name("f" * 64 + ".sealed"))
    report = json.loads(appliance.run("verify", "--case", REF, "--json").stdout)
    problems = {p["problem"] for p in report["problems"]}
    assert any("missing" in p for p in problems)
    assert any("not recorded in the custody ledger" in p for p in problems)


def test_the_exported_ledger_checks_with_the_standalone_verifier(
    appliance: Appliance, tmp_path: Path
) -> None:
    write_evidence(tmp_path / "stick")
    appliance.ok("intake", str(tmp_path / "stick"), "--case", REF)
    head = json.loads(appliance.ok("custody", "--case", REF, "--json").stdout)["custody_head"]
    appliance.ok("custody", "--case", REF, "--export", str(tmp_path / "out"))
    done = subprocess.run(
        ["python3", "-I", str(tmp_path / "out" / "verify_ledger.py"),
         str(tmp_path / "out" / "custody.jsonl"), "--head", head],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    lines = (tmp_path / "out" / "custody.jsonl").read_text().splitlines()
    actions = [json.loads(line)["action"] for line in lines]
    assert actions[0] == "case created"
    assert actions.count("acquired") == 3 and actions.count("parsed") == 2


def test_zip_members_are_acquired_in_place_and_hostile_names_never_become_paths(
    appliance: Appliance, tmp_path: Path
) -> None:
    files = write_evidence(tmp_path / "stick")
    archive = tmp_path / "stick" / "export.zip"
    escape = tmp_path / "escaped.csv"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(files["cdr"], "calls/inner.csv")
        z.writestr(f"../../../../{escape.relative_to('/')}", files["locations"].read_bytes())
        z.writestr("bidi-\u202etxt.csv", b"hello\n")
        # A bomb: 64 MiB of zeros deflates to about 64 KiB, over the 200:1 limit.
        z.writestr("bomb.bin", b"\0" * (64 * 1024 * 1024))
    done = appliance.ok("intake", str(archive), "--case", REF, "--json")
    assert not escape.exists()
    report = json.loads(done.stdout)
    refs = {e["ref"]: e for e in report["exhibits"]}
    assert set(refs) >= {"JS/1", "JS/1.1", "JS/1.2", "JS/1.3"}
    inner = hashlib.sha256(files["cdr"].read_bytes()).hexdigest()
    assert refs["JS/1.1"]["sha256"] == inner
    custody = appliance.ok("custody", "--case", REF).stdout
    assert "\u202e" not in custody and "\\u202e" in custody
    assert "expansion" in custody  # the bomb was stopped by the stated limit
    verified = json.loads(appliance.run("verify", "--case", REF, "--json").stdout)
    assert {"JS/1", "JS/1.1", "JS/1.2", "JS/1.3"} <= set(verified["verified"])
    assert verified["ok"]
