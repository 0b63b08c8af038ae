"""NMEA 0183 logs: the sentences a GNSS receiver writes, from any talker (GP, GN, GL, GA, ...).

Rows: row N is line N of the file (lines end at LF; a lone CR does not end one). A line is a
row when it holds a position sentence (RMC, GGA, GLL or GNS, including Unicore's
high-precision RMCH, GGAH, GLLH and GNSH, which share their layouts), or any sentence whose
checksum fails: damage may be in the address itself, so such a line cannot be shown to hold no
position. Each row is loaded or rejected. Other sentences (satellites, DOP, course, headings,
proprietary ``$P...`` sentences) carry no position this parser reads; they are not rows, and
one Warning at the end counts them by type. One sentence is read per line; anything else on
the line is noise.

Noise: bytes that are not a sentence (u-blox UBX frames interleaved with NMEA, damaged text)
are skipped; each unbroken run of noise, however many lines it spans, gives one Warning saying
how many bytes were skipped on which lines. A file with no sentence whose checksum holds is not
NMEA.

Each position sentence is checked, and rejected with the first reason that applies:

* ``checksum mismatch`` when ``*HH`` is not the XOR of the bytes between ``$`` and ``*``;
  a position sentence without ``*HH`` is rejected too: it cannot be checked for damage.
* ``no fix``: RMC or GLL status V, GGA quality 0, a mode indicator N (GNS: every system N).
  Estimated (dead reckoning, mode E or quality 6), manual (M, 7) and simulated (S, 8)
  positions are rejected as not satellite fixes.
* an unreadable or missing time of day, position or (RMC) date; positions out of range or at
  0,0.

Times are UTC (NMEA has no zone; the source's declared zone is not used). Only RMC carries a
date. GGA, GLL and GNS take the date of the most recent RMC with a fix; when the time of day
falls more than 12 hours below the previous epoch's (23:59:59 then 00:00:01) the date rolls
over to the next day, with a Warning. Before any RMC with a fix has been read, they are
rejected: ``no date yet``. Two-digit years: 80-99 are 1980-1999, 00-79 are 2000-2079.

Epochs: a receiver reports each fix in several sentences (RMC, GGA, GLL, GNS at the same time
of day, often from two talkers). Consecutive position sentences with the same time of day are
one epoch, whatever other sentences lie between them, and give ONE Observation: the RMC's row
and position if the epoch has a valid RMC, else the first valid of GGA, GNS, GLL. The other
valid sentences of the epoch are rejected as ``duplicate of the GNRMC at row N for the same
epoch``, so rows read = loaded + rejected still holds. If they report a different position
from the one loaded, a Warning says so. An RMC in the epoch dates the whole epoch, even when
it comes after the GGA.

``radius_m``: when a GST sentence reports the same time of day, the radius is the DRMS error,
sqrt(sd_lat^2 + sd_lon^2) from its latitude and longitude standard deviations (metres), the
receiver's own estimate of its horizontal 1-sigma error; otherwise unknown. HDOP is not a
distance and is not turned into one. ``method`` is ``gps`` (any GNSS).

Memory stays bounded: lines are read at most ``MAX_LINE_BYTES`` at a time, and an epoch holds
at most ``MAX_HELD`` rows before it is settled.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO, ClassVar

from appliance.errors import NotThisFormat
from appliance.model import Observation, Record, Rejection, Warning
from appliance.parsers._csvutil import position_problem, quote
from appliance.parsers.base import ParseContext, Parser, Probe
from appliance.parsers.registry import register

MAX_LINE_BYTES = 64 * 1024
MAX_CARRY_BYTES = 1024
MAX_HELD = 4096
ROLLOVER_US = 12 * 3600 * 1_000_000

POSITION_FORMATTERS = {
    "RMC": "RMC",
    "GGA": "GGA",
    "GLL": "GLL",
    "GNS": "GNS",
    "RMCH": "RMC",
    "GGAH": "GGA",
    "GLLH": "GLL",
    "GNSH": "GNS",
}
GST_FORMATTERS = ("GST", "GSTH")
PREFERENCE = {"RMC": 0, "GGA": 1, "GNS": 2, "GLL": 3}
# Mode indicators (RMC, GLL, GNS; NMEA 2.3 and later) and GGA quality codes.
FIX_MODES = frozenset("ADPRF")
NOT_A_FIX = {
    "N": "no fix",
    "E": "estimated (dead reckoning) position, not a satellite fix",
    "M": "manually entered position, not a satellite fix",
    "S": "simulated position, not a satellite fix",
}
GGA_QUALITY = {"0": "N", "6": "E", "7": "M", "8": "S"}

# One sentence: a start delimiter, an address, fields of printable ASCII other than the
# reserved $ ! *, and an optional checksum.
_SENTENCE = re.compile(
    rb"[$!](?P<body>(?P<address>[A-Z][A-Z0-9]{1,9}),[\x20\x22\x23\x25-\x29\x2b-\x7e]*)"
    rb"(?:\*(?P<checksum>[0-9A-Fa-f]{2}))?"
)
_TIME = re.compile(r"(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?")
_DATE = re.compile(r"(\d{2})(\d{2})(\d{2})")
_LAT = re.compile(r"(\d{1,2})(\d{2}(?:\.\d{1,12})?)")
_LON = re.compile(r"(\d{1,3})(\d{2}(?:\.\d{1,12})?)")
_NUMBER = re.compile(r"\d{1,9}(?:\.\d{1,9})?")
_PRINTABLE = frozenset(range(0x20, 0x7F))


class NmeaParser(Parser):
    name = "nmea"
    description = "NMEA 0183 receiver logs (RMC, GGA, GLL, GNS from any talker)"
    version = "1"
    priority: ClassVar[int] = 40

    @classmethod
    def recognise(cls, probe: Probe) -> str | None:
        if probe.text.lstrip()[:1] in ("<", "{", "["):
            return None  # XML or JSON that happens to quote a sentence
        for number, line in enumerate(probe.head.split(b"\n"), start=1):
            for match in _SENTENCE.finditer(line):
                start = match.start()
                # A sentence opens a line or follows binary data (UBX frames), never prose.
                at_start = not line[:start].strip(b" \t\r")
                if not (at_start or line[start - 1] not in _PRINTABLE):
                    continue
                if _checksum_problem(match) is None:
                    address = match.group("address").decode("ascii")
                    return f"NMEA 0183 sentence ${address} with a valid checksum on line {number}"
        return None

    def parse(self, stream: BinaryIO, context: ParseContext) -> Iterator[Record]:
        yield from _NmeaReader().read(stream)


@dataclass(frozen=True, slots=True)
class _Fix:
    """A position sentence that passed every check of its own; its epoch decides its fate."""

    row: int
    address: str
    kind: str  # RMC, GGA, GLL or GNS
    tod_us: int  # time of day, microseconds after midnight UTC
    day: date | None  # RMC only
    lat: float
    lon: float


class _NmeaReader:
    def __init__(self) -> None:
        self.line = 0
        self.valid_sentences = 0
        self.skipped: Counter[str] = Counter()
        # The current run of noise.
        self.noise_bytes = 0
        self.noise_first = 0
        self.noise_last = 0
        # The open epoch, and the outcomes held (in row order) until it is settled.
        self.epoch: list[_Fix] = []
        self.held: list[Record | _Fix] = []
        self.gst: dict[int, float] = {}
        # Dating: the last known date and time of day, and the last loaded epoch.
        self.day: date | None = None
        self.last_tod: int | None = None
        self.last_loaded: tuple[datetime, int, str] | None = None

    def read(self, stream: BinaryIO) -> Iterator[Record]:
        carry = b""
        while True:
            chunk = stream.readline(MAX_LINE_BYTES)
            if not chunk:
                if carry:
                    self.line += 1
                    yield from self._line(carry)
                break
            data, carry = carry + chunk, b""
            if not data.endswith(b"\n") and len(chunk) >= MAX_LINE_BYTES:
                # An over-long line (binary without newlines): keep a possible sentence start
                # for the next read, count the rest as noise.
                cut = max(data.rfind(b"$"), data.rfind(b"!"))
                if cut >= 0 and len(data) - cut <= MAX_CARRY_BYTES:
                    data, carry = data[:cut], data[cut:]
                self._noise(len(data), self.line + 1)
                continue
            self.line += 1
            yield from self._line(data)
        yield from self._settle()
        yield from self._end_noise()
        if self.valid_sentences == 0:
            raise NotThisFormat(
                "the file holds no NMEA 0183 sentence with a valid checksum, so it is not NMEA.",
                "Choose the parser for this file's real format, or check the file.",
            )
        if self.skipped:
            total = sum(self.skipped.values())
            kinds = ", ".join(f"{name} {count}" for name, count in self.skipped.most_common(12))
            more = ", ..." if len(self.skipped) > 12 else ""
            yield Warning(
                self.line,
                f"{total} sentences carry no position this parser reads and are not rows "
                f"({kinds}{more})",
            )

    # --- lines and noise ------------------------------------------------------------------

    def _line(self, raw: bytes) -> Iterator[Record]:
        text = raw.strip(b" \t\r\n")
        if not text:
            return
        matches = list(_SENTENCE.finditer(text))
        with_checksum = [m for m in matches if m.group("checksum") is not None]
        chosen = with_checksum[0] if with_checksum else (matches[-1] if matches else None)
        if chosen is None:
            self._noise(len(text), self.line)
            return
        if chosen.start():
            self._noise(chosen.start(), self.line)
        yield from self._end_noise()
        yield from self._sentence(chosen)
        if chosen.end() < len(text):
            self._noise(len(text) - chosen.end(), self.line)

    def _noise(self, count: int, line: int) -> None:
        if count <= 0:
            return
        if self.noise_bytes == 0:
            self.noise_first = line
        self.noise_bytes += count
        self.noise_last = line

    def _end_noise(self) -> Iterator[Record]:
        if self.noise_bytes == 0:
            return
        first, last = self.noise_first, self.noise_last
        lines = f"line {first}" if first == last else f"lines {first}-{last}"
        warning = Warning(
            first,
            f"{self.noise_bytes} bytes that are not NMEA sentences (binary data or damaged "
            f"text) skipped on {lines}",
        )
        self.noise_bytes = 0
        yield from self._emit(warning)

    # --- sentences ------------------------------------------------------------------------

    def _sentence(self, match: re.Match[bytes]) -> Iterator[Record]:
        address = match.group("address").decode("ascii")
        formatter = address[2:] if not address.startswith("P") else ""
        kind = POSITION_FORMATTERS.get(formatter)
        problem = _checksum_problem(match)
        if problem is not None and (kind is not None or match.group("checksum") is not None):
            yield from self._emit(Rejection(self.line, problem))
            return
        if problem is None:
            self.valid_sentences += 1
        fields = match.group("body").decode("ascii").split(",")
        if kind is None:
            if formatter in GST_FORMATTERS and problem is None:
                self._gst(fields)
            self.skipped[formatter or address] += 1
            return
        try:
            fix = _read_fix(self.line, address, kind, fields)
        except ValueError as exc:
            yield from self._emit(Rejection(self.line, str(exc)))
            return
        if self.epoch and self.epoch[0].tod_us != fix.tod_us:
            yield from self._settle()
        self.epoch.append(fix)
        self.held.append(fix)
        if len(self.held) >= MAX_HELD:
            yield from self._settle()

    def _gst(self, fields: list[str]) -> None:
        fields = fields + [""] * (8 - len(fields))
        try:
            tod = _read_tod(fields[1])
            sd_lat, sd_lon = _read_number(fields[6]), _read_number(fields[7])
        except ValueError:
            return
        self.gst[tod] = math.hypot(sd_lat, sd_lon)
        while len(self.gst) > 4:
            del self.gst[next(iter(self.gst))]

    def _emit(self, record: Record) -> Iterator[Record]:
        """``record`` now, or after the open epoch is settled, so rows stay in order."""
        if self.held:
            self.held.append(record)
        else:
            yield record

    # --- epochs ---------------------------------------------------------------------------

    def _settle(self) -> Iterator[Record]:
        """Decide the open epoch, then release everything held behind it, in row order."""
        outcomes = self._decide(self.epoch) if self.epoch else {}
        held, self.held, self.epoch = self.held, [], []
        for item in held:
            if isinstance(item, _Fix):
                yield from outcomes[item.row]
            else:
                yield item

    def _decide(self, epoch: list[_Fix]) -> dict[int, list[Record]]:
        tod = epoch[0].tod_us
        rmc_days = [fix.day for fix in epoch if fix.day is not None]
        rolled = ""
        if rmc_days:
            self.day = rmc_days[0]
        elif (
            self.day is not None and self.last_tod is not None and self.last_tod - tod > ROLLOVER_US
        ):
            self.day += timedelta(days=1)
            rolled = (
                f"time of day went back from {_clock(self.last_tod)} to {_clock(tod)} "
                f"with no RMC to date it: taken as the next day, {self.day.isoformat()}"
            )
        if self.day is None:
            reason = "no date yet: no RMC sentence with a fix has been read before this epoch"
            return {fix.row: [Rejection(fix.row, reason)] for fix in epoch}
        self.last_tod = tod
        moment = datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)
        moment += timedelta(microseconds=tod)
        if self.last_loaded is not None and self.last_loaded[0] == moment:
            _, row, address = self.last_loaded
            reason = f"duplicate of the {address} at row {row} for the same epoch"
            return {fix.row: [Rejection(fix.row, reason)] for fix in epoch}
        chosen = min(epoch, key=lambda fix: (PREFERENCE[fix.kind], fix.row))
        self.last_loaded = (moment, chosen.row, chosen.address)
        outcomes: dict[int, list[Record]] = {}
        loaded: list[Record] = [
            Observation(
                row=chosen.row,
                time=moment,
                lat=chosen.lat,
                lon=chosen.lon,
                radius_m=self.gst.get(tod),
                method="gps",
            )
        ]
        if rolled:
            loaded.append(Warning(chosen.row, rolled))
        for fix in epoch:
            if fix is chosen:
                continue
            reason = f"duplicate of the {chosen.address} at row {chosen.row} for the same epoch"
            outcomes[fix.row] = [Rejection(fix.row, reason)]
            if (round(fix.lat, 6), round(fix.lon, 6)) != (
                round(chosen.lat, 6),
                round(chosen.lon, 6),
            ):
                loaded.append(
                    Warning(
                        chosen.row,
                        f"the {fix.address} at row {fix.row} for the same epoch reports another "
                        f"position ({fix.lat:.6f}, {fix.lon:.6f}); the {chosen.address}'s "
                        f"({chosen.lat:.6f}, {chosen.lon:.6f}) is loaded",
                    )
                )
        outcomes[chosen.row] = loaded
        return outcomes


# --- fields ---------------------------------------------------------------------------------


def _checksum_problem(match: re.Match[bytes]) -> str | None:
    given = match.group("checksum")
    if given is None:
        return "no checksum: the sentence cannot be checked for damage"
    computed = 0
    for byte in match.group("body"):
        computed ^= byte
    if computed != int(given, 16):
        said = given.decode().upper()
        return f"checksum mismatch (sentence says {said}, content gives {computed:02X})"
    return None


def _read_fix(row: int, address: str, kind: str, fields: list[str]) -> _Fix:
    """The fix in one position sentence; ValueError with the rejection reason if there is none."""
    fields = fields + [""] * (14 - len(fields))
    day: date | None = None
    if kind == "RMC":
        _check_status(fields[2], fields[12], "RMC")
        tod = _read_tod(fields[1])
        lat, lon = _read_position(fields[3], fields[4], fields[5], fields[6])
        day = _read_date(fields[9])
    elif kind == "GGA":
        quality = fields[6].strip()
        if not quality.isdigit():
            raise ValueError(f"unreadable GGA fix quality {quote(quality)}")
        mode = GGA_QUALITY.get(quality, "A" if quality in "12345" else "")
        if mode not in FIX_MODES:
            reason = NOT_A_FIX.get(mode, "unknown fix quality")
            raise ValueError(f"{reason} (GGA quality {quote(quality)})")
        tod = _read_tod(fields[1])
        lat, lon = _read_position(fields[2], fields[3], fields[4], fields[5])
    elif kind == "GLL":
        _check_status(fields[6], fields[7], "GLL")
        tod = _read_tod(fields[5])
        lat, lon = _read_position(fields[1], fields[2], fields[3], fields[4])
    else:
        modes = fields[6].strip()
        if not modes or not any(mode in FIX_MODES for mode in modes):
            first = modes[:1] if modes[:1] in NOT_A_FIX else "N"
            raise ValueError(f"{NOT_A_FIX[first]} (GNS mode {quote(modes)})")
        tod = _read_tod(fields[1])
        lat, lon = _read_position(fields[2], fields[3], fields[4], fields[5])
    problem = position_problem(lat, lon)
    if problem is not None:
        raise ValueError(problem)
    return _Fix(row, address, kind, tod, day, lat, lon)


def _check_status(status: str, mode: str, kind: str) -> None:
    status, mode = status.strip(), mode.strip()
    if status != "A":
        raise ValueError(f"no fix ({kind} status {quote(status)})")
    if mode and mode not in FIX_MODES:
        reason = NOT_A_FIX.get(mode, "unknown mode indicator")
        raise ValueError(f"{reason} ({kind} mode {quote(mode)})")


def _read_tod(text: str) -> int:
    value = text.strip()
    if not value:
        raise ValueError("no time")
    match = _TIME.fullmatch(value)
    if match is None:
        raise ValueError(f"unreadable time {quote(value)}")
    hours, minutes, seconds = (int(match.group(i)) for i in (1, 2, 3))
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"unreadable time {quote(value)}")
    micros = int((match.group(4) or "0").ljust(6, "0")[:6])
    return ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + micros


def _read_date(text: str) -> date:
    value = text.strip()
    if not value:
        raise ValueError("no date in RMC")
    match = _DATE.fullmatch(value)
    if match is None:
        raise ValueError(f"unreadable date {quote(value)}")
    day, month, year = (int(match.group(i)) for i in (1, 2, 3))
    try:
        return date(1900 + year if year >= 80 else 2000 + year, month, day)
    except ValueError:
        raise ValueError(f"unreadable date {quote(value)}") from None


def _read_position(lat: str, ns: str, lon: str, ew: str) -> tuple[float, float]:
    latitude = _read_angle(lat, _LAT, "latitude")
    longitude = _read_angle(lon, _LON, "longitude")
    ns, ew = ns.strip(), ew.strip()
    if ns not in ("N", "S"):
        raise ValueError(f"unreadable latitude hemisphere {quote(ns)}")
    if ew not in ("E", "W"):
        raise ValueError(f"unreadable longitude hemisphere {quote(ew)}")
    return (-latitude if ns == "S" else latitude), (-longitude if ew == "W" else longitude)


def _read_angle(text: str, pattern: re.Pattern[str], label: str) -> float:
    """Degrees from NMEA's ``(d)ddmm.mmmm``."""
    value = text.strip()
    if not value:
        raise ValueError(f"no {label}")
    match = pattern.fullmatch(value)
    if match is None:
        raise ValueError(f"unreadable {label} {quote(value)}")
    minutes = float(match.group(2))
    if minutes >= 60:
        raise ValueError(f"unreadable {label} {quote(value)}: minutes 60 or more")
    return int(match.group(1)) + minutes / 60


def _read_number(text: str) -> float:
    value = text.strip()
    if not _NUMBER.fullmatch(value):
        raise ValueError(value)
    return float(value)


def _clock(tod_us: int) -> str:
    seconds = tod_us // 1_000_000
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


register(NmeaParser)
