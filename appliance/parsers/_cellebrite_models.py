"""Decoding each kind of Cellebrite model: calls and messages, locations, contacts and
accounts, and the device files a model was decoded from."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

from appliance.model import (
    Communication,
    DirectoryEntry,
    Observation,
    Record,
    Rejection,
    SourceReference,
    Warning,
)
from appliance.parsers._cellebrite_parties import (
    PLACEHOLDER_LINE,
    TO_ROLES,
    Chat,
    Owners,
    Party,
    direction_field,
    other_party,
    party_models,
)
from appliance.parsers._cellebrite_values import MAX_IDENTIFIER_CHARS, ModelValues, Reject, short
from appliance.parsers._csvutil import position_problem, quote, read_float

KINDS = {"Call": "voice", "SMS": "sms", "MMS": "mms", "InstantMessage": "chat"}
ROW_TYPES = frozenset({*KINDS, "Location"})
# Contacts and accounts say who an identifier is; they become directory entries, not rows.
DIRECTORY_TYPES = {"Contact": "contact", "UserAccount": "account"}
_ENTRY_TYPES = frozenset({"PhoneNumber", "UserID", "EmailAddress"})
MAX_PATH_CHARS = 4096

_METHOD_WORDS = (
    ("gps", "gps"),
    ("gnss", "gps"),
    ("satellite", "gps"),
    ("wi-fi", "wifi"),
    ("wifi", "wifi"),
    ("wlan", "wifi"),
    ("cell", "cell"),
    ("fused", "fused"),
)
_TIMESPAN = re.compile(r"(?:(\d{1,5})\.)?(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d{1,9})?)")
_SECONDS = re.compile(r"\d{1,9}(?:\.\d{1,9})?")
_METRES = re.compile(r"(\d{1,9}(?:\.\d{1,9})?)\s*(?:m|metres|meters)?", re.IGNORECASE)


@dataclass
class OpenRow:
    elem: ET.Element
    number: int
    chat: Chat | None


class ModelDecoder:
    """Each kind of model decoded into records: a row (communication or location), a directory
    entry, a source file reference."""

    def __init__(self, values: ModelValues, owners: Owners) -> None:
        self.values = values
        self.owners = owners

    def row(self, row: OpenRow) -> Iterator[Record]:
        kind = row.elem.get("type", "")
        try:
            if kind == "Location":
                records = self._location(row.number, row.elem)
            else:
                records = self._communication(row.number, row.elem, KINDS[kind], row.chat)
        except Reject as exc:
            yield Rejection(row.number, str(exc))
            return
        model_id = row.elem.get("id")
        for record in records:
            if model_id and isinstance(record, Communication | Observation):
                # The model's id links the row to the report's source-file information.
                record = dataclasses.replace(record, item_ref=model_id)
            yield record
        yield from _state_warnings(row.number, row.elem)

    def _communication(
        self, number: int, elem: ET.Element, kind: str, chat: Chat | None
    ) -> list[Record]:
        values = self.values
        fields = values.fields(elem)
        time, flag, notes = values.time(number, fields)
        parties: list[Party] = []
        for child in elem:
            name = child.get("name", "")
            if values.local(child.tag) in ("modelField", "multiModelField") and name in (
                "Parties",
                "From",
                "To",
            ):
                parties.extend(party_models(values, child, name))
        if not parties:
            raise Reject("no parties: the record names no caller, sender or recipient")
        if kind == "chat" and any(
            p.role == "from" and p.raw.casefold() == "system message" for p in parties
        ):
            raise Reject("a WhatsApp 'System message' (an app event), not a communication")

        line = self.owners.line(number, parties, chat, notes)
        mine = [p.owner or (line != PLACEHOLDER_LINE and p.identifier == line) for p in parties]
        others = [p for p, own in zip(parties, mine, strict=True) if not own]
        own_roles = {p.role for p, own in zip(parties, mine, strict=True) if own}

        by_parties: str | None = None
        if own_roles and own_roles <= {"from"}:
            by_parties = "out"
        elif own_roles and own_roles <= TO_ROLES:
            by_parties = "in"
        by_field = direction_field(values, fields)
        other_roles = {p.role for p in others}
        by_others: str | None = None
        if other_roles and other_roles <= {"from"}:
            by_others = "in"
        elif other_roles and other_roles <= TO_ROLES:
            by_others = "out"
        direction = by_parties or (by_field[0] if by_field else None) or by_others
        if direction is None:
            raise Reject(
                "direction unknown: no party is the phone owner, no Direction, Type or Folder "
                "field says which way, and the parties' roles do not tell"
            )
        if by_parties and by_field and by_field[0] != by_parties:
            notes.append(
                Warning(
                    number,
                    f"{by_field[1]} {quote(by_field[2])} says {by_field[0]}, but the phone owner "
                    f"is a {sorted(own_roles)[0]} party; the direction follows the parties",
                )
            )

        other = other_party(number, direction, others, chat, notes)
        duration = self._duration(number, fields, notes) if kind == "voice" else None
        record = Communication(
            row=number,
            time=time,
            kind=kind,
            direction=direction,
            line=line,
            other=other,
            duration_s=duration,
            time_flag=flag,
        )
        return [record, *notes]

    def _duration(
        self, number: int, fields: dict[str, ET.Element], notes: list[Record]
    ) -> float | None:
        raw = self.values.value(fields.get("Duration"))
        if not raw:
            return None
        match = _TIMESPAN.fullmatch(raw)
        if match is not None:
            days, hours, minutes, seconds = match.groups()
            if int(minutes) < 60 and float(seconds) < 60:
                return (int(days or 0) * 86_400 + int(hours) * 3_600 + int(minutes) * 60) + float(
                    seconds
                )
        elif _SECONDS.fullmatch(raw):
            return float(raw)
        notes.append(Warning(number, f"unreadable Duration {quote(raw)}; duration left unknown"))
        return None

    def _location(self, number: int, elem: ET.Element) -> list[Record]:
        values = self.values
        fields = values.fields(elem)
        time, flag, notes = values.time(number, fields)
        coordinate = fields
        for child in elem:
            if values.local(child.tag) == "modelField" and child.get("name") == "Position":
                for model in child:
                    if values.local(model.tag) == "model":
                        coordinate = values.fields(model)
                        break
        lat_text = values.value(coordinate.get("Latitude"))
        lon_text = values.value(coordinate.get("Longitude"))
        if not lat_text or not lon_text:
            raise Reject("no position: the Location has no Latitude and Longitude")
        try:
            lat = read_float(lat_text, "latitude")
            lon = read_float(lon_text, "longitude")
        except ValueError as exc:
            raise Reject(str(exc)) from None
        problem = position_problem(lat, lon)
        if problem is not None:
            raise Reject(problem)
        radius: float | None = None
        for name in ("Precision", "Accuracy"):
            raw = values.value(fields.get(name)) or values.value(coordinate.get(name))
            if not raw:
                continue
            match = _METRES.fullmatch(raw)
            if match is None:
                notes.append(
                    Warning(number, f"{name} {quote(raw)} is not a distance in metres; ignored")
                )
            else:
                radius = float(match.group(1))
            break
        method = "unknown"
        for name in ("Source", "Type", "Origin"):
            raw = values.value(fields.get(name))
            if raw:
                method = _method(raw)
                break
        record = Observation(
            row=number, time=time, lat=lat, lon=lon, radius_m=radius, method=method, time_flag=flag
        )
        return [record, *notes]

    def source_files(self, extra: ET.Element) -> Iterator[Record]:
        """A SourceReference per ``nodeInfo`` of an ``extraInfo`` (model id -> device file)."""
        item = extra.get("id", "")
        for node in extra.iter():
            if self.values.local(node.tag) != "nodeInfo":
                continue
            path = (node.get("path") or node.get("name") or "").strip()
            if path and len(path) <= MAX_PATH_CHARS:
                yield SourceReference(
                    item, path, _whole(node.get("offset")), _whole(node.get("size"))
                )

    def directory(self, model: ET.Element, number: int) -> Iterator[Record]:
        """One entry per identifier of a Contact or UserAccount model (PhoneNumber, UserID and
        EmailAddress entries; a UserID whose category is a name is a name, not an identifier).
        """
        values = self.values
        fields = values.fields(model)
        name = values.value(fields.get("Name")) or values.value(fields.get("Username"))
        service = values.value(fields.get("Source")) or values.value(fields.get("ServiceType"))
        kind = DIRECTORY_TYPES[model.get("type", "")]
        deleted = model.get("deleted_state", "") == "Deleted"
        seen: set[str] = set()
        for group in model:
            if values.local(group.tag) != "multiModelField" or group.get("name") != "Entries":
                continue
            for entry in group:
                if values.local(entry.tag) != "model" or entry.get("type") not in _ENTRY_TYPES:
                    continue
                entry_fields = values.fields(entry)
                category = (values.value(entry_fields.get("Category")) or "").lower()
                raw = values.value(entry_fields.get("Value"))
                if raw is None or "name" in category or len(raw) > MAX_IDENTIFIER_CHARS:
                    continue
                if entry.get("type") == "EmailAddress":
                    identifier = raw.strip().lower()
                else:
                    identifier = values.identifier(raw)
                if identifier and identifier not in seen:
                    seen.add(identifier)
                    yield DirectoryEntry(number, kind, identifier, name, service, deleted)


def _whole(text: str | None) -> int | None:
    """A non-negative whole number attribute, or None when absent or not one."""
    value = (text or "").strip()
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _method(source: str) -> str:
    word = source.strip().lower()
    if word == "network":
        return "fused"
    for key, method in _METHOD_WORDS:
        if key in word:
            return method
    return "unknown"


def _state_warnings(number: int, model: ET.Element) -> list[Record]:
    state = (model.get("deleted_state") or "").strip()
    confidence = (model.get("decoding_confidence") or "").strip()
    doubtful = bool(confidence) and confidence != "High"
    if state and state not in ("Intact", "Unknown"):
        message = f"deleted record (deleted_state={short(state)})"
        if doubtful:
            message += f", decoding_confidence={short(confidence)}"
        return [Warning(number, message)]
    if doubtful:
        return [
            Warning(
                number,
                f"decoding_confidence={short(confidence)}: the decoder was not sure of this record",
            )
        ]
    return []
