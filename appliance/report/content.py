"""Everything a report says, gathered from the analyses as plain data before any drawing.

The report never runs SQL: every figure comes from the same analysis functions behind
``colocate --json``, ``contacts --json`` and ``breach --json``, called with the same
parameters, so the printed figures and the command line's cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from appliance import __version__
from appliance.analyses.accounting import Exhibit, SourceAccount, exhibits, sources
from appliance.analyses.breach import Breaches, Zone, breaches
from appliance.analyses.colocate import Colocation, colocate
from appliance.analyses.contacts import Contacts, contacts
from appliance.report.options import ReportOptions, subjects
from appliance.store.case import CaseStore, Subject
from appliance.store.zones import zones as stored_zones


@dataclass(frozen=True)
class MapPicture:
    """A rendered map as the report needs it (the maps package's MapImage has these fields)."""

    png: bytes
    width_px: int
    height_px: int
    basemap: bool
    attribution: str
    legend: list[str]


@dataclass(frozen=True)
class ZoneResult:
    name: str
    note: str
    breaches: Breaches


@dataclass(frozen=True)
class ReportContent:
    ref: str
    timezone: str
    software: str
    generated: datetime
    custody_head: str
    custody_entries: int
    subjects: list[Subject]
    a: Subject
    b: Subject
    options: ReportOptions
    exhibits: list[Exhibit]
    sources: list[SourceAccount]
    contacts: Contacts
    colocation: Colocation
    zones: list[ZoneResult]
    occasion_maps: dict[int, MapPicture] = field(default_factory=dict)
    # (zone index, visit number) -> its map
    visit_maps: dict[tuple[int, int], MapPicture] = field(default_factory=dict)


def gather(store: CaseStore, options: ReportOptions, generated: datetime) -> ReportContent:
    a, b = subjects(store, options)
    period = options.params.period
    with store.ledger() as ledger:
        head, entries = ledger.head(), ledger.count()
    return ReportContent(
        ref=store.info.ref,
        timezone=store.info.timezone,
        software=f"appliance {__version__}",
        generated=generated,
        custody_head=head,
        custody_entries=entries,
        subjects=store.subjects(),
        a=a,
        b=b,
        options=options,
        exhibits=exhibits(store),
        sources=sources(store, with_rejections=True),
        contacts=contacts(store, a.name, b.name, period, options.match_within_s),
        colocation=colocate(store, a.name, b.name, options.params),
        zones=_zones(store, options, a.name),
    )


def _zones(store: CaseStore, options: ReportOptions, default_subject: str) -> list[ZoneResult]:
    period = options.params.period
    if options.zones is not None:
        return [
            ZoneResult(
                z.name,
                "",
                breaches(
                    store, z.subject or default_subject, Zone(z.lat, z.lon, z.radius_m), period
                ),
            )
            for z in options.zones
        ]
    return [
        ZoneResult(
            z.name, z.note, breaches(store, z.subject, Zone(z.lat, z.lon, z.radius_m), period)
        )
        for z in stored_zones(store)
    ]
