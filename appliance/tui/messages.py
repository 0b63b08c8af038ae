"""What the UI's workers report, named as events (the Harlequin habit: ``ResultsFetched``).

Each carries plain results from the analyses, never a cursor or a widget. Workers post them to
the pane that asked; they then bubble to the app, so a test can wait on any of them.
"""

from __future__ import annotations

from textual.message import Message

from appliance.analyses.accounting import SourceAccount
from appliance.analyses.breach import Breaches
from appliance.analyses.colocate import Colocation
from appliance.analyses.contacts import Contacts
from appliance.analyses.places import Place
from appliance.analyses.timeline import Cursor, Item
from appliance.intake.events import IntakeEvent
from appliance.store.case import Subject
from appliance.store.home import CaseInfo
from appliance.store.loader import Pending
from appliance.store.reports import IntakeReport


class CaseOpened(Message):
    """A case was unlocked: what the bar and the sources pane show first."""

    def __init__(
        self,
        info: CaseInfo,
        custody_head: str,
        subjects: list[Subject],
        sources: list[SourceAccount],
        pending: int,
        waiting: list[Pending] | None = None,
    ) -> None:
        super().__init__()
        self.info = info
        self.custody_head = custody_head
        self.subjects = subjects
        self.sources = sources
        self.pending = pending  # sealed exhibits not parsed yet (the USB service's, say)
        self.waiting = waiting or []  # those exhibits, for the intake pane to attribute


class OpenFailed(Message):
    """A case did not open (wrong passphrase, missing case): the words to show."""

    def __init__(self, ref: str, reason: str) -> None:
        super().__init__()
        self.ref = ref
        self.reason = reason


class QueryFailed(Message):
    """An analysis refused its input or failed: the same words the command line prints."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__()
        self.what = what
        self.reason = reason


class QueryCancelled(Message):
    """The officer cancelled a running analysis; its result, if it comes, is thrown away."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what


class SourcesLoaded(Message):
    def __init__(self, subjects: list[Subject], sources: list[SourceAccount]) -> None:
        super().__init__()
        self.subjects = subjects
        self.sources = sources


class RejectionsLoaded(Message):
    """Every source with its rejected rows (asked for only when the officer wants them)."""

    def __init__(self, sources: list[SourceAccount]) -> None:
        super().__init__()
        self.sources = sources


class ColocationDone(Message):
    def __init__(self, result: Colocation) -> None:
        super().__init__()
        self.result = result


class ContactsDone(Message):
    def __init__(self, result: Contacts) -> None:
        super().__init__()
        self.result = result


class BreachDone(Message):
    def __init__(self, result: Breaches) -> None:
        super().__init__()
        self.result = result


class TimelinePage(Message):
    """One page of the chronology. ``generation`` ties it to the query that asked for it, so a
    late page of an older query is never appended to a newer one."""

    def __init__(
        self, generation: int, items: list[Item], after: Cursor | None, exhausted: bool
    ) -> None:
        super().__init__()
        self.generation = generation
        self.items = items
        self.after = after  # where the next page starts (None: from the beginning)
        self.exhausted = exhausted


class IntakeProgress(Message):
    """One moment of a running intake: a file found, bytes read, a hash, rows parsed."""

    def __init__(self, event: IntakeEvent) -> None:
        super().__init__()
        self.event = event


class AcquisitionDone(Message):
    """Every file under the paths was read: what was sealed, and what now waits to be
    attributed to a subject and parsed (this intake's files and any sealed before)."""

    def __init__(
        self, paths: list[str], sealed: int, incomplete: int, declined: int, waiting: list[Pending]
    ) -> None:
        super().__init__()
        self.paths = paths
        self.sealed = sealed
        self.incomplete = incomplete
        self.declined = declined
        self.waiting = waiting


class WaitingLoaded(Message):
    """The sealed exhibits that wait to be parsed, read again from the custody ledger."""

    def __init__(self, waiting: list[Pending]) -> None:
        super().__init__()
        self.waiting = waiting


class ParseDone(Message):
    """Sealed exhibits were parsed: the case's subjects and sources as they now stand."""

    def __init__(
        self,
        report: IntakeReport,
        subjects: list[Subject],
        sources: list[SourceAccount],
        waiting: list[Pending],
    ) -> None:
        super().__init__()
        self.report = report
        self.subjects = subjects
        self.sources = sources
        self.waiting = waiting


class IntakeFailed(Message):
    """An intake stopped on an error: the same words the command line prints."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__()
        self.what = what
        self.reason = reason


class IntakeStopped(Message):
    """The officer cancelled an intake; what was sealed or parsed before the key stays."""

    def __init__(self, what: str, waiting: list[Pending]) -> None:
        super().__init__()
        self.what = what
        self.waiting = waiting


class CustodyChanged(Message):
    """The custody ledger has a new head (an intake, a parse, a case created)."""

    def __init__(self, head: str) -> None:
        super().__init__()
        self.head = head


class LedgerMoved(Message):
    """Someone else wrote to the case's custody ledger (the USB service sealing a stick, or
    the command line): its new head and the sealed exhibits that now wait."""

    def __init__(self, head: str, waiting: list[Pending]) -> None:
        super().__init__()
        self.head = head
        self.waiting = waiting


class StickArrived(Message):
    """udev reported a USB stick (while the intake pane watches for them)."""

    def __init__(self, devnode: str) -> None:
        super().__init__()
        self.devnode = devnode


class WatchSaid(Message):
    """A line from the stick watcher (started, a stick removed, an event ignored)."""

    def __init__(self, line: str, watching: bool = True) -> None:
        super().__init__()
        self.line = line
        self.watching = watching


class SubjectsChanged(Message):
    """The officer added a subject or identifiers: every pane's subject lists follow."""

    def __init__(self, subjects: list[Subject], done: str) -> None:
        super().__init__()
        self.subjects = subjects
        self.done = done


class PlacesFound(Message):
    """Each subject's most frequented places (name, place), for the exclusion-zone picker."""

    def __init__(self, places: list[tuple[str, Place]]) -> None:
        super().__init__()
        self.places = places
