"""Facet counts prepared for the search page: labelled, sorted, each a link that toggles its
filter (the counts themselves come from the caller's tier only)."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import VocabularyTerm
from ..presenters import Label, language_label, term_label

FACET_TITLES = {
    "identity_group": _l("Identity groups"),
    "discrimination_type": _l("Types of discrimination"),
    "setting": _l("Where it happened"),
    "need": _l("Needs and requests"),
    "language": _l("Languages"),
    "province": _l("Province"),
    "year": _l("Year recorded"),
}


@dataclass
class FacetValue:
    value: str
    label: Label
    count: int
    selected: bool
    url: str


@dataclass
class Facet:
    name: str
    title: Any
    values: list[FacetValue]


def _labels(name: str, values: list[str]) -> dict[str, Label]:
    if name == "language":
        return {v: language_label(v) for v in values}
    if name in ("province", "year"):
        return {v: Label(v) for v in values}
    terms = db.session.scalars(
        select(VocabularyTerm).where(VocabularyTerm.kind == name, VocabularyTerm.slug.in_(values))
    )
    return {term.slug: term_label(term) for term in terms}


def _toggle_url(args: Any, name: str, value: str) -> str:
    pairs = [(k, v) for k, v in args.items(multi=True) if k != "page"]
    if (name, value) in pairs:
        pairs.remove((name, value))
    elif name == "language":
        pairs = [(k, v) for k, v in pairs if k != "language"] + [(name, value)]
    else:
        pairs.append((name, value))
    return "/search?" + urlencode(pairs)


def facet_view(counts: dict[str, dict[str, int]], args: Any) -> list[Facet]:
    """Return the facets to show, in a fixed order, values by count (then label)."""
    facets = []
    for name, title in FACET_TITLES.items():
        values = counts.get(name) or {}
        if not values:
            continue
        labels = _labels(name, list(values))
        chosen = set(args.getlist(name))
        items = [
            FacetValue(v, labels.get(v, Label(v)), n, v in chosen, _toggle_url(args, name, v))
            for v, n in values.items()
            if n > 0
        ]
        items.sort(key=lambda item: (-item.count, item.label.text))
        facets.append(Facet(name, title, items))
    return facets
