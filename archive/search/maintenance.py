"""Index maintenance: the slow work a change leaves behind, done one bounded step at a time.

- A purge (a testimony became less visible) takes the testimony out of every tier's search at
  once, in the drain; the segments that still hold its terms in their files are recorded in
  the tier's state and rewritten here, one segment per step (a segment holds at most
  INDEX_SEGMENT_DOCS documents, so a step's cost does not grow with the tier).
- Merges larger than a request should wait for (segments.tiered's `max_merge`).

The CLI and tests run the steps inline (drain(maintain=True)); the web app runs them in a
background thread after the response (hooks.start_maintenance), so a request never waits for
a rewrite. Each step is a Whoosh commit: a crash between steps loses nothing, the state still
names what is left.
"""

from ..policy import Tier
from . import segments
from .tiers import TierStore


def step(store: TierStore) -> bool:
    """Do one step (the caller holds the writer lock); return False when nothing is left."""
    for tier in Tier:
        if not store.is_current(tier):
            continue
        state = store.state(tier)
        if state.rewrite:
            segment_id = sorted(state.rewrite)[0]
            segments.rewrite(store.open(tier), {segment_id})  # 0 if merged away meanwhile
            state.rewrite.discard(segment_id)
            store.save_state(tier, state)
            return True
    for tier in Tier:
        if not store.is_current(tier):
            continue
        ix = store.open(tier)
        chosen = segments.plan(ix._segments(), store.segment_docs, 0)
        if chosen:
            segments.rewrite(ix, {s.segment_id() for s in chosen})
            return True
    return False


def pending(store: TierStore) -> bool:
    """Return whether a maintenance step is waiting (cheap: state files and segment lists)."""
    for tier in Tier:
        if not store.is_current(tier):
            continue
        if store.state(tier).rewrite:
            return True
        if segments.plan(store.open(tier)._segments(), store.segment_docs, 0):
            return True
    return False
