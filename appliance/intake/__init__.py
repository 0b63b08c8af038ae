"""Acquisition of evidence files: hashing and exhibits (USB devices come in a later issue)."""
