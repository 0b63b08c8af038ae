"""Parsing of the command line's distances (``500m``, ``1.5km``) and durations (``5min``)."""

from __future__ import annotations

import re

from appliance.errors import UsageError

_NUMBER = r"(\d+(?:\.\d+)?)"
_DISTANCE = re.compile(rf"^\s*{_NUMBER}\s*(m|km)?\s*$", re.IGNORECASE)
_DURATION = re.compile(rf"^\s*{_NUMBER}\s*(s|sec|min|h)?\s*$", re.IGNORECASE)
_DURATION_FACTORS = {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0}


def parse_distance_m(text: str) -> float:
    """Metres from ``500m``, ``0.5km`` or a bare number of metres."""
    match = _DISTANCE.match(text)
    if not match:
        raise UsageError(
            f"cannot read the distance {text!r}.", "Write it as a number with m or km, e.g. 500m."
        )
    value = float(match.group(1))
    return value * 1000.0 if (match.group(2) or "m").lower() == "km" else value


def parse_duration_s(text: str) -> float:
    """Seconds from ``300s``, ``5min``, ``1h`` or a bare number of seconds."""
    match = _DURATION.match(text)
    if not match:
        raise UsageError(
            f"cannot read the duration {text!r}.",
            "Write it as a number with s, min or h, e.g. 5min.",
        )
    return float(match.group(1)) * _DURATION_FACTORS[(match.group(2) or "s").lower()]


_SIZE = re.compile(rf"^\s*{_NUMBER}\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)
_SIZE_FACTORS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """Bytes from ``64G``, ``512MiB``, ``100k`` or a bare number of bytes (binary multiples)."""
    match = _SIZE.match(text)
    if not match:
        raise UsageError(
            f"cannot read the size {text!r}.", "Write it as a number with K, M, G or T, e.g. 64G."
        )
    return int(float(match.group(1)) * _SIZE_FACTORS[match.group(2).lower()])
