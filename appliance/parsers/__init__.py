"""Parsers: one module per format family, each registering itself on its last line."""
