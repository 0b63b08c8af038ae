"""Reading a Cellebrite model's parts: local names, fields, values, times and identifiers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime

from appliance.identifiers import normalise_phone
from appliance.model import Record, Warning
from appliance.parsers._csvutil import read_time, time_flag_warning
from appliance.parsers.base import ParseContext
from appliance.timeutil import iso_z, parse_iso

PA_NAMESPACE = "http://pa.cellebrite.com/report/2.0"

MAX_IDENTIFIER_CHARS = 256
_JID = re.compile(r"\+?(\d{5,17})@(?:s\.whatsapp\.net|c\.us)", re.IGNORECASE)


class Reject(Exception):
    """A row that cannot be loaded; the text is the rejection reason."""


def short(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


class ModelValues:
    """One report's names and values: local names under its namespace, a model's fields,
    a field's value, its time, a party's identifier (read in the source's zone and region)."""

    def __init__(self, context: ParseContext) -> None:
        self.context = context
        self.prefix = ""

    def local(self, tag: str) -> str:
        if self.prefix:
            return tag[len(self.prefix) :] if tag.startswith(self.prefix) else ""
        return "" if tag.startswith("{") else tag

    def fields(self, model: ET.Element) -> dict[str, ET.Element]:
        """The model's own ``<field>`` children by name (the first of a repeated name)."""
        found: dict[str, ET.Element] = {}
        for child in model:
            if self.local(child.tag) == "field":
                found.setdefault(child.get("name", ""), child)
        return found

    def value(self, elem: ET.Element | None) -> str | None:
        """The text of a field's first ``<value>`` (an item's own text), trimmed; None if empty."""
        if elem is None:
            return None
        if self.local(elem.tag) == "item":
            text = elem.text
        else:
            text = next((child.text for child in elem if self.local(child.tag) == "value"), None)
        text = (text or "").strip()
        return text or None

    def time(
        self, number: int, fields: dict[str, ET.Element]
    ) -> tuple[datetime, str | None, list[Record]]:
        elem = fields.get("TimeStamp")
        value = None
        if elem is not None:
            value = next((c for c in elem if self.local(c.tag) == "value"), None)
        raw = (value.text or "").strip() if value is not None else ""
        shown = (value.get("formattedTimestamp") or "").strip() if value is not None else ""
        text = raw or shown
        if not text:
            raise Reject("no time: the record has no TimeStamp")
        tz = self.context.timezone
        try:
            placed, flag = read_time(text, "TimeStamp", tz)
        except ValueError as exc:
            raise Reject(str(exc)) from None
        notes: list[Record] = []
        if flag is not None:
            notes.append(time_flag_warning(number, text, flag, tz, placed))
        if raw and shown and parse_iso(raw).tzinfo is None:
            try:
                displayed = parse_iso(shown)
                if displayed.tzinfo is not None:
                    displayed_utc, _ = read_time(shown, "formattedTimestamp", tz)
                    if abs((displayed_utc - placed).total_seconds()) >= 1:
                        notes.append(
                            Warning(
                                number,
                                f"TimeStamp {short(raw)} has no offset and was read in {tz} "
                                f"as {iso_z(placed)}; the report displays it as {short(shown)} "
                                f"({iso_z(displayed_utc)}): check the zone declared for this "
                                "source",
                            )
                        )
            except (ValueError, OverflowError):
                pass
        return placed, flag, notes

    def identifier(self, raw: str) -> str:
        text = raw.strip()
        jid = _JID.fullmatch(text)
        if jid is not None:
            return normalise_phone("+" + jid.group(1), self.context.region)
        return normalise_phone(text, self.context.region)
