"""Android on-device Timeline.json: segments, raw signals and frequent places, one row per
point, local times with offsets placed in UTC."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from appliance.errors import NotThisFormat
from appliance.model import Observation, Rejection, Warning
from appliance.parsers import google_records
from appliance.parsers.base import ParseContext, Probe
from appliance.parsers.google_ios import GoogleIosParser
from appliance.parsers.google_records import GoogleRecordsParser
from appliance.parsers.google_semantic import GoogleSemanticParser
from appliance.parsers.google_timeline import GoogleTimelineParser

from .conftest import Account, Run

P = GoogleTimelineParser
START, END = "2024-05-01T10:00:00.000+01:00", "2024-05-01T11:00:00.000+01:00"
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
T1 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
VISIT = {
    "startTime": START,
    "endTime": END,
    "visit": {"topCandidate": {"placeLocation": {"latLng": "51.5°, -0.12°"}}},
}
ACTIVITY = {
    "startTime": START,
    "endTime": END,
    "activity": {"start": {"latLng": "51.5°, -0.12°"}, "end": {"latLng": "51.6°, -0.13°"}},
}
PATH = {
    "startTime": START,
    "endTime": END,
    "timelinePath": [
        {"point": "51.51°, -0.121°", "time": "2024-05-01T10:15:00.000+01:00"},
        {"point": "51.52°, -0.122°", "time": "2024-05-01T10:30:00.000+01:00"},
    ],
}
POSITION = {
    "position": {
        "LatLng": "51.5°, -0.12°",
        "accuracyMeters": 13,
        "source": "WIFI",
        "timestamp": "2024-05-01T10:05:00.000+01:00",
    }
}


def timeline(
    segments: list[object] | None = None,
    signals: list[object] | None = None,
    profile: object = None,
) -> str:
    document: dict[str, object] = {"semanticSegments": segments or []}
    if signals is not None:
        document["rawSignals"] = signals
    if profile is not None:
        document["userLocationProfile"] = profile
    return json.dumps(document, ensure_ascii=False)


def test_recognises_timeline_json_and_nothing_else() -> None:
    probe = Probe("Timeline.json", timeline([VISIT]).encode())
    assert P.recognise(probe) == (
        "JSON object whose first member is 'semanticSegments' (Android Timeline.json)"
    )
    for other in (GoogleRecordsParser, GoogleSemanticParser, GoogleIosParser):
        assert other.recognise(probe) is None


@pytest.mark.parametrize(
    "text",
    [
        '{"locations": [{"latitudeE7": 1, "timestampMs": "1"}]}',
        '{"timelineObjects": [{"placeVisit": {}}]}',
        '{"timelineEdits": [{"rawSignal": {"signal": {}}}]}',
        '{"gaiaId": "1", "deviceSettings": [], "semanticSegments": []}',
        '[{"startTime": "2024-01-01T00:00:00Z", "visit": {}}]',
    ],
)
def test_does_not_recognise_other_files(text: str) -> None:
    assert P.recognise(Probe("x.json", text.encode())) is None


def test_a_visit_is_two_points_placed_in_utc_from_their_offsets(run: Run, account: Account) -> None:
    records = run(P, timeline([VISIT]))
    assert records == [
        Observation(row=1, time=T0, lat=51.5, lon=-0.12, radius_m=None, method="visit"),
        Observation(row=2, time=T1, lat=51.5, lon=-0.12, radius_m=None, method="visit"),
    ]
    assert account(records) == (2, 0)


def test_an_activity_is_a_start_and_an_end_path_point(run: Run) -> None:
    assert run(P, timeline([ACTIVITY])) == [
        Observation(1, T0, 51.5, -0.12, None, "path"),
        Observation(2, T1, 51.6, -0.13, None, "path"),
    ]


def test_path_vertices_have_their_own_times(run: Run) -> None:
    records = run(P, timeline([PATH]))
    assert [(r.row, r.time, r.method) for r in records if isinstance(r, Observation)] == [
        (1, datetime(2024, 5, 1, 9, 15, tzinfo=UTC), "path"),
        (2, datetime(2024, 5, 1, 9, 30, tzinfo=UTC), "path"),
    ]


@pytest.mark.parametrize(
    ("source", "method"),
    [("GPS", "gps"), ("WIFI", "wifi"), ("CELL", "cell"), ("FUSED", "fused"),
     ("UNKNOWN", "unknown"), (None, "unknown")],
)  # fmt: skip
def test_raw_positions_keep_their_source(run: Run, source: str | None, method: str) -> None:
    position = {k: v for k, v in POSITION["position"].items() if k != "source" or source}
    if source:
        position["source"] = source
    [record] = run(P, timeline(signals=[{"position": position}]))
    assert record == Observation(
        1, datetime(2024, 5, 1, 9, 5, tzinfo=UTC), 51.5, -0.12, 13.0, method
    )


def test_positions_without_degree_signs_are_read(run: Run) -> None:
    signal = {"position": {**POSITION["position"], "LatLng": "48.8566, 2.3522"}}
    [record] = run(P, timeline(signals=[signal]))
    assert isinstance(record, Observation) and (record.lat, record.lon) == (48.8566, 2.3522)


def test_signals_without_a_position_and_frequent_places_are_rejected(
    run: Run, account: Account
) -> None:
    profile = {"frequentPlaces": [{"placeLocation": "51.5°, -0.12°", "label": "HOME"}]}
    records = run(P, timeline([VISIT], [{"wifiScan": {}}, POSITION, {}], profile))
    assert records[2] == Rejection(3, "raw signal 'wifiScan' holds no position; not loaded")
    assert records[4] == Rejection(5, "raw signal 'an empty object' holds no position; not loaded")
    assert records[5] == Rejection(6, "frequent place ('HOME') has no time")
    assert account(records) == (3, 3)


def test_an_empty_profile_takes_no_row(run: Run, account: Account) -> None:
    records = run(P, timeline([VISIT], [], {"persona": {}}))
    assert account(records) == (2, 0)


def test_a_segment_without_a_position_is_one_rejection(run: Run, account: Account) -> None:
    memory = {"startTime": START, "endTime": END, "timelineMemory": {"destinations": []}}
    records = run(P, timeline([memory, {"startTime": START}, VISIT]))
    assert records[:2] == [
        Rejection(1, "timelineMemory segment holds no position (a trip summary)"),
        Rejection(2, "segment holds no visit, activity or timelinePath"),
    ]
    assert account(records) == (2, 2)


@pytest.mark.parametrize(
    ("segment", "reason"),
    [
        ({**PATH, "timelinePath": [{"point": "51.5°", "time": START}]},
         "timelinePath vertex: unreadable point '51.5°'"),
        ({**PATH, "timelinePath": [{"point": "91°, 0°", "time": START}]},
         "timelinePath vertex: latitude 91.0 out of range"),
        ({**PATH, "timelinePath": [{"point": "0°, 0°", "time": START}]},
         "timelinePath vertex: position 0,0 (null island) is a missing-fix marker"),
        ({**PATH, "timelinePath": [{"point": "51.5°, -0.1°"}]},
         "timelinePath vertex: missing time"),
        ({**PATH, "timelinePath": [{"point": "51.5°, -0.1°", "time": "2024-05-01"}]},
         "timelinePath vertex: time '2024-05-01' has no time of day"),
        ({**ACTIVITY, "activity": {"start": {"latLng": "51.5°, -0.12°"}}, "startTime": 7},
         "activity start: unreadable startTime '7'"),
    ],
)  # fmt: skip
def test_unloadable_points_are_rejected_with_reasons(
    run: Run, account: Account, segment: object, reason: str
) -> None:
    records = run(P, timeline([segment]))
    assert records == [Rejection(1, reason)]


def test_a_visit_with_a_bad_end_time_loads_its_start(run: Run, account: Account) -> None:
    records = run(P, timeline([{**VISIT, "endTime": "soon"}]))
    assert records[1] == Rejection(2, "visit end: unreadable endTime 'soon'")
    assert account(records) == (1, 1)


def test_segment_ending_before_it_starts_warns(run: Run) -> None:
    records = run(P, timeline([{**VISIT, "startTime": END, "endTime": START}]))
    assert isinstance(records[2], Warning) and "before it starts" in records[2].message


def test_naive_times_are_flagged_in_the_declared_zone(run: Run) -> None:
    segment = {**VISIT, "startTime": "2024-03-31T01:30:00", "endTime": "2024-03-31T03:00:00"}
    start, warning, end = run(P, timeline([segment]))
    assert isinstance(start, Observation) and start.time_flag == "nonexistent"
    assert isinstance(warning, Warning) and "nonexistent in Europe/London" in warning.message
    assert isinstance(end, Observation) and end.time == datetime(2024, 3, 31, 2, 0, tzinfo=UTC)


def test_offsets_win_over_the_declared_zone(run: Run) -> None:
    tokyo = ParseContext(ZoneInfo("Asia/Tokyo"))
    records = run(P, timeline([VISIT]), tokyo)
    assert [r.time for r in records if isinstance(r, Observation)] == [T0, T1]


def test_a_non_array_member_after_the_first_is_one_rejection(run: Run, account: Account) -> None:
    text = timeline([VISIT])[:-1] + ', "rawSignals": {"position": 1}}'
    records = run(P, text)
    assert records[-1] == Rejection(3, "'rawSignals' is not an array")
    assert account(records) == (2, 1)


def test_damage_after_the_segments_ends_the_file_with_a_warning(run: Run) -> None:
    text = timeline([VISIT])[:-1] + ", nonsense"
    records = run(P, text)
    assert records[-1] == Warning(2, "unexpected 'n' where a member name should be")


def test_a_truncated_file_warns(run: Run, account: Account) -> None:
    text = timeline([VISIT, VISIT])
    records = run(P, text[: text.rindex("topCandidate")])
    assert records[-1] == Warning(
        3, "the file ends before the semanticSegments array closes (truncated?)"
    )
    assert account(records) == (2, 1)


@pytest.mark.parametrize("chunk", [1, 5, 64])
def test_results_do_not_depend_on_chunking(
    run: Run, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    text = timeline([VISIT, ACTIVITY, PATH], [POSITION, {"wifiScan": {"x": "]}"}}], {})
    expected = run(P, text)
    monkeypatch.setattr(google_records, "CHUNK_CHARS", chunk)
    assert run(P, text) == expected
    assert len(expected) == 8


class _Endless(io.RawIOBase):
    """A huge Timeline.json made on the fly: counts what has been read from it."""

    def __init__(self, segments: int) -> None:
        body = json.dumps(VISIT, ensure_ascii=False).encode()
        self._parts = iter([b'{"semanticSegments": [', *([body + b","] * segments), body, b"]}"])
        self._pending = b""
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._parts)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.served += size
        return size


def test_the_file_is_streamed_not_loaded_whole(london: ParseContext) -> None:
    stream = _Endless(200_000)  # about 25 MB
    records = P().parse(io.BufferedReader(stream), london)
    first = next(iter(records))
    assert isinstance(first, Observation)
    assert stream.served < 1024 * 1024


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "root is not a JSON object"),
        ("[]", "root is not a JSON object"),
        ('{"timelineObjects": []}', "no 'semanticSegments' or 'rawSignals'"),
        ('{"semanticSegments": {}}', "'semanticSegments' is not an array"),
        ('{"timelineEdits": [1, 2', "ends inside a member"),
    ],
)
def test_files_that_are_not_timeline_json(run: Run, text: str, message: str) -> None:
    with pytest.raises(NotThisFormat, match=message):
        run(P, text)


# Real files, counted by hand from the files:
# * reitti/timeline_from_android_randomized.json: 20 semanticSegments; grep -c '"visit"' 7
#   (2 points each: 14), grep -c '"activity"' 5 (start + end: 10), and 8 timelinePath segments
#   whose vertices number grep -c '"point"' 80; 5 rawSignals, grep -c '"position"' 3 loaded and
#   grep -c wifiScan 2 rejected; userLocationProfile is {} (no row). 104 + 3 = 107 loaded, 2
#   rejected. Sources: grep '"source"' gives WIFI, UNKNOWN, GPS.
# * dawarich/google/timeline_new_format.json: visit (2) + activity (2) + timelinePath of 2 + one
#   raw position = 7 loaded; 2 frequentPlaces rejected.
# * dawarich/google/phone-takeout_w_3_duplicates.json: timelinePath of 2 + visit (2) + 1 raw
#   position = 5 loaded; wifiScan, 2 activityRecord and 2 frequentPlaces = 5 rejected.


@pytest.mark.fixtures
def test_real_reitti_android_timeline(
    run: Run, account: Account, real_file: Callable[[str], Path]
) -> None:
    path = real_file("reitti/timeline_from_android_randomized.json")
    assert P.recognise(Probe.of_path(path))
    records = run(P, path.read_bytes())
    assert account(records) == (107, 2)
    observations = [r for r in records if isinstance(r, Observation)]
    assert Counter(o.method for o in observations) == {
        "path": 90,
        "visit": 14,
        "wifi": 1,
        "unknown": 1,
        "gps": 1,
    }
    # The first segment's only vertex, "2017-05-02T12:12:00+10:00", is 02:12 UTC.
    assert observations[0] == Observation(
        1, datetime(2017, 5, 2, 2, 12, tzinfo=UTC), -27.4127738, 163.5638958, None, "path"
    )


@pytest.mark.fixtures
@pytest.mark.parametrize(
    ("relative", "loaded", "rejected"),
    [
        ("dawarich/google/timeline_new_format.json", 7, 2),
        ("dawarich/google/phone-takeout_w_3_duplicates.json", 5, 5),
    ],
)
def test_real_dawarich_android_timelines(
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
@pytest.mark.parametrize(
    "relative",
    [
        "dawarich/google/edge_cases__timeline_edits.json",
        "dawarich/google/edge_cases__device_settings.json",
        "dawarich/google/records.json",
        "dawarich/google/semantic_history.json",
        "reitti/timeline_from_ios_randomized.json",
    ],
)
def test_other_google_files_are_not_timeline_json(
    run: Run, real_file: Callable[[str], Path], relative: str
) -> None:
    path = real_file(relative)
    assert P.recognise(Probe.of_path(path)) is None
    with pytest.raises(NotThisFormat):
        run(P, path.read_bytes())
