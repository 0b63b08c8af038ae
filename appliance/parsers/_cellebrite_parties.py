"""Who a Cellebrite row is between: its parties, its chat, the owner's line, the direction and
the other party."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field

from appliance.model import Record, Warning
from appliance.parsers._cellebrite_values import MAX_IDENTIFIER_CHARS, ModelValues, Reject
from appliance.parsers._csvutil import quote

PLACEHOLDER_LINE = "owner"

TO_ROLES = frozenset({"to", "cc", "bcc"})
_DIRECTION_FIELDS = ("Direction", "Type", "Folder")
_DIRECTION_WORDS = {
    "incoming": "in",
    "missed": "in",
    "rejected": "in",
    "declined": "in",
    "blocked": "in",
    "inbox": "in",
    "received": "in",
    "outgoing": "out",
    "dialed": "out",
    "dialled": "out",
    "sent": "out",
    "outbox": "out",
}


@dataclass
class Party:
    role: str  # lower case: from, to, cc, bcc, general or ""
    identifier: str  # normalised; "" when the party has none
    raw: str
    name: str
    owner: bool


@dataclass
class Chat:
    elem: ET.Element
    id: str | None = None
    owner: str | None = None
    others: list[str] = field(default_factory=list)

    def peer(self) -> str | None:
        """Who a message with no named recipient went to: the one other participant, or the
        chat itself (a group's id)."""
        if len(self.others) == 1:
            return self.others[0]
        return self.id


def party_models(
    values: ModelValues, container: ET.Element, container_name: str, in_row: bool = True
) -> list[Party]:
    parties: list[Party] = []
    default_role = container_name.lower() if container_name in ("From", "To") else ""
    for model in container:
        if values.local(model.tag) != "model" or model.get("type") != "Party":
            continue
        fields = values.fields(model)
        raw = values.value(fields.get("Identifier")) or ""
        if len(raw) > MAX_IDENTIFIER_CHARS:
            if not in_row:
                continue  # a Chat participant that cannot be anyone's number: left out
            raise Reject(f"party identifier longer than {MAX_IDENTIFIER_CHARS} characters")
        role = (values.value(fields.get("Role")) or default_role).lower()
        owner = (values.value(fields.get("IsPhoneOwner")) or "").lower() == "true"
        name = values.value(fields.get("Name")) or ""
        identifier = values.identifier(raw) if raw else ""
        parties.append(Party(role, identifier, raw, name, owner))
    return parties


def chat_part(values: ModelValues, chat: Chat, elem: ET.Element) -> None:
    if values.local(elem.tag) == "field":
        raw = values.value(elem)
        if raw and len(raw) <= MAX_IDENTIFIER_CHARS:
            chat.id = values.identifier(raw)
        return
    for party in party_models(values, elem, "Participants", in_row=False):
        if not party.identifier:
            continue
        if party.owner and chat.owner is None:
            chat.owner = party.identifier
        elif not party.owner and party.identifier not in chat.others and len(chat.others) < 2:
            # Two are enough to know the chat has no single peer; a big group stays small.
            chat.others.append(party.identifier)


def direction_field(
    values: ModelValues, fields: dict[str, ET.Element]
) -> tuple[str, str, str] | None:
    for name in _DIRECTION_FIELDS:
        value = values.value(fields.get(name))
        if not value:
            continue
        word = value.strip().lower()
        if name == "Folder" and word.startswith("draft"):
            raise Reject(f"Folder {quote(value)}: a draft was never sent")
        if word in _DIRECTION_WORDS:
            return _DIRECTION_WORDS[word], name, value
    return None


def other_party(
    number: int,
    direction: str,
    others: list[Party],
    chat: Chat | None,
    notes: list[Record],
) -> str | None:
    if direction == "out":
        preferred = [p for p in others if p.role in TO_ROLES]
    else:
        preferred = [p for p in others if p.role == "from"]
    candidates = preferred or others
    if not candidates:
        peer = chat.peer() if chat is not None else None
        if peer:
            return peer
        raise Reject("no party other than the phone owner")
    first = candidates[0]
    if len(candidates) > 1:
        named = ", ".join(quote(p.identifier or p.name) for p in candidates[:5])
        notes.append(
            Warning(
                number,
                f"{len(candidates)} other parties ({named}); "
                "the first is recorded as the other party",
            )
        )
    if not first.identifier:
        notes.append(
            Warning(
                number,
                "the other party has no identifier"
                + (f" (name {quote(first.name)})" if first.name else ""),
            )
        )
        return None
    return first.identifier


class Owners:
    """Who the phone owner is when a row does not say: the report's MSISDN, else a placeholder."""

    def __init__(self, values: ModelValues) -> None:
        self.values = values
        self.report_owner: str | None = None
        self.msisdns: set[str] = set()
        self.placeholder_warned = False

    def metadata_item(self, elem: ET.Element, row: int) -> Iterator[Record]:
        if "msisdn" not in (elem.get("name") or "").lower():
            return
        raw = (elem.text or "").strip()
        if not raw or len(raw) > MAX_IDENTIFIER_CHARS:
            return
        number = self.values.identifier(raw)
        if number in self.msisdns:
            return
        self.msisdns.add(number)
        if self.report_owner is None:
            self.report_owner = number
            return
        yield Warning(
            row,
            f"the report names a further owner number (MSISDN) {quote(number)}; "
            f"{quote(self.report_owner)} is the line of records that name no owner",
        )

    def line(
        self, number: int, parties: list[Party], chat: Chat | None, notes: list[Record]
    ) -> str:
        for party in parties:
            if party.owner and party.identifier:
                return party.identifier
        if chat is not None and chat.owner:
            return chat.owner
        if self.report_owner:
            return self.report_owner
        if not self.placeholder_warned:
            self.placeholder_warned = True
            notes.append(
                Warning(
                    number,
                    "no phone owner is named (no IsPhoneOwner party, no MSISDN in the report's "
                    f"metadata): the line is the placeholder {PLACEHOLDER_LINE!r} here and in "
                    "every later record without one",
                )
            )
        return PLACEHOLDER_LINE
