"""Maps for the storyboard and visit pages, drawn by the maps package.

Kept apart so the report's layout does not depend on how maps are drawn. The maps package
returns, besides the picture, a line of words per numbered mark; the page's own table lists
those events, so only the lines that explain the marks, the background and the caveat are
printed under the picture (the title repeats the page heading and is left out too).
"""

from __future__ import annotations

import re
from dataclasses import replace

from appliance.analyses.cell_sectors import Key, cell_sectors
from appliance.maps.render import MapImage, installed_tiles, occasion_map, visit_map
from appliance.report.content import MapPicture, ReportContent
from appliance.store.case import CaseStore
from appliance.store.home import Home

# Pixels for a map printed the full text width (178 mm): about 150 dots per inch.
WIDTH_PX, HEIGHT_PX = 1200, 800
_NUMBERED = re.compile(r"^\d+\. ")


def _picture(image: MapImage) -> MapPicture:
    legend = [line for line in image.legend[1:] if not _NUMBERED.match(line)]
    return MapPicture(
        png=image.png,
        width_px=image.width_px,
        height_px=image.height_px,
        basemap=image.basemap,
        attribution=image.attribution,
        legend=legend,
    )


def draw_maps(store: CaseStore, content: ReportContent, home: Home) -> ReportContent:
    tiles = installed_tiles(home)
    colocation = content.colocation
    keys: list[Key] = [
        key
        for e in colocation.events
        for key, method in (
            ((e.a_source, e.a_row), e.a_method),
            ((e.b_source, e.b_row), e.b_method),
        )
        if method == "cell"
    ]
    cells = cell_sectors(store, keys) if keys else {}
    occasions = {
        o.number: _picture(
            occasion_map(
                colocation,
                o.number,
                timezone=content.timezone,
                tiles=tiles,
                width_px=WIDTH_PX,
                height_px=HEIGHT_PX,
                cells=cells,
            )
        )
        for o in colocation.occasions
    }
    visits = {
        (index, v.number): _picture(
            visit_map(
                zone.breaches,
                v.number,
                timezone=content.timezone,
                tiles=tiles,
                width_px=WIDTH_PX,
                height_px=HEIGHT_PX,
            )
        )
        for index, zone in enumerate(content.zones)
        for v in zone.breaches.visits
    }
    return replace(content, occasion_maps=occasions, visit_maps=visits)
