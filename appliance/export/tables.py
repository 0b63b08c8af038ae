"""The CSV tables of an export: what each column holds, and the rows, from the analyses.

Column lists are data, so the companion README describes exactly the columns written and which
of them are number columns (see ``cells``). Rows are generated one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import tzinfo

from appliance.analyses.colocate import Colocation
from appliance.analyses.communications import CommunicationList
from appliance.analyses.register import RegisteredExhibit
from appliance.export.cells import Column
from appliance.export.times import local_text, utc_text

Row = Sequence[object]


def _t(name: str, meaning: str) -> Column:
    return Column(name, "text", meaning)


def _n(name: str, meaning: str) -> Column:
    return Column(name, "number", meaning)


def _side(side: str) -> list[Column]:
    who = side.upper()
    return [
        _t(f"{side}_time_utc", f"time of {who}'s position, UTC"),
        _t(f"{side}_time_local", f"time of {who}'s position in the case's zone, with its offset"),
        _n(f"{side}_lat", f"{who}'s reported latitude, decimal degrees WGS84"),
        _n(f"{side}_lon", f"{who}'s reported longitude, decimal degrees WGS84"),
        _n(f"{side}_radius_m", f"uncertainty radius of {who}'s position, metres (empty: none)"),
        _t(f"{side}_method", f"how {who}'s position was found (gps, wifi, cell...)"),
        _t(f"{side}_exhibit", f"exhibit reference of {who}'s position"),
        _t(f"{side}_exhibit_sha256", "SHA-256 of that exhibit"),
        _n(f"{side}_row", "row of that position in its exhibit"),
    ]


EVENT_COLUMNS = [
    _n("occasion", "the occasion the event belongs to (1, 2, ...)"),
    _n("event", "the event's number, in time order"),
    _t("time_utc", "the event's time (the earlier of the two), UTC"),
    _t("time_local", "the event's time in the case's zone"),
    _n("distance_m", "geodesic distance between the two reported positions, metres (to 1 mm)"),
    _n("time_apart_s", "seconds between the two positions' times"),
    _t("grade", "certain, probable, possible or unknown (see README)"),
    *_side("a"),
    *_side("b"),
]

OCCASION_COLUMNS = [
    _n("occasion", "the occasion's number, in time order"),
    _t("start_utc", "time of its first event, UTC"),
    _t("start_local", "time of its first event in the case's zone"),
    _t("end_utc", "time of its last event, UTC"),
    _t("end_local", "time of its last event in the case's zone"),
    _n("events", "how many events it holds"),
    _n("min_distance_m", "the smallest distance among its events, metres (to 1 mm)"),
    _t("grade", "the best grade among its events"),
]

COMMUNICATION_COLUMNS = [
    _n("communication", "the communication's number, in time order (the contacts count)"),
    _t(
        "record",
        "'counted': the record the communication is counted under; 'merged "
        "duplicate': the same communication in another source, not counted again",
    ),
    _t("time_utc", "the record's start time, UTC"),
    _t("time_local", "the record's start time in the case's zone"),
    _t("kind", "voice, sms, mms, data or chat"),
    _t("direction", "a_to_b or b_to_a"),
    _t("caller", "the originating identifier (E.164 for phone numbers)"),
    _t("callee", "the receiving identifier"),
    _n("duration_s", "duration in seconds (empty: not given)"),
    _t("time_flag", "nonexistent or ambiguous local time (see README); empty when sound"),
    _t("exhibit", "exhibit reference of the record"),
    _t("exhibit_sha256", "SHA-256 of that exhibit"),
    _t("format", "the format the exhibit was read as"),
    _n("row", "row of the record in its exhibit"),
]

EXHIBIT_COLUMNS = [
    _t("exhibit", "the exhibit reference officers quote"),
    _t("original_path", "the file's path on the medium it came from (control characters escaped)"),
    _n("size_bytes", "its size in bytes"),
    _t("sha256", "its SHA-256, as sha256sum prints it"),
    _t("acquired_utc", "when it was acquired, UTC"),
    _t("acquired_local", "when it was acquired, in the case's zone"),
    _t("officer", "who acquired it"),
    _t("device", "the medium it came from, where known"),
]


def event_rows(result: Colocation, sha256: Mapping[str, str], tz: tzinfo) -> Iterator[Row]:
    for number, e in enumerate(result.events, start=1):
        yield (
            e.occasion,
            number,
            utc_text(e.time),
            local_text(e.time, tz),
            round(e.distance_m, 3),
            abs((e.a_time - e.b_time).total_seconds()),
            e.grade,
            utc_text(e.a_time),
            local_text(e.a_time, tz),
            e.a_lat,
            e.a_lon,
            e.a_radius_m,
            e.a_method,
            e.a_source.exhibit,
            sha256.get(e.a_source.exhibit),
            e.a_row,
            utc_text(e.b_time),
            local_text(e.b_time, tz),
            e.b_lat,
            e.b_lon,
            e.b_radius_m,
            e.b_method,
            e.b_source.exhibit,
            sha256.get(e.b_source.exhibit),
            e.b_row,
        )


def occasion_rows(result: Colocation, tz: tzinfo) -> Iterator[Row]:
    for o in result.occasions:
        yield (
            o.number,
            utc_text(o.start),
            local_text(o.start, tz),
            utc_text(o.end),
            local_text(o.end, tz),
            o.events,
            round(o.min_distance_m, 3),
            o.grade,
        )


def communication_rows(
    listing: CommunicationList, sha256: Mapping[str, str], tz: tzinfo
) -> Iterator[Row]:
    for r in listing.records:
        yield (
            r.communication,
            "counted" if r.counted else "merged duplicate",
            utc_text(r.time),
            local_text(r.time, tz),
            r.kind,
            r.direction,
            r.caller,
            r.callee,
            r.duration_s,
            r.time_flag,
            r.source.exhibit,
            sha256.get(r.source.exhibit),
            r.source.format,
            r.row,
        )


def exhibit_rows(exhibits: Sequence[RegisteredExhibit], tz: tzinfo) -> Iterator[Row]:
    for x in exhibits:
        yield (
            x.ref,
            x.original_path,
            x.size,
            x.sha256,
            utc_text(x.acquired),
            local_text(x.acquired, tz),
            x.officer,
            x.device,
        )
