"""Aligned redaction: spans marked in a version's Markdown with an id, e.g.
`{-r1:the clinic in Banlung-}`. Staff read the text; everybody else reads a marker.

The same ids must appear in every translation of a source, so a redaction made in the
original is applied in every language.
"""

import re

# {-<id>:<text>-}: the id is a letter followed by letters/digits (r1, r2, place3 ...); the text
# may span lines but not contain "-}".
SPAN = re.compile(r"\{-([A-Za-z][A-Za-z0-9]{0,15}):(.*?)-\}", re.DOTALL)


def redaction_ids(text: str) -> set[str]:
    """Return the ids of the redaction spans in `text`."""
    return {m.group(1) for m in SPAN.finditer(text)}


def hide(text: str, marker: str) -> str:
    """Return `text` with every redacted span replaced by `marker` (for non-staff readers)."""
    return SPAN.sub(lambda _m: marker, text)


def reveal(text: str, template: str = "[{id}: {text}]") -> str:
    """Return `text` with each span shown for staff, e.g. "[r1: the clinic in Banlung]"."""
    return SPAN.sub(lambda m: template.format(id=m.group(1), text=m.group(2)), text)


def strip_markers(text: str) -> str:
    """Return `text` with the redaction syntax removed and the spans' text kept."""
    return SPAN.sub(lambda m: m.group(2), text)


def only_adds_redactions(old: str, new: str) -> bool:
    """Return whether `new` is `old` with redaction markers added and nothing else changed
    (such a change only reduces what readers see, so it may take effect at once)."""
    if strip_markers(new) != strip_markers(old):
        return False
    kept = {m.group(1): m.group(2) for m in SPAN.finditer(new)}
    old_spans = {m.group(1): m.group(2) for m in SPAN.finditer(old)}
    unchanged = all(kept.get(rid) == text for rid, text in old_spans.items())
    return unchanged and set(kept) > set(old_spans)
