"""The PDF's figures equal the command line's JSON to the digit.

Each test rebuilds the line the report must contain from ``colocate --json``, ``contacts
--json`` or ``breach --json`` with its own formatting (local times from the JSON's UTC, the
JSON's own rounding) and looks for it in the text ``pdftotext`` extracts from the PDF.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .conftest import REF, DemoCase

LONDON = ZoneInfo("Europe/London")


def local(stamp: str, fmt: str = "%Y-%m-%d %H:%M:%S %Z") -> str:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(LONDON).strftime(fmt)


def figure(value: float) -> str:
    return f"{value:,.1f}"


def full(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@pytest.fixture(scope="module")
def colocation(demo_case: DemoCase) -> Any:
    return demo_case.json("colocate", "--case", REF, "--a", "suspect", "--b", "victim")


@pytest.fixture(scope="module")
def contacts(demo_case: DemoCase) -> Any:
    return demo_case.json("contacts", "--case", REF, "--a", "suspect", "--b", "victim")


@pytest.fixture(scope="module")
def zone(demo_case: DemoCase) -> Any:
    return demo_case.json("zone", "list", REF)[0]


@pytest.fixture(scope="module")
def visits(demo_case: DemoCase, zone: Any) -> Any:
    return demo_case.json(
        "breach",
        "--case",
        REF,
        "--subject",
        zone["subject"],
        "--zone",
        f"{zone['lat']},{zone['lon']}",
        "--radius",
        f"{zone['radius_m']}m",
    )


def test_calls_by_direction_equal_contacts_json(demo_lines: set[str], contacts: Any) -> None:
    t = contacts["totals"]
    ab, ba = t["voice_a_to_b"], t["voice_b_to_a"]
    assert f"Calls (voice) {ab:,} {ba:,} {ab + ba:,}" in demo_lines


def test_answered_calls_equal_contacts_json(demo_lines: set[str], contacts: Any) -> None:
    ab, ba = contacts["voice_answered"]["a_to_b"], contacts["voice_answered"]["b_to_a"]
    assert f"of which answered {ab:,} {ba:,} {ab + ba:,}" in demo_lines


def test_texts_by_direction_equal_contacts_json(demo_lines: set[str], contacts: Any) -> None:
    t = contacts["totals"]
    ab, ba = t["sms_a_to_b"], t["sms_b_to_a"]
    assert f"Texts (SMS) {ab:,} {ba:,} {ab + ba:,}" in demo_lines


def test_total_contacts_equal_contacts_json(demo_lines: set[str], contacts: Any) -> None:
    t = contacts["totals"]
    ab = sum(v for k, v in t.items() if k.endswith("_a_to_b"))
    ba = sum(v for k, v in t.items() if k.endswith("_b_to_a"))
    assert f"All contacts {ab:,} {ba:,} {t['total']:,}" in demo_lines


def test_every_day_equals_contacts_json(demo_lines: set[str], contacts: Any) -> None:
    missing = []
    for day in contacts["per_day"]:
        weekday = datetime.fromisoformat(day["date"]).strftime("%a")
        counts = " ".join(
            f"{day[f'{kind}_{d}']:,}" for kind in ("voice", "sms") for d in ("a_to_b", "b_to_a")
        )
        line = f"{day['date']} {weekday} {counts} {day['total']:,}"
        if line not in demo_lines:
            missing.append(line)
    assert missing == []


def test_busiest_day_equals_contacts_json(demo_text: str, contacts: Any) -> None:
    busiest = contacts["busiest_day"]
    assert f"({busiest['date']}) with {busiest['total']:,} contacts" in demo_text


def test_first_and_last_contact_equal_contacts_json(demo_lines: set[str], contacts: Any) -> None:
    expected = f"First contact {local(contacts['first'])}; last contact {local(contacts['last'])}."
    assert expected in demo_lines


def test_every_occasion_equals_colocate_json(demo_lines: set[str], colocation: Any) -> None:
    missing = []
    for o in colocation["occasions"]:
        line = (
            f"{o['occasion']} {local(o['start'], '%a %Y-%m-%d %H:%M:%S %Z')} "
            f"{local(o['end'], '%H:%M:%S %Z')} {o['events']:,} {figure(o['min_distance_m'])} "
            f"{o['grade']}"
        )
        if line not in demo_lines:
            missing.append(line)
    assert colocation["occasions"] and missing == []


def test_occasion_and_event_counts_equal_colocate_json(demo_text: str, colocation: Any) -> None:
    occasions, events = len(colocation["occasions"]), len(colocation["events"])
    assert f"{occasions} occasions from {events:,} events" in " ".join(demo_text.split())


def test_every_event_is_in_appendix_a_as_in_colocate_json(
    demo_lines: set[str], colocation: Any
) -> None:
    missing = []
    for n, e in enumerate(colocation["events"], 1):
        line = (
            f"{n} {e['occasion']} {local(e['a_time'])} {local(e['b_time'], '%H:%M:%S %Z')} "
            f"{figure(e['distance_m'])} {full(e['a_lat'])}, {full(e['a_lon'])} "
            f"{full(e['a_radius_m'])} {full(e['b_lat'])}, {full(e['b_lon'])} "
            f"{full(e['b_radius_m'])} {e['grade']} {e['a_source']}:{e['a_row']} "
            f"{e['b_source']}:{e['b_row']}"
        )
        if line not in demo_lines:
            missing.append(line)
    assert colocation["events"] and missing[:3] == []


def test_every_visit_equals_breach_json(demo_lines: set[str], visits: Any) -> None:
    missing = []
    for v in visits["visits"]:
        line = (
            f"{v['visit']} {local(v['entry'])} {local(v['exit'], '%H:%M:%S %Z')} "
            f"{len(v['observations']):,} {figure(v['closest_m'])} {v['grade']}"
        )
        if line not in demo_lines:
            missing.append(line)
    assert visits["visits"] and missing == []


def test_every_zone_position_is_in_appendix_b(demo_lines: set[str], visits: Any) -> None:
    missing = []
    n = 0
    for v in visits["visits"]:
        for s in v["observations"]:
            n += 1
            radius = f"±{full(s['radius_m'])} m" if s["radius_m"] is not None else "-"
            line = (
                f"{n} {v['visit']} {local(s['time'])} {figure(s['distance_m'])} "
                f"{full(s['lat'])}, {full(s['lon'])} {radius} {s['method']} {s['grade']} "
                f"{s['source']}:{s['row']}"
            )
            if line not in demo_lines:
                missing.append(line)
    assert n and missing[:3] == []


def test_cover_names_every_exhibit_hash(demo_text: str, demo_case: DemoCase) -> None:
    custody = demo_case.json("custody", "--case", REF)
    acquired = {e["sha256"] for e in custody["entries"] if e["action"] == "acquired"}
    assert acquired and [h for h in sorted(acquired) if h not in demo_text] == []


def test_cover_names_the_custody_head(demo_text: str, demo_case: DemoCase) -> None:
    head = demo_case.json("custody", "--case", REF)["custody_head"]
    assert f"head {head}" in demo_text
