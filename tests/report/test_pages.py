"""Every page of the demo report renders (poppler's pdftoppm), is A4 and carries ink; the whole
file is under the one-megabyte limit of the prosecution's transmission link."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from .conftest import LONDON_LINES, need

DPI = 20
A4_PX = (round(210 / 25.4 * DPI), round(297 / 25.4 * DPI))
ONE_MEGABYTE = 1_000_000


@pytest.fixture(scope="module")
def pages(demo_report: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pages")
    subprocess.run(
        [need("pdftoppm"), "-r", str(DPI), "-png", str(demo_report), str(folder / "page")],
        check=True,
        capture_output=True,
    )
    return sorted(folder.glob("page-*.png"))


def ink(path: Path) -> float:
    """The share of the page that is not white."""
    grey = Image.open(path).convert("L")
    histogram = grey.histogram()
    return 1 - sum(histogram[250:]) / (grey.width * grey.height)


def page_count(pdf: Path) -> int:
    info = subprocess.run([need("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True)
    return int(
        next(line.split()[1] for line in info.stdout.splitlines() if line.startswith("Pages:"))
    )


def test_every_page_renders(pages: list[Path], demo_report: Path) -> None:
    assert len(pages) == page_count(demo_report)


def test_every_page_is_a4(pages: list[Path]) -> None:
    sizes = {Image.open(p).size for p in pages}
    assert {(abs(w - A4_PX[0]) <= 1 and abs(h - A4_PX[1]) <= 1) for w, h in sizes} == {True}


def test_no_page_is_blank(pages: list[Path]) -> None:
    assert [p.name for p in pages if ink(p) < 0.01] == []


def test_every_occasion_and_visit_page_carries_its_map(demo_report: Path, demo_text: str) -> None:
    listing = subprocess.run(
        [need("pdfimages"), "-list", str(demo_report)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    pages_with_maps = {line.split()[0] for line in listing}
    headings = len(re.findall(r"^\s*(?:Occasion \d+:|Visit \d+ to) ", demo_text, re.MULTILINE))
    assert (len(listing), len(pages_with_maps)) == (headings, headings)


def test_demo_report_is_under_one_megabyte(demo_report: Path) -> None:
    assert demo_report.stat().st_size < ONE_MEGABYTE


@pytest.mark.skipif(
    not LONDON_LINES.exists(), reason=f"{LONDON_LINES} absent (make test fetches it)"
)
def test_the_demo_maps_are_drawn_on_the_real_base_map(demo_text: str) -> None:
    """Every map credits the Underground lines' data; none falls back to the grid."""
    maps = len(re.findall(r"^\s*(?:Occasion \d+:|Visit \d+ to) ", demo_text, re.MULTILINE))
    assert demo_text.count("OpenStreetMap contributors") >= maps > 0
    assert "No map tiles cover this area" not in demo_text


def test_text_is_selectable(demo_text: str) -> None:
    assert "Method and its limits" in demo_text
