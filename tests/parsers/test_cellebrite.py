"""Cellebrite Physical Analyzer report.xml and UFDR: rows, owner, direction, safety, fixtures.

The builders at the top write report.xml text to the schema of the real fragments: the nesting,
attribute set and value forms copy ``../shared/fixtures/ufed_geo2x`` (a PA 7.x report skeleton)
and ``iped_ufed`` (a WhatsApp Chat with InstantMessages and Parties). Call and SMS models, which
no public sample has, are built the same way with PA 7's field names (Call: Source, Type,
Direction, Status, TimeStamp, Duration, Parties; SMS: Folder, Status, Body, TimeStamp, Parties).
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.model import (
    Communication,
    DirectoryEntry,
    Observation,
    Record,
    Rejection,
    SourceReference,
    Warning,
)
from appliance.parsers.base import ParseContext, Probe
from appliance.parsers.cdr_csv import CdrCsvParser
from appliance.parsers.cellebrite import CellebriteReportParser, UfdrParser
from appliance.parsers.google_records import GoogleRecordsParser
from appliance.parsers.gpx import GpxParser
from appliance.parsers.location_csv import LocationCsvParser
from appliance.parsers.opencellid import OpenCellIdParser

from .conftest import Account, Run

NS = "http://pa.cellebrite.com/report/2.0"
_ids = itertools.count(1)


def field(name: str, value: str | None = None, kind: str = "String") -> str:
    if value is None:
        return f'<field name="{name}" type="{kind}"><empty /></field>'
    return (
        f'<field name="{name}" type="{kind}">'
        f'<value type="{kind}"><![CDATA[{value}]]></value></field>'
    )


def stamp(value: str | None, shown: str | None = None, fmt: str = "TimeStampKnown") -> str:
    if value is None:
        return '<field name="TimeStamp" type="TimeStamp"><empty /></field>'
    shown = value[:19] + "+00:00" if shown is None else shown
    return (
        '<field name="TimeStamp" type="TimeStamp">'
        f'<value type="TimeStamp" format="{fmt}" formattedTimestamp="{shown}">{value}</value>'
        "</field>"
    )


def model(kind: str, *children: str, deleted: str = "Intact", confidence: str = "High") -> str:
    number = next(_ids)
    return (
        f'<model type="{kind}" id="00000000-0000-0000-0000-{number:012d}" '
        f'deleted_state="{deleted}" decoding_confidence="{confidence}" isrelated="False" '
        f'source_index="{number}" extractionId="0">' + "".join(children) + "</model>"
    )


def party(identifier: str, role: str | None = None, owner: bool | None = None) -> str:
    children = [field("UserMapping"), field("Identifier", identifier)]
    if role is not None:
        children.append(field("Role", role, "PartyRole"))
    children.append(field("Name", f"name of {identifier}"))
    if owner is not None:
        children.append(field("IsPhoneOwner", str(owner), "Boolean"))
    return model("Party", *children, deleted="Unknown")


def parties(*members: str, name: str = "Parties") -> str:
    if not members:
        return f'<multiModelField name="{name}" type="Party" />'
    return f'<multiModelField name="{name}" type="Party">' + "".join(members) + "</multiModelField>"


def sender(member: str | None) -> str:
    inner = member if member is not None else "<empty />"
    return f'<modelField name="From" type="Party">{inner}</modelField>'


def call(
    kind: str | None,
    time: str | None,
    duration: str | None,
    *members: str,
    direction: str | None = None,
    **state: str,
) -> str:
    return model(
        "Call",
        field("UserMapping", "Decoding", "DecodingSourceOptions"),
        field("Source", "Phone"),
        field("Type", kind, "CallType"),
        field("Direction", direction, "CallDirection"),
        field("Status", "Established" if duration not in (None, "00:00:00") else None),
        stamp(time),
        field("Duration", duration, "TimeSpan"),
        parties(*members),
        field("VideoCall", "False", "Boolean"),
        **state,
    )


def sms(folder: str | None, time: str | None, body: str, *members: str, **state: str) -> str:
    return model(
        "SMS",
        field("UserMapping", "Decoding", "DecodingSourceOptions"),
        field("Source"),
        stamp(time),
        parties(*members),
        field("Folder", folder, "Folder"),
        field("Status", "Read" if folder == "Inbox" else "Sent", "MessageStatus"),
        field("Body", body),
        **state,
    )


def message(time: str | None, from_party: str | None, *to: str, embedded: str = "") -> str:
    extra = (
        f'<multiModelField name="EmbeddedInstantMessage" type="InstantMessage">{embedded}'
        "</multiModelField>"
        if embedded
        else '<multiModelField name="EmbeddedInstantMessage" type="InstantMessage" />'
    )
    return model(
        "InstantMessage",
        field("Source", "WhatsApp"),
        sender(from_party),
        parties(*to, name="To"),
        field("Body", "text"),
        stamp(time),
        '<multiModelField name="Attachments" type="Attachment">'
        + model("Attachment", field("Filename", "a.jpg"))
        + "</multiModelField>",
        field("Type", "AppMessage", "InstantMessageType"),
        extra,
    )


def chat(chat_id: str, members: list[str], *messages: str) -> str:
    return model(
        "Chat",
        field("Source", "WhatsApp"),
        field("Id", chat_id),
        stamp("2024-05-01T09:00:00.000+00:00"),
        parties(*members, name="Participants"),
        '<multiModelField name="Messages" type="InstantMessage">'
        + "".join(messages)
        + "</multiModelField>",
    )


def location(
    lat: str | None,
    lon: str | None,
    time: str | None,
    source: str | None = None,
    precision: str | None = None,
    **state: str,
) -> str:
    coordinate = model(
        "Coordinate",
        field("Longitude", lon, "Double"),
        field("Latitude", lat, "Double"),
        field("Elevation", None, "Double"),
        deleted="Unknown",
    )
    return model(
        "Location",
        field("Source", source),
        f'<modelField name="Position" type="Coordinate">{coordinate}</modelField>',
        stamp(time),
        field("Precision", precision),
        field("Category", "Locations"),
        **state,
    )


def contact(name: str, number: str) -> str:
    entry = model("PhoneNumber", field("Value", number), field("Category", "Mobile"))
    return model(
        "Contact",
        field("Name", name),
        f'<multiModelField name="Entries" type="ContactEntry">{entry}</multiModelField>',
    )


def model_type(kind: str, *models: str) -> str:
    return f'<modelType type="{kind}">' + "".join(models) + "</modelType>"


def metadata(**items: str) -> str:
    body = "".join(
        f'<item name="{name}" systemtype="System.String"><![CDATA[{value}]]></item>'
        for name, value in items.items()
    )
    return f'<metadata section="Device Info">{body}</metadata>'


def report(*model_types: str, meta: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<project id="fe85c4b6-7a4e-4883-ac30-4271c22b471d" name="Test phone" '
        'reportVersion="7.34" containsGarbage="False" extractionType="FileSystem" '
        f'NodeCount="0" ModelCount="1" xmlns="{NS}">\n'
        '<sourceExtractions><extractionInfo id="0" name="Logical" type="Logical" />'
        "</sourceExtractions>"
        "<caseInformation />"
        f"{meta}<decodedData>" + "".join(model_types) + "</decodedData>"
        "<carvedFiles /><extraInfos />"
        '<projectConfigurations><timeZoneConfigurations selectedTimeZone="_Europe/London" />'
        "</projectConfigurations></project>\n"
    )


# --- helpers ----------------------------------------------------------------------------------

C = CellebriteReportParser


@pytest.fixture
def run(run: Run) -> Run:
    """The shared ``run``, minus what these tests do not pin: each row's ``item_ref`` (its
    model id) and the report's source-file references, which have tests of their own below.
    """

    def _run(*args: Any, **kwargs: Any) -> list[Record]:
        out: list[Record] = []
        for record in run(*args, **kwargs):
            if isinstance(record, SourceReference):
                continue
            if isinstance(record, Communication | Observation):
                record = dataclasses.replace(record, item_ref=None)
            out.append(record)
        return out

    return _run


OWNER = "+447700900001"
ALICE = "+447700900123"
BOB = "+447700900456"
T0 = "2024-05-01T10:00:00.000+00:00"
AT_T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def comms(records: list[Record]) -> list[Communication]:
    return [r for r in records if isinstance(r, Communication)]


def observations(records: list[Record]) -> list[Observation]:
    return [r for r in records if isinstance(r, Observation)]


def rejections(records: list[Record]) -> list[Rejection]:
    return [r for r in records if isinstance(r, Rejection)]


def warnings(records: list[Record]) -> list[Warning]:
    return [r for r in records if isinstance(r, Warning)]


def owned(*model_types: str) -> str:
    """A report whose metadata names the owner's number, as the line of owner-less records."""
    return report(*model_types, meta=metadata(MSISDN="07700 900001"))


def ufdr(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- recognition ------------------------------------------------------------------------------


def test_a_report_is_recognised_by_its_namespace() -> None:
    reason = C.recognise(Probe("report.xml", report(model_type("Call")).encode()))
    assert reason is not None and "<project>" in reason and NS in reason


def test_a_bare_model_fragment_is_recognised_by_pa_attributes() -> None:
    fragment = model("Chat", field("Source", "WhatsApp"))
    assert C.recognise(Probe("chat.xml", fragment.encode())) is not None


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1">',
        b'<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>',
        b'<model type="car"><name>Model T</name></model>',
        b"start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi\n",
        b'{"locations": []}',
    ],
)
def test_other_files_are_not_claimed(head: bytes) -> None:
    assert C.recognise(Probe("other", head)) is None
    assert UfdrParser.recognise(Probe("other", head)) is None


def test_no_other_parser_claims_a_report() -> None:
    probe = Probe("report.xml", owned(model_type("Call", call("Incoming", T0, None))).encode())
    others = [CdrCsvParser, LocationCsvParser, GpxParser, GoogleRecordsParser, OpenCellIdParser]
    assert [p.name for p in others if p.recognise(probe)] == []


def test_a_ufdr_is_recognised_by_a_report_member_in_any_folder() -> None:
    probe = Probe("phone.ufdr", b"PK\x03\x04", members=("files/Image/a.jpg", "Report/report.xml"))
    reason = UfdrParser.recognise(probe)
    assert reason is not None and "Report/report.xml" in reason
    assert C.recognise(probe) is None
    assert UfdrParser.recognise(Probe("a.kmz", b"PK\x03\x04", members=("doc.kml",))) is None


# --- calls ------------------------------------------------------------------------------------


def test_an_incoming_call_is_read_from_its_type_and_caller(run: Run) -> None:
    data = owned(model_type("Call", call("Incoming", T0, "00:01:23", party(ALICE, "From"))))
    assert run(C, data) == [Communication(1, AT_T0, "voice", "in", OWNER, ALICE, duration_s=83.0)]


def test_an_outgoing_call_takes_its_line_from_the_owner_party(run: Run) -> None:
    data = report(
        model_type(
            "Call",
            call("Outgoing", T0, "00:00:07", party("07700 900002", "From", True), party(BOB, "To")),
        )
    )
    assert run(C, data) == [
        Communication(1, AT_T0, "voice", "out", "+447700900002", BOB, duration_s=7.0)
    ]


def test_a_missed_call_is_an_incoming_attempt_of_no_duration(run: Run) -> None:
    data = owned(model_type("Call", call("Missed", T0, "00:00:00", party(ALICE, "From"))))
    assert run(C, data) == [Communication(1, AT_T0, "voice", "in", OWNER, ALICE, duration_s=0.0)]


def test_a_call_without_type_takes_its_direction_from_the_other_partys_role(run: Run) -> None:
    data = owned(model_type("Call", call(None, T0, None, party(BOB, "To"))))
    [record] = run(C, data)
    assert isinstance(record, Communication)
    assert (record.direction, record.other, record.duration_s) == ("out", BOB, None)


def test_the_direction_field_is_read_when_the_type_is_a_status(run: Run) -> None:
    data = owned(model_type("Call", call("Unknown", T0, None, party(BOB), direction="Outgoing")))
    assert [c.direction for c in comms(run(C, data))] == ["out"]


def test_the_parties_win_over_a_contradicting_type_with_a_warning(run: Run) -> None:
    data = report(
        model_type("Call", call("Incoming", T0, None, party(OWNER, "From", True), party(BOB, "To")))
    )
    records = run(C, data)
    assert [c.direction for c in comms(records)] == ["out"]
    [note] = warnings(records)
    assert "Type 'Incoming' says in" in note.message


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("00:01:23", 83.0), ("1.02:03:04.5", 93784.5), ("83", 83.0), ("00:00:05.1234567", 5.1234567)],
)
def test_call_durations_are_net_timespans(run: Run, written: str, seconds: float) -> None:
    data = owned(model_type("Call", call("Incoming", T0, written, party(ALICE, "From"))))
    assert [c.duration_s for c in comms(run(C, data))] == [pytest.approx(seconds)]


def test_an_unreadable_duration_is_left_unknown_with_a_warning(run: Run) -> None:
    data = owned(model_type("Call", call("Incoming", T0, "00:99:00", party(ALICE, "From"))))
    records = run(C, data)
    assert [c.duration_s for c in comms(records)] == [None]
    assert "unreadable Duration '00:99:00'" in warnings(records)[0].message


# --- SMS --------------------------------------------------------------------------------------


def test_sms_inbox_is_in_and_sent_is_out(run: Run) -> None:
    data = owned(
        model_type(
            "SMS",
            sms("Inbox", T0, "hi", party(ALICE, "From")),
            sms("Sent", "2024-05-01T10:05:00.000+00:00", "yo", party("07700 900456", "To")),
        )
    )
    assert [(c.row, c.kind, c.direction, c.line, c.other) for c in comms(run(C, data))] == [
        (1, "sms", "in", OWNER, ALICE),
        (2, "sms", "out", OWNER, BOB),
    ]


def test_an_sms_draft_is_rejected(run: Run, account: Account) -> None:
    data = owned(model_type("SMS", sms("Drafts", T0, "unsent", party(BOB, "To"))))
    records = run(C, data)
    assert account(records) == (0, 1)
    assert "draft was never sent" in rejections(records)[0].reason


def test_an_mms_is_kind_mms(run: Run) -> None:
    mms = model("MMS", stamp(T0), parties(party(ALICE, "From")), field("Folder", "Inbox"))
    assert [(c.kind, c.direction) for c in comms(run(C, owned(model_type("MMS", mms))))] == [
        ("mms", "in")
    ]


# --- chats ------------------------------------------------------------------------------------

ME_JID = "447700900001@s.whatsapp.net"
ALICE_JID = "447700900123@s.whatsapp.net"


def test_chat_messages_take_the_line_from_the_chats_owner_participant(run: Run) -> None:
    quoted = message(None, None)  # a quoted copy: no sender, no time; not a row
    data = report(
        model_type(
            "Chat",
            chat(
                ALICE_JID,
                [party(ALICE_JID, owner=False), party(ME_JID, owner=True)],
                # 1: from Alice, no To (as PA writes received WhatsApp messages): in.
                message(T0, party(ALICE_JID, "From", False)),
                # 2: from the owner to Alice: out.
                message(T0, party(ME_JID, "From", True), party(ALICE_JID, "To", False)),
                # 3: from the owner with no To: the chat's one other participant.
                message(T0, party(ME_JID, "From", True), embedded=quoted),
            ),
        )
    )
    assert [(c.row, c.kind, c.direction, c.line, c.other) for c in comms(run(C, data))] == [
        (1, "chat", "in", OWNER, ALICE),
        (2, "chat", "out", OWNER, ALICE),
        (3, "chat", "out", OWNER, ALICE),
    ]


def test_a_group_message_without_recipients_goes_to_the_group(run: Run) -> None:
    group = "120363000000000001@g.us"
    data = report(
        model_type(
            "Chat",
            chat(
                group,
                [party(ME_JID, owner=True), party(ALICE_JID), party("447700900456@c.us")],
                message(T0, party(ME_JID, "From", True)),
            ),
        )
    )
    assert [(c.direction, c.other) for c in comms(run(C, data))] == [("out", group)]


def test_a_whatsapp_system_message_is_rejected(run: Run, account: Account) -> None:
    data = report(
        model_type(
            "Chat",
            chat(
                ALICE_JID, [party(ME_JID, owner=True)], message(T0, party("System message", "From"))
            ),
        )
    )
    records = run(C, data)
    assert account(records) == (0, 1)
    assert "System message" in rejections(records)[0].reason


def test_standalone_instant_messages_are_rows_too(run: Run) -> None:
    data = owned(model_type("InstantMessage", message(T0, party(ALICE_JID, "From"))))
    assert [(c.kind, c.direction, c.other) for c in comms(run(C, data))] == [("chat", "in", ALICE)]


# --- locations --------------------------------------------------------------------------------


def test_a_location_becomes_an_observation(run: Run) -> None:
    data = report(model_type("Location", location("51.5", "-0.12", T0, "GPS", "10")))
    assert run(C, data) == [Observation(1, AT_T0, 51.5, -0.12, radius_m=10.0, method="gps")]


@pytest.mark.parametrize(
    ("source", "method"),
    [(None, "unknown"), ("Google Maps", "unknown"), ("Wi-Fi", "wifi"), ("Cell tower", "cell")],
)
def test_the_location_method_comes_from_its_source(
    run: Run, source: str | None, method: str
) -> None:
    data = report(model_type("Location", location("51.5", "-0.12", T0, source)))
    assert [o.method for o in observations(run(C, data))] == [method]


def test_a_precision_that_is_not_metres_is_ignored_with_a_warning(run: Run) -> None:
    data = report(model_type("Location", location("51.5", "-0.12", T0, None, "street level")))
    records = run(C, data)
    assert [o.radius_m for o in observations(records)] == [None]
    assert "Precision 'street level'" in warnings(records)[0].message


@pytest.mark.parametrize(
    ("lat", "lon", "reason"),
    [
        ("0", "0", "null island"),
        (None, None, "no position"),
        ("95", "1", "latitude 95.0 out of range"),
        ("north", "1", "unreadable latitude"),
    ],
)
def test_bad_positions_are_rejected(
    run: Run, lat: str | None, lon: str | None, reason: str
) -> None:
    [rejection] = run(C, report(model_type("Location", location(lat, lon, T0))))
    assert isinstance(rejection, Rejection) and reason in rejection.reason


# --- deleted records and confidence ----------------------------------------------------------


def test_a_deleted_record_is_loaded_with_a_warning(run: Run) -> None:
    data = owned(
        model_type("Call", call("Incoming", T0, None, party(ALICE, "From"), deleted="Deleted"))
    )
    records = run(C, data)
    assert len(comms(records)) == 1
    assert [w.message for w in warnings(records)] == ["deleted record (deleted_state=Deleted)"]


def test_a_deleted_records_doubtful_decoding_is_named(run: Run) -> None:
    data = report(
        model_type("Location", location("51.5", "-0.1", T0, deleted="Deleted", confidence="Low"))
    )
    assert [w.message for w in warnings(run(C, data))] == [
        "deleted record (deleted_state=Deleted), decoding_confidence=Low"
    ]


def test_an_intact_record_of_doubtful_decoding_is_warned(run: Run) -> None:
    data = report(model_type("Location", location("51.5", "-0.1", T0, confidence="Medium")))
    [note] = warnings(run(C, data))
    assert note.message.startswith("decoding_confidence=Medium")


# --- the owner --------------------------------------------------------------------------------


def test_without_any_owner_the_line_is_a_placeholder_warned_once(run: Run) -> None:
    data = report(
        model_type(
            "Call",
            call("Incoming", T0, None, party(ALICE, "From")),
            call("Outgoing", T0, None, party(BOB, "To")),
        )
    )
    records = run(C, data)
    assert [(c.line, c.direction, c.other) for c in comms(records)] == [
        ("owner", "in", ALICE),
        ("owner", "out", BOB),
    ]
    [note] = warnings(records)
    assert note.row == 1 and "placeholder 'owner'" in note.message


def test_a_party_with_the_owners_number_is_the_owner_without_the_flag(run: Run) -> None:
    # No IsPhoneOwner, no Type: the To party is the MSISDN, so the owner received it.
    data = owned(model_type("SMS", sms(None, T0, "x", party(ALICE, "From"), party(OWNER, "To"))))
    assert [(c.direction, c.other) for c in comms(run(C, data))] == [("in", ALICE)]


def test_a_second_msisdn_is_named_in_a_warning(run: Run) -> None:
    meta = metadata(MSISDN="07700 900001", LastUsedMSISDN="07700 900999")
    data = report(model_type("Call", call("Incoming", T0, None, party(ALICE, "From"))), meta=meta)
    records = run(C, data)
    assert [c.line for c in comms(records)] == [OWNER]
    assert "+447700900999" in warnings(records)[0].message


# --- rejections and accounting ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("built", "reason"),
    [
        (call("Incoming", None, None, party(ALICE, "From")), "no time"),
        (call("Incoming", "yesterday", None, party(ALICE, "From")), "unreadable TimeStamp"),
        (call("Incoming", "2024-05-01", None, party(ALICE, "From")), "has no time of day"),
        (call("Incoming", T0, None), "no parties"),
        (call(None, T0, None, party(ALICE, "General")), "direction unknown"),
        (call("Outgoing", T0, None, party(OWNER, "From", True)), "no party other than"),
    ],
)
def test_rows_that_cannot_be_loaded_are_rejected_with_a_reason(
    run: Run, account: Account, built: str, reason: str
) -> None:
    records = run(C, owned(model_type("Call", built)))
    assert account(records) == (0, 1)
    assert reason in rejections(records)[0].reason


def test_contacts_and_accounts_are_directory_entries_not_rows(run: Run, account: Account) -> None:
    whatsapp = model(
        "UserID",
        field("Category", "WhatsApp User Id"),
        field("Value", "447700900999@s.whatsapp.net"),
    )
    nickname = model("UserID", field("Category", "Additional Name"), field("Value", "Al"))
    account_model = model(
        "UserAccount",
        field("Source", "WhatsApp"),
        field("Name", "me"),
        f'<multiModelField name="Entries" type="ContactEntry">{whatsapp}{nickname}'
        "</multiModelField>",
    )
    data = owned(
        model_type("Contact", contact("Alice", "07700 900123")),
        model_type("UserAccount", account_model),
    )
    records = run(C, data)
    assert account(records) == (0, 0)
    assert records == [
        DirectoryEntry(1, "contact", "+447700900123", "Alice"),
        DirectoryEntry(2, "account", "+447700900999", "me", "WhatsApp"),
    ]


def mixed_report() -> str:
    """Twelve rows of every kind; worked out by hand in the test below."""
    quoted = message(None, None)
    return owned(
        model_type(
            "Call",
            call("Incoming", T0, "00:01:23", party(ALICE, "From")),  # 1 loaded, in
            call("Outgoing", T0, "00:00:10", party(OWNER, "From", True), party(BOB, "To")),  # 2
            call("Missed", T0, "00:00:00", party(ALICE, "From")),  # 3 loaded, in
            call("Incoming", None, None, party(ALICE, "From")),  # 4 rejected: no time
        ),
        model_type(
            "SMS",
            sms("Inbox", T0, "a", party(ALICE, "From")),  # 5 loaded, in
            sms("Sent", T0, "b", party(BOB, "To")),  # 6 loaded, out
            sms("Draft", T0, "c", party(BOB, "To")),  # 7 rejected: draft
        ),
        model_type(
            "Chat",
            chat(
                ALICE_JID,
                [party(ME_JID, owner=True), party(ALICE_JID, owner=False)],
                message(T0, party(ALICE_JID, "From")),  # 8 loaded, in
                message(T0, party(ME_JID, "From", True), embedded=quoted),  # 9 out (not 10)
                message(T0, party("System message", "From")),  # 10 rejected
            ),
        ),
        model_type(
            "Location",
            location("51.5", "-0.12", T0, "GPS", "10"),  # 11 loaded
            location("51.6", "-0.12", T0, deleted="Deleted"),  # 12 loaded + warning
        ),
        model_type("Contact", contact("Alice", "07700 900123")),  # not a row
    )


def test_a_mixed_report_accounts_for_every_row(run: Run, account: Account) -> None:
    records = run(C, mixed_report())
    # Loaded: calls 1-3, SMS 5-6, chat 8-9, locations 11-12 = 9; rejected: 4, 7, 10 = 3.
    assert account(records) == (9, 3)
    assert [r.row for r in rejections(records)] == [4, 7, 10]
    assert [(c.row, c.kind, c.direction) for c in comms(records)] == [
        (1, "voice", "in"),
        (2, "voice", "out"),
        (3, "voice", "in"),
        (5, "sms", "in"),
        (6, "sms", "out"),
        (8, "chat", "in"),
        (9, "chat", "out"),
    ]
    assert [o.row for o in observations(records)] == [11, 12]
    assert [(w.row, w.message) for w in warnings(records)] == [
        (12, "deleted record (deleted_state=Deleted)")
    ]


# --- times ------------------------------------------------------------------------------------


def test_a_naive_time_is_read_in_the_declared_zone(run: Run) -> None:
    naive = stamp("2024-07-01T12:00:00.000", "2024-07-01T12:00:00+01:00", "DateTimeOnly")
    data = report(
        model_type(
            "Location",
            model("Location", naive, field("Latitude", "51.5"), field("Longitude", "-0.1")),
        )
    )
    records = run(C, data)
    assert [o.time for o in observations(records)] == [datetime(2024, 7, 1, 11, tzinfo=UTC)]
    assert warnings(records) == []


def test_a_naive_time_in_the_skipped_hour_is_flagged(run: Run) -> None:
    data = owned(model_type("SMS", sms("Inbox", "2024-03-31T01:30:00", "x", party(ALICE, "From"))))
    records = run(C, data)
    assert [c.time_flag for c in comms(records)] == ["nonexistent"]
    assert "nonexistent" in warnings(records)[0].message


def test_a_naive_time_displayed_at_another_instant_is_warned(run: Run) -> None:
    naive = stamp("2020-12-16T11:53:14.000", "2020-12-16T11:53:14+01:00", "DateTimeOnly")
    data = report(
        model_type(
            "Location",
            model("Location", naive, field("Latitude", "52.3"), field("Longitude", "12.2")),
        )
    )
    [note] = warnings(run(C, data))
    assert "check the zone declared" in note.message
    berlin = ParseContext(ZoneInfo("Europe/Berlin"))
    records = run(C, data, berlin)
    assert [o.time for o in observations(records)] == [
        datetime(2020, 12, 16, 10, 53, 14, tzinfo=UTC)
    ]
    assert warnings(records) == []


def test_the_formatted_timestamp_stands_in_for_an_empty_value(run: Run) -> None:
    empty_value = (
        '<field name="TimeStamp" type="TimeStamp"><value type="TimeStamp" '
        'format="TimeStampKnown" formattedTimestamp="2024-05-01T11:00:00+01:00"></value></field>'
    )
    data = owned(
        model_type(
            "Call",
            model("Call", empty_value, field("Type", "Incoming"), parties(party(ALICE, "From"))),
        )
    )
    assert [c.time for c in comms(run(C, data))] == [AT_T0]


# --- identifiers ------------------------------------------------------------------------------


def test_whatsapp_person_jids_become_numbers_and_other_ids_stay(run: Run) -> None:
    data = owned(
        model_type(
            "InstantMessage",
            message(T0, party("5511999999999@s.whatsapp.net", "From")),
            message(T0, party("120363000000000001@g.us", "From")),
            message(T0, party("alice.smith", "From")),
        )
    )
    assert [c.other for c in comms(run(C, data))] == [
        "+5511999999999",
        "120363000000000001@g.us",
        "alice.smith",
    ]


def test_a_party_without_identifier_leaves_other_empty_with_a_warning(run: Run) -> None:
    withheld = model("Party", field("Identifier"), field("Role", "From"), field("Name", "Private"))
    data = owned(model_type("Call", call("Incoming", T0, None, withheld)))
    records = run(C, data)
    assert [(c.direction, c.other) for c in comms(records)] == [("in", None)]
    assert "no identifier (name 'Private')" in warnings(records)[0].message


# --- safety -----------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE project [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "' + f"&lol{i - 1 if i > 1 else ''};" * 10 + '">\n' for i in range(1, 10)
    )
    + f']>\n<project xmlns="{NS}"><decodedData>&lol9;</decodedData></project>\n'
)


def test_a_billion_laughs_is_refused_before_expansion(run: Run) -> None:
    # Expanded, &lol9; is a billion "lol"s (gigabytes); refused first, memory barely moves.
    tracemalloc.start()
    try:
        with pytest.raises(NotThisFormat, match="document type or entity") as refused:
            run(C, BILLION_LAUGHS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024
    assert "Cellebrite" in str(refused.value) and "GPX" not in str(refused.value)


def test_a_billion_laughs_inside_a_ufdr_is_refused(run: Run) -> None:
    with pytest.raises(NotThisFormat, match="document type or entity"):
        run(UfdrParser, ufdr({"report.xml": BILLION_LAUGHS.encode()}))


def test_deep_nesting_is_refused(run: Run) -> None:
    deep = f'<project xmlns="{NS}">' + "<a>" * 300 + "</a>" * 300 + "</project>"
    with pytest.raises(InputTooLarge, match="deep"):
        run(C, deep)


def test_a_model_of_too_many_elements_is_refused(run: Run) -> None:
    huge = model("Call", "<x/>" * 100_001)
    with pytest.raises(InputTooLarge, match="elements"):
        run(C, report(model_type("Call", huge)))


@pytest.mark.parametrize(
    "data",
    [
        b"hello, world\n",
        b'<gpx xmlns="http://www.topografix.com/GPX/1/1"></gpx>',
        b'<project xmlns="http://maven.apache.org/POM/4.0.0"></project>',
        b"",
    ],
)
def test_what_is_not_a_report_is_refused(run: Run, data: bytes) -> None:
    with pytest.raises(NotThisFormat):
        run(C, data)


def test_xml_broken_inside_a_row_rejects_it_and_stops_with_a_warning(
    run: Run, account: Account
) -> None:
    whole = owned(
        model_type(
            "Call",
            call("Incoming", T0, None, party(ALICE, "From")),
            call("Incoming", T0, None, party(ALICE, "From")),
            call("Incoming", T0, None, party(BOB, "From")),
        )
    )
    cut = whole[: whole.index(BOB)]
    records = run(C, cut)
    assert account(records) == (2, 1)
    assert "cut off" in rejections(records)[0].reason
    assert "reading stopped after row 3" in warnings(records)[-1].message


class _Generated:
    """A byte stream made on demand, so the input itself takes no memory."""

    def __init__(self, parts: Iterator[str]) -> None:
        self._parts = parts
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        want = size if size > 0 else 65_536
        while len(self._buffer) < want:
            part = next(self._parts, None)
            if part is None:
                break
            self._buffer += part.encode()
        out, self._buffer = self._buffer[:want], self._buffer[want:]
        return out


def _big_report(n: int) -> Iterator[str]:
    text = owned(
        model_type("Chat", chat(ALICE_JID, [party(ME_JID, owner=True)], "@@")),
        model_type("Call", "##"),
    )
    first, rest = text.split("@@")
    middle, last = rest.split("##")
    yield first
    for _ in range(n):
        yield message(T0, party(ALICE_JID, "From"))
    yield middle
    for _ in range(n):
        yield call("Incoming", T0, "00:00:01", party(ALICE, "From"))
    yield last


def test_memory_does_not_grow_with_the_number_of_rows(london: ParseContext) -> None:
    def peak(n: int) -> int:
        tracemalloc.start()
        count = sum(
            isinstance(r, Communication)
            for r in C().parse(_Generated(_big_report(n)), london)  # type: ignore[arg-type]
        )
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == 2 * n
        return top

    small, large = peak(200), peak(1000)
    # 1,600 more rows kept in memory would be several megabytes; streaming keeps it flat.
    assert large < small + 1_000_000


# --- UFDR -------------------------------------------------------------------------------------


def test_a_ufdr_reads_its_report_member_like_the_plain_file(run: Run) -> None:
    plain = mixed_report()
    container = ufdr({"files/Image/a.jpg": b"\xff\xd8" * 100, "report.xml": plain.encode()})
    assert run(UfdrParser, container) == run(C, plain)


def test_a_ufdr_reads_the_shallowest_report_and_names_the_others(run: Run) -> None:
    one = owned(model_type("Call", call("Incoming", T0, None, party(ALICE, "From"))))
    container = ufdr({"Report/Extra/report.xml": b"<x/>", "Report/report.xml": one.encode()})
    records = run(UfdrParser, container)
    assert len(comms(records)) == 1
    assert "'Report/Extra/report.xml'" in warnings(records)[0].message


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04 not really a zip", b"", ufdr({"doc.kml": b"<kml/>"})],
)
def test_a_zip_without_a_readable_report_is_not_a_ufdr(run: Run, data: bytes) -> None:
    with pytest.raises(NotThisFormat):
        run(UfdrParser, data)


def test_a_zip_bomb_report_is_refused(run: Run) -> None:
    with pytest.raises(InputTooLarge, match="zip bomb"):
        run(UfdrParser, ufdr({"report.xml": b" " * (8 * 1024 * 1024)}))


def test_damage_inside_a_ufdr_member_stops_with_a_warning(run: Run, account: Account) -> None:
    # 300 SMS (well over the first 16 KiB read), the last with a marker in its body.
    texts = [sms("Inbox", T0, f"m{i}", party(ALICE, "From")) for i in range(299)]
    texts.append(sms("Inbox", T0, "HELLO-MARKER", party(ALICE, "From")))
    plain = owned(model_type("SMS", *texts))
    container = bytearray(ufdr({"report.xml": plain.encode()}, zipfile.ZIP_STORED))
    at = container.index(b"HELLO-MARKER")
    container[at] = ord("J")  # still XML, but the CRC no longer matches at the member's end
    records = run(UfdrParser, bytes(container))
    loaded, rejected = account(records)
    assert loaded + rejected <= 300 and loaded > 200
    assert "Bad CRC-32" in warnings(records)[-1].message


# --- the real fragments (MANIFEST.md §1) ------------------------------------------------------


@pytest.mark.fixtures
def test_the_pa7_skeleton_holds_one_location(
    run: Run, real_file: Callable[[str], Path], account: Account
) -> None:
    data = real_file("ufed_geo2x/ufed_pa7_report_skeleton.xml").read_bytes()
    assert C.recognise(Probe("report.xml", data)) is not None
    records = run(C, data)
    assert account(records) == (1, 0)
    # Value 2020-12-16T11:53:14.000 (DateTimeOnly, naive): London is UTC in December.
    assert observations(records) == [
        Observation(1, datetime(2020, 12, 16, 11, 53, 14, tzinfo=UTC), 52.3461127, 12.21821)
    ]
    # PA displays it at +01:00 (the project's Europe/Berlin), an hour earlier: warned.
    assert "2020-12-16T11:53:14+01:00" in warnings(records)[0].message
    berlin = run(C, data, ParseContext(ZoneInfo("Europe/Berlin")))
    assert [o.time for o in observations(berlin)] == [
        datetime(2020, 12, 16, 10, 53, 14, tzinfo=UTC)
    ]
    assert warnings(berlin) == []


@pytest.mark.fixtures
def test_the_whatsapp_chat_fragment(
    run: Run, real_file: Callable[[str], Path], account: Account
) -> None:
    data = real_file("iped_ufed/ufed-model-chat.xml").read_bytes()
    assert C.recognise(Probe("ufed-model-chat.xml", data)) is not None
    records = run(C, data)
    # 14 InstantMessage models: 11 in the Chat's Messages (rows), 2 EmbeddedInstantMessage
    # copies and 1 inside ReplyMessageData (not rows). Row 10 is the "System message" (joined
    # the group via invite link): rejected. The other 10 load.
    assert account(records) == (10, 1)
    assert [r.row for r in rejections(records)] == [10]
    loaded = comms(records)
    # Out: rows 3 and 5 (From 5511999998888, IsPhoneOwner=True) and 11 (From 5600023546,
    # IsPhoneOwner=True, no To: the chat's one other participant). The rest are From others.
    assert [c.row for c in loaded if c.direction == "out"] == [3, 5, 11]
    assert all(c.kind == "chat" for c in loaded)
    # The Chat's owner participant is the line of messages that do not name the owner.
    assert {c.line for c in loaded if c.row != 11} == {"+5511999998888"}
    assert [c.other for c in loaded if c.row in (1, 3, 11)] == [
        "+5511999997777",
        "+5511999997777",
        "+5511999996666",
    ]
    assert loaded[0].time == datetime(2024, 11, 3, 19, 46, 47, tzinfo=UTC)
    assert warnings(records) == []


@pytest.mark.fixtures
def test_the_chat_fragment_wrapped_in_a_report_reads_the_same(
    run: Run, real_file: Callable[[str], Path]
) -> None:
    fragment = real_file("iped_ufed/ufed-model-chat.xml").read_text(encoding="utf-8")
    wrapped = report(model_type("Chat", fragment))
    assert C.recognise(Probe("report.xml", wrapped.encode())) is not None
    assert run(C, wrapped) == run(C, fragment)


@pytest.mark.fixtures
def test_user_accounts_are_directory_entries(run: Run, real_file: Callable[[str], Path]) -> None:
    # Two UserAccount models; their UserID entries by hand: a WhatsApp id and two "Additional
    # Name" values (names, skipped) in the first, a Facebook id in the second.
    data = real_file("iped_ufed/ufed-model-useraccount.xml").read_bytes()
    assert run(C, data) == [
        DirectoryEntry(1, "account", "+5511999997777", "Rattata", "WhatsApp Business"),
        DirectoryEntry(2, "account", "1212121212121212", "Pidgeotto", "Instagram"),
    ]


@pytest.mark.fixtures
def test_the_skeleton_inside_a_ufdr(
    run: Run, real_file: Callable[[str], Path], tmp_path: Path
) -> None:
    data = real_file("ufed_geo2x/ufed_pa7_report_skeleton.xml").read_bytes()
    path = tmp_path / "phone.ufdr"
    path.write_bytes(ufdr({"files/Image/3255326112452127.jpg": b"\xff\xd8", "report.xml": data}))
    probe = Probe.of_path(path)
    assert UfdrParser.recognise(probe) is not None and C.recognise(probe) is None
    london = ParseContext(ZoneInfo("Europe/London"))
    with path.open("rb") as raw:
        records = list(UfdrParser().parse(raw, london))
    assert records == list(C().parse(io.BytesIO(data), london))


@pytest.mark.fixtures
def test_the_skeleton_location_keeps_its_model_id_and_source_file(
    real_file: Callable[[str], Path],
) -> None:
    # By hand from the skeleton: the Location model's id, and its extraInfo's one nodeInfo.
    data = real_file("ufed_geo2x/ufed_pa7_report_skeleton.xml").read_bytes()
    records = list(C().parse(io.BytesIO(data), ParseContext(ZoneInfo("Europe/Berlin"))))
    model_id = "7465e04d-9569-4a12-82e9-dd714874f92e"
    [location] = [r for r in records if isinstance(r, Observation)]
    assert location.item_ref == model_id
    assert [r for r in records if isinstance(r, SourceReference)] == [
        SourceReference(
            model_id,
            "NO NAME/DCIM/Camera/20180720_175843.jpg/20200720_175243.jpg_embedded_1_partial.jpg",
            824,
            1590096,
        )
    ]


def test_every_row_carries_its_model_id() -> None:
    data = owned(model_type("Call", call("Incoming", T0, "00:01:23", party(ALICE, "From"))))
    [record] = list(C().parse(io.BytesIO(data.encode()), ParseContext(ZoneInfo("UTC"))))
    assert isinstance(record, Communication)
    assert record.item_ref is not None and record.item_ref.startswith("00000000-0000-0000-0000-")


def test_source_file_references_are_not_rows(account: Account) -> None:
    extra = (
        '<extraInfos><extraInfo type="model" id="m1"><sourceInfo><nodeInfos>'
        '<nodeInfo name="msgstore.db" path="Root/data/msgstore.db" size="12" offset="x" />'
        "</nodeInfos></sourceInfo></extraInfo></extraInfos>"
    )
    data = f'<?xml version="1.0"?><project xmlns="{NS}"><decodedData/>{extra}</project>'
    records = list(C().parse(io.BytesIO(data.encode()), ParseContext(ZoneInfo("UTC"))))
    assert records == [SourceReference("m1", "Root/data/msgstore.db", None, 12)]
    assert account(records) == (0, 0)
