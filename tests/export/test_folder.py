"""The output folder: atomic files, refusals, and names that never come from evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.errors import OutputExists, OutputNotWritable
from appliance.export.folder import OutputFolder


def test_a_failed_write_leaves_neither_file_nor_temporary(tmp_path: Path) -> None:
    folder = OutputFolder(tmp_path / "out")
    with pytest.raises(RuntimeError), folder.text("events.csv") as handle:
        handle.write("half a file")
        raise RuntimeError("the export failed part-way")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_written_file_appears_whole(tmp_path: Path) -> None:
    folder = OutputFolder(tmp_path / "out")
    with folder.text("events.csv") as handle:
        handle.write("a,b\r\n")
    assert (tmp_path / "out" / "events.csv").read_text() == "a,b\n"


@pytest.mark.parametrize(
    "name", ["../escape.csv", "/etc/passwd", "a/../../b", "=cmd.csv", "sub/dir/deep.csv", ""]
)
def test_a_name_that_is_not_the_exports_own_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        OutputFolder(tmp_path / "out").target(name)


def test_a_file_where_the_folder_should_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(OutputExists):
        OutputFolder(tmp_path / "out")


def test_a_non_empty_folder_is_refused_without_force(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(OutputExists):
        OutputFolder(tmp_path)


def test_force_lists_what_was_already_there(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    folder = OutputFolder(tmp_path, force=True)
    folder.write_bytes("events.csv", b"")
    assert folder.stale() == ["notes.txt"]


def test_an_unwritable_place_is_a_stated_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputNotWritable):
        OutputFolder(tmp_path / "file" / "below")


def test_discard_removes_only_what_the_export_wrote(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    folder = OutputFolder(tmp_path, force=True)
    folder.write_bytes("events.csv", b"1")
    folder.write_bytes("exports/events.csv", b"2")
    folder.discard()
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_discard_removes_a_folder_the_export_created(tmp_path: Path) -> None:
    folder = OutputFolder(tmp_path / "new")
    folder.write_bytes("events.csv", b"1")
    folder.discard()
    assert not (tmp_path / "new").exists()
