"""Comparing two subjects needs two subjects."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.analyses.colocate import Parameters, colocate
from appliance.analyses.contacts import contacts
from appliance.errors import UsageError
from appliance.store.case import CaseStore
from appliance.store.home import Home


def test_a_subject_cannot_be_compared_with_itself(tmp_path: Path) -> None:
    with CaseStore.create(Home(tmp_path), "SELF", "Europe/London", "pw") as store:
        store.add_subject("suspect", "suspect")
        with pytest.raises(UsageError, match="two different subjects"):
            colocate(store, "suspect", "suspect", Parameters())
        with pytest.raises(UsageError, match="two different subjects"):
            contacts(store, "suspect", "suspect")
