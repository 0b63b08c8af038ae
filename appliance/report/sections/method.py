"""The method statement, in plain words: the exact definitions, what each kind of position can
and cannot show, and what the grades mean, with how many of this case's events have each.

A map or a count made by a technician is read in court as if it were exact. This section is
what stops that: it states the rule that made every figure and the limits of the positions
behind it, on the page, where the reader cannot miss it.
"""

from __future__ import annotations

from collections import Counter

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from appliance.analyses.grading import GRADES
from appliance.report import fmt
from appliance.report.content import ReportContent
from appliance.report.fonts import para
from appliance.report.styles import H1, H2, SMALL, markup, p, table

POSITIONS = [
    (
        "GPS (satellite)",
        "Where the device was, to within a few metres to a few tens of metres, when it had a "
        "clear view of the sky. It shows the device's position, not who held it.",
        "It can be tens to hundreds of metres out near tall buildings, indoors or in the first "
        "seconds after the device starts; a device's stated accuracy is its own estimate, not a "
        "guarantee. A fix exists only when the device recorded one.",
    ),
    (
        "Wi-Fi",
        "That the device saw known wireless access points, placing it within typically tens of "
        "metres of where those access points are believed to be.",
        "It depends on a database of access-point positions that can be old or wrong (an access "
        "point that moved house); the stated radius is an estimate.",
    ),
    (
        "Cell (mast)",
        "That the phone was served by a particular cell. The position given is the mast's, and "
        "the radius is the cell's stated range: the phone was somewhere in that area, often "
        "kilometres across.",
        "It does not show where in the area the phone was, nor that two phones on the same or "
        "nearby cells were near each other. A phone is not always served by the nearest mast. "
        "Cell-based co-location is consistent with proximity; it is not proof of it.",
    ),
]

GRADE_WORDS = {
    "certain": "even at the far edges of both uncertainty circles the two devices were within "
    "the distance.",
    "probable": "the reported positions are within the distance and the two radii together are "
    "smaller than it, but at the edges of the circles they could have been further apart.",
    "possible": "the reported positions are within the distance, but the radii together are "
    "larger than it (typically cell sites): consistent with proximity, not proof of it.",
    "unknown": "a position came without a stated radius, so how sure cannot be said.",
}


def method(content: ReportContent) -> list[Flowable]:
    params = content.options.params
    within, window, gap = (
        fmt.exact(params.within_m),
        fmt.exact(params.window_s),
        fmt.exact(params.gap_s),
    )
    a, b = content.a.name, content.b.name
    story: list[Flowable] = [
        Paragraph("1. Method and its limits", H1),
        p(
            "This section says exactly how every figure in this report was obtained and what "
            "the positions behind them can and cannot show. All figures are produced by the "
            f"software named on the cover ({content.software}) from the exhibits listed there; "
            "the same figures are given by its command line (colocate --json, contacts --json), "
            "and every event is listed in the appendices with the exhibit and row it came from."
        ),
        Paragraph("Definitions", H2),
        markup(
            f"<b>Co-location event.</b> A pair of one recorded position of {para(a)} (A) "
            f"and one of {para(b)} (B) whose times are at most {window} seconds apart and "
            f"whose positions are at most {within} metres apart, both limits included. "
            "Distance is the shortest distance over the Earth's surface between the two "
            "reported positions, on the WGS84 ellipsoid (the GPS model of the Earth). The "
            "event's time is the earlier of the two times. A position reported twice (same "
            "subject, time and place) counts once."
        ),
        markup(
            f"<b>Occasion.</b> Events in time order; an event more than {gap} seconds after the "
            "previous event starts a new occasion. An occasion is a summary of its events, not a "
            "separate finding: its start and end are its first and last events' times, and its "
            "closest distance is the smallest of its events' distances."
        ),
        markup(
            "<b>Contact.</b> A communication (call, text, picture message, chat message or data "
            f"session) whose caller is an identifier attributed to one of {para(a)} and {para(b)} "
            "and whose callee is an identifier attributed to the other. A communication present "
            "in several sources (both phones' call records) is counted once: records from "
            "different sources with the same kind, caller and callee starting within "
            f"{fmt.exact(content.options.match_within_s)} seconds are one communication. Records "
            "from one source are never merged (a source that lists two calls lists two calls). "
            "Unanswered call attempts are counted as calls."
        ),
        markup(
            "<b>Exclusion-zone visit.</b> A run of a subject's positions inside a circle (the "
            "place and distance an order names), in time order, ended by a position outside or "
            "by more than 30 minutes between positions inside. Entry and exit are the first and "
            "last positions inside; the last sighting outside before and the first after bound "
            "when the subject could have arrived and left."
        ),
        markup(
            "<b>Times and days.</b> Times are recorded in UTC and shown in "
            f"{para(content.timezone)} with the abbreviation in force (GMT or BST), so "
            "times either side of a clock change read correctly. Per-day figures use local "
            "calendar days. A local time that did not exist or happened twice at a clock "
            "change is flagged on its record."
        ),
        Paragraph("What positions can and cannot show", H2),
        table(
            ["Kind of position", "What it can show", "What it cannot show"],
            [(k, p(can, SMALL), p(cannot, SMALL)) for k, can, cannot in POSITIONS],
            [29 * mm, 73 * mm, 76 * mm],
        ),
        p(
            "Every position is a circle, not a point: the reported centre and a radius the "
            "device or the cell list stated. The maps in this report draw those circles; a "
            "marker on a map is a reported position, never a proven one. All findings are about "
            "devices; that a person carried a device is a separate question of evidence.",
            SMALL,
        ),
        Paragraph("Grades: how sure each proximity is", H2),
    ]
    counts = Counter(e.grade for e in content.colocation.events)
    methods = Counter(f"{e.a_method} / {e.b_method}" for e in content.colocation.events)
    story.append(
        table(
            ["Grade", "Meaning", "Events here"],
            [(g, p(GRADE_WORDS[g], SMALL), fmt.count(counts.get(g, 0))) for g in GRADES],
            [20 * mm, 136 * mm, 22 * mm],
            right=(2,),
        )
    )
    if methods:
        story.append(
            p(
                "Kinds of position behind the events (A / B): "
                + "; ".join(f"{k}: {fmt.count(v)}" for k, v in sorted(methods.items()))
                + ". Each event's grade, radii and sources are listed in Appendix A.",
                SMALL,
            )
        )
    return story
