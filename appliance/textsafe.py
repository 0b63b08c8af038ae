"""Showing evidence text on a terminal without letting it act on the terminal.

Names, numbers and file names in evidence can carry control characters, escape sequences or
bidirectional overrides (which reorder what a reader sees). Everything shown to a person goes
through ``shown``: such characters become visible escapes (``\\x1b``, ``\\u202e``).
"""

from __future__ import annotations

import unicodedata

_BIDI = {
    "\u061c",
    "\u200e",
    "\u200f",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
}


def shown(text: object) -> str:
    value = str(text)
    # Printable ASCII holds none of the characters escaped below; checking that in C first
    # keeps exports of millions of names, times and references fast.
    if value.isascii() and value.isprintable():
        return value
    out = []
    for ch in value:
        code = ord(ch)
        if ch in _BIDI or unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp", "Cs"}:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
