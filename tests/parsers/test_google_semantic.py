"""Semantic Location History: visits as two points, journeys as path points, timeless waypoints
rejected, streamed with one row per point."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.errors import NotThisFormat
from appliance.model import Observation, Rejection, Warning
from appliance.parsers import _jsonstream, google_records
from appliance.parsers.base import Probe
from appliance.parsers.google_ios import GoogleIosParser
from appliance.parsers.google_records import GoogleRecordsParser
from appliance.parsers.google_semantic import GoogleSemanticParser
from appliance.parsers.google_timeline import GoogleTimelineParser

from .conftest import Account, Run

P = GoogleSemanticParser
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
T1 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
DURATION = {"startTimestamp": "2024-05-01T09:00:00Z", "endTimestamp": "2024-05-01T10:00:00Z"}
VISIT = {
    "location": {"latitudeE7": 515000000, "longitudeE7": -1200000, "accuracyMetres": 40},
    "duration": DURATION,
    "locationConfidence": 93.5,
}
SEGMENT = {
    "startLocation": {"latitudeE7": 515000000, "longitudeE7": -1200000},
    "endLocation": {"latitudeE7": 516000000, "longitudeE7": -1300000},
    "duration": DURATION,
    "waypointPath": {"waypoints": [{"latE7": 515100000, "lngE7": -1210000}] * 2},
    "simplifiedRawPath": {
        "points": [
            {
                "latE7": 515200000,
                "lngE7": -1220000,
                "timestamp": "2024-05-01T09:30:00Z",
                "accuracyMeters": 8,
            }
        ]
    },
}


def semantic(*objects: object, before: str = "") -> str:
    body = ", ".join(json.dumps(o) for o in objects)
    return "{" + before + '"timelineObjects": [' + body + "]}"


def visit(**changes: object) -> dict[str, object]:
    return {"placeVisit": {**VISIT, **changes}}


def segment(**changes: object) -> dict[str, object]:
    return {"activitySegment": {**SEGMENT, **changes}}


def test_recognises_semantic_history_and_nothing_else() -> None:
    probe = Probe("2024_MAY.json", semantic(visit()).encode())
    assert P.recognise(probe) == "JSON object whose first member is a 'timelineObjects' array"
    for other in (GoogleRecordsParser, GoogleTimelineParser, GoogleIosParser):
        assert other.recognise(probe) is None


@pytest.mark.parametrize(
    "text",
    [
        '{"locations": [{"latitudeE7": 1, "timestampMs": "1"}]}',
        '{"semanticSegments": [], "timelineObjects": []}',
        '[{"startTime": "2024-01-01T00:00:00Z", "visit": {}}]',
        '{"timelineEdits": [{"placeAggregates": {"timelineObjects": []}}]}',
        '{"timelineObjects": {}}',
    ],
)
def test_does_not_recognise_other_files(text: str) -> None:
    assert P.recognise(Probe("x.json", text.encode())) is None


def test_a_visit_is_two_points_at_its_start_and_end(run: Run, account: Account) -> None:
    records = run(P, semantic(visit()))
    assert records == [
        Observation(row=1, time=T0, lat=51.5, lon=-0.12, radius_m=40.0, method="visit"),
        Observation(row=2, time=T1, lat=51.5, lon=-0.12, radius_m=40.0, method="visit"),
    ]
    assert account(records) == (2, 0)


def test_location_confidence_is_not_a_radius(run: Run) -> None:
    location = {"latitudeE7": 515000000, "longitudeE7": -1200000, "locationConfidence": 80}
    start, _ = run(P, semantic(visit(location=location)))
    assert isinstance(start, Observation) and start.radius_m is None


def test_a_journey_gives_path_points_and_rejects_timeless_waypoints(
    run: Run, account: Account
) -> None:
    records = run(P, semantic(segment()))
    start, way1, way2, raw, end = records
    assert start == Observation(1, T0, 51.5, -0.12, None, "path")
    assert way1 == Rejection(2, "waypoint has no time")
    assert way2 == Rejection(3, "waypoint has no time")
    assert raw == Observation(
        4, datetime(2024, 5, 1, 9, 30, tzinfo=UTC), 51.52, -0.122, 8.0, "path"
    )
    assert end == Observation(5, T1, 51.6, -0.13, None, "path")
    assert account(records) == (3, 2)


def test_millisecond_timestamps_of_older_files(run: Run) -> None:
    duration = {"startTimestampMs": "1714554000000", "endTimestampMs": 1714557600000}
    raw = {"latE7": 515200000, "lngE7": -1220000, "timestampMs": "1714555800000"}
    records = run(
        P,
        semantic(
            segment(duration=duration, waypointPath=None, simplifiedRawPath={"points": [raw]})
        ),
    )
    assert [r.time for r in records if isinstance(r, Observation)] == [
        T0,
        datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        T1,
    ]


def test_transit_stops_and_parking_event(run: Run, account: Account) -> None:
    parking = {
        "location": {"latitudeE7": 515300000, "longitudeE7": -1230000, "accuracyMetres": 12},
        "timestamp": "2024-05-01T10:00:00Z",
    }
    transit = {"transitStops": [{"latitudeE7": 515000000, "longitudeE7": -1200000}]}
    records = run(
        P,
        semantic(
            segment(
                waypointPath=None, simplifiedRawPath=None, transitPath=transit, parkingEvent=parking
            )
        ),
    )
    assert records[1] == Rejection(2, "transit stop has no time")
    assert records[2] == Observation(3, T1, 51.53, -0.123, 12.0, "path")
    assert account(records) == (3, 1)


def test_unsigned_e7_values_wrap_to_negative(run: Run) -> None:
    location = {"latitudeE7": 2**32 - 338_000_000, "longitudeE7": 2**32 - 586_000_000}
    start, _ = run(P, semantic(visit(location=location)))
    assert isinstance(start, Observation) and (start.lat, start.lon) == (-33.8, -58.6)


def test_centre_is_used_when_the_location_has_none(run: Run) -> None:
    place = {**VISIT, "location": {"placeId": "x"}, "centerLatE7": 515000000, "centerLngE7": 1}
    records = run(P, semantic({"placeVisit": place}))
    assert [type(r).__name__ for r in records] == ["Observation", "Warning"] * 2
    assert records[1] == Warning(
        1, "visit position taken from centerLatE7/centerLngE7 (location has none)"
    )


def test_child_visits_follow_their_parent(run: Run, account: Account) -> None:
    child = {**VISIT, "location": {"latitudeE7": 515000001, "longitudeE7": 2}}
    records = run(P, semantic(visit(childVisits=[child])))
    assert [r.row for r in records] == [1, 2, 3, 4]
    assert account(records) == (4, 0)


def test_a_visit_without_a_position_rejects_both_points(run: Run, account: Account) -> None:
    records = run(P, semantic(visit(location={"name": "somewhere"})))
    assert records == [
        Rejection(1, "placeVisit start: missing latitudeE7"),
        Rejection(2, "placeVisit end: missing latitudeE7"),
    ]
    assert account(records) == (0, 2)


def test_a_bad_end_time_rejects_only_the_end(run: Run, account: Account) -> None:
    duration = {"startTimestamp": "2024-05-01T09:00:00Z", "endTimestamp": "later"}
    records = run(P, semantic(visit(duration=duration)))
    assert records[1] == Rejection(2, "placeVisit end: unreadable duration.endTimestamp 'later'")
    assert account(records) == (1, 1)


def test_a_visit_that_ends_before_it_starts_is_loaded_with_a_warning(run: Run) -> None:
    duration = {"startTimestamp": "2024-05-01T10:00:00Z", "endTimestamp": "2024-05-01T09:00:00Z"}
    records = run(P, semantic(visit(duration=duration)))
    assert isinstance(records[2], Warning) and "before it starts" in records[2].message


def test_damaged_accuracy_is_a_warning_not_a_rejection(run: Run) -> None:
    location = {"latitudeE7": 515000000, "longitudeE7": -1200000, "accuracyMetres": "near"}
    start, warning, *_ = run(P, semantic(visit(location=location)))
    assert isinstance(start, Observation) and start.radius_m is None
    assert warning == Warning(1, "unreadable accuracyMetres 'near'; radius unknown")


def test_naive_time_is_read_in_the_declared_zone_and_flagged(run: Run) -> None:
    duration = {"startTimestamp": "2024-10-27T01:30:00", "endTimestamp": "2024-10-27T03:00:00Z"}
    start, warning, end = run(P, semantic(visit(duration=duration)))
    assert isinstance(start, Observation) and start.time_flag == "ambiguous"
    assert start.time == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert isinstance(warning, Warning) and warning.row == 1
    assert isinstance(end, Observation) and end.time_flag is None


@pytest.mark.parametrize(
    ("element", "reason"),
    [
        ([1], "element is a JSON array, not an object"),
        ({"other": {}}, "timeline object holds neither a placeVisit nor an activitySegment"),
        ({"activitySegment": {"duration": DURATION}}, "element holds no position"),
        ({"activitySegment": 5}, "activitySegment is not an object"),
    ],
)
def test_elements_without_points_are_one_rejection(
    run: Run, account: Account, element: object, reason: str
) -> None:
    records = run(P, semantic(element, visit()))
    assert records[0] == Rejection(1, reason)
    assert [r.row for r in records[1:]] == [2, 3]
    assert account(records) == (2, 1)


def test_invalid_json_element_is_rejected_and_the_next_read(run: Run, account: Account) -> None:
    text = '{"timelineObjects": [{"placeVisit": {,}}, ' + json.dumps(visit()) + "]}"
    records = run(P, text)
    assert records[0] == Rejection(
        1, "element is not valid JSON (Expecting property name enclosed in double quotes)"
    )
    assert account(records) == (2, 1)


def test_bom_and_invalid_utf8_are_survived(run: Run, account: Account) -> None:
    location = {"latitudeE7": 515000000, "longitudeE7": -1200000, "name": "NAME"}
    text = semantic(visit(location=location))
    data = b"\xef\xbb\xbf" + text.encode().replace(b"NAME", b"caf\xff\xfe")
    assert account(run(P, data)) == (2, 0)


def test_other_members_are_skipped(run: Run) -> None:
    before = '"timelineObjects": [], "x": {"timelineObjects": "]}"}, '
    records = run(P, semantic(visit(), before=before))
    assert [r.row for r in records] == [1, 2]


def test_an_oversized_element_is_rejected(
    run: Run, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_jsonstream, "MAX_ELEMENT_CHARS", 1000)
    records = run(P, semantic(visit(note="x" * 5000), visit()))
    assert records[0] == Rejection(1, "element is larger than 1000 characters")
    assert account(records) == (2, 1)


def test_a_truncated_file_warns(run: Run, account: Account) -> None:
    text = semantic(visit(), visit())
    records = run(P, text[: text.rindex("endTimestamp")])
    assert records[-2] == Rejection(3, "the file ends inside this element (truncated)")
    assert records[-1] == Warning(
        3, "the file ends before the timelineObjects array closes (truncated?)"
    )
    assert account(records) == (2, 1)


@pytest.mark.parametrize("chunk", [1, 3, 64])
def test_results_do_not_depend_on_chunking(
    run: Run, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    text = semantic(visit(note='"]}[{\\'), segment(), before='"a": ["]", "\\""], ')
    expected = run(P, text)
    monkeypatch.setattr(google_records, "CHUNK_CHARS", chunk)
    assert run(P, text) == expected
    assert len(expected) == 7


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "root is not a JSON object"),
        ("[]", "root is not a JSON object"),
        ('{"locations": []}', "no 'timelineObjects' member"),
        ('{"timelineObjects": {}}', "'timelineObjects' is not an array"),
        ('{"other": [1, 2', "ends inside a member"),
        ("{nope}", "unexpected 'n'"),
    ],
)
def test_files_that_are_not_semantic_history(run: Run, text: str, message: str) -> None:
    with pytest.raises(NotThisFormat, match=message):
        run(P, text)


# Real files. dawarich/google/semantic_history.json holds 3 activitySegments (grep -c
# activitySegment: 3), each with "startLocation": {} and "endLocation": {} (empty: read and
# rejected, 6) and 2 waypoints (grep -c latE7: 6, each rejected as having no time): 12 points,
# 0 loaded, 12 rejected. The BOM edge case holds 1 activitySegment with a start and an end
# location (grep -o latitudeE7 | wc -l: 2) and no waypoints: 2 loaded.


@pytest.mark.fixtures
def test_real_dawarich_semantic_history(
    run: Run, account: Account, real_file: Callable[[str], Path]
) -> None:
    path = real_file("dawarich/google/semantic_history.json")
    assert P.recognise(Probe.of_path(path))
    records = run(P, path.read_bytes())
    assert account(records) == (0, 12)
    reasons = [r.reason for r in records if isinstance(r, Rejection)]
    assert reasons.count("waypoint has no time") == 6


@pytest.mark.fixtures
def test_real_semantic_history_with_bom(
    run: Run, account: Account, real_file: Callable[[str], Path]
) -> None:
    path = real_file("dawarich/google/edge_cases__semantic_history_with_bom.json")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert P.recognise(Probe.of_path(path))
    records = run(P, path.read_bytes())
    assert records == [
        Observation(1, datetime(2024, 1, 1, 10, 0, tzinfo=UTC), 60.4518, 22.2666, None, "path"),
        Observation(2, datetime(2024, 1, 1, 10, 30, tzinfo=UTC), 60.4519, 22.2667, None, "path"),
    ]
    assert account(records) == (2, 0)


@pytest.mark.fixtures
@pytest.mark.parametrize(
    "relative",
    [
        "dawarich/google/edge_cases__timeline_edits.json",
        "dawarich/google/edge_cases__device_settings.json",
        "dawarich/google/records.json",
        "reitti/Records.json",
        "reitti/timeline_from_android_randomized.json",
        "reitti/timeline_from_ios_randomized.json",
    ],
)
def test_other_google_files_are_not_semantic_history(
    run: Run, real_file: Callable[[str], Path], relative: str
) -> None:
    path = real_file(relative)
    assert P.recognise(Probe.of_path(path)) is None
    with pytest.raises(NotThisFormat):
        run(P, path.read_bytes())
