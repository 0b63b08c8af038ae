"""Loading the analyses' SQL files, shipped as package data beside the code that runs them."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(name: str) -> str:
    """The text of ``appliance/analyses/<name>.sql``."""
    return (resources.files("appliance.analyses") / f"{name}.sql").read_text(encoding="utf-8")
