"""The public pages over HTTP: content, languages, filters, content warnings, feeds, and the
caching, fingerprinting and compression rules (BREACH included)."""

import gzip
import re
from collections.abc import Callable
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from archive.extensions import db
from archive.models import SupportContact, Testimony
from archive.policy import can_read_testimony, readable_versions

from .factories import T, V, login, make_testimony, make_user

ATOM = "{http://www.w3.org/2005/Atom}"


def parse_xml(data: bytes) -> ElementTree.Element:
    """Parse XML the app itself produced (trusted: no external entities involved)."""
    return ElementTree.fromstring(data)  # noqa: S314


def _id(ref: str) -> str:
    return str(db.session.scalar(select(Testimony.public_id).where(Testimony.ref == ref)))


def _warned(ref: str, **extra: object) -> str:
    """Create a public story with a content warning; return its public id."""
    t = make_testimony(T(ref, **extra))  # type: ignore[arg-type]
    t.content_warning = True
    db.session.commit()
    return t.public_id


def test_home_shows_organisations_browsing_and_newest(demo_app: Flask) -> None:
    html = demo_app.test_client().get("/?locale=en").get_data(as_text=True)
    for code in ("AUA", "WPM", "LKO", "CIPL", "WWD-LAN"):
        assert f"({code})" in html
    assert "Browse by identity group" in html and "Browse by type of discrimination" in html
    assert 'href="/tags/identity_group/plhiv"' in html
    assert 'href="/tags/identity_group/lgbtqi"' not in html  # no public lgbtqi story
    assert html.count("<h1") == 1
    assert 'href="/stories"' in html
    moved = demo_app.test_client().get("/?page=2")
    assert moved.status_code == 301 and moved.headers["Location"] == "/stories?page=2"


def _expected(app: Flask, keep: Callable[[Testimony], bool]) -> int:
    """Count, object by object with the yes/no policy, what an anonymous reader may open."""
    with app.app_context():
        viewer = AnonymousUserMixin()
        return sum(
            1
            for t in db.session.scalars(select(Testimony))
            if can_read_testimony(viewer, t) and keep(t)
        )


def _total(html: str) -> int:
    match = re.search(r'class="result-count">(\d+) stor', html)
    assert match
    return int(match.group(1))


def _slugs(t: Testimony, kind: str) -> set[str]:
    return {term.slug for term in t.terms_of(kind)}


def test_story_list_filters(demo_app: Flask) -> None:
    client = demo_app.test_client()
    everything = client.get("/stories?locale=en").get_data(as_text=True)
    assert _total(everything) == _expected(demo_app, lambda t: True) > 5
    narrowed = client.get(
        "/stories?identity_group=plhiv&discrimination_type=healthcare&locale=en"
    ).get_data(as_text=True)
    both = _expected(
        demo_app,
        lambda t: (
            "plhiv" in _slugs(t, "identity_group")
            and "healthcare" in _slugs(t, "discrimination_type")
        ),
    )
    assert _total(narrowed) == both > 0
    either = client.get("/stories?identity_group=plhiv&identity_group=youth&locale=en")
    expected = _expected(demo_app, lambda t: bool({"plhiv", "youth"} & _slugs(t, "identity_group")))
    assert _total(either.get_data(as_text=True)) == expected > both
    english = client.get("/stories?language=en&locale=en").get_data(as_text=True)
    with_en = _expected(
        demo_app,
        lambda t: any(v.language == "en" for v in readable_versions(AnonymousUserMixin(), t)),
    )
    assert _total(english) == with_en < _total(everything)  # some are Khmer only
    assert 'value="plhiv" checked' in narrowed
    for bad in ("identity_group=nonsense", "language=xx", "setting=" + "x" * 80):
        assert client.get(f"/stories?{bad}").status_code == 400, bad


def test_tag_pages(demo_app: Flask) -> None:
    client = demo_app.test_client()
    page = client.get("/tags/identity_group/plhiv?locale=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1><span>People living with HIV</span></h1>" in html
    assert "Identity group" in html
    for missing in ("/tags/identity_group/lgbtqi", "/tags/nope/plhiv", "/tags/need/nope"):
        assert client.get(missing).status_code == 404, missing


def test_story_page_languages_tags_and_headers(demo_app: Flask) -> None:
    with demo_app.app_context():
        public_id = _id("demo-003")  # km and en approved, a draft Tampuan version
    client = demo_app.test_client()
    answer = client.get(f"/t/{public_id}?locale=en")
    html = answer.get_data(as_text=True)
    assert answer.headers["X-Robots-Tag"] == "noarchive"
    assert '<html lang="en"' in html
    assert re.search(r'<h1 lang="en" dir="ltr">', html)
    assert '<div class="body" lang="en" dir="ltr">' in html
    assert f'href="/t/{public_id}?version=km"' in html and "tpu-Khmr" not in html
    assert 'href="/tags/identity_group/indigenous"' in html
    assert f'href="/t/{public_id}?version=en&amp;locale=km"' not in html
    assert f'href="/t/{public_id}?locale=km"' in html  # the switch keeps the page
    khmer = client.get(f"/t/{public_id}?version=km&locale=en").get_data(as_text=True)
    assert '<div class="body" lang="km" dir="ltr">' in khmer
    assert 'rel="canonical"' in khmer


def test_khmer_digits_in_the_khmer_ui_only(demo_app: Flask) -> None:
    client = demo_app.test_client()
    km = client.get("/stories?locale=km").get_data(as_text=True)
    assert re.search(r'class="result-count">[^<]*១[០-៩]', km)
    assert "?locale=en" in km  # URLs keep ASCII
    demo_app.config["KHMER_DIGITS"] = False
    ascii_km = client.get("/stories").get_data(as_text=True)
    assert re.search(r'class="result-count">[^<]*1[0-9]', ascii_km)


def test_content_warning_step_without_javascript(demo_app: Flask) -> None:
    with demo_app.app_context():
        public_id = _warned("warned", versions=[V("en", body="The hard part of the story.")],
                            languages=["en"])  # fmt: skip
    client = demo_app.test_client()
    step = client.get(f"/t/{public_id}?locale=en").get_data(as_text=True)
    assert "Content warning" in step and "The hard part" not in step
    assert "talk to someone you trust" in step  # no contacts yet: the general sentence
    assert f'href="/t/{public_id}?cw=ok"' in step
    story = client.get(f"/t/{public_id}?cw=ok&locale=en").get_data(as_text=True)
    assert "The hard part of the story." in story
    assert "Related stories" not in step
    with demo_app.app_context():
        db.session.add_all(
            [
                SupportContact(name_en="Helpline", name_km="", phone="+855 12 345 678"),
                SupportContact(name_en="Closed service", active=False),
            ]
        )
        db.session.commit()
    step = client.get(f"/t/{public_id}?locale=km").get_data(as_text=True)
    assert '<span lang="en">Helpline</span>' in step  # no Khmer name: English, marked
    assert 'href="tel:+85512345678"' in step and "Closed service" not in step
    assert "talk to someone you trust" not in step


def test_feed_and_sitemap_are_public_only_and_summaries_only(demo_app: Flask) -> None:
    with demo_app.app_context():
        make_user("editor")
        warned = _warned(
            "feedwarned",
            versions=[V("en", title="Warned title", body="Secret body words.")],
            languages=["en"],
        )
    client = demo_app.test_client()
    login(client, "editor@example.org")  # signed in: the feed is still the public one
    feed = client.get("/feed.atom?locale=en")
    assert feed.mimetype == "application/atom+xml"
    root = parse_xml(feed.get_data())
    entries = list(root.iter(f"{ATOM}entry"))
    assert 1 <= len(entries) <= demo_app.config["FEED_ENTRIES"]
    body = feed.get_data(as_text=True)
    assert "Secret body words" not in body and "<content" not in body
    for entry in entries:
        assert entry.find(f"{ATOM}title") is not None
    mine = [e for e in entries if e.findtext(f"{ATOM}id", "").endswith(warned)]
    assert mine and "content warning" in (mine[0].findtext(f"{ATOM}summary") or "")
    with demo_app.app_context():
        restricted = _id("demo-005")
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"/t/{warned}" in sitemap and f"/t/{restricted}" not in sitemap
    assert f"/t/{restricted}" not in body
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots and "Disallow: /staff/" in robots


def test_about_consent_and_error_pages(demo_app: Flask) -> None:
    client = demo_app.test_client()
    about = client.get("/about/consent?locale=en").get_data(as_text=True)
    assert about.count("<h1") == 1 and "withdraw" in about
    missing = client.get("/nowhere?locale=en")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404 and 'href="/?locale=km"' in html
    assert 'href="/stories"' in html


# -- caching, fingerprints, compression ------------------------------------------------------


def test_static_files_are_fingerprinted_immutable_and_compressed(demo_app: Flask) -> None:
    client = demo_app.test_client()
    html = client.get("/").get_data(as_text=True)
    css_url = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{16})"', html)
    assert css_url, "the stylesheet link carries a fingerprint"
    css = client.get(css_url.group(1), headers={"Accept-Encoding": "gzip"})
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert css.headers["Content-Encoding"] == "gzip"
    text = gzip.decompress(css.get_data()).decode()
    fonts = re.findall(r'url\("(\.\./fonts/[^"]+)"\)', text)
    assert len(fonts) == 4 and all("?v=" in f for f in fonts)
    font = client.get("/static/fonts/" + fonts[0].split("fonts/")[1])
    assert font.headers["Cache-Control"].endswith("immutable")
    assert font.mimetype == "font/woff2" and "Content-Encoding" not in font.headers
    stale = client.get("/static/css/site.css?v=0000000000000000")
    assert stale.headers["Cache-Control"] == "no-cache"  # an old URL never pins old bytes
    etag = stale.headers["ETag"]
    assert client.get("/static/css/site.css", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/static/../archive/config.py").status_code == 404
    assert client.get("/static/nope.css").status_code == 404


def test_pages_revalidate_with_etag_and_304(demo_app: Flask) -> None:
    client = demo_app.test_client()
    first = client.get("/stories")
    assert first.headers["Cache-Control"] == "no-cache"
    assert "Cookie" in first.headers["Vary"]
    etag = first.headers["ETag"]
    again = client.get("/stories", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get("/stories?locale=en", headers={"If-None-Match": etag})
    assert other.status_code == 200  # another language is another page


@pytest.mark.parametrize("path", ["/", "/stories", "/feed.atom", "/sitemap.xml", "/search"])
def test_anonymous_pages_are_compressed(demo_app: Flask, path: str) -> None:
    answer = demo_app.test_client().get(path, headers={"Accept-Encoding": "gzip, br"})
    assert answer.headers.get("Content-Encoding") == "gzip", path
    assert "Accept-Encoding" in answer.headers["Vary"]
    assert gzip.decompress(answer.get_data())
    plain = demo_app.test_client().get(path, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers


def test_no_compression_with_csrf_tokens_or_for_signed_in_users(demo_app: Flask) -> None:
    """BREACH: a secret and reflected input must not share a compressed body."""
    with demo_app.app_context():
        make_user("researcher")
    client = demo_app.test_client()
    form = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert "csrf_token" in form.get_data(as_text=True)
    assert "Content-Encoding" not in form.headers
    login(client, "researcher@example.org")
    for path in ("/", "/search?q=water", "/stories"):
        page = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in page.headers, path
        assert page.headers["Cache-Control"] == "no-store", path
        assert "ETag" not in page.headers, path
    # Positive control: the same page for an anonymous reader is compressed.
    anon = demo_app.test_client().get("/search?q=water", headers={"Accept-Encoding": "gzip"})
    assert anon.headers["Content-Encoding"] == "gzip"
