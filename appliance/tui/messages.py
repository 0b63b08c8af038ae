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
from appliance.analyses.timeline import Item
from appliance.store.case import Subject
from appliance.store.home import CaseInfo


class CaseOpened(Message):
    """A case was unlocked: what the bar and the sources pane show first."""

    def __init__(
        self,
        info: CaseInfo,
        custody_head: str,
        subjects: list[Subject],
        sources: list[SourceAccount],
        pending: int,
    ) -> None:
        super().__init__()
        self.info = info
        self.custody_head = custody_head
        self.subjects = subjects
        self.sources = sources
        self.pending = pending  # sealed exhibits not parsed yet (the UI opens cases read-only)


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
        self, generation: int, items: list[Item], next_offset: int, exhausted: bool
    ) -> None:
        super().__init__()
        self.generation = generation
        self.items = items
        self.next_offset = next_offset
        self.exhausted = exhausted
