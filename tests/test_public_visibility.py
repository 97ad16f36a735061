"""A story withdrawn or restricted disappears from every public channel on the next request:
home, the story list, tag pages, related stories, counts, `/feed.atom` and `/sitemap.xml`
(and conditional requests do not keep the old page). Each check has a positive control: the
story is there before, and another story stays."""

import re
from typing import Any
from xml.etree import ElementTree

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.extensions import db
from archive.models import Testimony
from archive.services import consent as consent_service
from archive.services.inputs import ConsentInput
from archive.services.testimonies import SYSTEM

from .factories import T, login, make_testimony, make_user

ATOM = "{http://www.w3.org/2005/Atom}"


def parse_xml(data: bytes) -> ElementTree.Element:
    """Parse XML the app itself produced (trusted: no external entities involved)."""
    return ElementTree.fromstring(data)  # noqa: S314


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _id(ref: str) -> str:
    return str(db.session.scalar(select(Testimony.public_id).where(Testimony.ref == ref)))


def _set_level(public_id: str, level: str) -> None:
    t = db.session.scalar(select(Testimony).where(Testimony.public_id == public_id))
    assert t is not None and t.consent is not None
    languages = sorted(t.consent.language_tags)
    consent_service.apply_consent(
        t, ConsentInput(level=level, publish_languages=languages), SYSTEM, "narrator-request"
    )
    db.session.commit()


def chip_count(html: str, kind: str, slug: str) -> int | None:
    """The count shown beside a tag link (English UI), or None when there is no link."""
    match = re.search(rf'href="/tags/{kind}/{slug}">.*?<span class="count">(\d+) stor', html, re.S)
    return int(match.group(1)) if match else None


def list_total(html: str) -> int:
    match = re.search(r'class="result-count">(\d+) stor', html)
    assert match, "no total on the list page"
    return int(match.group(1))


def channels(client: FlaskClient, public_id: str, neighbour: str) -> dict[str, Any]:
    """What one reader sees of `public_id` in every channel (English UI)."""
    home = client.get("/?locale=en").get_data(as_text=True)
    stories = client.get("/stories?identity_group=plhiv&locale=en").get_data(as_text=True)
    tag = client.get("/tags/identity_group/lgbtqi?locale=en")
    related = client.get(f"/t/{neighbour}?locale=en").get_data(as_text=True)
    feed = parse_xml(client.get("/feed.atom").get_data())
    feed_links = {e.find(f"{ATOM}id").text for e in feed.iter(f"{ATOM}entry")}  # type: ignore[union-attr]
    sitemap = parse_xml(client.get("/sitemap.xml").get_data())
    locs = {u.find(f"{SITEMAP}loc").text for u in sitemap.iter(f"{SITEMAP}url")}  # type: ignore[union-attr]
    story = f"/t/{public_id}"
    return {
        "home": story in home,
        "home_plhiv": chip_count(home, "identity_group", "plhiv"),
        "home_lgbtqi": chip_count(home, "identity_group", "lgbtqi"),
        "list": story in stories,
        "list_total": list_total(stories),
        "tag_status": tag.status_code,
        "tag": story in tag.get_data(as_text=True),
        "related": story in related.split('id="related-heading"', 1)[-1],
        "feed": f"http://localhost{story}" in feed_links,
        "sitemap": f"http://localhost{story}" in locs,
        "sitemap_tag": "http://localhost/tags/identity_group/lgbtqi" in locs,
    }


def test_withdrawn_story_leaves_every_channel_at_once(demo_app: Flask) -> None:
    demo_app.config["RELATED_STORIES"] = 100  # every related story is listed
    with demo_app.app_context():
        # The only public story tagged lgbtqi (the demo's are restricted or in review), which
        # also shares plhiv with demo-001, the neighbour whose page lists related stories.
        story = make_testimony(T("channels", identity_groups=["lgbtqi", "plhiv"])).public_id
        neighbour = _id("demo-001")
        other = _id("demo-018")  # public, plhiv: must stay everywhere
    client = demo_app.test_client()
    before = channels(client, story, neighbour)
    control_before = channels(client, other, neighbour)
    assert before == {
        "home": True,
        "home_plhiv": before["home_plhiv"],
        "home_lgbtqi": 1,
        "list": True,
        "list_total": before["list_total"],
        "tag_status": 200,
        "tag": True,
        "related": True,
        "feed": True,
        "sitemap": True,
        "sitemap_tag": True,
    }
    assert control_before["related"] and control_before["list"] and control_before["feed"]
    etag = client.get("/?locale=en").headers["ETag"]
    assert client.get("/?locale=en", headers={"If-None-Match": etag}).status_code == 304

    with demo_app.app_context():
        _set_level(story, "withdrawn")
    after = channels(client, story, neighbour)
    assert after == {
        "home": False,
        "home_plhiv": before["home_plhiv"] - 1,
        "home_lgbtqi": None,  # no link to a tag that would now be empty
        "list": False,
        "list_total": before["list_total"] - 1,
        "tag_status": 404,
        "tag": False,
        "related": False,
        "feed": False,
        "sitemap": False,
        "sitemap_tag": False,
    }
    assert client.get(f"/t/{story}").status_code == 404
    # The old ETag no longer matches: the reader gets the new page, not a 304.
    fresh = client.get("/?locale=en", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and f"/t/{story}" not in fresh.get_data(as_text=True)
    control_after = channels(client, other, neighbour)
    for key in ("home", "list", "related", "feed", "sitemap"):
        assert control_after[key] is True, key


def test_restricted_story_leaves_public_channels_but_researchers_still_count_it(
    demo_app: Flask,
) -> None:
    demo_app.config["RELATED_STORIES"] = 100
    with demo_app.app_context():
        make_user("researcher")
        story = make_testimony(T("restricted", identity_groups=["lgbtqi", "plhiv"])).public_id
        neighbour = _id("demo-001")
    anonymous = demo_app.test_client()
    researcher = demo_app.test_client()
    assert login(researcher, "researcher@example.org").status_code == 302
    before = channels(anonymous, story, neighbour)
    researcher_before = channels(researcher, story, neighbour)
    assert before["home"] and before["tag"] and before["related"] and before["feed"]

    with demo_app.app_context():
        _set_level(story, "researchers")
    after = channels(anonymous, story, neighbour)
    assert not any(after[key] for key in ("home", "list", "tag", "related", "feed", "sitemap"))
    assert after["home_plhiv"] == before["home_plhiv"] - 1
    assert after["list_total"] == before["list_total"] - 1
    assert after["tag_status"] == 404 and after["home_lgbtqi"] is None
    # A researcher may still open it, so her counts keep it (the demo's restricted lgbtqi
    # stories are counted for her too); the feed and sitemap stay public-only for everyone.
    researcher_after = channels(researcher, story, neighbour)
    assert researcher_after["home"] and researcher_after["tag"] and researcher_after["related"]
    assert researcher_after["home_plhiv"] == researcher_before["home_plhiv"]
    assert researcher_after["home_lgbtqi"] == researcher_before["home_lgbtqi"]
    assert not researcher_after["feed"] and not researcher_after["sitemap"]


def test_counts_never_include_what_the_reader_cannot_open(demo_app: Flask) -> None:
    """Every tag link on the home page leads to a page with exactly the count shown."""
    for role in ("anonymous", "researcher"):
        client = demo_app.test_client()
        if role == "researcher":
            with demo_app.app_context():
                make_user("researcher")
            assert login(client, "researcher@example.org").status_code == 302
        home = client.get("/?locale=en").get_data(as_text=True)
        links = re.findall(
            r'href="/tags/(\w+)/([\w-]+)">.*?<span class="count">(\d+) stor', home, re.S
        )
        assert len(links) >= 8, role
        for kind, slug, shown in links:
            page = client.get(f"/tags/{kind}/{slug}?locale=en")
            assert page.status_code == 200, (role, kind, slug)
            html = page.get_data(as_text=True)
            assert list_total(html) == int(shown), (role, kind, slug)
            ids = set(re.findall(r'href="/t/([\w-]+)', html))
            for public_id in ids:
                assert client.get(f"/t/{public_id}").status_code == 200
