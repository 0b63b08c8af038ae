"""Maps in the terminal by each of textual-image's methods.

No terminal that draws Sixel or Kitty graphics can run on this machine (Debian 12's tmux 3.3a
passes neither; xterm and kitty need a display), so these tests stop at the bytes a terminal
would receive: a real occasion map, encoded by textual-image's own Sixel and Kitty encoders,
must come out as a well-formed Sixel image and a Kitty transmission of a PNG of the size the
cells hold. The half-block method is what the Pilot and tmux tests see on screen.
"""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from rich.console import Console
from textual_image.renderable import sixel, tgp
from textual_image.widget import HalfcellImage, SixelImage, TGPImage

from appliance.analyses.colocate import Colocation, Event, Occasion, Parameters
from appliance.analyses.common import SourceLabel
from appliance.maps.render import occasion_map
from appliance.tui import picture

T0 = datetime(2024, 3, 20, 17, 0, tzinfo=UTC)
GPS = SourceLabel("JS/1", "suspect.gpx", "gpx")


@pytest.fixture(scope="module")
def map_png() -> bytes:
    events = [
        Event(1, t, t, t, 90.0, 51.5416, -0.1022, 51.5420, -0.1010, 10.0, 20.0, "gps", "gps",
              "probable", GPS, n, GPS, n)
        for n, t in enumerate((T0, T0 + timedelta(minutes=2)), start=1)
    ]  # fmt: skip
    occasions = [Occasion(1, events[0].time, events[-1].time, 2, 90.0, "probable")]
    result = Colocation.of_events("suspect", "victim", Parameters(), events, occasions)
    return occasion_map(result, 1, timezone="Europe/London", tiles=None, width_px=480).png


@pytest.mark.parametrize(
    ("chosen", "widget"),
    [
        ("sixel", SixelImage),
        ("kitty", TGPImage),
        ("halfblocks", HalfcellImage),
        ("KITTY ", TGPImage),
    ],
)
def test_the_officer_can_choose_the_method(
    monkeypatch: pytest.MonkeyPatch, map_png: bytes, chosen: str, widget: type
) -> None:
    monkeypatch.setenv(picture.GRAPHICS_ENV, chosen)
    assert type(picture.picture(map_png, id="map")) is widget


def test_without_a_choice_tests_get_half_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(picture.GRAPHICS_ENV, raising=False)
    monkeypatch.setenv(picture.GRAPHICS_ENV, "hologram")  # not a method: the usual choice
    assert picture.method() is HalfcellImage  # pytest's stdout is no terminal


def render(renderable: object, cells: tuple[int, int]) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=cells[0], height=cells[1])
    console.print(renderable)
    return out.getvalue()


def test_a_map_becomes_a_well_formed_sixel_image(map_png: bytes) -> None:
    text = render(sixel.Image(io.BytesIO(map_png), width=40, height=12), (40, 12))
    found = re.search(r"\x1bP[0-9;]*q(.*?)\x1b\\", text, re.DOTALL)
    assert found, "no Sixel image (DCS ... q ... ST) in the output"
    body = found.group(1)
    colours = {int(n) for n in re.findall(r"#(\d+);2;", body)}
    assert len(colours) >= 4  # the map's land, both subjects' colours and the ink at least
    bands = body.rstrip("-").count("-") + 1  # bands of six pixel rows, "-" between them
    declared = re.match(r'"1;1;(\d+);(\d+)', body)
    assert declared is not None
    width_px, height_px = int(declared.group(1)), int(declared.group(2))
    assert bands == -(-height_px // 6) and width_px > 0


def test_a_map_becomes_a_kitty_transmission_of_a_png(
    map_png: bytes, capfd: pytest.CaptureFixture[str]
) -> None:
    image = tgp.Image(io.BytesIO(map_png), width=40, height=12)
    render(image, (40, 12))
    sent = capfd.readouterr().out  # the protocol writes to the terminal itself, not via Rich
    chunks = re.findall(r"\x1b_G([^;\x1b]*);?([^\x1b]*)\x1b\\", sent)
    transmit = [(keys, data) for keys, data in chunks if "f=100" in keys or data]
    assert transmit, "no Kitty graphics transmission in the output"
    payload = base64.b64decode("".join(data for _keys, data in transmit))
    sent_png = Image.open(io.BytesIO(payload))
    assert sent_png.format == "PNG" and sent_png.width > 0 and sent_png.height > 0
    image.cleanup()
