"""Names that sources give identifiers reach the case, traceable, and are not rows."""

from __future__ import annotations

from pathlib import Path

from appliance.store.case import CaseStore
from appliance.store.home import Home
from appliance.store.loader import Loader

NS = "http://pa.cellebrite.com/report/2.0"
REPORT = f"""<?xml version="1.0" encoding="utf-8"?>
<project id="p" xmlns="{NS}"><decodedData>
<modelType type="Contact">
 <model type="Contact" id="c1" deleted_state="Deleted" decoding_confidence="High">
  <field name="Name" type="String"><value type="String">Alice</value></field>
  <multiModelField name="Entries" type="ContactEntry">
   <model type="PhoneNumber" id="e1" deleted_state="Intact" decoding_confidence="High">
    <field name="Value" type="String"><value type="String">07700 900123</value></field>
   </model>
  </multiModelField>
 </model>
</modelType>
</decodedData></project>
"""


def test_a_contact_is_stored_with_its_source_and_not_counted_as_a_row(tmp_path: Path) -> None:
    (tmp_path / "report.xml").write_text(REPORT)
    with CaseStore.create(Home(tmp_path / "home"), "DIR", "Europe/London", "pw") as store:
        report = Loader(store).intake([tmp_path / "report.xml"])
        entries = store.rows(
            "SELECT d.kind, d.identifier, d.name, d.deleted, e.ref FROM directory d "
            "JOIN sources s ON s.id = d.source_id JOIN exhibits e ON e.id = s.exhibit_id"
        )
    [source] = report.sources
    assert (source.rows_read, source.loaded, source.directory) == (0, 0, 1)
    assert entries == [("contact", "+447700900123", "Alice", True, source.exhibit)]
