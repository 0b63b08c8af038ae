"""What an export covers: the two subjects, the co-location parameters, the period, whose tracks."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.analyses.colocate import Parameters
from appliance.analyses.dedupe import DEFAULT_TOLERANCE_S
from appliance.errors import UsageError
from appliance.store.case import CaseStore


@dataclass(frozen=True)
class ExportOptions:
    a: str
    b: str
    parameters: Parameters
    tolerance_s: float = DEFAULT_TOLERANCE_S
    # Whose tracks to draw; empty means A and B.
    track_subjects: tuple[str, ...] = ()

    @property
    def tracks_of(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.track_subjects or (self.a, self.b)))


def default_pair(store: CaseStore, a: str | None, b: str | None) -> tuple[str, str]:
    """A and B as given, else the case's one suspect and one victim."""
    if a and b:
        return a, b
    subjects = store.subjects()

    def the_one(role: str, flag: str) -> str:
        named = [s.name for s in subjects if s.role == role]
        if len(named) != 1:
            raise UsageError(
                f"case {store.info.ref} has {len(named)} subjects with the role {role}, so "
                f"{flag} cannot default to one.",
                f"Name the subject with {flag} NAME (see `appliance subject list`).",
            )
        return named[0]

    return a or the_one("suspect", "--a"), b or the_one("victim", "--b")
