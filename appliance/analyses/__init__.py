"""Analyses: documented SQL over the case store, returning plain data (never widgets)."""
