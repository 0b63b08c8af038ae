"""Mutation fuzzing of the Semantic, Android Timeline.json and iOS location-history parsers.

Each parser gets 1000 inputs made by damaging a valid sample: byte flips, inserted bytes and
JSON tokens, deletions, truncations, duplicated slices and whole elements built from awkward
values (wrong types, unreadable positions and times, huge numbers, nesting). Whatever comes in,
the only exceptions allowed out are NotThisFormat and InputTooLarge, ``recognise`` never raises,
and a parse that completes numbers every point once (``account`` in conftest): every point read
is loaded or rejected.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.errors import InputTooLarge, NotThisFormat
from appliance.parsers.base import Parser, Probe
from appliance.parsers.google_ios import GoogleIosParser
from appliance.parsers.google_semantic import GoogleSemanticParser
from appliance.parsers.google_timeline import GoogleTimelineParser

from .conftest import Account, Run
from .mutations import mutated

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOKENS = [
    b",", b"\n", b'"', b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"{", b"}", b"[", b"]", b"\\",
    b":", b"-", b".", b"e9", b"NaN", b"Infinity", b"null", b"true", b"\xc2\xb0", b"geo:", b"Z",
    b"+01:00", b" ", b"9" * 40, b'"timelineObjects"', b'"semanticSegments"', b'"visit"',
]  # fmt: skip

TIMES = [
    "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.000+01:00", "2024-03-31T01:30:00",
    "2024-10-27T01:30:00", "2024-05-01", "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00", "yesterday", "",
]  # fmt: skip
POSITIONS = [
    "51.5°, -0.12°", "geo:51.5,-0.12", "geo:51.5,-0.12;u=20", "48.8566, 2.3522", "0°, 0°",
    "91°, 0°", "geo:1e9,2", "51.5°", "geo:", "", "nan, nan",
]  # fmt: skip
SCALARS = st.one_of(
    st.sampled_from([*TIMES, *POSITIONS, "15", "-4", "1e300", "x", "GPS", "WIFI", "HOME"]),
    st.sampled_from([0, -1, 515000000, 4294967295, 10**30, 1714554000000, 1e308, True, None]),
    st.integers(-(2**40), 2**40),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                ["latitudeE7", "longitudeE7", "latE7", "lngE7", "latLng", "LatLng", "point",
                 "time", "timestamp", "timestampMs", "startTimestamp", "endTimestamp",
                 "startTimestampMs", "placeLocation", "topCandidate", "location", "duration",
                 "waypoints", "points", "start", "end", "source", "accuracyMeters",
                 "accuracyMetres", "durationMinutesOffsetFromStartTime", "frequentPlaces",
                 "label", "centerLatE7", "centerLngE7", "childVisits"]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)  # fmt: skip


def _element(kinds: list[str]) -> st.SearchStrategy[bytes]:
    """A whole element whose members are the format's own names with awkward values."""
    keys = st.sampled_from(kinds)
    return st.dictionaries(keys, VALUES, max_size=5).map(lambda d: json.dumps(d).encode() + b", ")


SEMANTIC_ELEMENT = _element(
    ["placeVisit", "activitySegment", "startLocation", "endLocation", "duration", "waypointPath",
     "simplifiedRawPath", "transitPath", "parkingEvent"]
)  # fmt: skip
SEGMENT_ELEMENT = _element(
    ["startTime", "endTime", "visit", "activity", "timelinePath", "timelineMemory", "position",
     "wifiScan"]
)  # fmt: skip


def _mutated(
    sample: bytes, elements: st.SearchStrategy[bytes], head: int
) -> st.SearchStrategy[bytes]:
    # Whole elements go just after an array opens.
    return mutated(sample, elements, boundary=b"[", head=head, tokens=TOKENS, keep_weight=3)


def _fuzz_test(
    parser: type[Parser], sample: bytes, elements: st.SearchStrategy[bytes], head_ends: bytes
) -> Callable[[Run, Account], None]:
    head = sample.index(head_ends) + len(head_ends)

    @FUZZ
    @given(data=_mutated(sample, elements, head))
    def test(run: Run, account: Account, data: bytes) -> None:
        parser.recognise(Probe("fuzzed", data))
        try:
            records = run(parser, data)
        except (NotThisFormat, InputTooLarge):
            return
        account(records)

    return test  # type: ignore[return-value]


SEMANTIC_SAMPLE = (
    b'{"timelineObjects": [\n'
    b' {"placeVisit": {"location": {"latitudeE7": 515000000, "longitudeE7": -1200000,'
    b' "accuracyMetres": 40}, "duration": {"startTimestamp": "2024-05-01T09:00:00Z",'
    b' "endTimestamp": "2024-05-01T10:00:00Z"}, "childVisits": [{"centerLatE7": 515000001,'
    b' "centerLngE7": 4294967295, "duration": {"startTimestampMs": "1714554000000",'
    b' "endTimestampMs": 1714557600000}}]}},\n'
    b' {"activitySegment": {"startLocation": {"latitudeE7": 515000000, "longitudeE7": 1},'
    b' "endLocation": {}, "duration": {"startTimestamp": "2024-10-27T01:30:00",'
    b' "endTimestamp": "2024-05-01T10:00:00Z"}, "waypointPath": {"waypoints": [{"latE7": 1,'
    b' "lngE7": 2}]}, "simplifiedRawPath": {"points": [{"latE7": 515200000, "lngE7": -1220000,'
    b' "timestampMs": "1714555800000", "accuracyMeters": 8}]},'
    b' "parkingEvent": {"location": {"latitudeE7": 515300000, "longitudeE7": 2},'
    b' "timestamp": "2024-05-01T10:00:00Z"}, "note": "esc\\"aped ]}"}}\n'
    b"]}\n"
)
ANDROID_SAMPLE = (
    '{"semanticSegments": [\n'
    ' {"startTime": "2024-05-01T10:00:00.000+01:00", "endTime": "2024-05-01T11:00:00.000+01:00",'
    ' "visit": {"topCandidate": {"placeLocation": {"latLng": "51.5°, -0.12°"}}}},\n'
    ' {"startTime": "2024-05-01T11:00:00.000+01:00", "endTime": "2024-05-01T11:30:00.000+01:00",'
    ' "activity": {"start": {"latLng": "51.5°, -0.12°"}, "end": {"latLng": "51.6°, -0.13°"}}},\n'
    ' {"startTime": "2024-03-31T01:30:00", "endTime": "2024-05-01T12:00:00.000+01:00",'
    ' "timelinePath": [{"point": "51.51°, -0.121°", "time": "2024-05-01T11:45:00.000+01:00"}]}\n'
    '], "rawSignals": [\n'
    ' {"position": {"LatLng": "51.5°, -0.12°", "accuracyMeters": 13, "source": "WIFI",'
    ' "timestamp": "2024-05-01T10:05:00.000+01:00"}}, {"wifiScan": {"devicesRecords": []}}\n'
    '], "userLocationProfile": {"frequentPlaces": [{"placeLocation": "51.5°, -0.12°",'
    ' "label": "HOME"}]}}\n'
).encode()
IOS_SAMPLE = (
    b'[{"endTime": "2023-08-27T17:04:26.999-05:00", "startTime": "2023-08-27T15:48:56.000-05:00",'
    b' "visit": {"topCandidate": {"probability": "0.78",'
    b' "placeLocation": "geo:27.720022,-97.347951"}}},\n'
    b' {"endTime": "2023-08-27T22:00:00.000Z", "startTime": "2023-08-27T20:00:00.000Z",'
    b' "activity": {"start": "geo:27.7,-97.3", "end": "geo:27.8,-97.4;u=20"}},\n'
    b' {"endTime": "2023-08-28T00:00:00.000Z", "startTime": "2023-08-27T22:00:00.000Z",'
    b' "timelinePath": [{"point": "geo:27.701123,-97.362988",'
    b' "durationMinutesOffsetFromStartTime": "4"}]},\n'
    b' {"startTime": "2023-08-27T14:48:56.000-06:00", "timelineMemory": {"destinations": []}}\n'
    b"]\n"
)

test_fuzz_google_semantic = _fuzz_test(
    GoogleSemanticParser, SEMANTIC_SAMPLE, SEMANTIC_ELEMENT, b"["
)
test_fuzz_google_timeline = _fuzz_test(GoogleTimelineParser, ANDROID_SAMPLE, SEGMENT_ELEMENT, b"[")
test_fuzz_google_ios = _fuzz_test(GoogleIosParser, IOS_SAMPLE, SEGMENT_ELEMENT, b"[")


def test_the_samples_are_valid(run: Run, account: Account) -> None:
    """The fuzzers start from files that load, so their damage is what is being tested."""
    # visit (2) + child visit (2) | start, waypoint (rejected), raw point, parking, end {} (rej.)
    assert account(run(GoogleSemanticParser, SEMANTIC_SAMPLE)) == (7, 2)
    # visit 2 + activity 2 + vertex 1 + raw position 1 | wifiScan, frequent place
    assert account(run(GoogleTimelineParser, ANDROID_SAMPLE)) == (6, 2)
    # visit 2 + activity 2 + vertex 1 | timelineMemory
    assert account(run(GoogleIosParser, IOS_SAMPLE)) == (5, 1)
    for parser, sample in (
        (GoogleSemanticParser, SEMANTIC_SAMPLE),
        (GoogleTimelineParser, ANDROID_SAMPLE),
        (GoogleIosParser, IOS_SAMPLE),
    ):
        probe = Probe("sample.json", sample)
        claimed = [
            p.name
            for p in (GoogleSemanticParser, GoogleTimelineParser, GoogleIosParser)
            if p.recognise(probe)
        ]
        assert claimed == [parser.name]
