"""The registry of parsers: each parser module registers itself on its last line."""

from __future__ import annotations

import importlib
import pkgutil

from appliance.errors import FormatNotRecognised
from appliance.parsers.base import Parser, Probe

_PARSERS: dict[str, type[Parser]] = {}
_LOADED = False


def register(parser: type[Parser]) -> type[Parser]:
    """Add ``parser``; a second parser with the same name is a programming error."""
    if parser.name in _PARSERS and _PARSERS[parser.name] is not parser:
        raise ValueError(f"two parsers are called {parser.name!r}")
    _PARSERS[parser.name] = parser
    return parser


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    import appliance.parsers as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in {"base", "registry"} and not info.name.startswith("_"):
            importlib.import_module(f"appliance.parsers.{info.name}")
    _LOADED = True


def all_parsers() -> list[type[Parser]]:
    """Every registered parser, in detection order."""
    _load_all()
    return sorted(_PARSERS.values(), key=lambda p: (p.priority, p.name))


def by_name(name: str) -> type[Parser]:
    _load_all()
    try:
        return _PARSERS[name]
    except KeyError:
        known = ", ".join(sorted(_PARSERS))
        raise FormatNotRecognised(
            f"there is no format called {name!r}.", f"Known formats: {known}."
        ) from None


def detect(probe: Probe) -> tuple[type[Parser], str]:
    """The first parser that recognises ``probe``, with its stated reason."""
    for parser in all_parsers():
        reason = parser.recognise(probe)
        if reason:
            return parser, reason
    raise FormatNotRecognised(
        f"{probe.name}: no parser recognises this file.",
        "Name the format with --format (see the README's format list), or check the file.",
    )
