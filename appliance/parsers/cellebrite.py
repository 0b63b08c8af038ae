"""Cellebrite UFED / Physical Analyzer reports: ``report.xml`` alone, or inside a UFDR container.

The report is XML in the namespace ``http://pa.cellebrite.com/report/2.0``: a ``<project>`` root
with ``<metadata>`` sections and ``<decodedData>``, which holds ``<modelType type="...">`` groups
of ``<model type="..." deleted_state=".." decoding_confidence="..">`` elements made of ``<field>``
(one ``<value>``), ``<modelField>`` (one nested model) and ``<multiModelField>`` (several).
Fragments as test suites keep them, a bare ``<modelType>`` or ``<model>`` root with or without
the namespace, are read the same way (the parse is the same; only detection needs the namespace
or, for a fragment, PA's ``deleted_state``/``decoding_confidence`` attributes).

Rows: rows are Call, SMS, MMS, InstantMessage and Location models, numbered in document order.
A model counts when it stands directly in a ``<modelType>`` (or is the fragment's root), or
stands in the ``Messages`` of a Chat that does (PA puts a chat's InstantMessages there). Models
of those types nested anywhere else are not rows: a quoted or forwarded message
(``EmbeddedInstantMessage``, ``ReplyMessageData``) is a copy of another message, and a
Coordinate inside a Location is its position. Every other model
type (Contact, UserAccount, Chat itself, ...) is read past, not counted. Each row gives one
Communication or Observation, or one Rejection saying why not.

* ``kind``: Call is ``voice`` (whatever the app: a WhatsApp call is a voice call too), SMS ``sms``,
  MMS ``mms``, InstantMessage ``chat``.
* Time: the ``TimeStamp`` field. PA writes ``TimeStampKnown`` values with an offset (kept); a
  value without one (``DateTimeOnly``, e.g. a photo's EXIF time) is local time and is read in
  the source's declared zone, flagged when it falls in a clock change. PA's display form
  (``formattedTimestamp``) carries the offset of the examiner's project settings; when it puts
  such a naive time at another instant, a Warning says so (declare the right zone and reload).
  No time, or one that cannot be read, rejects the row.
* ``line`` is the phone owner's identifier: the row's party with ``IsPhoneOwner=True``; else, for
  a chat message, the Chat participant with ``IsPhoneOwner=True``; else the report's owner
  number, the first metadata item whose name contains ``MSISDN`` (the name aleph's Cellebrite
  ingestor reads; the fixtures carry none); else the placeholder ``owner``, with one Warning at
  the first row that needed it. UserAccount models are not used: a device holds several
  accounts (WhatsApp, Instagram, ...) and they may come after the messages in the file.
  A party whose identifier equals the line is the owner too, flag or not.
* ``direction`` (from the line's point of view): the owner party's role (From -> out; To, Cc or
  Bcc -> in); else the ``Direction``, ``Type`` or ``Folder`` field (Incoming, Missed, Rejected,
  Declined, Blocked, Inbox -> in; Outgoing, Dialed, Sent, Outbox -> out); else the other parties'
  roles (all From -> in, all To -> out). When the parties and a field disagree, the parties win
  and a Warning names the field. A Draft (``Folder``) was never sent and is rejected, as is a row
  whose direction nothing tells.
* ``other``: for out, the first To/Cc/Bcc party that is not the owner; for in, the From party.
  Further candidates are named in a Warning (one Communication per row). A chat message with no
  such party falls back to the Chat: its one non-owner participant, else the Chat's ``Id`` (a
  group's id). A row with no parties at all, or none but the owner and no fallback, is rejected.
  A party without an identifier (a withheld number) leaves ``other`` empty, with a Warning.
* Identifiers are normalised with ``normalise_phone`` in the source's region. A WhatsApp JID of
  a person (``5511999999999@s.whatsapp.net`` or ``@c.us``) is the international number written
  without ``+``, so it becomes ``+5511999999999``; group JIDs (``@g.us``) and other accounts stay
  as written. WhatsApp's ``System message`` pseudo-sender marks an app event (joined a group,
  changed number), not a communication: such rows are rejected.
* Calls: ``Duration`` is a .NET TimeSpan (``00:01:23``, ``1.02:03:04``, fractions allowed) or
  plain seconds; one that cannot be read leaves the duration unknown, with a Warning. Missed and
  rejected calls load as incoming voice records (they are attempts, still evidence).
* Locations: latitude and longitude from the ``Position`` Coordinate (or fields of the Location
  itself); ``Precision`` or ``Accuracy`` in metres when it is a number (else a Warning); the
  method from the ``Source`` field (else ``Type``, ``Origin``): GPS/GNSS -> gps, Wi-Fi/WLAN ->
  wifi, cell -> cell, fused/network -> fused, anything else or nothing -> unknown. Positions out of
  range or at 0,0 are rejected.
* Deleted records are evidence and are loaded, each followed by the Warning
  ``deleted record (deleted_state=Deleted)`` (any state other than Intact or Unknown), with
  ``decoding_confidence`` added when it is not High; an intact record with a confidence other
  than High gets a Warning of its own.

Safety: the document is streamed with ``iterparse`` through GPX's guarded stream (a DTD or
entity declaration is refused before expat sees it; so is an XML declaration naming an encoding
that could hide one; more than 16 MiB inside one tag or text node is refused). Finished elements
are dropped as they end; only the model being read (a row, or a Chat's participants) is kept,
with its unneeded parts (attachments, quoted messages, ...) cleared, and capped at
``MAX_HELD_ELEMENTS`` elements. Nesting deeper than ``MAX_DEPTH`` is refused. XML that breaks
after the root started ends the file with a Warning; a row cut off by the break is rejected.

UFDR: a zip holding ``report.xml`` (in any folder; the shallowest is read, the others named in a
Warning) and the extracted files. The member is streamed out of the zip, never extracted to disk;
its declared size must be at most ``MAX_UFDR_REPORT_BYTES`` and its compression ratio at most
``MAX_UFDR_RATIO``. Damage inside the compressed member ends the file like broken XML.
Detection sees the member names the probe lists (the first 10,000 of the zip's directory); a
UFDR whose report.xml comes later is read when the format is named (``--format ufdr``).
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, ClassVar, cast

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.identifiers import normalise_phone
from appliance.model import (
    Communication,
    DirectoryEntry,
    Observation,
    Record,
    Rejection,
    SourceReference,
    Warning,
)
from appliance.parsers._csvutil import (
    position_problem,
    quote,
    read_float,
    read_time,
    time_flag_warning,
)
from appliance.parsers._xmlsafe import GuardedStream
from appliance.parsers.base import ZIP_ERRORS, ZIP_MAGIC, ParseContext, Parser, Probe
from appliance.parsers.registry import register
from appliance.timeutil import iso_z, parse_iso

PA_NAMESPACE = "http://pa.cellebrite.com/report/2.0"
ROOTS = ("project", "modelType", "model")
KINDS = {"Call": "voice", "SMS": "sms", "MMS": "mms", "InstantMessage": "chat"}
ROW_TYPES = frozenset({*KINDS, "Location"})
# Contacts and accounts say who an identifier is; they become directory entries, not rows.
DIRECTORY_TYPES = {"Contact": "contact", "UserAccount": "account"}
_ENTRY_TYPES = frozenset({"PhoneNumber", "UserID", "EmailAddress"})
MAX_DEPTH = 256
MAX_HELD_ELEMENTS = 100_000
MAX_IDENTIFIER_CHARS = 256
MAX_PATH_CHARS = 4096
# Opening a zip member can fail as any damaged zip can, or with RuntimeError when encrypted.
_MEMBER_ERRORS: tuple[type[Exception], ...] = (RuntimeError, *ZIP_ERRORS)
MAX_UFDR_REPORT_BYTES = 64 * 1024**3
MAX_UFDR_RATIO = 250
PLACEHOLDER_LINE = "owner"

TO_ROLES = frozenset({"to", "cc", "bcc"})
# Sub-fields of a row that are read; every other one is cleared when it ends.
_KEPT = frozenset({"Parties", "From", "To", "Position"})
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
_JID = re.compile(r"\+?(\d{5,17})@(?:s\.whatsapp\.net|c\.us)", re.IGNORECASE)
_TIMESPAN = re.compile(r"(?:(\d{1,5})\.)?(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d{1,9})?)")
_SECONDS = re.compile(r"\d{1,9}(?:\.\d{1,9})?")
_METRES = re.compile(r"(\d{1,9}(?:\.\d{1,9})?)\s*(?:m|metres|meters)?", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(r"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(\s[^>]*)?/?>")


class _StreamDamaged(Exception):
    """The bytes of a zip member could not be read (bad CRC, broken deflate stream)."""


class _Reject(Exception):
    """A row that cannot be loaded; the text is the rejection reason."""


class _ReportStream(GuardedStream):
    """The shared guarded XML stream, with zip damage inside a UFDR caught."""

    def __init__(self, raw: BinaryIO, container: bool) -> None:
        super().__init__(raw, "Cellebrite report")
        self._container = container

    def read(self, size: int = -1) -> bytes:
        try:
            return super().read(size)
        except ZIP_ERRORS as exc:
            if not self._container:
                raise
            raise _StreamDamaged(f"{type(exc).__name__}: {exc}") from None


@dataclass
class _Party:
    role: str  # lower case: from, to, cc, bcc, general or ""
    identifier: str  # normalised; "" when the party has none
    raw: str
    name: str
    owner: bool


@dataclass
class _Chat:
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


@dataclass
class _OpenRow:
    elem: ET.Element
    number: int
    chat: _Chat | None


def _short(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


class _Reader:
    """One pass over one report: the element stack, the chat being read, the row counter."""

    def __init__(self, stream: BinaryIO, context: ParseContext, container: bool) -> None:
        self.guard = _ReportStream(stream, container)
        self.context = context
        self.prefix = ""
        self.root_seen = False
        self.stack: list[ET.Element] = []
        self.row = 0
        self.chats: list[_Chat] = []
        self.held: ET.Element | None = None
        self.held_count = 0
        self.open_row: _OpenRow | None = None
        self.report_owner: str | None = None
        self.msisdns: set[str] = set()
        self.placeholder_warned = False
        self.directory_count = 0
        self.open_extra: ET.Element | None = None
        self.open_directory: tuple[ET.Element, int] | None = None

    # --- the stream -----------------------------------------------------------------------

    def records(self) -> Iterator[Record]:
        try:
            for event, elem in ET.iterparse(self.guard, events=("start", "end")):
                self.guard.silent_bytes = 0
                if event == "start":
                    if not self.root_seen:
                        self._root(elem.tag)
                        self.guard.in_prolog = False
                    self.stack.append(elem)
                    if len(self.stack) > MAX_DEPTH:
                        raise InputTooLarge(
                            f"the Cellebrite report nests elements more than {MAX_DEPTH} deep.",
                            "Check the file: it is damaged or built to exhaust memory.",
                        )
                    self._start(elem)
                else:
                    yield from self._end(elem)
        except (ET.ParseError, _StreamDamaged) as exc:
            if not self.root_seen and isinstance(exc, _StreamDamaged):
                raise NotThisFormat(
                    f"the report inside the container cannot be read ({exc}).",
                    "Check that the file is complete; export the report again if it is.",
                ) from None
            if not self.root_seen:
                raise NotThisFormat(
                    f"the file is not well-formed XML, so it is not a Cellebrite report ({exc}).",
                    "Check that the file is complete and is a Physical Analyzer report.xml.",
                ) from None
            if self.open_row is not None:
                yield Rejection(self.open_row.number, f"model cut off by damaged XML ({exc})")
            yield Warning(
                self.row, f"the report is damaged ({exc}); reading stopped after row {self.row}"
            )

    def _root(self, tag: str) -> None:
        namespace, local = "", tag
        if tag.startswith("{"):
            namespace, _, local = tag[1:].partition("}")
        if local not in ROOTS or namespace not in ("", PA_NAMESPACE):
            raise NotThisFormat(
                f"the root element is {quote(tag)}, not a Cellebrite report's <project> "
                "(or a <modelType> or <model> taken from one).",
                "Choose the parser for this file's real format, or check the file.",
            )
        self.prefix = f"{{{namespace}}}" if namespace else ""
        self.root_seen = True

    def _local(self, tag: str) -> str:
        if self.prefix:
            return tag[len(self.prefix) :] if tag.startswith(self.prefix) else ""
        return "" if tag.startswith("{") else tag

    def _start(self, elem: ET.Element) -> None:
        if self.held is not None:
            self.held_count += 1
            if self.held_count > MAX_HELD_ELEMENTS:
                raise InputTooLarge(
                    f"one model of the Cellebrite report holds more than {MAX_HELD_ELEMENTS} "
                    "elements; no real record is that large.",
                    "Check the file: it is damaged or built to exhaust memory.",
                )
            return
        local = self._local(elem.tag)
        parent = self.stack[-2] if len(self.stack) > 1 else None
        chat = self.chats[-1] if self.chats else None
        if local == "model":
            kind = elem.get("type", "")
            top = parent is None or self._local(parent.tag) == "modelType"
            in_messages = (
                chat is not None
                and parent is not None
                and len(self.stack) > 2
                and self.stack[-3] is chat.elem
                and self._local(parent.tag) == "multiModelField"
                and parent.get("name") == "Messages"
            )
            if kind in ROW_TYPES and (top or in_messages):
                self.row += 1
                self.open_row = _OpenRow(elem, self.row, chat if in_messages else None)
                self.held, self.held_count = elem, 0
            elif kind == "Chat" and top:
                self.chats.append(_Chat(elem))
            elif kind in DIRECTORY_TYPES and top:
                self.directory_count += 1
                self.open_directory = (elem, self.directory_count)
                self.held, self.held_count = elem, 0
        elif local == "extraInfo" and elem.get("type") == "model" and elem.get("id"):
            # After the decoded data: which device files each model was decoded from.
            self.open_extra = elem
            self.held, self.held_count = elem, 0
        elif chat is not None and parent is chat.elem:
            name = elem.get("name")
            if (local == "multiModelField" and name == "Participants") or (
                local == "field" and name == "Id"
            ):
                self.held, self.held_count = elem, 0

    def _end(self, elem: ET.Element) -> Iterator[Record]:
        self.stack.pop()
        local = self._local(elem.tag)
        if self.held is not None and elem is not self.held:
            # Inside the model being kept: drop the parts of a row that are never read.
            row = self.open_row
            if (
                row is not None
                and self.stack
                and self.stack[-1] is row.elem
                and local in ("modelField", "multiModelField", "multiField")
                and elem.get("name") not in _KEPT
            ):
                elem.clear()
            return
        if elem is self.held:
            self.held = None
            row = self.open_row
            if row is not None and elem is row.elem:
                self.open_row = None
                yield from self._row(row)
            elif elem is self.open_extra:
                self.open_extra = None
                yield from self._source_files(elem)
            elif self.open_directory is not None and elem is self.open_directory[0]:
                number = self.open_directory[1]
                self.open_directory = None
                yield from self._directory(elem, number)
            elif self.chats:
                self._chat_part(self.chats[-1], elem)
        elif self.chats and elem is self.chats[-1].elem:
            self.chats.pop()
        elif local == "item":
            yield from self._metadata_item(elem)
        # Drop the finished element. Earlier siblings were dropped at their own ends, so it is
        # its parent's first child (later siblings may already be attached: see gpx.py).
        if self.stack and len(self.stack[-1]) and self.stack[-1][0] is elem:
            del self.stack[-1][0]

    # --- parts of the document that are not rows ------------------------------------------

    def _metadata_item(self, elem: ET.Element) -> Iterator[Record]:
        if "msisdn" not in (elem.get("name") or "").lower():
            return
        raw = (elem.text or "").strip()
        if not raw or len(raw) > MAX_IDENTIFIER_CHARS:
            return
        number = self._identifier(raw)
        if number in self.msisdns:
            return
        self.msisdns.add(number)
        if self.report_owner is None:
            self.report_owner = number
            return
        yield Warning(
            self.row,
            f"the report names a further owner number (MSISDN) {quote(number)}; "
            f"{quote(self.report_owner)} is the line of records that name no owner",
        )

    def _chat_part(self, chat: _Chat, elem: ET.Element) -> None:
        if self._local(elem.tag) == "field":
            raw = self._value(elem)
            if raw and len(raw) <= MAX_IDENTIFIER_CHARS:
                chat.id = self._identifier(raw)
            return
        for party in self._party_models(elem, "Participants", in_row=False):
            if not party.identifier:
                continue
            if party.owner and chat.owner is None:
                chat.owner = party.identifier
            elif not party.owner and party.identifier not in chat.others and len(chat.others) < 2:
                # Two are enough to know the chat has no single peer; a big group stays small.
                chat.others.append(party.identifier)

    # --- rows -----------------------------------------------------------------------------

    def _row(self, row: _OpenRow) -> Iterator[Record]:
        kind = row.elem.get("type", "")
        try:
            if kind == "Location":
                records = self._location(row.number, row.elem)
            else:
                records = self._communication(row.number, row.elem, KINDS[kind], row.chat)
        except _Reject as exc:
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
        self, number: int, elem: ET.Element, kind: str, chat: _Chat | None
    ) -> list[Record]:
        fields = self._fields(elem)
        time, flag, notes = self._time(number, fields)
        parties: list[_Party] = []
        for child in elem:
            name = child.get("name", "")
            if self._local(child.tag) in ("modelField", "multiModelField") and name in (
                "Parties",
                "From",
                "To",
            ):
                parties.extend(self._party_models(child, name))
        if not parties:
            raise _Reject("no parties: the record names no caller, sender or recipient")
        if kind == "chat" and any(
            p.role == "from" and p.raw.casefold() == "system message" for p in parties
        ):
            raise _Reject("a WhatsApp 'System message' (an app event), not a communication")

        line = self._line(number, parties, chat, notes)
        mine = [p.owner or (line != PLACEHOLDER_LINE and p.identifier == line) for p in parties]
        others = [p for p, own in zip(parties, mine, strict=True) if not own]
        own_roles = {p.role for p, own in zip(parties, mine, strict=True) if own}

        by_parties: str | None = None
        if own_roles and own_roles <= {"from"}:
            by_parties = "out"
        elif own_roles and own_roles <= TO_ROLES:
            by_parties = "in"
        by_field = self._direction_field(fields)
        other_roles = {p.role for p in others}
        by_others: str | None = None
        if other_roles and other_roles <= {"from"}:
            by_others = "in"
        elif other_roles and other_roles <= TO_ROLES:
            by_others = "out"
        direction = by_parties or (by_field[0] if by_field else None) or by_others
        if direction is None:
            raise _Reject(
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

        other = self._other(number, direction, others, chat, notes)
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

    def _line(
        self, number: int, parties: list[_Party], chat: _Chat | None, notes: list[Record]
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

    def _direction_field(self, fields: dict[str, ET.Element]) -> tuple[str, str, str] | None:
        for name in _DIRECTION_FIELDS:
            value = self._value(fields.get(name))
            if not value:
                continue
            word = value.strip().lower()
            if name == "Folder" and word.startswith("draft"):
                raise _Reject(f"Folder {quote(value)}: a draft was never sent")
            if word in _DIRECTION_WORDS:
                return _DIRECTION_WORDS[word], name, value
        return None

    def _other(
        self,
        number: int,
        direction: str,
        others: list[_Party],
        chat: _Chat | None,
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
            raise _Reject("no party other than the phone owner")
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

    def _duration(
        self, number: int, fields: dict[str, ET.Element], notes: list[Record]
    ) -> float | None:
        raw = self._value(fields.get("Duration"))
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
        fields = self._fields(elem)
        time, flag, notes = self._time(number, fields)
        coordinate = fields
        for child in elem:
            if self._local(child.tag) == "modelField" and child.get("name") == "Position":
                for model in child:
                    if self._local(model.tag) == "model":
                        coordinate = self._fields(model)
                        break
        lat_text = self._value(coordinate.get("Latitude"))
        lon_text = self._value(coordinate.get("Longitude"))
        if not lat_text or not lon_text:
            raise _Reject("no position: the Location has no Latitude and Longitude")
        try:
            lat = read_float(lat_text, "latitude")
            lon = read_float(lon_text, "longitude")
        except ValueError as exc:
            raise _Reject(str(exc)) from None
        problem = position_problem(lat, lon)
        if problem is not None:
            raise _Reject(problem)
        radius: float | None = None
        for name in ("Precision", "Accuracy"):
            raw = self._value(fields.get(name)) or self._value(coordinate.get(name))
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
            raw = self._value(fields.get(name))
            if raw:
                method = _method(raw)
                break
        record = Observation(
            row=number, time=time, lat=lat, lon=lon, radius_m=radius, method=method, time_flag=flag
        )
        return [record, *notes]

    def _source_files(self, extra: ET.Element) -> Iterator[Record]:
        """A SourceReference per ``nodeInfo`` of an ``extraInfo`` (model id -> device file)."""
        item = extra.get("id", "")
        for node in extra.iter():
            if self._local(node.tag) != "nodeInfo":
                continue
            path = (node.get("path") or node.get("name") or "").strip()
            if path and len(path) <= MAX_PATH_CHARS:
                yield SourceReference(
                    item, path, _whole(node.get("offset")), _whole(node.get("size"))
                )

    def _directory(self, model: ET.Element, number: int) -> Iterator[Record]:
        """One entry per identifier of a Contact or UserAccount model (PhoneNumber, UserID and
        EmailAddress entries; a UserID whose category is a name is a name, not an identifier).
        """
        fields = self._fields(model)
        name = self._value(fields.get("Name")) or self._value(fields.get("Username"))
        service = self._value(fields.get("Source")) or self._value(fields.get("ServiceType"))
        kind = DIRECTORY_TYPES[model.get("type", "")]
        deleted = model.get("deleted_state", "") == "Deleted"
        seen: set[str] = set()
        for group in model:
            if self._local(group.tag) != "multiModelField" or group.get("name") != "Entries":
                continue
            for entry in group:
                if self._local(entry.tag) != "model" or entry.get("type") not in _ENTRY_TYPES:
                    continue
                entry_fields = self._fields(entry)
                category = (self._value(entry_fields.get("Category")) or "").lower()
                raw = self._value(entry_fields.get("Value"))
                if raw is None or "name" in category or len(raw) > MAX_IDENTIFIER_CHARS:
                    continue
                if entry.get("type") == "EmailAddress":
                    identifier = raw.strip().lower()
                else:
                    identifier = self._identifier(raw)
                if identifier and identifier not in seen:
                    seen.add(identifier)
                    yield DirectoryEntry(number, kind, identifier, name, service, deleted)

    # --- values ---------------------------------------------------------------------------

    def _fields(self, model: ET.Element) -> dict[str, ET.Element]:
        """The model's own ``<field>`` children by name (the first of a repeated name)."""
        found: dict[str, ET.Element] = {}
        for child in model:
            if self._local(child.tag) == "field":
                found.setdefault(child.get("name", ""), child)
        return found

    def _value(self, elem: ET.Element | None) -> str | None:
        """The text of a field's first ``<value>`` (an item's own text), trimmed; None if empty."""
        if elem is None:
            return None
        if self._local(elem.tag) == "item":
            text = elem.text
        else:
            text = next((child.text for child in elem if self._local(child.tag) == "value"), None)
        text = (text or "").strip()
        return text or None

    def _time(
        self, number: int, fields: dict[str, ET.Element]
    ) -> tuple[datetime, str | None, list[Record]]:
        elem = fields.get("TimeStamp")
        value = None
        if elem is not None:
            value = next((c for c in elem if self._local(c.tag) == "value"), None)
        raw = (value.text or "").strip() if value is not None else ""
        shown = (value.get("formattedTimestamp") or "").strip() if value is not None else ""
        text = raw or shown
        if not text:
            raise _Reject("no time: the record has no TimeStamp")
        tz = self.context.timezone
        try:
            placed, flag = read_time(text, "TimeStamp", tz)
        except ValueError as exc:
            raise _Reject(str(exc)) from None
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
                                f"TimeStamp {_short(raw)} has no offset and was read in {tz} "
                                f"as {iso_z(placed)}; the report displays it as {_short(shown)} "
                                f"({iso_z(displayed_utc)}): check the zone declared for this "
                                "source",
                            )
                        )
            except (ValueError, OverflowError):
                pass
        return placed, flag, notes

    def _party_models(
        self, container: ET.Element, container_name: str, in_row: bool = True
    ) -> list[_Party]:
        parties: list[_Party] = []
        default_role = container_name.lower() if container_name in ("From", "To") else ""
        for model in container:
            if self._local(model.tag) != "model" or model.get("type") != "Party":
                continue
            fields = self._fields(model)
            raw = self._value(fields.get("Identifier")) or ""
            if len(raw) > MAX_IDENTIFIER_CHARS:
                if not in_row:
                    continue  # a Chat participant that cannot be anyone's number: left out
                raise _Reject(f"party identifier longer than {MAX_IDENTIFIER_CHARS} characters")
            role = (self._value(fields.get("Role")) or default_role).lower()
            owner = (self._value(fields.get("IsPhoneOwner")) or "").lower() == "true"
            name = self._value(fields.get("Name")) or ""
            identifier = self._identifier(raw) if raw else ""
            parties.append(_Party(role, identifier, raw, name, owner))
        return parties

    def _identifier(self, raw: str) -> str:
        text = raw.strip()
        jid = _JID.fullmatch(text)
        if jid is not None:
            return normalise_phone("+" + jid.group(1), self.context.region)
        return normalise_phone(text, self.context.region)


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
        message = f"deleted record (deleted_state={_short(state)})"
        if doubtful:
            message += f", decoding_confidence={_short(confidence)}"
        return [Warning(number, message)]
    if doubtful:
        return [
            Warning(
                number,
                f"decoding_confidence={_short(confidence)}: "
                "the decoder was not sure of this record",
            )
        ]
    return []


def _first_element(text: str) -> tuple[str, str] | None:
    """The local name and attribute text of the first element in ``text``."""
    match = _FIRST_ELEMENT.search(text)
    if match is None:
        return None
    return match.group(2), match.group(3) or ""


class CellebriteReportParser(Parser):
    name = "cellebrite"
    description = (
        "Cellebrite UFED / Physical Analyzer report.xml (calls, messages, chats, locations)"
    )
    version = "1"
    priority: ClassVar[int] = 20

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        if probe.members or probe.head.startswith(ZIP_MAGIC):
            return None
        text = probe.text
        first = _first_element(text)
        if first is None:
            return None
        local, attributes = first
        if local == "project" and PA_NAMESPACE in attributes:
            return f"root element <project> in the Physical Analyzer namespace {PA_NAMESPACE}"
        if local in ("modelType", "model"):
            if PA_NAMESPACE in attributes:
                return f"a <{local}> fragment in the Physical Analyzer namespace {PA_NAMESPACE}"
            if "xmlns" not in attributes and (
                'deleted_state="' in text and 'decoding_confidence="' in text
            ):
                return (
                    f"a Physical Analyzer <{local}> fragment (deleted_state, decoding_confidence)"
                )
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        return _Reader(stream, context, container=False).records()


class UfdrParser(Parser):
    name = "ufdr"
    description = "Cellebrite UFDR container (zip holding a Physical Analyzer report.xml)"
    version = "1"
    priority: ClassVar[int] = 40
    seekable: ClassVar[bool] = True

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        reports = [m for m in probe.members if _is_report(m)]
        if not reports:
            return None
        return f"zip container holding {quote(_pick(reports))} (a Cellebrite UFDR)"

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        try:
            archive = zipfile.ZipFile(stream)
        except ZIP_ERRORS as exc:
            raise NotThisFormat(
                f"the file is not a readable zip, so it is not a UFDR ({exc}).",
                "Check that the file is complete; a UFDR is a zip written by Physical Analyzer.",
            ) from None
        with archive:
            yield from self._parse_member(archive, context)

    def _parse_member(self, archive: zipfile.ZipFile, context: ParseContext) -> Iterator[Record]:
        reports = [info for info in archive.infolist() if _is_report(info.filename)]
        if not reports:
            raise NotThisFormat(
                "the zip holds no report.xml, so it is not a UFDR.",
                "Export the extraction from Physical Analyzer as UFDR or as an XML report.",
            )
        chosen_name = _pick([info.filename for info in reports])
        info = next(i for i in reports if i.filename == chosen_name)
        if info.flag_bits & 0x1:
            raise NotThisFormat(
                f"{info.filename} is encrypted inside the UFDR; it cannot be read.",
                "Export the report again without a password.",
            )
        if info.file_size > MAX_UFDR_REPORT_BYTES:
            raise InputTooLarge(
                f"{info.filename} declares {info.file_size} bytes, more than the "
                f"{MAX_UFDR_REPORT_BYTES // 1024**3} GiB read from a UFDR.",
                "Check the file: it is damaged or built to exhaust the machine.",
            )
        if info.file_size > 1024 * 1024 and info.file_size > MAX_UFDR_RATIO * max(
            info.compress_size, 1
        ):
            raise InputTooLarge(
                f"{info.filename} expands {info.file_size // max(info.compress_size, 1)} times; "
                f"more than {MAX_UFDR_RATIO} is a zip bomb, not a report.",
                "Check the file's origin.",
            )
        if len(reports) > 1:
            others = ", ".join(quote(i.filename) for i in reports if i is not info)
            yield Warning(
                0,
                f"the UFDR holds more than one report.xml; "
                f"read {quote(info.filename)}, not {others}",
            )
        try:
            member = archive.open(info)
        except _MEMBER_ERRORS as exc:
            raise NotThisFormat(
                f"{info.filename} cannot be opened inside the UFDR ({exc}).",
                "Check that the file is complete; export the report again if it is.",
            ) from None
        with member:
            yield from _Reader(cast(BinaryIO, member), context, container=True).records()


def _is_report(name: str) -> bool:
    return name.replace("\\", "/").rsplit("/", 1)[-1].lower() == "report.xml"


def _pick(names: list[str]) -> str:
    """The shallowest report.xml; the first in the zip's order among equals."""
    return min(names, key=lambda n: n.replace("\\", "/").count("/"))


register(CellebriteReportParser)
register(UfdrParser)
