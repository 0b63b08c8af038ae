"""The normalised records that parsers yield and the store writes (DESIGN §5)."""

from appliance.model.records import (
    KINDS,
    METHODS,
    Cell,
    Communication,
    DirectoryEntry,
    Observation,
    Record,
    Rejection,
    SourceReference,
    Warning,
)

__all__ = [
    "KINDS",
    "METHODS",
    "Cell",
    "Communication",
    "DirectoryEntry",
    "Observation",
    "Record",
    "Rejection",
    "SourceReference",
    "Warning",
]
