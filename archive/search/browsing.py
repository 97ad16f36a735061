"""Browsing without words, remembered per tier generation.

A browse (no query words, only filters) walks every document of the tier to count facets:
the costliest search there is (a few hundred milliseconds on a large staff tier), and the
most repeated one (the search page before anyone types). Its answer depends only on the
tier's contents, the filters and the page, so it is kept with the searcher that computed it:
a searcher reads one generation of the tier, and searcher_for replaces it (and so this
memory) as soon as the tier changes. Nothing hidden by pending jobs is ever cached (those
answers depend on the outbox, not the tier), and each tier has its own searchers.
"""

import threading
import weakref
from collections import OrderedDict

from whoosh.searching import Searcher

from . import engine

_PER_SEARCHER = 64
_memory: "weakref.WeakKeyDictionary[Searcher, OrderedDict[tuple, engine.Outcome]]" = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def run(
    searcher: Searcher,
    *,
    filters: dict[str, list[str]],
    hidden: set[str],
    sort: str,
    window: tuple[int, int] | None,
) -> engine.Outcome:
    """engine.run(searcher, None, ...), remembered when nothing is hidden. The Outcome
    returned may be shared: callers must not change it."""
    if hidden:
        return engine.run(searcher, None, filters=filters, hidden=hidden, sort=sort, window=window)
    key = (tuple(sorted((k, tuple(sorted(v))) for k, v in filters.items() if v)), sort, window)
    with _lock:
        known = _memory.setdefault(searcher, OrderedDict())
        if key in known:
            known.move_to_end(key)
            return known[key]
    outcome = engine.run(searcher, None, filters=filters, hidden=hidden, sort=sort, window=window)
    with _lock:
        known[key] = outcome
        while len(known) > _PER_SEARCHER:
            known.popitem(last=False)
    return outcome
