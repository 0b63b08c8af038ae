"""The demo case as data: who, where, when, and what the analyses should find.

A woman living in Highbury (Islington) ends a relationship; her former partner, who lives in
Walthamstow and works at a warehouse in Tottenham Hale, starts calling and texting her and then
drives to where she lives and works and waits nearby. It escalates over four weeks, from
2024-03-18 to 2024-04-15 (Europe/London), a period that crosses the clocks going forward on
2024-03-31, so per-day figures must be computed on local days.

Everything the generator plants on purpose is here, so a reader can check the analyses against
it: the trips (true co-locations and near misses, with the reason each one is or is not a
co-location), the number of attempts to contact her on each day, her replies, and the rows of the
suspect's CDR that are deliberately broken. Numbers are in Ofcom's drama ranges (07700 900000-
900999 mobile, 020 7946 0000-0999 London), so nothing here can reach a real person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

TIMEZONE = "Europe/London"
FIRST_DAY = date(2024, 3, 18)
"""A Monday; the period runs for ``DAYS`` local days from its midnight."""
DAYS = 28
CLOCKS_GO_FORWARD = date(2024, 3, 31)
BANK_HOLIDAYS = frozenset({date(2024, 3, 29), date(2024, 4, 1)})
"""Good Friday and Easter Monday: she is off work and follows her weekend routine."""

TIMESTAMP_MS_BEFORE = date(2024, 3, 25)
"""Records.json items before this (UTC) day carry ``timestampMs``; later ones ``timestamp``."""


@dataclass(frozen=True)
class Place:
    """A named place in the story."""

    name: str
    label: str
    lat: float
    lon: float


VICTIM_HOME = Place("victim_home", "her flat, Highbury, Islington", 51.5416, -0.1022)
VICTIM_WORK = Place("victim_work", "her office, Farringdon", 51.5203, -0.1050)
GYM = Place("gym", "her gym, Angel", 51.5322, -0.1058)
SHOPS = Place("shops", "Chapel Market, Angel", 51.5343, -0.1093)
FRIEND_HOME = Place("friend_home", "her friend's flat, Camden Town", 51.5390, -0.1426)
SUSPECT_HOME = Place("suspect_home", "his house, Walthamstow", 51.5830, -0.0200)
SUSPECT_WORK = Place("suspect_work", "the warehouse he works at, Tottenham Hale", 51.5885, -0.0590)
SUSPECT_MOTHER = Place("suspect_mother", "his mother's house, Chingford", 51.6310, -0.0050)
SUSPECT_SHOP = Place("suspect_shop", "retail park, Leyton Mills", 51.5600, -0.0110)

PLACES = (
    VICTIM_HOME,
    VICTIM_WORK,
    GYM,
    SHOPS,
    FRIEND_HOME,
    SUSPECT_HOME,
    SUSPECT_WORK,
    SUSPECT_MOTHER,
    SUSPECT_SHOP,
)

EXCLUSION_RADIUS_M = 300.0
"""The non-molestation order's zone around her home."""

# --- People and their lines ----------------------------------------------------------------

SUSPECT_NUMBER = "+447700900123"
VICTIM_NUMBER = "+447700900456"
SUSPECT_IMEI = "353912084123453"
SUSPECT_IMSI = "234300412345678"
VICTIM_IMEI = "356938107654320"
VICTIM_IMSI = "234300987654321"
MNC = 30
MCC = 234


@dataclass(frozen=True)
class Contact:
    """Someone in a subject's ordinary social traffic; ``weight`` is how often they appear."""

    number: str
    label: str
    weight: float


MUTUAL_FRIEND = "+447700900562"
SUSPECT_CONTACTS = (
    Contact("+447700900011", "his mother", 5.0),
    Contact("+447700900024", "his brother", 3.0),
    Contact("+447700900037", "mate from football", 2.5),
    Contact("+447700900058", "mate from work", 3.5),
    Contact("+447700900071", "his sister", 1.5),
    Contact("+447700900089", "shift manager", 2.0),
    Contact("+447700900102", "mate", 1.5),
    Contact("+447700900245", "new girlfriend?", 1.0),
    Contact("+447700900318", "cousin", 0.8),
    Contact(MUTUAL_FRIEND, "mutual friend of both", 1.2),
    Contact("+442079460321", "warehouse office landline", 1.0),
)
VICTIM_CONTACTS = (
    Contact("+447700900777", "her friend in Camden", 5.0),
    Contact("+447700900784", "her mother", 4.0),
    Contact("+447700900803", "her sister", 2.5),
    Contact("+447700900832", "colleague", 2.0),
    Contact("+447700900871", "friend from the gym", 1.2),
    Contact("+447700900915", "flatmate", 1.5),
    Contact(MUTUAL_FRIEND, "mutual friend of both", 0.8),
    Contact("+442079460842", "her office landline", 1.0),
)

# --- Her routine (local wall-clock hours) -------------------------------------------------

LEAVE_HOME_H = 7.85
LEAVE_WORK_H = 17.5
LEAVE_WORK_FRIDAY_H = 17.0
GYM_WEEKDAYS = frozenset({0, 2})
"""Monday and Wednesday after work (unless a bank holiday)."""
FRIEND_DINNERS = frozenset({date(2024, 3, 21), date(2024, 4, 4)})
"""Thursday evenings she eats at her friend's in Camden."""

# --- His routine ---------------------------------------------------------------------------

START_WORK_H = 7.0
END_WORK_H = 15.75

# --- The planted trips ---------------------------------------------------------------------


class TripKind(StrEnum):
    """What a trip is planted to show."""

    COLOCATION = "colocation"
    """He waits 60-280 m from where she is, while she is there: within 500 m and 5 min."""
    NEAR_MISS_TIME = "near_miss_time"
    """He waits at the same place but leaves 20-30 min before she comes, or comes after she left."""
    NEAR_MISS_DISTANCE = "near_miss_distance"
    """He waits while she is there, but 650-880 m away."""


class Anchor(StrEnum):
    """Which moment of her stay at the place the trip is timed against."""

    ARRIVE = "arrive"
    LEAVE = "leave"
    CLOCK = "clock"


@dataclass(frozen=True)
class Trip:
    """One drive of his to one of her places, timed against her stay there that day."""

    day: date
    place: Place
    kind: TripKind
    anchor: Anchor
    clock: time | None = None


C, NT, ND = TripKind.COLOCATION, TripKind.NEAR_MISS_TIME, TripKind.NEAR_MISS_DISTANCE
TRIPS = (
    # Week 1: rare.
    Trip(date(2024, 3, 20), VICTIM_WORK, C, Anchor.LEAVE),
    Trip(date(2024, 3, 23), VICTIM_HOME, ND, Anchor.CLOCK, time(19, 30)),
    # Week 2, including the day the clocks go forward.
    Trip(date(2024, 3, 26), VICTIM_HOME, NT, Anchor.LEAVE),
    Trip(date(2024, 3, 28), VICTIM_WORK, C, Anchor.LEAVE),
    Trip(date(2024, 3, 31), VICTIM_HOME, C, Anchor.CLOCK, time(20, 10)),
    # Week 3.
    Trip(date(2024, 4, 3), GYM, NT, Anchor.ARRIVE),
    Trip(date(2024, 4, 4), VICTIM_WORK, C, Anchor.CLOCK, time(12, 20)),
    Trip(date(2024, 4, 5), VICTIM_HOME, C, Anchor.CLOCK, time(19, 40)),
    Trip(date(2024, 4, 7), FRIEND_HOME, C, Anchor.CLOCK, time(15, 0)),
    # Week 4: several a week.
    Trip(date(2024, 4, 8), VICTIM_HOME, C, Anchor.LEAVE),
    Trip(date(2024, 4, 9), VICTIM_WORK, ND, Anchor.CLOCK, time(12, 30)),
    Trip(date(2024, 4, 10), VICTIM_WORK, C, Anchor.LEAVE),
    Trip(date(2024, 4, 11), VICTIM_HOME, C, Anchor.CLOCK, time(21, 15)),
    Trip(date(2024, 4, 12), VICTIM_HOME, NT, Anchor.ARRIVE),
    Trip(date(2024, 4, 13), VICTIM_HOME, C, Anchor.ARRIVE),
    Trip(date(2024, 4, 14), FRIEND_HOME, ND, Anchor.CLOCK, time(14, 30)),
)
COLOCATION_TRIPS = sum(1 for trip in TRIPS if trip.kind is TripKind.COLOCATION)
NEAR_MISS_TRIPS = len(TRIPS) - COLOCATION_TRIPS

# --- Contact: his calls and texts to her ---------------------------------------------------

# Calls and texts from him to her on each local day, at scale 1.
# fmt: off
ATTEMPTS_PER_DAY = (
    2, 3, 1, 4, 3, 6, 5,              # 18-24 Mar: a few a day
    12, 18, 25, 22, 30, 41, 35,       # 25-31 Mar: dozens
    28, 45, 38, 60, 52, 85, 70,       # 1-7 Apr
    95, 120, 168, 236, 110, 90, 130,  # 8-14 Apr: hundreds a day at the worst
)
# fmt: on


@dataclass(frozen=True)
class Pestering:
    """How his attempts are made in a given week."""

    sms_share: float
    answered_share: float
    talk_s: tuple[int, int]
    session_size: tuple[int, int]
    sms_burst: tuple[int, int]
    sms_gap_s: tuple[int, int]
    call_gap_s: tuple[int, int]


PESTERING_BY_WEEK = (
    Pestering(0.6, 0.35, (20, 240), (1, 2), (1, 2), (30, 300), (600, 2400)),
    Pestering(0.35, 0.10, (10, 90), (3, 8), (1, 3), (10, 60), (60, 360)),
    Pestering(0.22, 0.04, (5, 40), (8, 16), (2, 5), (5, 30), (20, 120)),
    Pestering(0.2, 0.02, (5, 30), (10, 20), (2, 6), (5, 25), (15, 90)),
)


@dataclass(frozen=True)
class PinnedSession:
    """A burst of attempts at a fixed local time, placed where day boundaries matter."""

    day: date
    clock: time
    attempts: int
    gap_s: tuple[int, int]


PINNED_SESSIONS = (
    # Across the skipped hour: 00:4x GMT, then 02:xx BST on the same local day.
    PinnedSession(date(2024, 3, 31), time(0, 42), 7, (240, 540)),
    # Either side of local midnight in summer time, when the UTC day is still the day before.
    PinnedSession(date(2024, 4, 4), time(23, 35), 6, (30, 90)),
    PinnedSession(date(2024, 4, 5), time(0, 5), 5, (30, 90)),
    PinnedSession(date(2024, 4, 11), time(23, 20), 12, (20, 60)),
    PinnedSession(date(2024, 4, 12), time(0, 10), 15, (20, 60)),
)


@dataclass(frozen=True)
class Reply:
    """A call or text from her to him (she tells him to stop)."""

    at: datetime
    """Naive local time."""
    kind: str
    duration_s: int


REPLIES = (
    Reply(datetime(2024, 3, 19, 21, 2, 13), "sms", 0),
    Reply(datetime(2024, 3, 20, 7, 48, 40), "sms", 0),
    Reply(datetime(2024, 3, 22, 19, 15, 5), "voice", 38),
    Reply(datetime(2024, 3, 24, 22, 31, 50), "sms", 0),
    Reply(datetime(2024, 3, 27, 18, 5, 12), "sms", 0),
    Reply(datetime(2024, 4, 2, 23, 41, 27), "sms", 0),
    Reply(datetime(2024, 4, 6, 9, 12, 44), "voice", 14),
)

# When in the (local) day his sessions of attempts start: mornings, lunch, and late nights.
# fmt: off
SESSION_HOUR_WEIGHTS = (
    2.0, 0.6, 0.2, 0.1, 0.1, 0.3, 1.0, 3.0, 3.0, 1.2, 1.0, 1.0,
    2.0, 2.0, 1.0, 1.0, 1.2, 2.0, 3.0, 3.0, 3.5, 4.0, 4.0, 3.5,
)
# fmt: on

# When ordinary calls and texts happen.
# fmt: off
SOCIAL_HOUR_WEIGHTS = (
    0.1, 0.05, 0.0, 0.0, 0.0, 0.05, 0.3, 1.0, 1.5, 1.5, 1.5, 1.5,
    2.0, 2.0, 1.5, 1.5, 2.0, 2.5, 3.0, 3.0, 2.5, 2.0, 1.2, 0.4,
)
# fmt: on

SUSPECT_SOCIAL_PER_DAY = (10, 30)
VICTIM_SOCIAL_PER_DAY = (5, 15)

# --- The exhibits --------------------------------------------------------------------------

VICTIM_CDR_FIRST_DAY = date(2024, 4, 1)
VICTIM_CDR_LAST_DAY = date(2024, 4, 10)
"""She obtained her own records for these local days only."""
OPERATOR_CLOCK_SKEW_S = (0, 3)
"""Her operator's clock records the same call 0-3 s later than his operator's."""


@dataclass(frozen=True)
class BrokenRow:
    """A deliberately broken row of his CDR: the fault, in words, and where in the file (0-1)."""

    fault: str
    reason: str
    at: float


MALFORMED_ROWS = (
    BrokenRow("unreadable_time", "start_time unreadable (a spreadsheet's ##########)", 0.23),
    BrokenRow("missing_b_number", "sms with no b_number", 0.51),
    BrokenRow("short_row", "row cut short (6 of 9 columns)", 0.78),
)
"""The broken rows in his CDR; extra rows, not communications of the case."""

CELL_GRID = (51.495, 51.645, -0.175, 0.015, 14, 12)
"""Cell sites: south, north, west, east, rows, columns (jittered), covering every place."""

LONDON_SCALE = 2.85
"""The scale at which his CDR has about 6,000 lines (the London trial's size)."""
