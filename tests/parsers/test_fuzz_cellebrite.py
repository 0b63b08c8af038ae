"""Mutation fuzzing of the Cellebrite report.xml and UFDR parsers.

1000 damaged reports (byte flips, inserted bytes and XML tokens, deletions, truncations,
duplicated slices, and whole models built from awkward values placed at element boundaries) and
300 damaged UFDR containers. Whatever comes in, the only exceptions allowed out are NotThisFormat
and InputTooLarge, ``recognise`` never raises, and a parse that completes numbers every row once
and loads only sane records (``account`` in conftest).
"""

from __future__ import annotations

import io
import itertools
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.parsers.base import Parser, Probe
from appliance.parsers.cellebrite import CellebriteReportParser, UfdrParser

from . import test_cellebrite as builders
from .conftest import Account, Run
from .mutations import mutated
from .test_cellebrite import (
    call,
    chat,
    location,
    message,
    metadata,
    model,
    model_type,
    party,
    report,
    sms,
    stamp,
)

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOKENS = [
    b"<", b">", b"/>", b"</", b'"', b"'", b"=", b"&amp;", b"&lol;", b"&#0;", b"&#x110000;",
    b"<![CDATA[", b"]]>", b"<!--", b"-->", b"<!DOCTYPE x>", b'<!ENTITY a "b">', b"<?pi x?>",
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"<model>", b"</model>", b'<model type="Call">',
    b'<model type="InstantMessage">', b'<model type="Location">', b'<model type="Party">',
    b"</field>", b'<field name="TimeStamp">', b"<value>", b"</value>", b"<empty />",
    b'deleted_state="Deleted"', b'xmlns="urn:other"', b'<modelType type="Chat">', b"</modelType>",
    b'<multiModelField name="Messages">', b"</multiModelField>", b"True", b"From", b"To",
    b"9" * 40, b"-", b":", b"T", b"Z", b"+01:00",
]  # fmt: skip

TIMES = [
    "2024-05-01T10:00:00.000+00:00", "2024-03-31T01:30:00", "2024-10-27T01:30:00.000",
    "2024-05-01", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "yesterday", "",
    "2010-12-13T20:45:52.2073437Z", None,
]  # fmt: skip
NUMBERS = ["51.5", "-0.12", "0", "95", "-181", "1e999", "nan", "", "x", "9" * 30, None]
IDS = [
    "07700 900123", "+447700900456", "447700900001@s.whatsapp.net", "1203630@g.us", "",
    "System message", "x" * 300, "<b>",
]  # fmt: skip
ROLES = ["From", "To", "Cc", "General", "", None]
TYPES = ["Incoming", "Outgoing", "Missed", "Rejected", "Unknown", "", None]
FOLDERS = ["Inbox", "Sent", "Draft", "Outbox", None]
DURATIONS = ["00:01:23", "1.02:03:04.5", "83", "00:99:00", "-1", "", None]


@st.composite
def _party(draw: st.DrawFn) -> str:
    owner = draw(st.sampled_from([True, False, None]))
    return party(draw(st.sampled_from(IDS)), draw(st.sampled_from(ROLES)), owner)


@st.composite
def _model(draw: st.DrawFn) -> bytes:
    # The builders number their models; restart the numbering so that a replayed example
    # rebuilds the same bytes (hypothesis requires it).
    builders._ids = itertools.count(1)
    kind = draw(st.sampled_from(["call", "sms", "im", "location", "chat", "other"]))
    time = draw(st.sampled_from(TIMES))
    members = draw(st.lists(_party(), max_size=3))
    state = {
        "deleted": draw(st.sampled_from(["Intact", "Deleted", "Unknown", "Trash"])),
        "confidence": draw(st.sampled_from(["High", "Low", ""])),
    }
    if kind == "call":
        built = call(
            draw(st.sampled_from(TYPES)), time, draw(st.sampled_from(DURATIONS)), *members, **state
        )
    elif kind == "sms":
        built = sms(draw(st.sampled_from(FOLDERS)), time, "body", *members, **state)
    elif kind == "im":
        built = message(time, members[0] if members else None, *members[1:])
    elif kind == "location":
        lat, lon = draw(st.sampled_from(NUMBERS)), draw(st.sampled_from(NUMBERS))
        precision = draw(st.sampled_from(["10", "-5", "far", None]))
        built = location(lat, lon, time, draw(st.sampled_from(["GPS", None])), precision, **state)
    elif kind == "chat":
        built = chat(draw(st.sampled_from(IDS)), members, message(time, draw(_party())))
    else:
        built = model(draw(st.sampled_from(["Contact", "Party", "Chat", "Call"])), stamp(time))
    return built.encode()


SAMPLE = report(
    model_type(
        "Call",
        call("Incoming", TIMES[0], "00:01:23", party("07700 900123", "From")),
        call(
            "Outgoing",
            TIMES[1],
            "00:00:05",
            party("07700 900001", "From", True),
            party("+447700900456", "To"),
        ),
    ),
    model_type(
        "SMS",
        sms("Inbox", TIMES[2], "hi", party("07700 900123", "From")),
        sms("Draft", TIMES[0], "no", party("07700 900123", "To")),
    ),
    model_type(
        "Chat",
        chat(
            "447700900123@s.whatsapp.net",
            [party("447700900001@s.whatsapp.net", owner=True)],
            message(TIMES[0], party("447700900123@s.whatsapp.net", "From")),
            message(TIMES[0], party("447700900001@s.whatsapp.net", "From", True)),
        ),
    ),
    model_type(
        "Location",
        location("51.5", "-0.12", TIMES[0], "GPS", "10", deleted="Deleted"),
        location("0", "0", TIMES[0]),
    ),
    meta=metadata(MSISDN="07700 900001"),
).encode()
HEAD = SAMPLE.index(b"<decodedData>") + len(b"<decodedData>")


def _mutated(sample: bytes, head: int) -> st.SearchStrategy[bytes]:
    # Whole models go just after a '>' where an element could start; reports are larger than
    # row files, so deletions and copies reach further.
    return mutated(
        sample, _model(), boundary=b">", head=head, tokens=TOKENS, max_delete=80, max_copy=400
    )


def _check(parser: type[Parser], data: bytes, run: Run, account: Account) -> None:
    parser.recognise(Probe("fuzzed", data))
    try:
        records = run(parser, data)
    except (NotThisFormat, InputTooLarge):
        return
    account(records)


@FUZZ
@given(data=_mutated(SAMPLE, HEAD))
def test_fuzz_cellebrite_report(run: Run, account: Account, data: bytes) -> None:
    _check(CellebriteReportParser, data, run, account)


def _zip(report_bytes: bytes, method: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr("files/Image/a.jpg", b"\xff\xd8\xff\xe0" * 8)
        archive.writestr("report.xml", report_bytes)
    return buffer.getvalue()


UFDR_STORED = _zip(SAMPLE, zipfile.ZIP_STORED)
UFDR_DEFLATED = _zip(SAMPLE, zipfile.ZIP_DEFLATED)


@st.composite
def _damaged_ufdr(draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(["report", "stored", "deflated"]))
    if how == "report":
        # A damaged report in a sound container.
        method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
        return _zip(draw(_mutated(SAMPLE, HEAD)), method)
    # A damaged container: bytes of the zip itself flipped, cut or deleted.
    data = bytearray(UFDR_STORED if how == "stored" else UFDR_DEFLATED)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "delete", "truncate", "token"]))
        pos = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 40))]
        elif op == "truncate":
            del data[pos:]
        else:
            data[pos:pos] = draw(st.sampled_from(TOKENS))
    return bytes(data)


@settings(FUZZ, max_examples=1000)
@given(data=_damaged_ufdr())
def test_fuzz_ufdr(run: Run, account: Account, data: bytes) -> None:
    probe = Probe("fuzzed.ufdr", data[:65536], members=("report.xml",))
    UfdrParser.recognise(probe)
    try:
        records = run(UfdrParser, data)
    except (NotThisFormat, InputTooLarge):
        return
    account(records)


def test_the_sample_is_valid(run: Run, account: Account) -> None:
    """The fuzzers start from a report that loads, so their damage is what is being tested."""
    # Rows: 2 calls, 2 SMS (the Draft rejected), 2 chat messages, 2 locations (0,0 rejected).
    assert account(run(CellebriteReportParser, SAMPLE)) == (6, 2)
    assert run(UfdrParser, UFDR_DEFLATED) == run(CellebriteReportParser, SAMPLE)
