"""The unattended USB service: seals with the public key only, parses at the next unlock."""

from __future__ import annotations

import json
from pathlib import Path

from appliance.custody.ledger import Ledger

from .conftest import REF, Appliance, write_evidence

COMPLETE = "APPLIANCE INTAKE COMPLETE"


def test_sealed_with_no_passphrase_then_parsed_when_unlocked(
    appliance: Appliance, tmp_path: Path
) -> None:
    write_evidence(tmp_path / "stick")
    appliance.ok("case", "use", REF)
    done = appliance.run(
        "intake", "--unattended", str(tmp_path / "stick"), passphrase=None, APPLIANCE_OFFICER=""
    )
    assert done.returncode == 0, done.stderr
    assert f"{COMPLETE} case={REF} exhibits=3 verified=3 incomplete=0" in done.stdout.splitlines()
    with Ledger(appliance.home / REF / "custody.sqlite") as ledger:
        acquired = list(ledger.entries(action="acquired"))
        assert [e.exhibit for e in acquired] == ["USB/1", "USB/2", "USB/3"]
        assert {e.actor for e in acquired} == {"USB intake service (unattended)"}
        assert not list(ledger.entries(action="parsed"))

    # The next command that unlocks the case parses what was sealed, and the ledger says so.
    sources = json.loads(appliance.ok("sources", "--case", REF, "--json").stdout)
    assert sorted(s["format"] for s in sources) == ["cdr_csv", "location_csv"]
    with Ledger(appliance.home / REF / "custody.sqlite") as ledger:
        parsed = {e.exhibit for e in ledger.entries(action="parsed")}
        not_parsed = {e.exhibit for e in ledger.entries(action="not parsed")}
        assert parsed | not_parsed == {"USB/1", "USB/2", "USB/3"}
        assert ledger.check_file() == []
    # Parsed once: unlocking again changes nothing.
    again = json.loads(appliance.ok("sources", "--case", REF, "--json").stdout)
    assert len(again) == len(sources)
    assert appliance.run("verify", "--case", REF).returncode == 0


def test_no_active_case_goes_to_quarantine_or_is_refused(
    appliance: Appliance, tmp_path: Path
) -> None:
    write_evidence(tmp_path / "stick")
    refused = appliance.run("intake", "--unattended", str(tmp_path / "stick"), passphrase=None)
    assert refused.returncode != 0
    assert "APPLIANCE INTAKE REFUSED case=QUARANTINE" in refused.stdout
    assert "QUARANTINE" in refused.stderr
    appliance.ok("case", "new", "QUARANTINE")
    done = appliance.run("intake", "--unattended", str(tmp_path / "stick"), passphrase=None)
    assert f"{COMPLETE} case=QUARANTINE exhibits=3 verified=3 incomplete=0" in done.stdout
    assert not list((appliance.home / REF / "evidence").glob("*.sealed"))


def test_an_unreadable_medium_still_reports_on_the_console(
    appliance: Appliance, tmp_path: Path
) -> None:
    appliance.ok("case", "use", REF)
    # A stick pulled before the service could open it: its device node is gone.
    done = appliance.run("intake", "--unattended", str(tmp_path / "sdz"), passphrase=None)
    assert done.returncode != 0
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("APPLIANCE INTAKE")]
    assert line.startswith(f"APPLIANCE INTAKE FAILED case={REF} reason=")
    assert len(done.stderr.strip().splitlines()) >= 1
