"""Every zip reader refuses a damaged archive in words, whatever part of it is damaged.

Found by fuzzing a workbook: a central-directory entry claiming a newer zip version (6.4)
makes ``zipfile`` raise NotImplementedError, which escaped the XLSX reader. All zip readers
now catch the same set of errors (``ZIP_ERRORS`` in ``appliance.parsers.base``).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from appliance.errors import NotThisFormat
from appliance.parsers.base import ParseContext, Probe
from appliance.parsers.registry import by_name


def _claiming_version_6_4(archive: bytes) -> bytes:
    """The archive with every central-directory entry's 'version needed' set to 6.4."""
    data = bytearray(archive)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 6 : at + 8] = (64).to_bytes(2, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["cell_id", "latitude", "longitude", "azimuth", "beamwidth", "range_m"])
    sheet.append(["234-30-1000-17", 51.5, -0.1, 120, 65, 900])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ARCHIVES = {
    "kmz": _zip({"doc.kml": b'<kml xmlns="http://www.opengis.net/kml/2.2"/>'}),
    "ufdr": _zip({"report.xml": b'<project xmlns="http://pa.cellebrite.com/report/2.0"/>'}),
    "operator_cells": _workbook(),
}


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_an_unsupported_zip_version_is_refused_in_words(name: str) -> None:
    damaged = _claiming_version_6_4(ARCHIVES[name])
    with pytest.raises(NotThisFormat):
        list(by_name(name)().parse(io.BytesIO(damaged), ParseContext(ZoneInfo("UTC"))))


def test_the_probe_lists_no_members_of_such_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "damaged.kmz"
    path.write_bytes(_claiming_version_6_4(ARCHIVES["kmz"]))
    assert Probe.of_path(path).members == ()
