"""The terminal UI: a keyboard-driven view over the analyses (``appliance tui``).

It never runs SQL itself: every figure comes from ``appliance.analyses``, called in a thread
worker, and every string from evidence is shown through ``text.cell`` (escaped, never markup).
"""
