"""Google Takeout Records.json: streamed, one Observation per array element or a reason."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.errors import NotThisFormat
from appliance.model import Observation, Rejection, Warning
from appliance.parsers import google_records
from appliance.parsers.base import Probe
from appliance.parsers.google_records import GoogleRecordsParser

from .conftest import Account, Run

FIX = {
    "latitudeE7": 525121303,
    "longitudeE7": 134309551,
    "accuracy": 25,
    "source": "GPS",
    "timestamp": "2013-04-15T06:31:26.860Z",
}


def records_json(*items: object, before: str = "") -> str:
    return "{" + before + '"locations": [' + ", ".join(json.dumps(i) for i in items) + "]}"


def with_(**changes: object) -> dict[str, object]:
    item = dict(FIX)
    for key, value in changes.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    return item


def test_recognises_records_json() -> None:
    probe = Probe("Records.json", records_json(FIX).encode())
    assert GoogleRecordsParser.recognise(probe) == (
        "JSON object with a 'locations' array of latitudeE7 fixes"
    )


@pytest.mark.parametrize(
    "text",
    [
        '{"timelineObjects": [{"activitySegment": {"startLocation": {"latitudeE7": 1}}}]}',
        '{"locations": [{"type": "Feature", "geometry": {"coordinates": [1, 2]}}]}',
        '[{"latitudeE7": 1, "locations": 2}]',
    ],
)
def test_does_not_recognise_other_google_or_location_json(text: str) -> None:
    assert GoogleRecordsParser.recognise(Probe("x.json", text.encode())) is None


def test_loads_an_element_as_one_observation(run: Run) -> None:
    [record] = run(GoogleRecordsParser, records_json(FIX))
    assert record == Observation(
        row=1,
        time=datetime(2013, 4, 15, 6, 31, 26, 860000, tzinfo=UTC),
        lat=52.5121303,
        lon=13.4309551,
        radius_m=25.0,
        method="gps",
    )


@pytest.mark.parametrize("millis", ["1366007486860", 1366007486860])
def test_timestamp_ms_as_string_or_number(run: Run, millis: object) -> None:
    [record] = run(GoogleRecordsParser, records_json(with_(timestamp=None, timestampMs=millis)))
    assert isinstance(record, Observation)
    assert record.time == datetime(2013, 4, 15, 6, 31, 26, 860000, tzinfo=UTC)


def test_unsigned_e7_values_wrap_to_negative(run: Run) -> None:
    item = with_(latitudeE7=2**32 - 338_000_000, longitudeE7=2**32 - 586_000_000)
    [record] = run(GoogleRecordsParser, records_json(item))
    assert isinstance(record, Observation)
    assert (record.lat, record.lon) == (-33.8, -58.6)


def test_negative_e7_values_are_read_as_written(run: Run) -> None:
    [record] = run(GoogleRecordsParser, records_json(with_(latitudeE7=-338_000_000)))
    assert isinstance(record, Observation) and record.lat == -33.8


@pytest.mark.parametrize(
    ("source", "method"),
    [("GPS", "gps"), ("WIFI", "wifi"), ("CELL", "cell"), ("UNKNOWN", "fused"), (None, "fused")],
)
def test_source_names_the_method(run: Run, source: str | None, method: str) -> None:
    [record] = run(GoogleRecordsParser, records_json(with_(source=source)))
    assert isinstance(record, Observation) and record.method == method


def test_missing_accuracy_is_an_unknown_radius(run: Run) -> None:
    [record] = run(GoogleRecordsParser, records_json(with_(accuracy=None)))
    assert isinstance(record, Observation) and record.radius_m is None


def test_a_byte_order_mark_is_allowed(run: Run) -> None:
    [record] = run(GoogleRecordsParser, b"\xef\xbb\xbf" + records_json(FIX).encode())
    assert isinstance(record, Observation)


def test_other_members_before_locations_are_skipped(run: Run) -> None:
    before = '"meta": {"a": [1, {"b": "]}\\"["}], "c": "locations"}, "n": 5, "t": true, '
    [record] = run(GoogleRecordsParser, records_json(FIX, before=before))
    assert isinstance(record, Observation)


def test_naive_timestamp_is_read_in_the_declared_zone_and_flagged(run: Run) -> None:
    records = run(GoogleRecordsParser, records_json(with_(timestamp="2024-10-27T01:30:00")))
    observation, warning = records
    assert isinstance(observation, Observation) and observation.time_flag == "ambiguous"
    assert observation.time == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert isinstance(warning, Warning) and warning.row == 1


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (with_(latitudeE7=None), "missing latitudeE7"),
        (with_(longitudeE7="east"), "unreadable longitudeE7 'east'"),
        (with_(latitudeE7=True), "unreadable latitudeE7 True"),
        (with_(latitudeE7=950_000_000 - 2**32), "latitude -334.4967296 out of range"),
        (with_(latitudeE7=0, longitudeE7=0), "position 0,0 (null island) is a missing-fix marker"),
        (with_(latitudeE7=10**30), f"latitudeE7 {10**30 - 2**32} out of range"),
        (with_(timestamp=None), "missing timestamp"),
        (with_(timestamp="soon"), "unreadable timestamp 'soon'"),
        (with_(timestamp=12), "unreadable timestamp '12'"),
        (with_(timestamp=None, timestampMs="x1"), "unreadable timestampMs 'x1'"),
        (with_(timestamp=None, timestampMs=10**18), f"timestampMs {10**18} out of range"),
        (with_(accuracy=-3), "negative accuracy -3"),
        (with_(accuracy="near"), "unreadable accuracy 'near'"),
        ([1, 2], "element is a JSON list, not an object"),
        ("fix", "element is a JSON str, not an object"),
    ],
)
def test_each_unloadable_element_is_rejected_with_its_reason(
    run: Run, item: object, reason: str
) -> None:
    assert run(GoogleRecordsParser, records_json(item)) == [Rejection(1, reason)]


def test_invalid_json_inside_an_element_is_rejected_and_the_next_one_read(
    run: Run, account: Account
) -> None:
    good = json.dumps(FIX)
    text = '{"locations": [' + good + ', {"latitudeE7": 1,, }, tru, ' + good + "]}"
    records = run(GoogleRecordsParser, text)
    assert [type(r).__name__ for r in records] == [
        "Observation",
        "Rejection",
        "Rejection",
        "Observation",
    ]
    assert records[1] == Rejection(
        2, "element is not valid JSON (Expecting property name enclosed in double quotes)"
    )
    assert account(records) == (2, 2)


@pytest.mark.parametrize("space", ["\f", "\u00a0", "\x1c"])
def test_non_json_white_space_between_elements_is_one_rejection(
    run: Run, account: Account, space: str
) -> None:
    text = '{"locations": [' + json.dumps(FIX) + ", " + space + ", " + json.dumps(FIX) + "]}"
    records = run(GoogleRecordsParser, text)
    assert account(records) == (2, 1)
    assert isinstance(records[1], Rejection) and records[1].row == 2


def test_an_oversized_element_is_rejected_without_keeping_it(run: Run, account: Account) -> None:
    big = with_(note="x" * (2 * 1024 * 1024))
    records = run(GoogleRecordsParser, records_json(big, FIX))
    assert records[0] == Rejection(1, "element is larger than 1048576 characters")
    assert isinstance(records[1], Observation) and records[1].row == 2
    assert account(records) == (1, 1)


def test_a_deeply_nested_element_is_rejected(run: Run) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    text = '{"locations": [' + deep + ", " + json.dumps(FIX) + "]}"
    records = run(GoogleRecordsParser, text)
    assert records[0] == Rejection(1, "element is nested more than 64 levels deep")
    assert isinstance(records[1], Observation)


def test_a_truncated_file_rejects_the_cut_element_and_warns(run: Run, account: Account) -> None:
    text = records_json(FIX, FIX)
    cut = text[: text.rindex("accuracy")]
    records = run(GoogleRecordsParser, cut)
    observation, rejection, warning = records
    assert isinstance(observation, Observation)
    assert rejection == Rejection(2, "the file ends inside this element (truncated)")
    assert warning == Warning(2, "the file ends before the locations array closes (truncated?)")
    assert account(records) == (1, 1)


def test_a_file_cut_between_elements_warns(run: Run) -> None:
    text = records_json(FIX)[:-2]
    observation, warning = run(GoogleRecordsParser, text)
    assert isinstance(observation, Observation)
    assert warning == Warning(1, "the file ends before the locations array closes (truncated?)")


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_results_do_not_depend_on_where_chunks_end(
    run: Run, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    text = records_json(
        FIX,
        with_(note='esc\\"aped \\\\ "quote" ]}[{'),
        "x",
        with_(timestamp=None, timestampMs="1366007486860"),
        before='"pre": ["]", {"}": "\\\\"}], ',
    )
    expected = run(GoogleRecordsParser, text)
    monkeypatch.setattr(google_records, "CHUNK_CHARS", chunk)
    assert run(GoogleRecordsParser, text) == expected
    assert [type(r).__name__ for r in expected] == [
        "Observation",
        "Observation",
        "Rejection",
        "Observation",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "root is not a JSON object"),
        ("[]", "root is not a JSON object"),
        ('{"timelineObjects": []}', "no 'locations' array"),
        ('{"locations": {"a": 1}}', "'locations' is not an array"),
        ('{"locations"', "not valid JSON"),
        ('{"other": [1, 2', "ends before its 'locations' array"),
        ("{nope}", "no 'locations' array"),
    ],
)
def test_files_that_are_not_records_json(run: Run, text: str, message: str) -> None:
    with pytest.raises(NotThisFormat, match=message):
        run(GoogleRecordsParser, text)


# Real files. Counts from the files themselves: grep -c '"latitudeE7"' gives 95 in reitti's
# Records.json (each location has exactly one; activity[] entries carry none) and 3 in
# dawarich's; grep -o '"source": "[A-Z]*"' | sort | uniq -c gives the methods.


@pytest.mark.fixtures
def test_real_reitti_records(run: Run, account: Account, real_file: Callable[[str], Path]) -> None:
    path = real_file("reitti/Records.json")
    assert GoogleRecordsParser.recognise(Probe.of_path(path))
    records = run(GoogleRecordsParser, path.read_bytes())
    assert account(records) == (95, 0)
    observations = [r for r in records if isinstance(r, Observation)]
    assert Counter(o.method for o in observations) == {"wifi": 94, "gps": 1}
    first, last = observations[0], observations[-1]
    assert first == Observation(
        row=1,
        time=datetime(2013, 4, 15, 6, 31, 26, 860000, tzinfo=UTC),
        lat=52.5121303,
        lon=13.4309551,
        radius_m=25.0,
        method="gps",
    )
    assert (last.row, last.time) == (95, datetime(2013, 4, 15, 8, 53, 31, 548000, tzinfo=UTC))


@pytest.mark.fixtures
def test_real_dawarich_records(
    run: Run, account: Account, real_file: Callable[[str], Path]
) -> None:
    records = run(GoogleRecordsParser, real_file("dawarich/google/records.json").read_bytes())
    assert account(records) == (3, 0)
    # "source": "UNKNOWN" twice, "WIFI" once
    assert [r.method for r in records if isinstance(r, Observation)] == ["fused", "fused", "wifi"]


@pytest.mark.fixtures
@pytest.mark.parametrize(
    "relative",
    [
        "reitti/timeline_from_android_randomized.json",
        "reitti/timeline_from_ios_randomized.json",
        "dawarich/google/semantic_history.json",
        "dawarich/google/edge_cases__semantic_history_with_bom.json",
        "dawarich/google/location-history.json",
        "dawarich/google/timeline_new_format.json",
    ],
)
def test_other_google_exports_are_not_records_json(
    run: Run, real_file: Callable[[str], Path], relative: str
) -> None:
    path = real_file(relative)
    assert GoogleRecordsParser.recognise(Probe.of_path(path)) is None
    with pytest.raises(NotThisFormat):
        run(GoogleRecordsParser, path.read_bytes())
