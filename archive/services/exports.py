"""Exports of exactly what the exporter may read, built from the policy at the moment of
download: CSV (formula cells neutralised) and JSON Lines, streamed, never stored.

A link names the search or list (parameters), the format and the user; it is signed and
valid for EXPORT_LINK_SECONDS (at most 15 minutes), and only for that user.
"""

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..messages import redaction_marker
from ..models import Testimony, Version, utcnow
from ..policy import testimony_filter, tier_of, version_visible_in, visible_text
from ..search import engine
from ..search.hooks import store
from ..search.query import parse_user_query
from ..search.service import SearchRequest, _hidden
from . import audit
from .research import log_read

FORMATS = ("csv", "jsonl")
COLUMNS = (
    "id",
    "url",
    "title",
    "language",
    "text",
    "identity_groups",
    "discrimination_types",
    "settings",
    "needs",
    "province",
    "recorded_on",
)
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


class LinkRefused(Exception):
    """The link is expired, forged or belongs to someone else."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="export-link")


def make_link(user: Any, request: SearchRequest, fmt: str) -> str:
    """Return a signed download URL for `user` (valid EXPORT_LINK_SECONDS)."""
    payload = {
        "u": user.id,
        "f": fmt,
        "q": request.q,
        "l": request.language,
        "filters": request.filters,
        "s": request.sort,
    }
    return url_for("exports.download", token=_serializer().dumps(payload), _external=False)


def open_link(token: str, user: Any) -> tuple[SearchRequest, str]:
    """Return the export a link describes; raise LinkRefused unless valid for `user` now."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["EXPORT_LINK_SECONDS"])
    except (SignatureExpired, BadSignature):
        raise LinkRefused from None
    if payload.get("u") != getattr(user, "id", None) or payload.get("f") not in FORMATS:
        raise LinkRefused
    request = SearchRequest(
        q=payload.get("q", ""),
        language=payload.get("l", ""),
        filters=payload.get("filters") or {},
        sort=payload.get("s", "relevance"),
    )
    return request, payload["f"]


def _testimony_ids(user: Any, request: SearchRequest) -> list[str]:
    """Public ids in the export, in result order, from the caller's tier right now."""
    tier = tier_of(user)
    if request.q.strip() or request.filters or request.language:
        filters = dict(request.filters)
        if request.language:
            filters["language"] = [request.language]
        query = parse_user_query(request.q) if request.q.strip() else None
        try:
            searcher = engine.searcher_for(store(), tier)
        except FileNotFoundError:
            return []
        outcome = engine.run(searcher, query, filters=filters, hidden=_hidden(), sort=request.sort)
        return [hit.testimony for hit in outcome.hits]
    query = select(Testimony.public_id).where(testimony_filter(tier)).order_by(Testimony.id)
    return list(db.session.scalars(query))


def rows(user: Any, request: SearchRequest) -> Iterator[dict[str, str]]:
    """Yield one row per readable version, re-checked against the policy now."""
    tier, marker = tier_of(user), redaction_marker()
    ids = _testimony_ids(user, request)
    for start in range(0, len(ids), 100):
        chunk = ids[start : start + 100]
        query = (
            select(Testimony)
            .where(Testimony.public_id.in_(chunk), testimony_filter(tier))
            .options(
                selectinload(Testimony.versions).selectinload(Version.revisions),
                selectinload(Testimony.consent),
                selectinload(Testimony.terms),
            )
        )
        found = {t.public_id: t for t in db.session.scalars(query)}
        for public_id in chunk:
            t = found.get(public_id)
            if t is None:
                continue
            log_read(user, t, "export")
            for version in t.versions:
                if request.language and version.language != request.language:
                    continue
                if not version_visible_in(tier, t, version):
                    continue
                revision = version.latest if tier.value == "staff" else version.approved
                if revision is None:
                    continue
                yield _row(t, version, revision, tier, marker)


def _row(t: Testimony, version: Version, revision: Any, tier: Any, marker: str) -> dict[str, str]:
    def slugs(kind: str) -> str:
        return ";".join(term.slug for term in t.terms_of(kind))

    return {
        "id": t.public_id,
        "url": url_for(
            "public.testimony", public_id=t.public_id, version=version.language, _external=True
        ),
        "title": visible_text(tier, revision.title, marker),
        "language": version.language,
        "text": visible_text(tier, revision.body, marker),
        "identity_groups": slugs("identity_group"),
        "discrimination_types": slugs("discrimination_type"),
        "settings": slugs("setting"),
        "needs": slugs("need"),
        "province": t.province,
        "recorded_on": t.recorded_on.isoformat() if t.recorded_on else "",
    }


def neutralise(value: str) -> str:
    """Return a CSV cell that spreadsheets will not run as a formula."""
    return "'" + value if value.startswith(_DANGEROUS) else value


def metadata(user: Any, request: SearchRequest, fmt: str) -> dict[str, Any]:
    """Return the export's description: query, filters, time and exporter."""
    return {
        "query": request.q,
        "language": request.language,
        "filters": request.filters,
        "sort": request.sort,
        "exported_at": utcnow().isoformat(timespec="seconds") + "Z",
        "exporter": user.email,
        "format": fmt,
    }


def stream(user: Any, request: SearchRequest, fmt: str) -> Iterator[str]:
    """Yield the export file piece by piece (and audit it once it is complete)."""
    meta = metadata(user, request, fmt)
    count = 0
    if fmt == "jsonl":
        yield json.dumps({"metadata": meta}, ensure_ascii=False) + "\n"
        for row in rows(user, request):
            count += 1
            yield json.dumps(row, ensure_ascii=False) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [neutralise(f"{k}: {json.dumps(v, ensure_ascii=False)}") for k, v in meta.items()]
        )
        writer.writerow(COLUMNS)
        for row in rows(user, request):
            count += 1
            writer.writerow([neutralise(row[column]) for column in COLUMNS])
            yield _drain(buffer)
        yield _drain(buffer)
    audit.record(
        "export.download",
        "export",
        fmt,
        user,
        versions=count,
        filters=sorted(request.filters),
        has_query=bool(request.q),
    )
    db.session.commit()


def _drain(buffer: io.StringIO) -> str:
    value = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return value
