"""Streaming a Cellebrite report's XML: the guarded stream, and which elements are held, which
end a row and which are dropped as soon as they end."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.model import Record, Rejection, Warning
from appliance.parsers._cellebrite_models import DIRECTORY_TYPES, ROW_TYPES, ModelDecoder, OpenRow
from appliance.parsers._cellebrite_parties import Chat, Owners, chat_part
from appliance.parsers._cellebrite_values import PA_NAMESPACE, ModelValues
from appliance.parsers._csvutil import quote
from appliance.parsers._xmlsafe import GuardedStream
from appliance.parsers.base import ZIP_ERRORS, ParseContext

ROOTS = ("project", "modelType", "model")
MAX_DEPTH = 256
MAX_HELD_ELEMENTS = 100_000
# Sub-fields of a row that are read; every other one is cleared when it ends.
_KEPT = frozenset({"Parties", "From", "To", "Position"})


class StreamDamaged(Exception):
    """The bytes of a zip member could not be read (bad CRC, broken deflate stream)."""


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
            raise StreamDamaged(f"{type(exc).__name__}: {exc}") from None


class ReportReader:
    """One pass over one report: the element stack, the chat being read, the row counter."""

    def __init__(self, stream: BinaryIO, context: ParseContext, container: bool) -> None:
        self.guard = _ReportStream(stream, container)
        self.values = ModelValues(context)
        self.owners = Owners(self.values)
        self.decoder = ModelDecoder(self.values, self.owners)
        self.root_seen = False
        self.stack: list[ET.Element] = []
        self.row = 0
        self.chats: list[Chat] = []
        self.held: ET.Element | None = None
        self.held_count = 0
        self.open_row: OpenRow | None = None
        self.directory_count = 0
        self.open_extra: ET.Element | None = None
        self.open_directory: tuple[ET.Element, int] | None = None

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
        except (ET.ParseError, StreamDamaged) as exc:
            if not self.root_seen and isinstance(exc, StreamDamaged):
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
        self.values.prefix = f"{{{namespace}}}" if namespace else ""
        self.root_seen = True

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
        local = self.values.local(elem.tag)
        parent = self.stack[-2] if len(self.stack) > 1 else None
        chat = self.chats[-1] if self.chats else None
        if local == "model":
            kind = elem.get("type", "")
            top = parent is None or self.values.local(parent.tag) == "modelType"
            in_messages = (
                chat is not None
                and parent is not None
                and len(self.stack) > 2
                and self.stack[-3] is chat.elem
                and self.values.local(parent.tag) == "multiModelField"
                and parent.get("name") == "Messages"
            )
            if kind in ROW_TYPES and (top or in_messages):
                self.row += 1
                self.open_row = OpenRow(elem, self.row, chat if in_messages else None)
                self.held, self.held_count = elem, 0
            elif kind == "Chat" and top:
                self.chats.append(Chat(elem))
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
        local = self.values.local(elem.tag)
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
                yield from self.decoder.row(row)
            elif elem is self.open_extra:
                self.open_extra = None
                yield from self.decoder.source_files(elem)
            elif self.open_directory is not None and elem is self.open_directory[0]:
                number = self.open_directory[1]
                self.open_directory = None
                yield from self.decoder.directory(elem, number)
            elif self.chats:
                chat_part(self.values, self.chats[-1], elem)
        elif self.chats and elem is self.chats[-1].elem:
            self.chats.pop()
        elif local == "item":
            yield from self.owners.metadata_item(elem, self.row)
        # Drop the finished element. Earlier siblings were dropped at their own ends, so it is
        # its parent's first child (later siblings may already be attached: see gpx.py).
        if self.stack and len(self.stack[-1]) and self.stack[-1][0] is elem:
            del self.stack[-1][0]
