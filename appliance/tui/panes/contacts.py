"""Pane 3: calls and messages between A and B, by kind and direction, per local day.

Counted once even where a communication appears in several sources (the analysis says how many
records were merged); the chart is one bar per local day from the first contact to the last,
days without contact included, so gaps show as gaps.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Sparkline, Static

from appliance.analyses.contacts import COUNTED_KINDS, Contacts, contacts
from appliance.store.case import CaseStore, Subject
from appliance.textsafe import shown
from appliance.tui.messages import CaseOpened, ContactsDone
from appliance.tui.panes.base import Pane
from appliance.tui.text import DAY, number, when
from appliance.tui.widgets import RowTable, chooser, label

NAME_WIDTH = 22  # a heading per direction; long names are cut so the columns stay aligned


class ContactsPane(Pane):
    key, title, pane_id, summary_id = "3", "Contacts", "contacts", "contacts-summary"
    purpose = "calls and messages between A and B, per day"

    def __init__(self) -> None:
        super().__init__()
        self.result: Contacts | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form"):
            yield label("A")
            yield chooser(id="contacts-a", prompt="A")
            yield label(" B")
            yield chooser(id="contacts-b", prompt="B")
        yield Static(Text(""), id="contacts-totals")
        yield Static(
            Text("Press g to count the calls and messages between A and B."),
            id="contacts-summary",
            classes="summary",
        )
        yield Sparkline([], id="contacts-chart")
        yield RowTable(id="contacts-days")

    def first_focus(self) -> Widget:
        return self.query_one("#contacts-days", RowTable)

    def case_opened(self, opened: CaseOpened) -> None:
        super().case_opened(opened)
        self.result = None
        self.query_one("#contacts-totals", Static).update(Text(""))
        self.query_one("#contacts-chart", Sparkline).data = []
        self.query_one("#contacts-days", RowTable).clear(columns=True)
        self.offer_subjects("contacts-a", "suspect")
        self.offer_subjects("contacts-b", "victim", skip=self.chosen("contacts-a") or "")
        self.say("Press g to count the calls and messages between A and B.")

    def subjects_changed(self, subjects: list[Subject]) -> None:
        super().subjects_changed(subjects)
        self.offer_subjects("contacts-a", "suspect", keep=True)
        self.offer_subjects("contacts-b", "victim", skip=self.chosen("contacts-a") or "", keep=True)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.go()

    def go(self) -> None:
        a, b = self.chosen("contacts-a"), self.chosen("contacts-b")
        if a is None or b is None:
            self.say("Choose two subjects, A and B.")
            return

        def job(store: CaseStore) -> ContactsDone:
            return ContactsDone(contacts(store, a, b))

        self.ask(job, "contacts")

    def on_contacts_done(self, message: ContactsDone) -> None:
        result = self.result = message.result
        kinds = shown_kinds(result)
        self.query_one("#contacts-totals", Static).update(totals_text(result, kinds))
        self.query_one("#contacts-chart", Sparkline).data = daily_series(result)
        table = self.query_one("#contacts-days", RowTable)
        table.clear(columns=True)
        table.add_columns("date", *(f"{k} {arrow}" for k in kinds for arrow in ("→", "←")), "total")
        for day, counts in result.per_day:
            table.add_row(
                Text(day.strftime(DAY)),
                *(number(counts[f"{k}_{d}"]) for k in kinds for d in ("a_to_b", "b_to_a")),
                number(sum(counts.values())),
            )
        self.say(summary_text(result, self.tz))


def shown_kinds(result: Contacts) -> list[str]:
    """Voice and SMS always (a zero is an answer); other kinds only where there are some."""
    return [
        k
        for k in COUNTED_KINDS
        if k in ("voice", "sms") or result.totals[f"{k}_a_to_b"] or result.totals[f"{k}_b_to_a"]
    ]


def totals_text(result: Contacts, kinds: list[str]) -> Text:
    a, b = shown(result.a), shown(result.b)
    heads = (_fit(f"{a} → {b}"), _fit(f"{b} → {a}"))
    out = Text(f"{'':<10}{heads[0]:>{NAME_WIDTH}}{heads[1]:>{NAME_WIDTH}}\n", style="bold")
    for k in kinds:
        ab, ba = result.totals[f"{k}_a_to_b"], result.totals[f"{k}_b_to_a"]
        out.append(f"{k:<10}{ab:>{NAME_WIDTH},}{ba:>{NAME_WIDTH},}\n")
        if k == "voice":
            answered = result.answered_voice
            out.append(
                f"{'  answered':<10}{answered['a_to_b']:>{NAME_WIDTH},}"
                f"{answered['b_to_a']:>{NAME_WIDTH},}\n"
            )
    if result.merged:
        out.append(
            f"{result.merged:,} records were the same call or message seen in another source "
            f"(within {result.tolerance_s:g} s), counted once.",
            style="italic",
        )
    out.rstrip()
    return out


def _fit(heading: str) -> str:
    """A column heading cut to leave a gap before the next one."""
    room = NAME_WIDTH - 2
    return heading if len(heading) <= room else heading[: room - 1] + "…"


def summary_text(result: Contacts, tz: ZoneInfo) -> Text:
    total = sum(result.totals.values())
    out = Text(f"{total:,} contacts")
    busiest = result.busiest_day
    if busiest:
        out.append(f"; busiest day {busiest[0]:{DAY}} with {sum(busiest[1].values()):,}")
    if result.first and result.last:
        out.append("; first ")
        out.append(when(result.first, tz))
        out.append(", last ")
        out.append(when(result.last, tz))
    out.append(f" (local days, {tz.key}).")
    return out


def daily_series(result: Contacts) -> list[float]:
    """Contacts per local day from the first day to the last, zero on days without any."""
    if not result.per_day:
        return []
    counts = {day: sum(c.values()) for day, c in result.per_day}
    first: date = result.per_day[0][0]
    days = (result.per_day[-1][0] - first).days + 1
    return [float(counts.get(first + timedelta(days=n), 0)) for n in range(days)]
