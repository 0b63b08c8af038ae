"""The printed evidential report: cover, method statement, summary, storyboard, appendices.

Public API (the terminal UI and the disclosure bundle call these):
``ReportOptions``, ``build_report``, ``write_report`` (returns ``ReportSummary``) and
``print_pdf`` (returns ``PrintJob``).
"""

from __future__ import annotations

from appliance.report.build import ReportSummary, build_report, write_report
from appliance.report.options import ReportOptions, ZoneSpec
from appliance.report.printing import PrintJob, print_pdf

__all__ = [
    "PrintJob",
    "ReportOptions",
    "ReportSummary",
    "ZoneSpec",
    "build_report",
    "print_pdf",
    "write_report",
]
