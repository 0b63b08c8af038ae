"""The per-day chart: contacts each local day, A to B and B to A stacked, drawn as vectors."""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm

from appliance.analyses.contacts import COUNTED_KINDS, Contacts
from appliance.report.fonts import SANS, printable
from appliance.report.styles import COLOUR_A, COLOUR_B, WIDTH


def per_day_chart(result: Contacts, height: float = 62 * mm) -> Drawing:
    days = [day for day, _ in result.per_day]
    a_to_b = [sum(c[f"{k}_a_to_b"] for k in COUNTED_KINDS) for _, c in result.per_day]
    b_to_a = [sum(c[f"{k}_b_to_a"] for k in COUNTED_KINDS) for _, c in result.per_day]
    drawing = Drawing(WIDTH, height)
    chart = VerticalBarChart()
    # The stubs type these as int; reportlab takes points as any number. Whole points suffice.
    chart.x, chart.y = round(12 * mm), round(14 * mm)
    chart.width, chart.height = round(WIDTH - 16 * mm), round(height - 24 * mm)
    chart.data = [a_to_b, b_to_a]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = [f"{d:%a} {d.day}/{d.month}" for d in days]
    chart.categoryAxis.labels.angle = 90
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dy = -2
    chart.categoryAxis.labels.fontName = SANS
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = SANS
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeWidth = 0.25
    chart.bars[0].fillColor = COLOUR_A
    chart.bars[1].fillColor = COLOUR_B
    chart.bars.strokeWidth = 0
    chart.barSpacing = 1
    chart.groupSpacing = 2
    # A chart is read from its labels as well as its bars: the categories must fit.
    chart.categoryAxis.labels.fontSize = 6 if len(days) <= 40 else 4
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = round(14 * mm), round(height - 3 * mm)
    legend.fontName = SANS
    legend.fontSize = 7.5
    legend.columnMaximum = 1
    legend.deltax = round(55 * mm)
    legend.alignment = "right"
    legend.colorNamePairs = [
        (COLOUR_A, printable(f"{result.a} to {result.b}")),
        (COLOUR_B, printable(f"{result.b} to {result.a}")),
    ]
    drawing.add(legend)
    return drawing
