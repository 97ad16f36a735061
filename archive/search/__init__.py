"""Search: the only code that imports whoosh (text analysis, tier indexes, outbox, query)."""
