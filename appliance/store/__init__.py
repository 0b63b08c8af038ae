"""The case store: the only layer that opens DuckDB."""
