"""How the base map looks: colours and widths, close to OpenStreetMap's standard style so an
officer recognises it, but quiet, so the evidence drawn on top stands out."""

from __future__ import annotations

RGB = tuple[int, int, int]

LAND: RGB = (242, 239, 233)
AREA_FILL: dict[str, RGB] = {
    "park": (205, 235, 176),
    "pitch": (170, 224, 203),
    "wood": (173, 209, 158),
    "water": (170, 211, 223),
    "building": (217, 208, 201),
}
BUILDING_EDGE: RGB = (196, 182, 171)
WATERWAY: RGB = (170, 211, 223)
RAIL: RGB = (112, 112, 112)
CASING: RGB = (190, 180, 170)
ROAD_FILL: dict[str, RGB] = {
    "motorway": (232, 146, 162),
    "trunk": (249, 178, 156),
    "primary": (252, 214, 164),
    "secondary": (246, 250, 187),
    "tertiary": (255, 255, 255),
    "minor": (255, 255, 255),
    "service": (255, 255, 255),
    "path": (250, 128, 114),
}
# Widths in pixels at zoom 16, halved for each zoom out (never below a hairline).
ROAD_WIDTH_Z16: dict[str, float] = {
    "motorway": 11.0,
    "trunk": 10.0,
    "primary": 9.0,
    "secondary": 8.0,
    "tertiary": 7.0,
    "minor": 5.5,
    "service": 3.0,
    "path": 1.2,
}
# Order within the road layer: small roads first, so main roads cross over them.
ROAD_ORDER = ("path", "service", "minor", "tertiary", "secondary", "primary", "trunk", "motorway")
MIN_ZOOM: dict[str, int] = {"building": 14, "path": 15, "service": 14, "stream": 14}


def road_width(kind: str, zoom: int) -> float:
    return max(0.6, ROAD_WIDTH_Z16[kind] * 2.0 ** (zoom - 16))


# Transit lines (``lines``) in their operators' colours where the name is known, so an officer
# reads "the Victoria line" off the map; any other line is drawn in TRANSIT_OTHER.
TRANSIT: dict[str, RGB] = {
    "Bakerloo": (178, 99, 0),
    "Central": (220, 36, 31),
    "Circle": (255, 211, 41),
    "District": (0, 125, 50),
    "DLR": (0, 175, 173),
    "Hammersmith & City": (244, 169, 190),
    "Jubilee": (161, 165, 167),
    "Metropolitan": (155, 0, 88),
    "Northern": (0, 0, 0),
    "Piccadilly": (0, 25, 168),
    "Victoria": (0, 152, 216),
    "Waterloo & City": (147, 206, 186),
}
TRANSIT_OTHER: RGB = (90, 90, 90)


def transit_width(zoom: int) -> float:
    return max(1.2, 4.0 * 2.0 ** (zoom - 16))
