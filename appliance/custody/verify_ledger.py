#!/usr/bin/env python3
"""Check a chain-of-custody ledger exported by the appliance. Standard library only.

A third party runs this on the exported ledger (``custody.jsonl``) or on the case's own
``custody.sqlite``, with any Python 3.8 or later, without installing the appliance:

    python3 verify_ledger.py custody.jsonl [--head HASH]

Each entry carries the SHA-256 of the previous entry. An entry's hash is the SHA-256 of its
fields (every field but ``entry_hash``) written as JSON with sorted keys, no spaces, and UTF-8
text. The first entry's previous hash is 64 zeros. The check recomputes every hash, follows every
link, and requires sequence numbers 1, 2, 3, ... with no gap. Give ``--head`` the head hash
printed on a report to prove the ledger was not cut short or rewritten after that report.

Exit status: 0 when the chain verifies, 1 with one line per problem otherwise.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections.abc import Iterable
from typing import Any

Entry = dict[str, Any]
Problem = tuple[int | None, str, str]
GENESIS = "0" * 64


def entry_hash(fields: Entry) -> str:
    """The hash of one entry: SHA-256 of its canonical JSON without ``entry_hash``."""
    body = {key: value for key, value in fields.items() if key != "entry_hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_chain(entries: Iterable[Entry]) -> tuple[list[Problem], str]:
    """Problems found in the chain, as (sequence number, exhibit, description) tuples."""
    problems: list[Problem] = []
    previous = GENESIS
    expected_seq = 1
    for fields in entries:
        seq = fields.get("seq")
        exhibit = fields.get("exhibit") or ""
        if seq != expected_seq:
            problems.append((seq, exhibit, f"sequence number {seq}, expected {expected_seq}"))
        if fields.get("prev_hash") != previous:
            problems.append((seq, exhibit, "does not link to the entry before it"))
        recomputed = entry_hash(fields)
        if fields.get("entry_hash") != recomputed:
            problems.append((seq, exhibit, "its contents do not match its hash (altered)"))
        previous = str(fields.get("entry_hash"))
        expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
    return problems, previous


def read_entries(path: str) -> list[Entry]:
    """Entries from an exported JSON Lines file or from the ledger database itself."""
    with open(path, "rb") as handle:
        is_sqlite = handle.read(16) == b"SQLite format 3\x00"
    if is_sqlite:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in connection.execute("SELECT * FROM entries ORDER BY seq")]
        finally:
            connection.close()
    entries: list[Entry] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    entries.append({"seq": None, "entry_hash": None, "line": number})
    return entries


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--head"):
        print("usage: verify_ledger.py LEDGER [--head HASH]", file=sys.stderr)
        return 2
    try:
        entries = read_entries(argv[1])
    except (OSError, sqlite3.Error, UnicodeDecodeError) as exc:
        print(f"cannot read {argv[1]}: {exc}", file=sys.stderr)
        return 2
    problems, head = check_chain(entries)
    if not entries:
        problems.append((None, "", "the ledger is empty"))
    if len(argv) == 4 and head != argv[3]:
        problems.append((None, "", f"the head is {head}, not the expected {argv[3]}"))
    for seq, exhibit, description in problems:
        where = f"entry {seq}" + (f" (exhibit {exhibit})" if exhibit else "")
        print(f"FAIL {where}: {description}")
    if problems:
        return 1
    print(f"OK {len(entries)} entries; head {head}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
