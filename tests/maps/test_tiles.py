"""Installing MBTiles packs: validated on a copy, installed atomically, refused with a reason
(and nothing changed) when hostile or broken; read-only; TMS rows flipped."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from appliance.errors import TilePackExists, TilePackInvalid
from appliance.maps.install import import_pack, list_packs
from appliance.maps.tiles import TileSet, inspect, installed_tiles, tiles_folder
from appliance.store.home import Home

from .conftest import make_mbtiles, png_tile

RED = png_tile((255, 0, 0))
BLUE = png_tile((0, 0, 255))


def pack(tmp_path: Path, name: str = "area", **metadata: str) -> Path:
    return make_mbtiles(
        tmp_path / f"{name}.mbtiles",
        [(1, 0, 0, RED), (1, 1, 1, BLUE), (2, 1, 1, RED)],
        {"bounds": "-10,-5,10,5", **metadata},
    )


def folder_listing(home: Home) -> list[str]:
    folder = tiles_folder(home)
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_an_imported_pack_is_listed_with_its_coverage(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    import_pack(home, pack(tmp_path), name="area")
    packs, _problems = list_packs(home)
    assert [p.as_json() for p in packs] == [
        {
            "name": "area",
            "format": "png",
            "bounds": {"west": -10.0, "south": -5.0, "east": 10.0, "north": 5.0},
            "min_zoom": 1,
            "max_zoom": 2,
            "tiles": 3,
            "attribution": "test tiles",
        }
    ]


def test_the_installed_copy_is_byte_for_byte_the_file_given(tmp_path: Path) -> None:
    source = pack(tmp_path)
    info = import_pack(Home(tmp_path / "home"), source)
    assert (
        hashlib.sha256(info.path.read_bytes()).digest()
        == hashlib.sha256(source.read_bytes()).digest()
    )


def test_tms_rows_are_flipped_to_north_first(tmp_path: Path) -> None:
    with TileSet([inspect(pack(tmp_path), "area")]) as tiles:
        found = tiles.tile(1, 1, 1)
    assert found is not None and found[1] == BLUE


def test_a_pack_stored_north_first_is_read_unflipped(tmp_path: Path) -> None:
    path = make_mbtiles(
        tmp_path / "xyz.mbtiles", [(1, 1, 0, BLUE)], {"scheme": "xyz"}, tms_rows=False
    )
    with TileSet([inspect(path, "xyz")]) as tiles:
        found = tiles.tile(1, 1, 0)
    assert found is not None and found[1] == BLUE


def test_a_missing_tile_is_none(tmp_path: Path) -> None:
    with TileSet([inspect(pack(tmp_path), "area")]) as tiles:
        assert tiles.tile(2, 0, 0) is None


def test_bounds_come_from_the_tiles_when_metadata_has_none(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "nob.mbtiles", [(1, 1, 0, RED)])
    west, south, east, north = inspect(path, "nob").bounds
    assert (west, round(south, 6), east, round(north, 4)) == (0.0, 0.0, 180.0, 85.0511)


def test_html_in_the_attribution_is_shown_as_plain_text(tmp_path: Path) -> None:
    path = pack(tmp_path, attribution='&copy; <a href="https://x">OpenStreetMap</a> contributors')
    assert inspect(path, "area").attribution == "© OpenStreetMap contributors"


def test_opening_a_pack_writes_nothing_beside_it(tmp_path: Path) -> None:
    source = pack(tmp_path)
    before = (sorted(os.listdir(tmp_path)), source.stat().st_mtime_ns, source.read_bytes())
    with TileSet([inspect(source, "area", deep=True)]) as tiles:
        tiles.tile(1, 0, 0)
    assert (sorted(os.listdir(tmp_path)), source.stat().st_mtime_ns, source.read_bytes()) == before


def test_the_connection_refuses_writes(tmp_path: Path) -> None:
    from appliance.maps.tiles import connect

    conn = connect(pack(tmp_path))
    with pytest.raises(sqlite3.Error):
        conn.execute("DELETE FROM tiles")
    conn.close()


@pytest.mark.parametrize(
    "content",
    [b"", b"not a database at all", b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["empty", "text", "damaged-sqlite"],
)
def test_a_file_that_is_not_a_pack_is_refused(tmp_path: Path, content: bytes) -> None:
    source = tmp_path / "bad.mbtiles"
    source.write_bytes(content)
    with pytest.raises(TilePackInvalid):
        import_pack(Home(tmp_path / "home"), source)


def test_a_refused_pack_changes_nothing(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    source = tmp_path / "bad.mbtiles"
    source.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(TilePackInvalid):
        import_pack(home, source)
    assert folder_listing(home) == []


def test_vector_tiles_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(TilePackInvalid, match="vector tiles"):
        import_pack(Home(tmp_path / "home"), pack(tmp_path, format="pbf"))


def test_a_tile_that_is_not_what_the_pack_says_is_refused(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "lies.mbtiles", [(1, 0, 0, RED), (1, 0, 1, b"<html>")])
    with pytest.raises(TilePackInvalid, match="is not PNG"):
        import_pack(Home(tmp_path / "home"), path)


def test_a_database_without_tiles_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.mbtiles"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.close()
    with pytest.raises(TilePackInvalid, match="no tiles table"):
        import_pack(Home(tmp_path / "home"), path)


def test_tiles_outside_the_world_are_refused(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "far.mbtiles", [(1, 5, 0, RED)])
    with pytest.raises(TilePackInvalid, match="outside the world"):
        import_pack(Home(tmp_path / "home"), path)


def test_a_name_that_could_be_a_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TilePackInvalid, match="cannot be a tile pack name"):
        import_pack(Home(tmp_path / "home"), pack(tmp_path), name="../escape")


def test_a_device_or_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TilePackInvalid, match="not a regular file"):
        import_pack(Home(tmp_path / "home"), tmp_path)


def test_an_installed_name_is_not_overwritten(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    first = import_pack(home, pack(tmp_path), name="area")
    original = first.path.read_bytes()
    other = make_mbtiles(tmp_path / "other.mbtiles", [(3, 1, 1, BLUE)])
    with pytest.raises(TilePackExists):
        import_pack(home, other, name="area")
    assert first.path.read_bytes() == original


def test_replace_installs_the_new_pack(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    import_pack(home, pack(tmp_path), name="area")
    other = make_mbtiles(tmp_path / "other.mbtiles", [(3, 1, 1, BLUE)])
    assert import_pack(home, other, name="area", replace=True).max_zoom == 3


def test_no_packs_means_no_tile_set(tmp_path: Path) -> None:
    assert installed_tiles(Home(tmp_path)) is None


def test_a_pack_damaged_after_install_is_left_out_and_reported(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    import_pack(home, pack(tmp_path), name="good")
    (tiles_folder(home) / "broken.mbtiles").write_bytes(b"garbage")
    packs, problems = list_packs(home)
    assert ([p.name for p in packs], len(problems)) == (["good"], 1)


def test_the_first_pack_by_name_that_holds_a_tile_wins(tmp_path: Path) -> None:
    a = make_mbtiles(tmp_path / "a.mbtiles", [(1, 0, 0, RED)])
    b = make_mbtiles(tmp_path / "b.mbtiles", [(1, 0, 0, BLUE), (1, 1, 0, BLUE)])
    with TileSet([inspect(b, "b"), inspect(a, "a")]) as tiles:
        assert [tiles.tile(1, 0, 0), tiles.tile(1, 1, 0)] == [
            (tiles.packs[0], RED),
            (tiles.packs[1], BLUE),
        ]


def jpeg_tile() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), (0, 128, 0)).save(out, format="JPEG")
    return out.getvalue()


def test_a_jpeg_pack_is_accepted_as_jpg(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "photo.mbtiles", [(1, 0, 0, jpeg_tile())], {"format": "jpeg"})
    assert import_pack(Home(tmp_path / "home"), path).format == "jpg"
