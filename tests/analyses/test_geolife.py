"""Co-location on real trajectories: GeoLife users 003 and 004 (see the fixtures' MANIFEST.md).

On 2008-10-23 the two started logging two seconds apart at 17:58 and moved together; on
2008-10-24 their morning and afternoon tracks are a negative control. There is no PLT parser
yet, so each PLT file is converted here (test code) to the generic location CSV, in the test's
temporary folder; the fixture files themselves are only read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.analyses.colocate import Parameters, colocate

from . import reference
from .conftest import Workbench, us_of
from .reference import Fix

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "geolife_colocation"
PLT_HEADER_LINES = 6

pytestmark = [
    pytest.mark.fixtures,
    pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"{FIXTURES} is absent"),
]


def read_plt(path: Path) -> list[Fix]:
    """GeoLife PLT: six header lines, then lat,lon,0,altitude_ft,days,date,time (UTC)."""
    fixes = []
    for line in path.read_text(encoding="ascii").splitlines()[PLT_HEADER_LINES:]:
        if not line.strip():
            continue
        lat, lon, _, _, _, day, clock = line.split(",")
        moment = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)
        fixes.append(Fix(us_of(moment), float(lat), float(lon)))
    return fixes


def load(bench: Workbench, prefix: str, plt: str) -> tuple[str, list[Fix]]:
    fixes = read_plt(FIXTURES / plt)
    assert fixes, plt
    subject = bench.subject(prefix)
    bench.locations(subject, fixes, radius_m=None)  # GeoLife gives no accuracy
    return subject, fixes


def test_users_003_and_004_were_together_on_23_october(bench: Workbench) -> None:
    a, a_fixes = load(bench, "user003-", "user003_20081023175854.plt")
    b, b_fixes = load(bench, "user004-", "user004_20081023175852.plt")
    params = Parameters()  # 500 m, 5 min, 30 min: the defaults an officer would start from
    result = colocate(bench.store, a, b, params)

    expected = reference.events(a_fixes, b_fixes, params.within_m, params.window_s)
    assert {(e.a_row, e.b_row) for e in result.events} == expected
    assert len(expected) > 100
    assert len(result.occasions) == 1
    occasion = result.occasions[0]
    assert datetime(2008, 10, 23, 17, 58, tzinfo=UTC) <= occasion.start
    assert occasion.end <= datetime(2008, 10, 23, 18, 16, 30, tzinfo=UTC)
    assert occasion.events == len(expected)
    assert occasion.min_distance_m < 50
    assert {e.grade for e in result.events} == {"unknown"}, "no radius reported, no grade"


@pytest.mark.parametrize(("within", "window"), [(50.0, 10.0), (100.0, 60.0), (2000.0, 1800.0)])
def test_users_003_and_004_match_the_reference_at_other_settings(
    bench: Workbench, within: float, window: float
) -> None:
    a, a_fixes = load(bench, "user003-", "user003_20081023175854.plt")
    b, b_fixes = load(bench, "user004-", "user004_20081023175852.plt")
    result = colocate(bench.store, a, b, Parameters(within, window, 1800.0))
    assert {(e.a_row, e.b_row) for e in result.events} == reference.events(
        a_fixes, b_fixes, within, window
    )


def test_negative_control_matches_the_reference(bench: Workbench) -> None:
    a, a_fixes = load(bench, "user004-", "user004_20081024092739.plt")
    b, b_fixes = load(bench, "user003-", "user003_20081024020227.plt")
    params = Parameters()
    result = colocate(bench.store, a, b, params)
    expected = reference.events(a_fixes, b_fixes, params.within_m, params.window_s)
    assert {(e.a_row, e.b_row) for e in result.events} == expected
    times = [reference.event_time(a_fixes[i - 1], b_fixes[j - 1]) for i, j in expected]
    assert [(us_of(o.start), us_of(o.end), o.events) for o in result.occasions] == (
        reference.occasions(times, params.gap_s)
    )
