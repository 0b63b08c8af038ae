"""Safe streaming XML for the parsers: hostile markup is refused before expat sees it.

The same rules as the GPX parser, worded for any format (``label`` names it in messages):

* A document type or entity declaration is refused while the prolog is read, before the XML
  parser gets the bytes: expat expands internal entities, so a "billion laughs" document would
  otherwise grow without limit. UTF-16 is searched with its NUL bytes removed.
* An XML declaration naming an encoding outside a small set is refused, because in an encoding
  that is not ASCII-compatible "<!DOCTYPE" could be spelled in bytes the check cannot see.
* More than ``MAX_SILENT_BYTES`` read without a single element boundary (one endless tag or
  text node) is refused; callers reset ``silent_bytes`` on each event.
* Whitespace before the XML declaration is skipped (expat alone would refuse the file).

Callers also cap nesting at ``MAX_DEPTH`` and drop each finished element (see ``drop``).
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from typing import Protocol

from appliance.errors import InputTooLarge, NotThisFormat

MAX_DEPTH = 256
MAX_SILENT_BYTES = 16 * 1024 * 1024
CHUNK_BYTES = 64 * 1024

_UNSAFE = re.compile(rb"<!(?i:DOCTYPE|ENTITY)")
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']?([^"'?>\s]*)""")
# ASCII-compatible encodings (so the byte check sees markup as written) and UTF-16 (checked
# with its NUL bytes removed). Anything else could spell "<!DOCTYPE" invisibly.
SAFE_ENCODINGS = frozenset(
    {"utf-8", "ascii", "latin-1", "utf-16", "utf-16-le", "utf-16-be"}
    | {f"iso8859-{n}" for n in range(1, 16)}
    | {f"cp{n}" for n in range(1250, 1259)}
)


class Readable(Protocol):
    """What the XML parser reads from: a binary stream, a zip member, a bounded reader."""

    def read(self, size: int = -1, /) -> bytes: ...


class GuardedStream:
    """The byte stream as the XML parser reads it, checked on the way in.

    Until the root element has started (the caller clears ``in_prolog``), each chunk, with the
    end of the previous one so a keyword split between chunks is still seen, is searched for
    DTD markup. Always, the number of bytes read since the last element boundary is capped.
    """

    def __init__(self, raw: Readable, label: str) -> None:
        self._raw = raw
        self._label = label
        self._tail = b""
        self._first = True
        self.in_prolog = True
        self.silent_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size if size > 0 else CHUNK_BYTES)
        if self._first:
            data = self._skip_leading_space(data, size)
        if self.in_prolog:
            window = (self._tail + data).replace(b"\x00", b"")
            if _UNSAFE.search(window):
                raise NotThisFormat(
                    f"the {self._label} file contains a document type or entity declaration; "
                    "it is refused because entities can expand without limit.",
                    f"{self._label} never needs a DOCTYPE: remove it from a copy, or check the "
                    "file's origin.",
                )
            if self._first:
                check_declared_encoding(window, self._label)
            self._tail = data[-32:]
            self._first = False
        self.silent_bytes += len(data)
        if self.silent_bytes > MAX_SILENT_BYTES:
            raise InputTooLarge(
                f"the {self._label} file has more than {MAX_SILENT_BYTES // (1024 * 1024)} MiB "
                f"inside one tag or text node; no {self._label} value is that long.",
                "Check the file: it is damaged or built to exhaust memory.",
            )
        return data

    def _skip_leading_space(self, data: bytes, size: int) -> bytes:
        """The first chunk without whitespace before the XML declaration.

        OsmAnd writes a newline before ``<?xml``; expat rejects that ("XML declaration not at
        start"), yet the file is otherwise sound, so the stray space is skipped.
        """
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        body = data[len(bom) :].lstrip(b" \t\r\n")
        while data and not body:
            self.silent_bytes += len(data)
            data = self._raw.read(size if size > 0 else CHUNK_BYTES)
            body = data.lstrip(b" \t\r\n")
            if self.silent_bytes > MAX_SILENT_BYTES:
                break
        return bom + body


def check_declared_encoding(head: bytes, label: str) -> None:
    """NotThisFormat if the XML declaration names an encoding the DTD check cannot see through."""
    match = _DECLARED_ENCODING.search(head[:1024])
    if match is None:
        return
    declared = match.group(1).decode("ascii", errors="replace")
    try:
        known = codecs.lookup(declared).name
    except LookupError:
        known = ""
    if known not in SAFE_ENCODINGS:
        raise NotThisFormat(
            f"the {label} file declares the encoding {declared[:60]!r}, which is not read.",
            "Convert a copy to UTF-8 and read that.",
        )


def too_deep(label: str) -> InputTooLarge:
    return InputTooLarge(
        f"the {label} file nests elements more than {MAX_DEPTH} deep.",
        "Check the file: it is damaged or built to exhaust memory.",
    )


def drop(stack: list[ET.Element], elem: ET.Element) -> None:
    """Detach a finished element from its parent, so memory holds one path, not the tree.

    The tree runs ahead of the events (a whole chunk is parsed before its events are read), so
    later siblings may already be attached; earlier ones were dropped at their own end, so a
    finished element is its parent's first child.
    """
    if stack and len(stack[-1]) and stack[-1][0] is elem:
        del stack[-1][0]


def split_tag(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag such as ``{ns}Placemark``."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag
