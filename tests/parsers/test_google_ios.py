"""iOS location-history.json: a bare array of segments with geo: positions and string numbers;
path vertices are placed by their minute offset from the segment's start."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.errors import NotThisFormat
from appliance.model import Observation, Rejection, Warning
from appliance.parsers import google_records
from appliance.parsers.base import Probe
from appliance.parsers.google_ios import GoogleIosParser
from appliance.parsers.google_records import GoogleRecordsParser
from appliance.parsers.google_semantic import GoogleSemanticParser
from appliance.parsers.google_timeline import GoogleTimelineParser

from .conftest import Account, Run

P = GoogleIosParser
START, END = "2023-08-27T15:48:56.000-05:00", "2023-08-27T17:04:26.999-05:00"
T0 = datetime(2023, 8, 27, 20, 48, 56, tzinfo=UTC)
T1 = datetime(2023, 8, 27, 22, 4, 26, 999000, tzinfo=UTC)
VISIT = {
    "endTime": END,
    "startTime": START,
    "visit": {
        "hierarchyLevel": "0",
        "topCandidate": {"probability": "0.78", "placeLocation": "geo:27.720022,-97.347951"},
        "probability": "0.710000",
    },
}
ACTIVITY = {
    "endTime": END,
    "startTime": START,
    "activity": {"start": "geo:27.7,-97.3", "end": "geo:27.8,-97.4", "distanceMeters": "1881"},
}
PATH = {
    "endTime": "2023-08-28T00:00:00.000Z",
    "startTime": "2023-08-27T22:00:00.000Z",
    "timelinePath": [
        {"point": "geo:27.701123,-97.362988", "durationMinutesOffsetFromStartTime": "4"},
        {"point": "geo:27.687173,-97.363743", "durationMinutesOffsetFromStartTime": "112"},
    ],
}


def history(*segments: object) -> str:
    return json.dumps(list(segments))


def test_recognises_ios_history_and_nothing_else() -> None:
    probe = Probe("location-history.json", history(VISIT, PATH).encode())
    assert P.recognise(probe) == "JSON array of startTime/endTime segments with geo: positions"
    for other in (GoogleRecordsParser, GoogleSemanticParser, GoogleTimelineParser):
        assert other.recognise(probe) is None


@pytest.mark.parametrize(
    "text",
    [
        '{"locations": [{"latitudeE7": 1, "timestampMs": "1"}]}',
        '{"semanticSegments": [{"startTime": "x", "visit": "geo:1,2"}]}',
        '[{"startTime": "2024-01-01T00:00:00Z", "point": "51.5°, -0.1°"}]',
        '[{"latitude": 51.5, "longitude": "geo:1,2"}]',
        '"geo:1,2"',
        "[]",
    ],
)
def test_does_not_recognise_other_files(text: str) -> None:
    assert P.recognise(Probe("x.json", text.encode())) is None


def test_a_visit_is_two_points_placed_in_utc(run: Run, account: Account) -> None:
    records = run(P, history(VISIT))
    assert records == [
        Observation(row=1, time=T0, lat=27.720022, lon=-97.347951, method="visit"),
        Observation(row=2, time=T1, lat=27.720022, lon=-97.347951, method="visit"),
    ]
    assert account(records) == (2, 0)


def test_an_activity_is_a_start_and_an_end(run: Run) -> None:
    assert run(P, history(ACTIVITY)) == [
        Observation(1, T0, 27.7, -97.3, None, "path"),
        Observation(2, T1, 27.8, -97.4, None, "path"),
    ]


def test_vertices_are_placed_by_their_minute_offset(run: Run) -> None:
    records = run(P, history(PATH))
    assert [(r.row, r.time) for r in records if isinstance(r, Observation)] == [
        (1, datetime(2023, 8, 27, 22, 4, tzinfo=UTC)),
        (2, datetime(2023, 8, 27, 23, 52, tzinfo=UTC)),
    ]


def test_vertex_offsets_keep_the_segment_offset(run: Run) -> None:
    segment = {**PATH, "startTime": "2024-05-01T10:00:00+01:00"}
    first, _ = run(P, history(segment))
    assert isinstance(first, Observation)
    assert first.time == datetime(2024, 5, 1, 9, 4, tzinfo=UTC)


def test_geo_uncertainty_is_the_radius(run: Run) -> None:
    place = {"placeLocation": "geo:27.720022,-97.347951;u=35"}
    start, _ = run(P, history({**VISIT, "visit": {"topCandidate": place}}))
    assert isinstance(start, Observation) and start.radius_m == 35.0


@pytest.mark.parametrize(
    ("vertex", "reason"),
    [
        ({"point": "geo:1,2"}, "timelinePath vertex: missing time"),
        ({"point": "geo:1,2", "durationMinutesOffsetFromStartTime": "soon"},
         "timelinePath vertex: unreadable durationMinutesOffsetFromStartTime 'soon'"),
        ({"point": "geo:1,2", "durationMinutesOffsetFromStartTime": "-4"},
         "timelinePath vertex: negative durationMinutesOffsetFromStartTime -4"),
        ({"point": "geo:1,2", "durationMinutesOffsetFromStartTime": "1e300"},
         "timelinePath vertex: durationMinutesOffsetFromStartTime 1e+300 minutes after "
         "'2023-08-27T22:00:00.000Z' is out of range"),
        ({"point": "geo:1;2", "durationMinutesOffsetFromStartTime": "4"},
         "timelinePath vertex: unreadable point 'geo:1;2'"),
        ("geo:1,2", "timelinePath vertex: vertex is a JSON string, not an object"),
    ],
)  # fmt: skip
def test_unloadable_vertices_are_rejected(
    run: Run, account: Account, vertex: object, reason: str
) -> None:
    records = run(P, history({**PATH, "timelinePath": [vertex, PATH["timelinePath"][0]]}))  # type: ignore[index]
    assert records[0] == Rejection(1, reason)
    assert account(records) == (1, 1)


def test_a_bad_start_time_rejects_the_vertices_that_need_it(run: Run, account: Account) -> None:
    records = run(P, history({**PATH, "startTime": "dawn"}))
    assert records == [
        Rejection(i, "timelinePath vertex: unreadable startTime 'dawn'") for i in (1, 2)
    ]
    assert account(records) == (0, 2)


def test_timeline_memory_is_one_rejected_row(run: Run, account: Account) -> None:
    memory = {"startTime": START, "endTime": END, "timelineMemory": {"destinations": []}}
    records = run(P, history(VISIT, memory, PATH))
    assert records[2] == Rejection(3, "timelineMemory segment holds no position (a trip summary)")
    assert [r.row for r in records] == [1, 2, 3, 4, 5]
    assert account(records) == (4, 1)


def test_naive_times_are_flagged(run: Run) -> None:
    segment = {**VISIT, "startTime": "2024-10-27T01:30:00", "endTime": "2024-10-27T02:30:00"}
    start, warning, _ = run(P, history(segment))
    assert isinstance(start, Observation) and start.time_flag == "ambiguous"
    assert isinstance(warning, Warning) and warning.row == 1


def test_invalid_elements_and_truncation(run: Run, account: Account) -> None:
    text = "[" + json.dumps(VISIT) + ", {,}, 7, " + json.dumps(VISIT)
    records = run(P, text[:-5])
    assert records[2] == Rejection(
        3, "element is not valid JSON (Expecting property name enclosed in double quotes)"
    )
    assert records[3] == Rejection(4, "element is a JSON number, not an object")
    assert records[4] == Rejection(5, "the file ends inside this element (truncated)")
    assert records[5] == Warning(5, "the file ends before the root array closes (truncated?)")
    assert account(records) == (2, 3)


def test_bom_is_allowed(run: Run) -> None:
    assert len(run(P, b"\xef\xbb\xbf" + history(VISIT).encode())) == 2


@pytest.mark.parametrize("chunk", [1, 4, 64])
def test_results_do_not_depend_on_chunking(
    run: Run, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    text = history(VISIT, ACTIVITY, PATH, {"startTime": '"]}', "timelineMemory": {}})
    expected = run(P, text)
    monkeypatch.setattr(google_records, "CHUNK_CHARS", chunk)
    assert run(P, text) == expected
    assert len(expected) == 7


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "root is not a JSON array"),
        ('{"semanticSegments": []}', "root is not a JSON array"),
        ('[{"latitude": 1}]', "first element of the array is not a timeline segment"),
        ("[1, 2]", "first element of the array is not a timeline segment"),
    ],
)
def test_files_that_are_not_ios_history(run: Run, text: str, message: str) -> None:
    with pytest.raises(NotThisFormat, match=message):
        run(P, text)


# Real files, counted by hand:
# * reitti/timeline_from_ios_randomized.json: 50 segments, grep -c '"visit"' 26 (2 points each:
#   52) and grep -c '"activity"' 24, each with a "start" and an "end" geo: (grep -c
#   '"start" : "geo' 24, '"end" : "geo' 24: 48): 100 loaded, 0 rejected.
# * dawarich/google/location-history.json: 1 visit (2) + a timelinePath of 1 vertex + a
#   timelinePath of 9 vertices (grep -c '"point"' 10) = 12 loaded; 1 timelineMemory rejected.
# * dawarich/google/edge_cases__phone_takeout_array_timeline_path.json: 3 vertices, 3 loaded.


@pytest.mark.fixtures
@pytest.mark.parametrize(
    ("relative", "loaded", "rejected"),
    [
        ("reitti/timeline_from_ios_randomized.json", 100, 0),
        ("dawarich/google/location-history.json", 12, 1),
        ("dawarich/google/edge_cases__phone_takeout_array_timeline_path.json", 3, 0),
    ],
)
def test_real_ios_histories(
    run: Run,
    account: Account,
    real_file: Callable[[str], Path],
    relative: str,
    loaded: int,
    rejected: int,
) -> None:
    path = real_file(relative)
    assert P.recognise(Probe.of_path(path))
    assert account(run(P, path.read_bytes())) == (loaded, rejected)


@pytest.mark.fixtures
def test_real_ios_first_points(run: Run, real_file: Callable[[str], Path]) -> None:
    records = run(P, real_file("reitti/timeline_from_ios_randomized.json").read_bytes())
    # The first segment is an activity from 13:32:18+01:00 to 13:39:37+01:00.
    assert records[:2] == [
        Observation(1, datetime(2023, 12, 27, 12, 32, 18, tzinfo=UTC), 55.596349, 24.7405147,
                    None, "path"),
        Observation(2, datetime(2023, 12, 27, 12, 39, 37, tzinfo=UTC), 55.605487, 24.7648727,
                    None, "path"),
    ]  # fmt: skip
    # The timelinePath vertex "49" minutes after 20:00Z in dawarich's file.
    dawarich = run(P, real_file("dawarich/google/location-history.json").read_bytes())
    assert dawarich[2] == Observation(
        3, datetime(2023, 8, 27, 20, 49, tzinfo=UTC), 27.720007, -97.348044, None, "path"
    )


@pytest.mark.fixtures
@pytest.mark.parametrize(
    "relative",
    [
        "dawarich/google/edge_cases__timeline_edits.json",
        "dawarich/google/edge_cases__device_settings.json",
        "dawarich/google/records.json",
        "dawarich/google/semantic_history.json",
        "dawarich/google/timeline_new_format.json",
        "reitti/timeline_from_android_randomized.json",
    ],
)
def test_other_google_files_are_not_ios_history(
    run: Run, real_file: Callable[[str], Path], relative: str
) -> None:
    path = real_file(relative)
    assert P.recognise(Probe.of_path(path)) is None
    with pytest.raises(NotThisFormat):
        run(P, path.read_bytes())
