"""Search end to end with real Khmer, English and Jarai text: the analysers, the tiers, the
API and the page together; parameters, limits, health and index maintenance."""

import json
import unicodedata

import pytest
from flask import Flask
from flask.testing import FlaskClient

from archive.policy import Tier
from archive.search.hooks import drain_now, store
from archive.search.tiers import TierState
from archive.search.verify import verify

from .factories import T, V, make_testimony

ZWSP = "\u200b"
KM_BODY = (
    "ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជា ហើយខ្ញុំជាស្រ្តីជនជាតិដើមភាគតិច។ នៅឆ្នាំ២០១៤ ខ្ញុំបានជួបរដ្ឋមន្ត្រី។ ការរើសអើងនៅមន្ទីរពេទ្យ។"
)
EN_BODY = "They discriminated against her at the clinic in 2014."
# Jarai with a breve typed as a combining mark after the base letter (decomposed).
JRA_BODY = "Ama\u0306 ni\u0306 kơ ding"


@pytest.fixture
def searchable(app: Flask) -> dict[str, str]:
    with app.app_context():
        km = make_testimony(
            T("khmer", languages=["km", "en", "jra-Latn"],
              versions=[V("km", body=KM_BODY),
                        V("en", kind="translation", translated_from="km", body=EN_BODY),
                        V("jra-Latn", kind="translation", translated_from="km", body=JRA_BODY)])
        )  # fmt: skip
        zw = make_testimony(
            T("zwsp", languages=["km"], versions=[V("km", body=ZWSP.join(["ទឹក", "ឃ្មុំ", "ព្រៃ"]))])
        )
        drain_now()
        return {"khmer": km.public_id, "zwsp": zw.public_id}


def ids(client: FlaskClient, q: str, **params: str) -> set[str]:
    answer = client.get("/api/v1/search", query_string={"q": q, **params})
    assert answer.status_code == 200, (q, answer.get_data(as_text=True))
    return {r["id"] for r in answer.get_json()["results"]}


def test_khmer_word_inside_unspaced_run(app: Flask, searchable: dict[str, str]) -> None:
    client = app.test_client()
    assert ids(client, "ប្រទេស") == {searchable["khmer"]}
    assert ids(client, "កម្ពុជា") == {searchable["khmer"]}
    # Glued by the segmenter into a larger word, found through the cluster field.
    assert ids(client, "មន្ត្រី") == {searchable["khmer"]}
    assert ids(client, "រើសអើង") == {searchable["khmer"]}
    assert ids(client, "ឡានក្រុង") == set()  # negative control


@pytest.mark.parametrize("spelling", ["ស្រ្តី", "ស្ត្រី", "ស្ដ្រី"])
def test_khmer_spelling_variants_match(
    app: Flask, searchable: dict[str, str], spelling: str
) -> None:
    assert ids(app.test_client(), spelling) == {searchable["khmer"]}


def test_zwsp_in_document_or_query_changes_nothing(app: Flask, searchable: dict[str, str]) -> None:
    client = app.test_client()
    assert ids(client, "ទឹកឃ្មុំ") == {searchable["zwsp"]}
    assert ids(client, f"ទឹក{ZWSP}ឃ្មុំ") == {searchable["zwsp"]}
    assert ids(client, f"ប្រ{ZWSP}ទេស") == {searchable["khmer"]}


def test_digits_and_stemming(app: Flask, searchable: dict[str, str]) -> None:
    client = app.test_client()
    assert ids(client, "២០១៤") == {searchable["khmer"]}
    assert ids(client, "2014") == {searchable["khmer"]}
    assert ids(client, "discrimination") == {searchable["khmer"]}
    assert ids(client, "discriminating", language="en") == {searchable["khmer"]}
    assert ids(client, "discrimination", language="km") == set()  # the English version only


def test_latin_combining_marks_match_nfc(app: Flask, searchable: dict[str, str]) -> None:
    composed = unicodedata.normalize("NFC", "Ama\u0306")
    assert composed != "Ama\u0306"  # ă has a precomposed form
    client = app.test_client()
    assert ids(client, composed) == {searchable["khmer"]}
    assert ids(client, "ni\u0306") == {searchable["khmer"]}
    assert ids(client, "kơ") == {searchable["khmer"]}


def test_phrases_boolean_and_prefix(app: Flask, searchable: dict[str, str]) -> None:
    client = app.test_client()
    assert ids(client, '"against her"') == {searchable["khmer"]}
    assert ids(client, '"her against"') == set()
    assert ids(client, "clinic NOT discriminated") == set()
    assert ids(client, "clinic OR ទឹកឃ្មុំ") == set(searchable.values())
    assert ids(client, "clin*") == {searchable["khmer"]}


def test_result_shape_and_highlight(app: Flask, searchable: dict[str, str]) -> None:
    answer = app.test_client().get("/api/v1/search", query_string={"q": "clinic"}).get_json()
    assert set(answer) == {"query", "total", "page", "per_page", "results", "facets"}
    (result,) = answer["results"]
    assert result["language"] == "en"
    assert sorted(result["other_languages"]) == ["jra-Latn", "km"]
    assert "<mark>clinic</mark>" in result["snippet"]
    assert result["url"] == f"/t/{searchable['khmer']}?version=en"
    assert answer["facets"]["identity_group"] == {"indigenous": 1}
    assert answer["facets"]["language"] == {"en": 1}


def test_snippets_escape_everything_but_marks(app: Flask) -> None:
    with app.app_context():
        make_testimony(T("xss", versions=[V("en", body="A <script>alert(1)</script> ocelot")],
                         languages=["en"]))  # fmt: skip
        drain_now()
    result = app.test_client().get("/api/v1/search?q=ocelot").get_json()["results"][0]
    assert "<script>" not in result["snippet"]
    assert "&lt;script&gt;" in result["snippet"] and "<mark>ocelot</mark>" in result["snippet"]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 300},
        {"q": " ".join(f"w{i}" for i in range(40))},
        {"q": "ok", "page": "0"},
        {"q": "ok", "page": "abc"},
        {"q": "ok", "per_page": "500"},
        {"q": "ok", "sort": "random"},
        {"q": "ok", "language": "xx-Nope"},
        {"q": "ok", "identity_group": "martians"},
        {"q": "ok", "year": "20x4"},
        {"q": "NOT"},
        {"q": '((("'},
    ],
)
def test_bad_parameters_get_a_clear_400(app: Flask, params: dict[str, str]) -> None:
    client = app.test_client()
    answer = client.get("/api/v1/search", query_string={**params, "locale": "en"})
    assert answer.status_code in (200, 400), params
    if answer.status_code == 400:
        body = answer.get_json()
        assert body["error"]["status"] == 400 and body["error"]["message"]
    page = client.get("/search", query_string={**params, "locale": "en"})
    assert page.status_code in (200, 400) and "Traceback" not in page.get_data(as_text=True)


def test_limits_are_enforced(app: Flask) -> None:
    client = app.test_client()
    long = client.get("/api/v1/search", query_string={"q": "x" * 300, "locale": "en"})
    assert long.status_code == 400 and "too long" in long.get_json()["error"]["message"]
    many = client.get("/api/v1/search", query_string={"q": " ".join(["w"] * 40), "locale": "en"})
    assert many.status_code == 400 and "too many words" in many.get_json()["error"]["message"]
    assert client.get("/api/v1/search", query_string={"q": "w " * 5}).status_code == 200


def test_search_page_renders_results_facets_and_pagination(
    app: Flask, searchable: dict[str, str]
) -> None:
    with app.app_context():
        for i in range(12):
            make_testimony(T(f"many-{i}", versions=[V("en", body=f"river story {i}")],
                             languages=["en"]))  # fmt: skip
        drain_now()
    client = app.test_client()
    html = client.get("/search?q=river&locale=en").get_data(as_text=True)
    assert "12 stories found" in html and "Next page" in html and "<mark>river</mark>" in html
    second = client.get("/search?q=river&page=2&locale=en").get_data(as_text=True)
    assert "Previous page" in second
    assert "Type a word" not in client.get("/search?locale=en").get_data(as_text=True)


def test_healthz_reports_backlog_without_content(app: Flask, searchable: dict[str, str]) -> None:
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"database": "ok", "index_backlog": 0}
    with app.app_context():
        make_testimony(T("pending", versions=[V("en", body="pending text")], languages=["en"]))
    body = client.get("/healthz").get_json()
    assert body["index_backlog"] > 0 and set(body) == {"database", "index_backlog"}


def test_index_format_mismatch_rebuilds(app: Flask, searchable: dict[str, str]) -> None:
    with app.app_context():
        tiers = store()
        state = tiers.state(Tier.PUBLIC)
        state.format = "an-older-format"
        tiers.save_state(Tier.PUBLIC, state)
        old = tiers.link(Tier.PUBLIC).resolve()
        assert not tiers.is_current(Tier.PUBLIC)
        drain_now()
        assert tiers.is_current(Tier.PUBLIC)
        assert tiers.link(Tier.PUBLIC).resolve() != old and not old.exists()
        assert verify(tiers) == []
    assert ids(app.test_client(), "clinic") == {searchable["khmer"]}


def test_cli_index_commands(app: Flask, searchable: dict[str, str]) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["index", "verify"]).exit_code == 0
    rebuilt = runner.invoke(args=["index", "rebuild"])
    assert rebuilt.exit_code == 0 and "2 testimonies" in rebuilt.output
    with app.app_context():
        make_testimony(T("late", versions=[V("en", body="late text")], languages=["en"]))
    failed = runner.invoke(args=["index", "verify"])
    assert failed.exit_code == 1 and "not applied" in failed.output
    assert "Applied" in runner.invoke(args=["index", "drain"]).output
    assert runner.invoke(args=["index", "verify"]).exit_code == 0


def test_tier_state_tracks_gaps() -> None:
    state = TierState(low_water=10)
    state.mark({12, 13}, gap_timeout=60, now=1000.0)
    assert state.low_water == 10 and state.is_done(12) and not state.is_done(11)
    state.mark({11}, gap_timeout=60, now=1001.0)  # the lower number committed later
    assert state.low_water == 13 and state.done == set() and state.gaps == {}
    state.mark({15}, gap_timeout=60, now=2000.0)
    assert state.low_water == 13 and 14 in state.gaps
    state.mark(set(), gap_timeout=60, now=2061.0)  # a rolled-back number is given up
    assert state.low_water == 15
    assert TierState.from_json(state.to_json()) == state
    assert json.loads(state.to_json())["low_water"] == 15
