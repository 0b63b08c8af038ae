"""The evidence store: every acquired file sealed to its case with AES-256-GCM, in chunks."""
