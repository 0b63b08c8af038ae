"""The command line: a thin layer over the library (DESIGN §7 is its contract)."""
