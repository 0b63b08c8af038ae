"""What a report is asked for: the two subjects, the co-location parameters, the zones."""

from __future__ import annotations

from dataclasses import dataclass, field

from appliance.analyses import colocate
from appliance.analyses.dedupe import DEFAULT_TOLERANCE_S
from appliance.errors import SubjectNotFound
from appliance.store.case import CaseStore, Subject


@dataclass(frozen=True)
class ZoneSpec:
    """An exclusion zone given for this report only (not recorded in the case)."""

    lat: float
    lon: float
    radius_m: float
    subject: str | None = None
    name: str = "zone given on the command line"


@dataclass(frozen=True)
class ReportOptions:
    """A and B default to the case's suspect and victim; zones default to the case's own."""

    a: str | None = None
    b: str | None = None
    params: colocate.Parameters = field(default_factory=colocate.Parameters)
    match_within_s: float = DEFAULT_TOLERANCE_S
    zones: tuple[ZoneSpec, ...] | None = None


def _by_role(store: CaseStore, role: str, flag: str) -> Subject:
    found = [s for s in store.subjects() if s.role == role]
    if len(found) != 1:
        names = ", ".join(f"{s.name} ({s.role})" for s in store.subjects()) or "none"
        raise SubjectNotFound(
            f"case {store.info.ref} has {len(found)} subjects with the role {role}, so the "
            f"report cannot choose {flag} by itself (subjects: {names}).",
            f"Name the subject with {flag} NAME.",
        )
    return found[0]


def subjects(store: CaseStore, options: ReportOptions) -> tuple[Subject, Subject]:
    """Subjects A and B: as named, else the case's only suspect and only victim."""
    a = store.subject(options.a) if options.a else _by_role(store, "suspect", "--a")
    b = store.subject(options.b) if options.b else _by_role(store, "victim", "--b")
    return a, b
