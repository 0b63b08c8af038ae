"""Printing through a real CUPS: a private cupsd with a cups-pdf queue, started for these tests.

The printed file is what CUPS made of the report after its whole filter chain (pdftopdf,
pdftops, Ghostscript in cups-pdf), so it is compared as a reader would: the same number of
pages and the same words.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.errors import PrintError
from appliance.report import print_pdf

from .conftest import GENERATED, REF, DemoCase, appliance_command, need, pdf_text
from .cups import CupsUnavailable, PrivateCups, private_cups


@pytest.fixture(scope="module")
def cups() -> Iterator[PrivateCups]:
    try:
        with private_cups() as running:
            yield running
    except CupsUnavailable as exc:
        pytest.skip(f"no private CUPS: {exc}")


def pages(path: Path) -> int:
    info = subprocess.run([need("pdfinfo"), str(path)], capture_output=True, text=True, check=True)
    return int(
        next(line.split()[1] for line in info.stdout.splitlines() if line.startswith("Pages:"))
    )


def characters(path: Path) -> str:
    """The letters and digits in reading order. Ghostscript re-sets the text on the way to
    the printer, so spacing, how runs are split and symbols without a Unicode mapping (the
    ellipsis) can change, but not which letters and figures are there, in which order."""
    return re.sub(r"[^A-Za-z0-9]", "", pdf_text(path))


def print_report(
    demo: DemoCase, cups: PrivateCups, *printer: str
) -> subprocess.CompletedProcess[str]:
    out = demo.folder / "printed-source.pdf"
    return subprocess.run(
        [
            *appliance_command(),
            "report",
            "--case",
            REF,
            "--out",
            str(out),
            "--generated",
            GENERATED,
            "--print",
            *printer,
            "--json",
        ],
        env={**demo.env(), "CUPS_SERVER": str(cups.socket)},
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def printed(demo_case: DemoCase, cups: PrivateCups) -> tuple[dict[str, object], Path]:
    done = print_report(demo_case, cups, cups.queue)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    job = document["print"]["job"]  # type: ignore[index]
    return document, cups.wait_for_pdf(str(job))


def test_report_print_names_the_job_on_the_queue(
    printed: tuple[dict[str, object], Path], cups: PrivateCups
) -> None:
    document, _pdf = printed
    assert str(document["print"]["job"]).startswith(f"{cups.queue}-")  # type: ignore[index]


def test_printed_pdf_has_every_page(
    printed: tuple[dict[str, object], Path], demo_report: Path
) -> None:
    _document, pdf = printed
    assert pages(pdf) == pages(demo_report)


def test_printed_pdf_has_the_same_text(
    printed: tuple[dict[str, object], Path], demo_report: Path
) -> None:
    _document, pdf = printed
    assert characters(pdf) == characters(demo_report)


def test_unknown_printer_is_one_clear_line(demo_case: DemoCase, cups: PrivateCups) -> None:
    done = print_report(demo_case, cups, "no-such-printer")
    assert (
        done.returncode,
        done.stderr.splitlines()[-1].startswith(
            "appliance: cannot print to printer no-such-printer: no such printer"
        ),
    ) == (1, True)


def test_no_default_printer_is_a_clear_error(demo_report: Path, cups: PrivateCups) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CUPS_SERVER", str(cups.socket))
        with pytest.raises(PrintError, match="there is no default printer"):
            print_pdf(demo_report, None)


def test_no_print_service_is_a_clear_error(demo_report: Path, tmp_path: Path) -> None:
    need("lp")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CUPS_SERVER", str(tmp_path / "no-cupsd.sock"))
        with pytest.raises(PrintError, match="not running or not reachable"):
            print_pdf(demo_report, "anything")
