"""A map on the page: the picture at a fixed width, its attribution and legend beneath it.

Regulators warn that a technician's map is read in court as exact, so a map never appears
without its legend (what each mark and circle means) and the source of its background.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether

from appliance.report.content import MapPicture
from appliance.report.pngimage import PNGFlowable
from appliance.report.styles import SMALL, TINY, WIDTH, p

MAP_HEIGHT_MAX = 118 * mm


def map_block(picture: MapPicture | None, max_height: float = MAP_HEIGHT_MAX) -> list[Flowable]:
    if picture is None:
        return [p("No map: no position could be drawn for this page.", SMALL)]
    width = WIDTH
    height = width * picture.height_px / picture.width_px
    if height > max_height:
        width, height = width * max_height / height, max_height
    image = PNGFlowable(picture.png, width, height)
    # The maps' own words say what each mark means and where the background comes from
    # (tile pack and attribution, or the grid where no tiles cover the area).
    lines = [p(line, TINY) for line in picture.legend]
    return [KeepTogether([image, *lines])]
