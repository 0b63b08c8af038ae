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


CALL_WITH_SOURCE = f"""<?xml version="1.0" encoding="utf-8"?>
<project id="p" xmlns="{NS}"><decodedData>
<modelType type="Call">
 <model type="Call" id="call-1" deleted_state="Intact" decoding_confidence="High">
  <field name="Type" type="String"><value type="String">Outgoing</value></field>
  <field name="TimeStamp" type="TimeStamp">
   <value type="TimeStamp">2024-04-01T10:00:00.000+00:00</value></field>
  <multiModelField name="Parties">
   <model type="Party" id="p1"><field name="Identifier" type="String">
    <value type="String">07700 900123</value></field>
    <field name="Role" type="PartyRole"><value type="PartyRole">From</value></field>
    <field name="IsPhoneOwner" type="Boolean"><value type="Boolean">True</value></field></model>
   <model type="Party" id="p2"><field name="Identifier" type="String">
    <value type="String">07700 900456</value></field>
    <field name="Role" type="PartyRole"><value type="PartyRole">To</value></field></model>
  </multiModelField>
 </model>
</modelType>
</decodedData>
<extraInfos><extraInfo type="model" id="call-1"><sourceInfo><nodeInfos>
 <nodeInfo name="calllog.db" path="Root/data/com.android.providers.contacts/calllog.db"
  size="4096" offset="1024" />
</nodeInfos></sourceInfo></extraInfo></extraInfos>
</project>
"""


def test_a_row_traces_to_the_device_file_it_was_decoded_from(tmp_path: Path) -> None:
    (tmp_path / "report.xml").write_text(CALL_WITH_SOURCE)
    with CaseStore.create(Home(tmp_path / "home"), "SRC", "Europe/London", "pw") as store:
        report = Loader(store).intake([tmp_path / "report.xml"])
        traced = store.rows(
            "SELECT c.row, c.item_ref, f.path, f.byte_offset, f.size FROM communications c "
            "JOIN source_files f ON f.source_id = c.source_id AND f.item_ref = c.item_ref"
        )
    [source] = report.sources
    assert (source.loaded, source.source_files) == (1, 1)
    assert traced == [
        (1, "call-1", "Root/data/com.android.providers.contacts/calllog.db", 1024, 4096)
    ]
