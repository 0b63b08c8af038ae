"""Offline maps: tiles from local MBTiles packs, and maps of occasions and exclusion-zone visits.

A view layer: it draws the analyses' plain results and never runs SQL.
"""
