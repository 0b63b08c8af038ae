"""A palette PNG placed in the PDF as it is: its compressed rows, its palette, no re-encoding.

reportlab would expand every map to 24-bit RGB and compress that again, about half as large
again as the palette PNG the maps package draws. PDF reads PNG's compressed rows directly
(Flate with the PNG predictors) with an indexed colour space, so the report carries each map
at the PNG's own size, which keeps the demo report well under the one-megabyte limit of the
prosecution's transmission link, with pixels identical to the PNG.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFName,
    PDFObject,
    PDFStream,
)
from reportlab.platypus import Flowable

from appliance.errors import ReportError

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PALETTE = 3


@dataclass(frozen=True)
class PalettePNG:
    width: int
    height: int
    bit_depth: int
    palette: bytes
    rows: bytes  # the IDAT data: zlib-compressed, PNG-filtered scanlines

    @classmethod
    def parse(cls, data: bytes) -> PalettePNG:
        if not data.startswith(_SIGNATURE):
            raise ReportError("a map is not a PNG image.", "Report this as a fault in the maps.")
        offset, header, palette, rows = len(_SIGNATURE), b"", b"", bytearray()
        while offset + 8 <= len(data):
            length, kind = struct.unpack(">I4s", data[offset : offset + 8])
            body = data[offset + 8 : offset + 8 + length]
            offset += 12 + length
            if kind == b"IHDR":
                header = body
            elif kind == b"PLTE":
                palette = body
            elif kind == b"IDAT":
                rows += body
            elif kind == b"IEND":
                break
        width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", header)
        if colour != _PALETTE or interlace or not palette:
            raise ReportError(
                "a map is not a plain palette PNG (colour type 3, not interlaced).",
                "Report this as a fault in the maps.",
            )
        return cls(width, height, depth, palette, bytes(rows))


class _Hex(PDFObject):
    """A PDF hexadecimal string, for the palette's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: object) -> bytes:
        return b"<" + self.data.hex().encode("ascii") + b">"


def _xobject(png: PalettePNG) -> PDFStream:
    entries = len(png.palette) // 3
    d = PDFDictionary()
    d["Type"] = PDFName("XObject")
    d["Subtype"] = PDFName("Image")
    d["Width"] = png.width
    d["Height"] = png.height
    d["BitsPerComponent"] = png.bit_depth
    d["ColorSpace"] = PDFArray(
        [PDFName("Indexed"), PDFName("DeviceRGB"), entries - 1, _Hex(png.palette)]
    )
    d["Filter"] = PDFName("FlateDecode")
    parms = PDFDictionary()
    parms["Predictor"] = 15
    parms["Colors"] = 1
    parms["BitsPerComponent"] = png.bit_depth
    parms["Columns"] = png.width
    d["DecodeParms"] = parms
    return PDFStream(d, png.rows)


class PNGFlowable(Flowable):
    """A palette PNG drawn ``width`` x ``height`` points; stored once however often drawn."""

    def __init__(self, data: bytes, width: float, height: float) -> None:
        super().__init__()
        self.png = PalettePNG.parse(data)
        self.width, self.height = width, height
        self.key = "png" + hashlib.sha256(data).hexdigest()[:24]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        # reportlab's own drawImage does these steps; its internals are not in the stubs.
        canvas: Any = self.canv
        doc = canvas._doc
        name = doc.getXObjectName(self.key)
        if doc.idToObject.get(name) is None:
            doc.Reference(_xobject(self.png), name)
        canvas.saveState()
        canvas.scale(self.width, self.height)
        canvas._code.append(f"/{name} Do")
        canvas.restoreState()
        canvas._formsinuse.append(self.key)  # lists the image in this page's resources
