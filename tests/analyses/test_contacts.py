"""Contacts (DESIGN §6) against the reference: each communication once, per kind, direction and
local day, from one line's CDR or from both lines' CDRs, numbers written any common way."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from appliance.analyses.contacts import Contacts, contacts
from appliance.timeutil import zone

from . import reference
from .conftest import CDR_HEADER, SECOND, SETTINGS, TIMEZONE, Workbench, us_of, utc_datetime
from .reference import Comm

LONDON = zone(TIMEZONE)
SPRING = us_of(datetime(2024, 3, 29, 12, 0, tzinfo=UTC))
AUTUMN = us_of(datetime(2024, 10, 25, 12, 0, tzinfo=UTC))
FOUR_DAYS_S = 4 * 86_400
_numbers = itertools.count(900_000)
# ``data.draw`` of a test's st.data(): draws one value from a strategy.
Draw = Callable[[st.SearchStrategy[Any]], Any]


def fresh_nsn() -> str:
    """A UK mobile number's national significant number, never used before in this run."""
    return f"7700{next(_numbers):06d}"


def e164(nsn: str) -> str:
    return "+44" + nsn


def written_forms(nsn: str) -> list[str]:
    """The ways DESIGN §8 says a number may be written."""
    return [
        f"0{nsn[:4]} {nsn[4:]}",
        f"+44{nsn}",
        f"0044{nsn}",
        f"0{nsn}",
        f"+44 {nsn[:4]} {nsn[4:]}",
    ]


def written_time(t_us: int, form: str) -> str:
    """UTC with Z, local with its offset, or naive local where that names one instant."""
    moment = utc_datetime(t_us)
    local = moment.astimezone(LONDON)
    if form == "z":
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        return text + (f".{moment.microsecond:06d}" if moment.microsecond else "") + "Z"
    if form == "naive":
        wall = local.replace(tzinfo=None)
        if len({wall.replace(tzinfo=LONDON, fold=f).utcoffset() for f in (0, 1)}) == 1:
            return wall.isoformat(timespec="microseconds")
    return local.isoformat(timespec="microseconds")


# --- a scenario: who called whom, and which operator listed it ----------------------------------

KIND_WORDS = {"voice": ["voice", "call", "Voice"], "sms": ["sms", "text", "SMS"], "mms": ["mms"]}
DIRECTION_WORDS = {"out": ["out", "outgoing", "MO"], "in": ["in", "incoming", "mt"]}


@dataclass(frozen=True)
class Truth:
    """One real communication and what each operator's CDR made of it."""

    t_us: int
    kind: str
    caller: str  # a party: "a1", "a2" (A's two lines), "b" or "c" (a third party)
    callee: str
    duration_s: float | None
    in_a1_cdr: bool  # listed by the operator of A's line a1 (when a1 is a party)
    in_b_cdr: bool  # listed by the operator of B's line (when b is a party)
    b_shift_us: int  # B's operator's clock, 0-3 s ahead


@st.composite
def truths(draw: st.DrawFn, anchor: int, spacing_s: int | None = None) -> list[Truth]:
    parties = ["a1", "a1", "a1", "a2", "b", "b", "b", "c"]
    found: list[Truth] = []
    count = draw(st.integers(0, 25))
    slots = draw(
        st.lists(
            st.integers(0, FOUR_DAYS_S // (spacing_s or 1) - 1),
            min_size=count,
            max_size=count,
            unique=spacing_s is not None,
        )
    )
    for slot in slots:
        caller = draw(st.sampled_from(parties))
        callee = draw(st.sampled_from([p for p in parties if p != caller]))
        kind = draw(st.sampled_from(["voice", "voice", "sms", "sms", "mms"]))
        if spacing_s:
            t = anchor + (slot * spacing_s + draw(st.integers(0, 59))) * SECOND
        else:
            t = anchor + draw(
                st.one_of(st.just(slot * SECOND), st.integers(0, FOUR_DAYS_S * SECOND))
            )
        duration = draw(st.sampled_from([None, 0.0, 1.0, 65.5])) if kind == "voice" else None
        # A burst: the same message sent several times in the same second.
        for _ in range(draw(st.sampled_from([1, 1, 1, 2, 4]))):
            found.append(
                Truth(
                    t_us=t,
                    kind=kind,
                    caller=caller,
                    callee=callee,
                    duration_s=duration,
                    in_a1_cdr=draw(st.booleans()) or draw(st.booleans()),
                    in_b_cdr=draw(st.booleans()) or draw(st.booleans()),
                    b_shift_us=draw(
                        st.one_of(
                            st.sampled_from([0, SECOND, 3 * SECOND]), st.integers(0, 3 * SECOND)
                        )
                    ),
                )
            )
    return found


@dataclass
class Scenario:
    a: str
    b: str
    numbers: dict[str, str]  # party -> canonical E.164
    records: list[Comm]  # as loaded, for the reference
    loaded: int  # records the product should see between A and B


def cdr_line(
    draw: Draw,
    t_us: int,
    kind: str,
    direction: str,
    line: str,
    other: str,
    duration: float | None,
) -> str:
    return ",".join(
        [
            written_time(t_us, draw(st.sampled_from(["z", "offset", "naive"]))),
            draw(st.sampled_from(KIND_WORDS[kind])),
            draw(st.sampled_from(DIRECTION_WORDS[direction])),
            draw(st.sampled_from(written_forms(line))),
            draw(st.sampled_from(written_forms(other))),
            "" if duration is None else repr(duration),
            "",
            "",
            "",
        ]
    )


def build(bench: Workbench, draw: Draw, comms: Sequence[Truth], which: str) -> Scenario:
    """Subjects A (lines a1, a2) and B (line b); load a1's CDR, b's CDR or both, in some order."""
    nsn = {party: fresh_nsn() for party in ("a1", "a2", "b", "c")}
    numbers = {party: e164(n) for party, n in nsn.items()}
    a = bench.subject(
        "a",
        [
            draw(st.sampled_from(written_forms(nsn["a1"]))),
            draw(st.sampled_from(written_forms(nsn["a2"]))),
        ],
    )
    b = bench.subject("b", [draw(st.sampled_from(written_forms(nsn["b"])))])

    cdrs: dict[str, tuple[str, list[str], list[tuple[int, Truth]]]] = {
        "a1": (a, [], []),
        "b": (b, [], []),
    }
    for truth in comms:
        for line, listed, shift in (
            ("a1", truth.in_a1_cdr, 0),
            ("b", truth.in_b_cdr, truth.b_shift_us),
        ):
            if not listed or line not in (truth.caller, truth.callee):
                continue
            out = truth.caller == line
            other = truth.callee if out else truth.caller
            t = truth.t_us + shift
            _, lines, rows = cdrs[line]
            lines.append(
                cdr_line(
                    draw,
                    t,
                    truth.kind,
                    "out" if out else "in",
                    nsn[line],
                    nsn[other],
                    truth.duration_s,
                )
            )
            rows.append((t, truth))

    order = {"a1": ["a1"], "b": ["b"], "both": ["a1", "b"], "both, b first": ["b", "a1"]}[which]
    records: list[Comm] = []
    for source, line in enumerate(order, start=1):
        subject, lines, rows = cdrs[line]
        path = bench.write(CDR_HEADER, lines, "cdr")
        report = bench.load([path], subject)
        assert report.sources[0].communications == len(lines)
        for row, (t, truth) in enumerate(rows, start=1):
            records.append(
                Comm(
                    t,
                    truth.kind,
                    numbers[truth.caller],
                    numbers[truth.callee],
                    source,
                    row,
                    truth.duration_s,
                )
            )
    a_ids, b_ids = {numbers["a1"], numbers["a2"]}, {numbers["b"]}
    between = sum(
        1
        for r in records
        if (r.caller in a_ids and r.callee in b_ids) or (r.caller in b_ids and r.callee in a_ids)
    )
    return Scenario(a, b, numbers, records, between)


def nonzero_days(result: Contacts) -> dict[date, Counter[str]]:
    return {day: +Counter(counts) for day, counts in result.per_day}


def assert_matches_reference(result: Contacts, scenario: Scenario) -> reference.ContactCounts:
    n = scenario.numbers
    expected = reference.contacts(scenario.records, {n["a1"], n["a2"]}, {n["b"]}, LONDON)
    assert nonzero_days(result) == expected.per_day
    assert +Counter(result.totals) == expected.totals
    assert +Counter(result.answered_voice) == expected.answered
    assert [d for d, counts in result.per_day if sum(counts.values())] == sorted(expected.per_day)
    assert result.records == scenario.loaded
    assert result.merged == scenario.loaded - sum(expected.totals.values())
    assert (us_of(result.first) if result.first else None) == expected.first
    assert (us_of(result.last) if result.last else None) == expected.last
    return expected


# --- random data ------------------------------------------------------------------------------


@settings(SETTINGS, max_examples=60)
@given(
    anchor=st.sampled_from([SPRING, AUTUMN]),
    which=st.sampled_from(["a1", "b", "both", "both, b first"]),
    data=st.data(),
)
def test_per_day_counts_equal_the_reference(
    bench: Workbench, anchor: int, which: str, data: st.DataObject
) -> None:
    comms = data.draw(truths(anchor))
    scenario = build(bench, data.draw, comms, which)
    result = contacts(bench.store, scenario.a, scenario.b)
    expected = assert_matches_reference(result, scenario)
    event(f"contacts: {min(sum(expected.totals.values()), 10) // 5 * 5}+")
    event(f"merged: {result.merged > 0}")


@settings(SETTINGS, max_examples=40)
@given(anchor=st.sampled_from([SPRING, AUTUMN]), data=st.data())
def test_well_separated_communications_are_counted_as_the_operators_saw_them(
    bench: Workbench, anchor: int, data: st.DataObject
) -> None:
    """When communications are minutes apart, the rule's count is the best one possible.

    Each communication (a burst of identical texts counts as that many) is counted as many
    times as the operator that listed most copies of it listed: never twice for being in two
    CDRs, never lost for being in only one.
    """
    comms = data.draw(truths(anchor, spacing_s=300))
    bursts: dict[tuple[int, str, str, str], list[Truth]] = {}
    for t in comms:
        bursts.setdefault((t.t_us, t.kind, t.caller, t.callee), []).append(t)
    assume(len({t_us // (300 * SECOND) for t_us, *_ in bursts}) == len(bursts))
    scenario = build(bench, data.draw, comms, "both")
    result = contacts(bench.store, scenario.a, scenario.b)
    assert_matches_reference(result, scenario)

    side = {"a1": "a", "a2": "a", "b": "b"}
    truth: Counter[str] = Counter()
    for (_, kind, caller, callee), copies in bursts.items():
        sides = (side.get(caller), side.get(callee))
        if sides not in {("a", "b"), ("b", "a")}:
            continue
        by_a1 = sum(c.in_a1_cdr for c in copies) if "a1" in (caller, callee) else 0
        by_b = sum(c.in_b_cdr for c in copies)
        truth[f"{kind}_{'a_to_b' if sides[0] == 'a' else 'b_to_a'}"] += max(by_a1, by_b)
    assert +Counter(result.totals) == +truth


# --- built cases ------------------------------------------------------------------------------

NAIVE_DAYS = [
    ("2024-03-30T23:59:59", date(2024, 3, 30)),
    ("2024-03-31T00:00:00", date(2024, 3, 31)),
    ("2024-03-31T00:59:59", date(2024, 3, 31)),
    ("2024-03-31T01:30:00", date(2024, 3, 31)),  # skipped hour: flagged, same day either way
    ("2024-03-31T02:00:00", date(2024, 3, 31)),
    ("2024-03-31T23:30:00", date(2024, 3, 31)),  # 22:30Z
    ("2024-04-01T00:30:00", date(2024, 4, 1)),  # 2024-03-31T23:30Z: UTC says the 31st
    ("2024-10-26T23:30:00", date(2024, 10, 26)),  # 22:30Z
    ("2024-10-27T00:30:00", date(2024, 10, 27)),  # 2024-10-26T23:30Z: UTC says the 26th
    ("2024-10-27T01:30:00", date(2024, 10, 27)),  # repeated hour: flagged, same day either way
    ("2024-10-27T02:30:00", date(2024, 10, 27)),
    ("2024-10-27T23:59:59", date(2024, 10, 27)),
    ("2024-10-28T00:00:00", date(2024, 10, 28)),
]


def two_subjects(bench: Workbench) -> tuple[str, str, str, str]:
    a_nsn, b_nsn = fresh_nsn(), fresh_nsn()
    a = bench.subject("a", [f"0{a_nsn}"], role="suspect")
    b = bench.subject("b", [f"+44{b_nsn}"], role="victim")
    return a, b, a_nsn, b_nsn


def cdr(bench: Workbench, rows: Sequence[Sequence[str]]) -> Path:
    return bench.write(CDR_HEADER, [",".join(r) for r in rows], "cdr")


def test_naive_local_times_on_the_change_days_land_on_the_local_day(bench: Workbench) -> None:
    a, b, a_nsn, b_nsn = two_subjects(bench)
    rows = [
        [when, "sms", "out", f"0{a_nsn[:4]} {a_nsn[4:]}", f"0044{b_nsn}", "", "", "", ""]
        for when, _ in NAIVE_DAYS
    ]
    report = bench.load([cdr(bench, rows)], a)
    assert report.sources[0].warnings == 2, "the skipped and the repeated hour are flagged"
    result = contacts(bench.store, a, b)
    expected = Counter(day for _, day in NAIVE_DAYS)
    assert {day: counts["sms_a_to_b"] for day, counts in result.per_day} == expected
    assert sum(result.totals.values()) == len(NAIVE_DAYS)


def test_the_same_texts_from_both_operators_count_once_each(bench: Workbench) -> None:
    a, b, a_nsn, b_nsn = two_subjects(bench)
    t0 = "2024-10-27T01:15:00Z"
    t1 = "2024-10-27T09:00:00Z"
    # A's operator: a burst of five identical texts in one second, then a burst of three.
    a_rows = [[t0, "sms", "out", f"0{a_nsn}", f"+44{b_nsn}", "", "", "", ""]] * 5
    a_rows += [[t1, "sms", "out", f"0{a_nsn}", f"+44{b_nsn}", "", "", "", ""]] * 3
    # B's operator saw them from the other end, its clock 2 s ahead, and lost one of the three.
    b_rows = [
        ["2024-10-27T01:15:02Z", "sms", "in", f"0{b_nsn}", f"0044{a_nsn}", "", "", "", ""]
    ] * 5
    b_rows += [["2024-10-27T09:00:02Z", "text", "MT", f"0{b_nsn}", f"0{a_nsn}", "", "", "", ""]] * 2
    bench.load([cdr(bench, a_rows)], a)
    bench.load([cdr(bench, b_rows)], b)
    result = contacts(bench.store, a, b)
    assert result.totals["sms_a_to_b"] == 8
    assert sum(result.totals.values()) == 8
    assert result.records == 15
    assert result.merged == 7
    assert {d: c["sms_a_to_b"] for d, c in result.per_day} == {date(2024, 10, 27): 8}


def test_records_exactly_the_tolerance_apart_are_one_communication(bench: Workbench) -> None:
    a, b, a_nsn, b_nsn = two_subjects(bench)
    a_rows = [
        ["2024-06-01T12:00:00Z", "sms", "out", f"0{a_nsn}", f"0{b_nsn}", "", "", "", ""],
        ["2024-06-01T13:00:00Z", "sms", "out", f"0{a_nsn}", f"0{b_nsn}", "", "", "", ""],
    ]
    b_rows = [
        ["2024-06-01T12:01:00Z", "sms", "in", f"0{b_nsn}", f"0{a_nsn}", "", "", "", ""],
        ["2024-06-01T13:01:00.000001Z", "sms", "in", f"0{b_nsn}", f"0{a_nsn}", "", "", "", ""],
    ]
    bench.load([cdr(bench, a_rows)], a)
    bench.load([cdr(bench, b_rows)], b)
    result = contacts(bench.store, a, b)  # the default tolerance: 60 s, inclusive
    assert result.totals["sms_a_to_b"] == 3
    assert result.merged == 1
    assert contacts(bench.store, a, b, tolerance_s=61.0).totals["sms_a_to_b"] == 2


def test_one_source_never_merges_its_own_records(bench: Workbench) -> None:
    a, b, a_nsn, b_nsn = two_subjects(bench)
    row = ["2024-06-01T12:00:00Z", "voice", "out", f"0{a_nsn}", f"0{b_nsn}", "30", "", "", ""]
    bench.load([cdr(bench, [row, row, row])], a)
    result = contacts(bench.store, a, b)
    assert result.totals["voice_a_to_b"] == 3
    assert result.answered_voice == {"a_to_b": 3, "b_to_a": 0}


def test_only_communications_between_a_and_b_count(bench: Workbench) -> None:
    a_nsn, a2_nsn, b_nsn, c_nsn = fresh_nsn(), fresh_nsn(), fresh_nsn(), fresh_nsn()
    a = bench.subject("a", [f"0{a_nsn}", f"0{a2_nsn}"])
    b = bench.subject("b", [f"0{b_nsn}"])
    t = "2024-06-01T12:00:00Z"
    rows = [
        [t, "voice", "out", f"0{a_nsn}", f"0{c_nsn}", "5", "", "", ""],  # A to a third party
        [t, "sms", "out", f"0{a_nsn}", f"0{a2_nsn}", "", "", "", ""],  # A's own two phones
        [t, "sms", "in", f"0{a_nsn}", f"0{b_nsn}", "", "", "", ""],  # B to A: counts
        [t, "data", "out", f"0{a_nsn}", "", "", "", "", ""],  # a data session, no other party
    ]
    bench.load([cdr(bench, rows)], a)
    # A's second phone, from its own operator: B to a2 counts too.
    bench.load([cdr(bench, [[t, "mms", "in", f"0{a2_nsn}", f"0{b_nsn}", "", "", "", ""]])], a)
    result = contacts(bench.store, a, b)
    assert +Counter(result.totals) == Counter({"sms_b_to_a": 1, "mms_b_to_a": 1})


def test_reference_matching_rule_self_check() -> None:
    """The reference's merge on cases worked out by hand from the rule's words."""

    def count(records: list[tuple[int, int]]) -> int:
        comms = [
            Comm(t * SECOND, "sms", "+1", "+2", source, row)
            for row, (t, source) in enumerate(records)
        ]
        return len(reference.merge(comms, 60.0))

    assert count([(0, 1), (2, 2)]) == 1  # two sources, 2 s apart
    assert count([(0, 1), (0, 1)]) == 2  # one source lists two
    assert count([(0, 1), (0, 1), (1, 2), (1, 2)]) == 2  # a burst of two seen twice
    assert count([(0, 1), (61, 2)]) == 2  # beyond the tolerance
    assert count([(0, 1), (60, 2)]) == 1  # at the tolerance: inclusive
    assert count([(0, 1), (50, 2), (100, 3)]) == 2  # the third is 100 s after the group's start
