"""Exclusion zones kept with the case: the places an order names, as circles.

An order names a place and a distance (200 m of the victim's home). Recording it once in the
case means the printed report, the terminal UI and the command line all check the same circle,
and the custody ledger says who recorded it and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from appliance.errors import UsageError, ZoneExists
from appliance.store.case import CaseStore, actor


@dataclass(frozen=True)
class StoredZone:
    name: str
    lat: float
    lon: float
    radius_m: float
    subject: str
    note: str
    created: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "radius_m": self.radius_m,
            "subject": self.subject,
            "note": self.note,
            "created": self.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def add_zone(
    store: CaseStore,
    name: str,
    lat: float,
    lon: float,
    radius_m: float,
    subject: str,
    note: str = "",
) -> StoredZone:
    """Record a zone against ``subject``; refuse a duplicate name or an impossible circle."""
    name = name.strip()
    if not name:
        raise UsageError("a zone needs a name.", "Name the place, e.g. 'victim home'.")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UsageError(
            f"the zone centre {lat},{lon} is not a position.",
            "Give it as LAT,LON in decimal degrees, e.g. 51.5416,-0.1022.",
        )
    if not 0 < radius_m < 1_000_000:
        raise UsageError("the zone radius must be more than zero.", "For example 200m.")
    who = store.subject(subject)
    if store.rows("SELECT 1 FROM zones WHERE name = ?", [name]):
        raise ZoneExists(
            f"case {store.info.ref} already has a zone called {name!r}.",
            "Choose another name; `appliance zone list` shows the zones.",
        )
    created = datetime.now(UTC).replace(microsecond=0)
    store.execute(
        "INSERT INTO zones (name, lat, lon, radius_m, subject_id, note, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [name, lat, lon, radius_m, who.id, note, created.replace(tzinfo=None)],
    )
    store.checkpoint()
    with store.ledger() as ledger:
        ledger.append(
            "zone recorded",
            actor(),
            details={
                "zone": name,
                "lat": lat,
                "lon": lon,
                "radius_m": radius_m,
                "subject": who.name,
                "note": note,
            },
        )
    return StoredZone(name, lat, lon, radius_m, who.name, note, created)


def zones(store: CaseStore) -> list[StoredZone]:
    """Every recorded zone, in the order recorded."""
    rows = store.rows(
        "SELECT z.name, z.lat, z.lon, z.radius_m, s.name, z.note, z.created FROM zones z "
        "JOIN subjects s ON s.id = z.subject_id ORDER BY z.id"
    )
    return [
        StoredZone(
            str(r[0]),
            float(r[1]),
            float(r[2]),
            float(r[3]),
            str(r[4]),
            str(r[5]),
            r[6].replace(tzinfo=UTC),
        )
        for r in rows
    ]
