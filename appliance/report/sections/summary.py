"""The summary an officer presents: contacts by direction, per day, the busiest day, the
co-location occasions and the exclusion-zone visits, each figure as the command line gives it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Paragraph, Table, TableStyle

from appliance.analyses.contacts import COUNTED_KINDS, Contacts
from appliance.report import fmt
from appliance.report.content import ReportContent, ZoneResult
from appliance.report.fonts import para
from appliance.report.sections.chart import per_day_chart
from appliance.report.styles import (
    BODY,
    FIGURE,
    FIGURE_LABEL,
    H1,
    H2,
    RULE,
    SMALL,
    WIDTH,
    p,
    table,
)

KIND_WORDS = {
    "voice": "Calls (voice)",
    "sms": "Texts (SMS)",
    "mms": "Picture messages (MMS)",
    "chat": "Chat messages",
    "data": "Data sessions",
}


def shown_kinds(result: Contacts) -> list[str]:
    """Calls and texts always; other kinds only where there are some."""
    return [
        k
        for k in COUNTED_KINDS
        if k in ("voice", "sms") or result.totals[f"{k}_a_to_b"] or result.totals[f"{k}_b_to_a"]
    ]


def _headline(content: ReportContent) -> Table:
    c, co = content.contacts, content.colocation
    visits = sum(len(z.breaches.visits) for z in content.zones)
    figures = [
        (fmt.count(sum(c.totals.values())), "contacts between them, counted once"),
        (fmt.count(c.totals["voice_a_to_b"]), f"calls {content.a.name} to {content.b.name}"),
        (fmt.count(c.totals["sms_a_to_b"]), f"texts {content.a.name} to {content.b.name}"),
        (
            fmt.count(len(co.occasions)),
            f"co-location occasions ({fmt.count(len(co.events))} events)",
        ),
        (
            fmt.count(visits) if content.zones else "-",
            "exclusion-zone visits" if content.zones else "no exclusion zone recorded",
        ),
    ]
    cells = [
        [Paragraph(para(v), FIGURE), Paragraph(para(label), FIGURE_LABEL)] for v, label in figures
    ]
    t = Table([cells], colWidths=[WIDTH / len(figures)] * len(figures))
    t.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, RULE),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return t


def _directions(content: ReportContent) -> list[Flowable]:
    c = content.contacts
    a, b = content.a.name, content.b.name
    rows: list[tuple[str, str, str, str]] = []
    for kind in shown_kinds(c):
        ab, ba = c.totals[f"{kind}_a_to_b"], c.totals[f"{kind}_b_to_a"]
        rows.append((KIND_WORDS[kind], fmt.count(ab), fmt.count(ba), fmt.count(ab + ba)))
        if kind == "voice":
            ans_ab, ans_ba = c.answered_voice["a_to_b"], c.answered_voice["b_to_a"]
            rows.append(
                (
                    "   of which answered",
                    fmt.count(ans_ab),
                    fmt.count(ans_ba),
                    fmt.count(ans_ab + ans_ba),
                )
            )
    ab_total = sum(c.totals[f"{k}_a_to_b"] for k in COUNTED_KINDS)
    ba_total = sum(c.totals[f"{k}_b_to_a"] for k in COUNTED_KINDS)
    rows.append(
        ("All contacts", fmt.count(ab_total), fmt.count(ba_total), fmt.count(ab_total + ba_total))
    )
    tz = ZoneInfo(c.timezone)
    story: list[Flowable] = [
        Paragraph("Calls and texts by direction", H2),
        table(
            ["", f"{a} to {b}", f"{b} to {a}", "Total"],
            rows,
            [60 * mm, 38 * mm, 38 * mm, 30 * mm],
            right=(1, 2, 3),
            extra=[("FONT", (0, len(rows)), (-1, len(rows)), "DejaVuSans-Bold", 8.5)],
        ),
    ]
    notes = []
    if c.first and c.last:
        notes.append(f"First contact {fmt.when(c.first, tz)}; last contact {fmt.when(c.last, tz)}.")
    busiest = c.busiest_day
    if busiest:
        day, counts = busiest
        notes.append(
            f"Busiest day: {day:%A} {day.day} {day:%B %Y} ({day.isoformat()}) with "
            f"{fmt.count(sum(counts.values()))} contacts."
        )
    notes.append(
        f"{fmt.count(c.records)} records were read for these two; {fmt.count(c.merged)} of them "
        f"were the same communication seen in another source (starting within "
        f"{fmt.exact(c.tolerance_s)} s) and are counted once. Unanswered call attempts count as "
        "calls; answered calls (duration above zero) are shown as well."
    )
    story.extend(p(n) for n in notes)
    return story


def _per_day(content: ReportContent) -> list[Flowable]:
    c = content.contacts
    if not c.per_day:
        return [Paragraph("Contacts per day", H2), p("No contacts between them.")]
    kinds = shown_kinds(c)
    header = ["Date", "Day"]
    for kind in kinds:
        word = {"voice": "calls", "sms": "texts"}.get(kind, kind)
        header += [f"{word} A→B", f"{word} B→A"]
    header.append("Total")
    rows = []
    for day, counts in c.per_day:
        row = [day.isoformat(), f"{day:%a}"]
        for kind in kinds:
            row += [fmt.count(counts[f"{kind}_a_to_b"]), fmt.count(counts[f"{kind}_b_to_a"])]
        row.append(fmt.count(sum(counts.values())))
        rows.append(row)
    figure_width = (WIDTH - 34 * mm) / (len(header) - 2)
    return [
        CondPageBreak(80 * mm),
        Paragraph(f"Contacts per day (local days, {para(c.timezone)})", H2),
        per_day_chart(c),
        p(
            f"A is {content.a.name}, B is {content.b.name}. Days with no contact are not listed.",
            SMALL,
        ),
        table(
            header,
            rows,
            [22 * mm, 12 * mm, *[figure_width] * (len(header) - 2)],
            right=tuple(range(2, len(header))),
            font_size=8,
        ),
    ]


def occasions_table(content: ReportContent) -> list[Flowable]:
    co = content.colocation
    tz = ZoneInfo(content.timezone)
    params = co.parameters
    story: list[Flowable] = [
        CondPageBreak(60 * mm),
        Paragraph("Co-location occasions", H2),
        p(
            f"{fmt.count(len(co.occasions))} occasions from {fmt.count(len(co.events))} events: "
            f"times when a position of {content.a.name} and one of {content.b.name} were at most "
            f"{fmt.exact(params.within_m)} m and {fmt.exact(params.window_s)} s apart. Each has "
            "a storyboard page (section 3); the grade is the best of its events' grades and is "
            "explained in section 1."
        ),
    ]
    if co.occasions:
        story.append(
            table(
                ["#", "Date", "Start", "End", "Events", "Closest (m)", "Best grade"],
                [
                    (
                        str(o.number),
                        f"{o.start.astimezone(tz):%a %Y-%m-%d}",
                        fmt.clock(o.start, tz),
                        fmt.clock(o.end, tz),
                        fmt.count(o.events),
                        fmt.metres(o.min_distance_m),
                        o.grade,
                    )
                    for o in co.occasions
                ],
                [10 * mm, 30 * mm, 28 * mm, 28 * mm, 18 * mm, 24 * mm, 25 * mm],
                right=(0, 4, 5),
            )
        )
    return story


def zone_heading(zone: ZoneResult) -> str:
    z = zone.breaches.zone
    return (
        f"{zone.name}: {fmt.exact(z.radius_m)} m around {fmt.exact(z.lat)},{fmt.exact(z.lon)}; "
        f"subject {zone.breaches.subject}" + (f"; {zone.note}" if zone.note else "")
    )


def visits_table(content: ReportContent) -> list[Flowable]:
    tz = ZoneInfo(content.timezone)
    story: list[Flowable] = [CondPageBreak(50 * mm), Paragraph("Exclusion-zone visits", H2)]
    if not content.zones:
        story.append(
            p(
                "No exclusion zone is recorded in this case. Record the place an order names "
                "with `appliance zone add` and make the report again."
            )
        )
        return story
    for zone in content.zones:
        visits = zone.breaches.visits
        story.append(p(f"{zone_heading(zone)}. {len(visits)} visits.", BODY))
        if not visits:
            continue
        story.append(
            table(
                ["#", "Entry", "Exit", "Positions", "Closest (m)", "Grade"],
                [
                    (
                        str(v.number),
                        fmt.when(v.entry, tz),
                        fmt.clock(v.exit, tz),
                        fmt.count(len(v.sightings)),
                        fmt.metres(v.closest.distance_m),
                        v.grade,
                    )
                    for v in visits
                ],
                [10 * mm, 46 * mm, 28 * mm, 20 * mm, 24 * mm, 25 * mm],
                right=(0, 3, 4),
            )
        )
    return story


def summary(content: ReportContent) -> list[Flowable]:
    return [
        PageBreak(),
        Paragraph("2. Summary", H1),
        _headline(content),
        *_directions(content),
        *_per_day(content),
        *occasions_table(content),
        *visits_table(content),
    ]
