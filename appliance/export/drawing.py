"""What the map exports show: each occasion's events, and each subject's track.

Occasions: a folder per occasion (its time span); for every event, A's reported position, B's
reported position and the line between them, each carrying the event's figures and the exhibit
and row behind the position. Tracks: a folder per subject; the line through every position in
time order, then each position as a point with its time, exhibit and row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import tzinfo
from functools import partial

from appliance.analyses.colocate import Colocation, Event
from appliance.analyses.common import Period
from appliance.analyses.tracks import TrackPoint, track
from appliance.export.geo import GeoSink, Properties
from appliance.export.times import local_text, utc_text
from appliance.store.case import CaseStore


def _event_properties(number: int, e: Event, tz: tzinfo) -> Properties:
    return {
        "occasion": e.occasion,
        "event": number,
        "time_utc": utc_text(e.time),
        "time_local": local_text(e.time, tz),
        "distance_m": round(e.distance_m, 3),
        "grade": e.grade,
    }


def draw_occasions(result: Colocation, sha256: Mapping[str, str], tz: tzinfo, sink: GeoSink) -> int:
    """Every occasion and its events; the number of events drawn."""
    events_by_occasion: dict[int, list[tuple[int, Event]]] = {}
    for number, e in enumerate(result.events, start=1):
        events_by_occasion.setdefault(e.occasion, []).append((number, e))
    drawn = 0
    for o in result.occasions:
        sink.folder(
            f"Occasion {o.number}",
            f"{o.events} event(s) from {local_text(o.start, tz)} to {local_text(o.end, tz)}; "
            f"closest {o.min_distance_m:.1f} m; best grade {o.grade}",
            o.start,
            o.end,
        )
        for number, e in events_by_occasion.get(o.number, []):
            common = _event_properties(number, e, tz)
            for side, name, lon, lat, when, radius, method, label, row in (
                (
                    "a",
                    result.a,
                    e.a_lon,
                    e.a_lat,
                    e.a_time,
                    e.a_radius_m,
                    e.a_method,
                    e.a_source,
                    e.a_row,
                ),
                (
                    "b",
                    result.b,
                    e.b_lon,
                    e.b_lat,
                    e.b_time,
                    e.b_radius_m,
                    e.b_method,
                    e.b_source,
                    e.b_row,
                ),
            ):
                sink.point(
                    lon=lon,
                    lat=lat,
                    name=f"Event {number}: {name}",
                    properties={
                        **common,
                        "side": side,
                        "subject": name,
                        "position_time_utc": utc_text(when),
                        "position_time_local": local_text(when, tz),
                        "lat": lat,
                        "lon": lon,
                        "radius_m": radius,
                        "method": method,
                        "exhibit": label.exhibit,
                        "exhibit_sha256": sha256.get(label.exhibit),
                        "row": row,
                    },
                    when=when,
                    style=side,
                )
            sink.begin_line(
                name=f"Event {number}: {e.distance_m:.1f} m",
                properties={
                    **common,
                    "a_exhibit": e.a_source.exhibit,
                    "a_row": e.a_row,
                    "b_exhibit": e.b_source.exhibit,
                    "b_row": e.b_row,
                },
                style="link",
            )
            sink.vertex(lon=e.a_lon, lat=e.a_lat)
            sink.vertex(lon=e.b_lon, lat=e.b_lat)
            sink.end_line()
            drawn += 1
    return drawn


def draw_tracks(
    store: CaseStore,
    subjects: Sequence[str],
    period: Period,
    sha256: Mapping[str, str],
    tz: tzinfo,
    sink: GeoSink,
) -> dict[str, int]:
    """Each subject's track in the period; the number of positions drawn per subject.

    Two streaming passes per subject (the line, then the points), so memory stays flat however
    long the track is.
    """
    counts: dict[str, int] = {}
    for subject in subjects:
        role = store.subject(subject).role
        sink.folder(
            f"Track: {subject}",
            f"every position of {subject} ({role}), in time order",
            period.start,
            period.end,
        )
        counts[subject] = draw_track(
            subject, role, partial(track, store, subject, period), sha256, tz, sink
        )
    return counts


def draw_track(
    subject: str,
    role: str,
    points: Callable[[], Iterable[TrackPoint]],
    sha256: Mapping[str, str],
    tz: tzinfo,
    sink: GeoSink,
) -> int:
    """One track from ``points()``, called twice (once for the line, once for the points)."""
    sink.begin_line(
        name=f"Track: {subject}", properties={"subject": subject, "role": role}, style="track"
    )
    for p in points():
        sink.vertex(lon=p.lon, lat=p.lat)
    sink.end_line()
    count = 0
    for p in points():
        count += 1
        local = local_text(p.time, tz)
        sink.point(
            lon=p.lon,
            lat=p.lat,
            name=f"{subject} {local}",
            properties={
                "subject": subject,
                "sequence": count,
                "time_utc": utc_text(p.time),
                "time_local": local,
                "lat": p.lat,
                "lon": p.lon,
                "radius_m": p.radius_m,
                "method": p.method,
                "exhibit": p.source.exhibit,
                "exhibit_sha256": sha256.get(p.source.exhibit),
                "row": p.row,
            },
            when=p.time,
            style="track",
        )
    return count
