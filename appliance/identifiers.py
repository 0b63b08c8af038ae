"""Normalisation of identifiers so the same line written two ways is one line.

Phone numbers become E.164 with ``phonenumbers`` (default region GB), so ``07700 900123``,
``+447700900123`` and ``00447700900123`` are all ``+447700900123``. What cannot be read as a
phone number (short codes, alphanumeric sender names) is kept, trimmed, as written: it is still
evidence, only not a dialable number.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "GB"
_SEPARATORS = re.compile(r"[\s().\-/]")


@lru_cache(maxsize=65_536)
def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 for a phone number written in any common form; the cleaned text otherwise."""
    text = raw.strip()
    if not text:
        return ""
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not re.fullmatch(r"\+?\d{5,17}", compact):
        return text
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        return compact
    if not phonenumbers.is_possible_number(number):
        return compact
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def identifier_kind(value: str) -> str:
    """``phone`` for E.164 numbers, ``imei`` for 15-digit IMEIs, else ``account``."""
    if value.startswith("+") and value[1:].isdigit():
        return "phone"
    return "account"
