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

This module holds detection, the UFDR container and registration; the reading lives beside it:
``_cellebrite_xml`` (the guarded stream and which elements are held), ``_cellebrite_models``
(each kind of model decoded), ``_cellebrite_parties`` (parties, chats, line and direction) and
``_cellebrite_values`` (names, fields, times and identifiers of one report).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import BinaryIO, ClassVar, cast

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.model import Record, Warning
from appliance.parsers._cellebrite_values import PA_NAMESPACE
from appliance.parsers._cellebrite_xml import ReportReader
from appliance.parsers._csvutil import quote
from appliance.parsers.base import ZIP_ERRORS, ZIP_MAGIC, ParseContext, Parser, Probe
from appliance.parsers.registry import register

# Opening a zip member can fail as any damaged zip can, or with RuntimeError when encrypted.
_MEMBER_ERRORS: tuple[type[Exception], ...] = (RuntimeError, *ZIP_ERRORS)
MAX_UFDR_REPORT_BYTES = 64 * 1024**3
MAX_UFDR_RATIO = 250

_FIRST_ELEMENT = re.compile(r"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(\s[^>]*)?/?>")


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
        return ReportReader(stream, context, container=False).records()


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
            yield from ReportReader(cast(BinaryIO, member), context, container=True).records()


def _is_report(name: str) -> bool:
    return name.replace("\\", "/").rsplit("/", 1)[-1].lower() == "report.xml"


def _pick(names: list[str]) -> str:
    """The shallowest report.xml; the first in the zip's order among equals."""
    return min(names, key=lambda n: n.replace("\\", "/").count("/"))


register(CellebriteReportParser)
register(UfdrParser)
