"""Search as a viewer sees it: their tier only, every shown hit re-checked against the policy
and the database, snippets highlighted from database text (tiers hold no text)."""

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..messages import redaction_marker
from ..models import Testimony, Version
from ..policy import Tier, readable_text_revision, tier_of, version_visible_in, visible_text
from ..text.markdown import render_plain
from . import browsing, engine
from .drain import pending_jobs
from .highlight import highlight
from .hooks import store
from .query import parse_user_query, query_terms_for_highlight


@dataclass
class SearchRequest:
    q: str = ""
    language: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"


@dataclass
class ResultItem:
    id: str
    title: str
    language: str
    snippet: Markup
    other_languages: list[str]
    identity_groups: list[str]
    discrimination_types: list[str]
    recorded_on: date | None


@dataclass
class SearchPage:
    request: SearchRequest
    total: int
    results: list[ResultItem]
    facets: dict[str, dict[str, int]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


def search(user: Any, request: SearchRequest) -> SearchPage:
    """Run a search with `user`'s visibility. Raises QueryError for an unusable query."""
    tier = tier_of(user)
    limits = {
        "max_chars": current_app.config["SEARCH_MAX_CHARS"],
        "max_terms": current_app.config["SEARCH_MAX_TERMS"],
    }
    query = parse_user_query(request.q, **limits) if request.q.strip() else None
    filters = dict(request.filters)
    if request.language:
        filters["language"] = [request.language]
    try:
        searcher = engine.searcher_for(store(), tier)
    except FileNotFoundError:
        return SearchPage(request, 0, [], {})
    start = (request.page - 1) * request.per_page
    window = (start, start + request.per_page)
    hidden = _hidden()
    if query is None:  # browsing by filters: the same answer until the tier changes
        outcome = browsing.run(
            searcher, filters=filters, hidden=hidden, sort=request.sort, window=window
        )
    else:
        outcome = engine.run(
            searcher, query, filters=filters, hidden=hidden, sort=request.sort, window=window
        )
    shown = outcome.hits
    terms = query_terms_for_highlight(request.q, **limits) if request.q.strip() else []
    results = _recheck(tier, shown, terms)
    return SearchPage(request, outcome.total, results, outcome.facets)


@functools.lru_cache(maxsize=256)
def plain_text(markdown_text: str) -> str:
    """Return render_plain(markdown_text), remembered for the last texts shown in results.

    Rendering Markdown costs about a millisecond and a half per story and a results page
    shows ten; popular stories come back in many searches. Only text that passed the policy
    check above reaches it; the purge empties it after a withdrawal (`plain_text.cache_clear`).
    """
    return render_plain(markdown_text)


def _hidden() -> set[str]:
    """Public ids of testimonies with index jobs not yet applied: until the tiers catch up,
    they are left out of hits, totals and facets (a stale index may hide, never reveal)."""
    jobs = pending_jobs(db.session, store(), limit=10_000)
    if not jobs:
        return set()
    ids = {tid for _seq, tid, _op in jobs}
    return set(db.session.scalars(select(Testimony.public_id).where(Testimony.id.in_(ids))))


def _recheck(tier: Tier, hits: list[engine.Hit], terms: list[str]) -> list[ResultItem]:
    if not hits:
        return []
    query = (
        select(Testimony)
        .where(Testimony.public_id.in_([h.testimony for h in hits]))
        .options(
            selectinload(Testimony.versions).selectinload(Version.revisions),
            selectinload(Testimony.terms),
            selectinload(Testimony.consent),
        )
    )
    found = {t.public_id: t for t in db.session.scalars(query)}
    items = []
    for hit in hits:
        t = found.get(hit.testimony)
        if t is None:
            continue
        readable = [v for v in t.versions if version_visible_in(tier, t, v)]
        matched = next((v for v in readable if v.language == hit.language), None)
        revision = readable_text_revision(tier, matched) if matched else None
        if matched is None or revision is None:
            continue  # the index was behind the database: never show it
        marker = redaction_marker()
        text = plain_text(visible_text(tier, revision.body, marker))
        items.append(
            ResultItem(
                id=t.public_id,
                title=visible_text(tier, revision.title, marker),
                language=matched.language,
                snippet=highlight(text, terms, max_chars=current_app.config["SNIPPET_CHARS"]),
                other_languages=[v.language for v in readable if v is not matched],
                identity_groups=[term.slug for term in t.terms_of("identity_group")],
                discrimination_types=[term.slug for term in t.terms_of("discrimination_type")],
                recorded_on=t.recorded_on,
            )
        )
    return items
