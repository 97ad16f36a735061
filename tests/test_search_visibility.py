"""Search cannot leak: each tier holds and returns only what its readers may read, in hits,
totals, facets and snippets; withdrawal and restriction purge the tiers' files."""

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.extensions import db
from archive.models import Testimony
from archive.policy import Tier
from archive.search.hooks import drain_now, store
from archive.search.verify import verify
from archive.services import consent as consent_service
from archive.services.inputs import ConsentInput
from archive.services.testimonies import SYSTEM

from .factories import T, V, login, make_testimony, make_user
from .scan import analyser_terms, directory_bytes, found_terms

COMMON = "sunrise"


def _body(word: str) -> str:
    return f"At {COMMON} she spoke about the {word} in the market."


# ref -> (spec, distinctive word, identity group used only by this testimony)
CASES = {
    "pub": (T("pub", identity_groups=["plhiv"]), "zebrafinch"),
    "res": (T("res", level="researchers", identity_groups=["disability"]), "quokka"),
    "staffonly": (T("staffonly", level="staff", identity_groups=["elderly"]), "narwhal"),
    "draft": (T("draft", status="draft", identity_groups=["youth"]), "axolotl"),
    "unapproved": (T("unapproved", identity_groups=["lgbtqi"]), "pangolin"),
    "langblocked": (T("langblocked", languages=["km"], identity_groups=["violence"]), "okapi"),
    "withdrawn": (T("withdrawn", level="withdrawn", identity_groups=["indigenous"]), "wombat"),
}
# Whose distinctive (English-only) word each role may find...
VISIBLE = {
    "anonymous": {"pub"},
    "researcher": {"pub", "res"},
    "editor": {"pub", "res", "staffonly", "draft", "unapproved", "langblocked"},
}
# ...and which testimonies it may open at all (the Khmer versions of "unapproved" and
# "langblocked" are approved and allowed: only their English versions are hidden).
OPEN = {
    "anonymous": {"pub", "unapproved", "langblocked"},
    "researcher": {"pub", "res", "unapproved", "langblocked"},
    "editor": VISIBLE["editor"],
}


@pytest.fixture
def world(app: Flask) -> dict[str, str]:
    with app.app_context():
        for role in ("researcher", "editor"):
            make_user(role)
        ids = {}
        for ref, (spec, word) in CASES.items():
            status = "in_review" if ref == "unapproved" else "approved"
            spec.versions = [
                V("km", body=f"អត្ថបទ {COMMON}"),
                V("en", status, "translation", body=_body(word), translated_from="km"),
            ]
            ids[ref] = make_testimony(spec).public_id
        drain_now()
        return ids


def _client(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    if role != "anonymous":
        assert login(client, f"{role}@example.org").status_code == 302
    return client


def _search(client: FlaskClient, q: str, **params: str) -> dict:
    answer = client.get("/api/v1/search", query_string={"q": q, "locale": "en", **params})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_hits_totals_facets_snippets_follow_the_policy(
    app: Flask, world: dict[str, str], role: str
) -> None:
    client = _client(app, role)
    visible = VISIBLE[role]
    for ref, (_spec, word) in CASES.items():
        found = _search(client, word)
        ids = {r["id"] for r in found["results"]}
        if ref in visible:
            assert ids == {world[ref]} and found["total"] == 1, (role, ref)
            assert f"<mark>{word}</mark>" in found["results"][0]["snippet"]
        else:
            assert ids == set() and found["total"] == 0, (role, ref)
            assert found["facets"]["identity_group"] == {}, (role, ref)
    everything = _search(client, COMMON, per_page="50")
    shown = {r["id"]: r for r in everything["results"]}
    assert set(shown) == {world[ref] for ref in OPEN[role]}
    assert everything["total"] == len(OPEN[role])
    for ref in OPEN[role] - visible:  # found through the Khmer version only
        assert shown[world[ref]]["language"] == "km"
        assert shown[world[ref]]["other_languages"] == []
    groups = everything["facets"]["identity_group"]
    assert set(groups) == {CASES[ref][0].identity_groups[0] for ref in OPEN[role]}
    assert all(count == 1 for count in groups.values())
    hidden_words = [word for ref, (_s, word) in CASES.items() if ref not in visible]
    page = client.get("/search", query_string={"q": COMMON, "locale": "en"})
    html = page.get_data(as_text=True)
    for result in everything["results"]:
        assert not any(word in result["snippet"] for word in hidden_words)
    assert not any(word in html for word in hidden_words)
    assert all(world[ref] in html for ref in OPEN[role])


INJECTIONS = [
    "x) OR (consent:withdrawn",
    "wombat) OR (language:en",
    "narwhal OR consent:staff",
    "testimony:*",
    "*:*",
    "doc:1 OR doc:2",
    "level:staff narwhal",
    '"quokka" OR status:draft',
]


@pytest.mark.parametrize("q", INJECTIONS)
def test_query_syntax_cannot_reach_hidden_material(
    app: Flask, world: dict[str, str], q: str
) -> None:
    client = _client(app, "anonymous")
    answer = client.get("/api/v1/search", query_string={"q": q})
    assert answer.status_code in (200, 400)
    if answer.status_code == 200:
        ids = {r["id"] for r in answer.get_json()["results"]}
        assert ids <= {world["pub"]}
    # Positive control: the same words reach what the viewer may read.
    assert _search(client, "zebrafinch OR narwhal")["total"] == 1


def _tier_terms(app: Flask, tier: Tier, terms: set[str]) -> set[str]:
    with app.app_context():
        return found_terms(directory_bytes(Path(store().link(tier))), terms)


def _only(word: str) -> set[str]:
    """The analyser terms of a distinctive word that no other fixture text produces."""
    others = set()
    for _ref, (_spec, other) in CASES.items():
        if other != word:
            others |= analyser_terms(_body(other))
    others |= analyser_terms(f"អត្ថបទ {COMMON}")
    terms = analyser_terms(_body(word)) - others
    assert terms, word
    return terms


def _set_level(app: Flask, public_id: str, level: str) -> None:
    with app.app_context():
        t = db.session.scalar(select(Testimony).where(Testimony.public_id == public_id))
        consent_service.apply_consent(
            t, ConsentInput(level=level, publish_languages=["km", "en"]), SYSTEM, "narrator-request"
        )
        db.session.commit()
        drain_now()


def test_withdrawal_purges_every_tier_directory(app: Flask, world: dict[str, str]) -> None:
    terms = _only("zebrafinch")
    for tier in Tier:  # positive control: the scan finds the terms before
        assert _tier_terms(app, tier, terms) == terms, tier
    anonymous = _client(app, "anonymous")
    assert _search(anonymous, "zebrafinch")["total"] == 1
    _set_level(app, world["pub"], "withdrawn")
    for tier in Tier:
        assert _tier_terms(app, tier, terms) == set(), tier
    for role in VISIBLE:
        assert _search(_client(app, role), "zebrafinch")["total"] == 0
    with app.app_context():
        assert verify(store()) == []


def test_restriction_purges_lower_tiers_and_keeps_staff(app: Flask, world: dict[str, str]) -> None:
    terms = _only("zebrafinch")
    _set_level(app, world["pub"], "staff")
    assert _tier_terms(app, Tier.PUBLIC, terms) == set()
    assert _tier_terms(app, Tier.RESEARCHERS, terms) == set()
    assert _tier_terms(app, Tier.STAFF, terms) == terms
    assert _search(_client(app, "editor"), "zebrafinch")["total"] == 1
    assert _search(_client(app, "researcher"), "zebrafinch")["total"] == 0
    _set_level(app, world["pub"], "public")
    assert _tier_terms(app, Tier.PUBLIC, terms) == terms
    assert _search(_client(app, "anonymous"), "zebrafinch")["total"] == 1
    with app.app_context():
        assert verify(store()) == []


def test_stale_index_hides_but_never_reveals(app: Flask, world: dict[str, str]) -> None:
    anonymous = _client(app, "anonymous")
    assert _search(anonymous, "zebrafinch")["total"] == 1
    with app.app_context():
        t = db.session.scalar(select(Testimony).where(Testimony.public_id == world["pub"]))
        consent_service.apply_consent(
            t, ConsentInput(level="staff", publish_languages=["km", "en"]), SYSTEM, "review"
        )
        db.session.commit()  # committed, but the tiers were not drained (a crash, say)
        assert _tier_terms(app, Tier.PUBLIC, _only("zebrafinch"))  # the tier is stale...
        problems = verify(store())
        assert problems and "not applied" in problems[0]
    found = _search(anonymous, "zebrafinch")
    assert found["total"] == 0 and found["results"] == []  # ...yet reveals nothing
    groups = _search(anonymous, COMMON)["facets"]["identity_group"]
    assert "plhiv" not in groups and groups.get("lgbtqi") == 1  # hidden / positive control
    assert anonymous.get(f"/t/{world['pub']}").status_code == 404
    with app.app_context():
        assert drain_now() >= 1
        assert verify(store()) == []
