"""``appliance tiles`` and ``appliance map`` through the real command line."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from PIL import Image

from appliance.cli.main import main
from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.store.loader import Loader

from .conftest import helsinki_pbf, make_mbtiles, png_tile

SUSPECT = (
    "time,lat,lon,accuracy_m\n"
    "2024-07-30T12:00:00Z,51.54160,-0.10220,10\n"
    "2024-07-30T12:10:00Z,51.54170,-0.10200,15\n"
)
VICTIM = "time,lat,lon,accuracy_m\n2024-07-30T12:01:00Z,51.54200,-0.10250,20\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tiles_list_shows_an_imported_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = make_mbtiles(tmp_path / "area.mbtiles", [(1, 0, 0, png_tile((1, 2, 3)))])
    home = str(tmp_path / "home")
    run(capsys, "--home", home, "tiles", "import", str(pack))
    code, out, _err = run(capsys, "--home", home, "tiles", "list", "--json")
    assert (code, [p["name"] for p in json.loads(out)]) == (0, ["area"])


def test_tiles_import_of_a_bad_file_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.mbtiles"
    bad.write_text("nope")
    code, _out, err = run(capsys, "--home", str(tmp_path / "h"), "tiles", "import", str(bad))
    assert (code, err.count("\n"), "not a usable MBTiles tile pack" in err) == (1, 1, True)


def test_tiles_build_writes_a_pack_and_reports_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "h.mbtiles"
    code, stdout, err = run(
        capsys,
        "tiles", "build", str(helsinki_pbf()), "--out", str(out), "--zoom", "15",
        "--bbox", "24.940,60.168,24.946,60.172", "--json",
    )  # fmt: skip
    document = json.loads(stdout)
    assert (code, document["tiles"], document["min_zoom"], "zoom 15:" in err) == (0, 2, 15, True)


def test_tiles_build_with_a_bad_zoom_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(
        capsys, "tiles", "build", str(helsinki_pbf()), "--out", str(tmp_path / "x.mbtiles"),
        "--zoom", "20-30",
    )  # fmt: skip
    assert (code, "zoom range" in err) == (2, True)


@pytest.fixture
def case_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("APPLIANCE_PASSPHRASE", "pw")
    (tmp_path / "suspect.csv").write_text(SUSPECT)
    (tmp_path / "victim.csv").write_text(VICTIM)
    home = tmp_path / "home"
    with CaseStore.create(Home(home), "MAPS", "Europe/London", "pw") as store:
        store.add_subject("suspect", "suspect")
        store.add_subject("victim", "victim")
        Loader(store).intake([tmp_path / "suspect.csv"], subject="suspect")
        Loader(store).intake([tmp_path / "victim.csv"], subject="victim")
    return home


def test_map_occasion_writes_the_png_and_prints_the_legend(
    case_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "occ.png"
    code, stdout, _err = run(
        capsys, "--home", str(case_home), "map", "occasion", "--case", "MAPS", "--a", "suspect",
        "--b", "victim", "--occasion", "1", "--out", str(out),
    )  # fmt: skip
    assert (code, Image.open(out).size, stdout.startswith("Occasion 1: suspect and victim")) == (
        0,
        (1200, 800),
        True,
    )


def test_a_map_file_is_readable_by_its_owner_only(
    case_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "visit.png"
    run(
        capsys, "--home", str(case_home), "map", "visit", "--case", "MAPS", "--subject",
        "suspect", "--zone", "51.5416,-0.1022", "--radius", "200m", "--visit", "1",
        "--out", str(out),
    )  # fmt: skip
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_map_visit_json_says_it_was_drawn_on_the_grid(
    case_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _err = run(
        capsys, "--home", str(case_home), "map", "visit", "--case", "MAPS", "--subject",
        "suspect", "--zone", "51.5416,-0.1022", "--radius", "200m", "--visit", "1",
        "--out", str(tmp_path / "v.png"), "--json",
    )  # fmt: skip
    document = json.loads(stdout)
    assert (code, document["basemap"], document["attribution"]) == (0, False, "")


def test_a_missing_occasion_is_a_usage_error(
    case_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(
        capsys, "--home", str(case_home), "map", "occasion", "--case", "MAPS", "--a", "suspect",
        "--b", "victim", "--occasion", "9", "--out", str(tmp_path / "x.png"),
    )  # fmt: skip
    assert (code, "no occasion 9" in err, (tmp_path / "x.png").exists()) == (2, True, False)
