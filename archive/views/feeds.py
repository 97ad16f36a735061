"""`/feed.atom`, `/sitemap.xml` and `/robots.txt`, computed from the policy on every request
for a reader without an account, so a withdrawn or restricted story leaves them at once.

The feed carries titles and summaries only (never the text), and no summary for a story with
a content warning.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import gettext as _

from .. import browse
from ..i18n import ui_locale
from ..presenters import testimony_view
from ..security import public

bp = Blueprint("feeds", __name__)


@dataclass
class FeedEntry:
    url: str
    title: str
    language: str
    summary: str
    summary_language: str
    published: str
    updated: str
    categories: list[tuple[str, str]]


@dataclass
class SitemapUrl:
    loc: str
    lastmod: str = ""


def _stamp(value: datetime | date | None) -> str:
    """Return an RFC 3339 timestamp (the archive stores naive UTC)."""
    if value is None:
        value = datetime(2023, 1, 1)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")


def _entries() -> list[FeedEntry]:
    viewer = browse.anonymous()
    entries = []
    for t in browse.public_testimonies(current_app.config["FEED_ENTRIES"]):
        view = testimony_view(viewer, t)
        v = view.selected
        if v is None:  # pragma: no cover - a public testimony has a readable version
            continue
        summary, summary_language = v.summary, v.language
        if t.content_warning:
            summary = _("This story comes with a content warning. Open it to read the warning.")
            summary_language = ui_locale()
        changed = max(filter(None, [t.published_at, v.revision_date]), default=None)
        entries.append(
            FeedEntry(
                url=url_for("public.testimony", public_id=t.public_id, _external=True),
                title=v.title,
                language=v.language,
                summary=summary,
                summary_language=summary_language,
                published=_stamp(t.published_at or t.recorded_on),
                updated=_stamp(changed or t.recorded_on),
                categories=[(tag.slug, tag.label.text) for tag in view.tags],
            )
        )
    return entries


@bp.get("/feed.atom")
@public
def atom() -> Response:
    """The newest public stories as an Atom feed: title and summary only."""
    entries = _entries()
    body = render_template(
        "feeds/atom.xml",
        entries=entries,
        title=_("Women's Voices Archive: new stories"),
        subtitle=_(
            "Life stories of stigma and discrimination, told by women in Rattanakiri "
            "Province, Cambodia, and kept with their consent."
        ),
        author=_("Women's Voices Archive"),
        updated=max((e.updated for e in entries), default=_stamp(None)),
        self_url=url_for("feeds.atom", _external=True),
        home_url=url_for("public.home", _external=True),
    )
    return Response(body, mimetype="application/atom+xml")


@bp.get("/sitemap.xml")
@public
def sitemap() -> Response:
    """Every public page worth indexing: home, lists, public stories and non-empty tags."""
    urls = [
        SitemapUrl(url_for("public.home", _external=True)),
        SitemapUrl(url_for("public.stories", _external=True)),
        SitemapUrl(url_for("pages.about_consent", _external=True)),
    ]
    for t in browse.public_testimonies():
        lastmod = (t.published_at or t.recorded_on or datetime(2023, 1, 1)).strftime("%Y-%m-%d")
        url = url_for("public.testimony", public_id=t.public_id, _external=True)
        urls.append(SitemapUrl(url, lastmod))
    for item in browse.public_tags():
        urls.append(
            SitemapUrl(url_for("public.tag", kind=item.kind, slug=item.slug, _external=True))
        )
    body = render_template("feeds/sitemap.xml", urls=urls)
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
@public
def robots() -> Any:
    """Keep crawlers to the public pages and point them at the sitemap."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in ("/staff/", "/admin/", "/translate/", "/api/")]
    lines += ["Disallow: /login", "Disallow: /search", ""]
    lines.append(f"Sitemap: {url_for('feeds.sitemap', _external=True)}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
