"""Building real cases for the analysis tests: a real home, real files, the real loader; and
the random data the property-based tests draw.

Creating a case costs Argon2id and two DuckDB extensions (about half a second), so the
property-based tests share one case per module (``bench``) and give every example fresh
subject names, fresh phone numbers and fresh files.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from geographiclib.geodesic import Geodesic
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.store.loader import Loader
from appliance.store.reports import IntakeReport

from .reference import EPOCH, Fix

PASSPHRASE = "correct horse battery staple"
TIMEZONE = "Europe/London"
LOCATION_HEADER = "time,lat,lon,accuracy_m"
CDR_HEADER = "start_time,type,direction,a_number,b_number,duration_s,cell_id,imei,imsi"


def utc_datetime(t_us: int) -> datetime:
    return EPOCH + timedelta(microseconds=t_us)


def us_of(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact)."""
    delta = moment.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def iso_z(t_us: int) -> str:
    """``2024-06-01T12:00:00Z``, with microseconds only when there are some."""
    moment = utc_datetime(t_us)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


class Workbench:
    """One open case and a folder to write evidence files into."""

    def __init__(self, store: CaseStore, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._counter = itertools.count(1)

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter)}"

    def subject(self, prefix: str, ids: Sequence[str] = (), role: str = "other") -> str:
        name = self.fresh(prefix)
        self.store.add_subject(name, role, list(ids))
        return name

    def write(self, header: str, lines: Sequence[str], prefix: str = "file") -> Path:
        path = self.folder / f"{self.fresh(prefix)}.csv"
        path.write_text(header + "\n" + "".join(line + "\n" for line in lines), encoding="utf-8")
        return path

    def location_file(
        self,
        fixes: Sequence[Fix],
        times: Sequence[str] | None = None,
        radius_m: float | None = 5.0,
        radii: Sequence[float | None] | None = None,
    ) -> Path:
        """A generic location CSV; data row N is ``fixes[N-1]``.

        ``times`` overrides the written times; ``radii`` gives each row its accuracy_m
        (None: empty), else every row has ``radius_m``.
        """
        every = radii if radii is not None else [radius_m] * len(fixes)
        lines = [
            f"{times[k] if times else iso_z(f.t_us)},{f.lat!r},{f.lon!r},"
            + ("" if every[k] is None else repr(every[k]))
            for k, f in enumerate(fixes)
        ]
        return self.write(LOCATION_HEADER, lines, "loc")

    def load(
        self, paths: Sequence[Path], subject: str | None, fmt: str | None = None
    ) -> IntakeReport:
        """Intake through the real loader; every row must load (a test's data is valid)."""
        report = Loader(self.store).intake(list(paths), subject=subject, format_name=fmt)
        assert not report.failed, report.failed
        for source in report.sources:
            assert source.rejected == 0, source.rejections
        return report

    def locations(
        self,
        subject: str,
        fixes: Sequence[Fix],
        times: Sequence[str] | None = None,
        radius_m: float | None = 5.0,
        radii: Sequence[float | None] | None = None,
    ) -> Path:
        """Write ``fixes`` as a location CSV and load it for ``subject``."""
        path = self.location_file(fixes, times, radius_m, radii)
        self.load([path], subject)
        return path


# --- data -------------------------------------------------------------------------------

BASE_US = us_of(datetime(2024, 6, 15, 9, 0, tzinfo=UTC))
SPAN_S = 3 * 3600
SECOND = 1_000_000

PLACES = {
    "london": (51.5072, -0.1276),
    "sydney": (-33.8688, 151.2093),
    "reykjavik": (64.1466, -21.9426),
    "quito": (-0.1807, -78.4678),
}
EXTREMES = {
    "antimeridian, equator": (0.0, 180.0),
    "antimeridian, north": (65.0, -179.9995),
    "antimeridian, south": (-45.0, 179.9999),
    "north pole": (90.0, 0.0),
    "near the north pole": (89.995, 42.0),
    "near the south pole": (-89.9985, -120.0),
    "equator": (0.0, 36.8),
    "equator, prime meridian": (0.0005, 0.002),
}

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def moved(lat: float, lon: float, azimuth: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` along the geodesic from (lat, lon) at ``azimuth`` degrees."""
    g = Geodesic.WGS84.Direct(lat, lon, azimuth, metres)
    return float(g["lat2"]), float(g["lon2"])


# --- strategies -----------------------------------------------------------------------------


def times_us(span_s: int = SPAN_S) -> st.SearchStrategy[int]:
    """Whole seconds mostly (so equal times happen), sometimes any microsecond."""
    return st.one_of(
        st.integers(0, span_s).map(lambda s: BASE_US + s * SECOND),
        st.integers(0, span_s * SECOND).map(lambda us: BASE_US + us),
    )


@st.composite
def fixes_near(
    draw: st.DrawFn, centre: tuple[float, float], spread_m: float, max_size: int
) -> list[Fix]:
    found = []
    for _ in range(draw(st.integers(0, max_size))):
        lat, lon = moved(
            *centre, draw(st.floats(0, 360)), draw(st.floats(0, spread_m, allow_subnormal=False))
        )
        found.append(Fix(draw(times_us()), lat, lon))
    return found


@st.composite
def two_tracks(
    draw: st.DrawFn,
    centres: Sequence[tuple[float, float]] = tuple(PLACES.values()),
    spread_m: float = 3000.0,
    max_size: int = 18,
) -> tuple[list[Fix], list[Fix]]:
    """A's and B's fixes around one place; some of B's shadow A's; some rows repeated."""
    centre = draw(st.sampled_from(list(centres)))
    a = draw(fixes_near(centre, spread_m, max_size))
    b = draw(fixes_near(centre, spread_m, max_size))
    if a:
        # B following A: near the same place at nearly the same time (also exactly the same).
        for _ in range(draw(st.integers(0, 6))):
            source = a[draw(st.integers(0, len(a) - 1))]
            dt = draw(st.sampled_from([0, 0, SECOND, -7 * SECOND, 90 * SECOND, 1234567]))
            lat, lon = moved(
                source.lat, source.lon, draw(st.floats(0, 360)), draw(st.floats(0, 600))
            )
            b.insert(draw(st.integers(0, len(b))), Fix(source.t_us + dt, lat, lon))
    for track in (a, b):
        # Exact duplicates (the same fix exported twice) count once.
        for _ in range(draw(st.integers(0, 2)) if track else 0):
            track.insert(
                draw(st.integers(0, len(track))), track[draw(st.integers(0, len(track) - 1))]
            )
    return a, b


def parameters() -> st.SearchStrategy[tuple[float, float, float]]:
    within = st.one_of(st.sampled_from([50.0, 500.0, 2000.0]), st.floats(50, 2000))
    window = st.one_of(
        st.sampled_from([0.0, 1.0, 300.0, 3600.0]),
        st.integers(0, 3600),
        st.integers(0, 3600 * SECOND).map(lambda us: us / SECOND),
    )
    gap = st.one_of(st.sampled_from([0.0, 1800.0, 7200.0]), st.integers(0, 7200))
    return st.tuples(within, window, gap).map(lambda p: (float(p[0]), float(p[1]), float(p[2])))


def load_pair(bench: Workbench, a: Sequence[Fix], b: Sequence[Fix]) -> tuple[str, str]:
    name_a, name_b = bench.subject("a"), bench.subject("b")
    bench.locations(name_a, a)
    bench.locations(name_b, b)
    return name_a, name_b


def open_case(folder: Path, ref: str = "CASE-1") -> CaseStore:
    return CaseStore.create(Home(folder / "home"), ref, TIMEZONE, PASSPHRASE)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    """One case for the whole module; examples take fresh subjects and files."""
    folder = tmp_path_factory.mktemp("bench")
    store = open_case(folder)
    evidence = folder / "evidence-files"
    evidence.mkdir()
    try:
        yield Workbench(store, evidence)
    finally:
        store.close()


@pytest.fixture
def workbench(tmp_path: Path) -> Iterator[Workbench]:
    """A case of its own, for tests that need a clean one."""
    store = open_case(tmp_path)
    evidence = tmp_path / "evidence-files"
    evidence.mkdir()
    try:
        yield Workbench(store, evidence)
    finally:
        store.close()
