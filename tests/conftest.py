"""Test-wide settings.

Under CI (``CI`` set) hypothesis draws the same examples on every run, so a submission's result
does not depend on luck; on a developer's machine it keeps exploring new inputs each run.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
