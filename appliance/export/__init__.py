"""Exports: the case's findings as files other tools read (CSV, KML, GeoJSON), and the
disclosure bundle for the defence. Everything here writes where the officer says, atomically,
and takes its figures from ``appliance.analyses`` only."""
