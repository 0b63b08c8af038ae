"""The chain of custody: an append-only, hash-chained ledger of every step taken with evidence."""
