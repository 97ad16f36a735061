"""parse_user_query against a real Whoosh index: Khmer, variants, operators, injections."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.index import Index, create_in
from whoosh.query import Term

from archive.search.query import QueryError, parse_user_query, query_terms_for_highlight
from archive.search.schema import make_schema

TEXT_FIELDS = {"words", "shingles", "clusters", "stemmed"}


def _index(tmp_path: Path, docs: dict[str, tuple[str, str]]) -> Index:
    """Index {doc id: (language, text)} the way the tiers do: stemmed only for English."""
    ix = create_in(str(tmp_path), make_schema())
    writer = ix.writer()
    for doc, (language, text) in docs.items():
        fields = {"doc": doc, "testimony": f"t{doc}", "language": language}
        fields |= {"words": text, "shingles": text, "clusters": text}
        if language == "en":
            fields["stemmed"] = text
        writer.add_document(**fields)
    writer.commit()
    return ix


def _hits(ix: Index, q: str, **kwargs: object) -> set[str]:
    with ix.searcher() as searcher:
        return {hit["doc"] for hit in searcher.search(parse_user_query(q, **kwargs), limit=None)}


def _raw_hits(ix: Index, query: Term) -> set[str]:
    with ix.searcher() as searcher:
        return {hit["doc"] for hit in searcher.search(query, limit=None)}


def test_word_inside_unspaced_khmer_is_found(tmp_path: Path) -> None:
    ix = _index(tmp_path, {"love": ("km", "ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជា"), "market": ("km", "ខ្ញុំទៅផ្សារ")})
    assert _hits(ix, "ប្រទេស") == {"love"}
    assert _hits(ix, "ខ្ញុំ") == {"love", "market"}


def test_word_glued_by_the_segmenter_is_found_through_clusters(tmp_path: Path) -> None:
    ix = _index(tmp_path, {"minister": ("km", "លោករដ្ឋមន្ត្រីបានមកលេង"), "other": ("km", "ខ្ញុំទៅផ្សារ")})
    # The segmenter keeps រដ្ឋមន្ត្រី whole, so the words field alone misses មន្ត្រី...
    assert _raw_hits(ix, Term("words", "មន្ត្រី")) == set()
    assert _raw_hits(ix, Term("words", "រដ្ឋមន្ត្រី")) == {"minister"}
    # ...and the cluster field recovers it.
    assert _hits(ix, "មន្ត្រី") == {"minister"}


@pytest.mark.parametrize("query", ["ស្ត្រី", "ស្រ្តី", "ស្ដ្រី"])
def test_woman_spellings_match_each_other(tmp_path: Path, query: str) -> None:
    docs = {
        "ta": ("km", "ស្ត្រីជាច្រើននាក់"),
        "ro": ("km", "ស្រ្តីជាច្រើននាក់"),
        "da": ("km", "ស្ដ្រីជាច្រើននាក់"),
        "none": ("km", "បុរសជាច្រើននាក់"),
    }
    ix = _index(tmp_path, docs)
    assert _hits(ix, query) == {"ta", "ro", "da"}


def test_zwsp_in_document_or_query_changes_nothing(tmp_path: Path) -> None:
    docs = {"zwsp": ("km", "ខ្ញុំ\u200bស្រឡាញ់\u200bប្រទេស"), "plain": ("km", "ខ្ញុំស្រឡាញ់ប្រទេស")}
    ix = _index(tmp_path, docs)
    assert _hits(ix, "ស្រឡាញ់ប្រទេស") == {"zwsp", "plain"}
    assert _hits(ix, "ស្រឡាញ់\u200bប្រទេស") == {"zwsp", "plain"}
    assert _hits(ix, "ផ្សារ") == set()  # control: not everything matches


def test_khmer_and_ascii_digits_match(tmp_path: Path) -> None:
    docs = {"km": ("km", "ឆ្នាំ២០១៤"), "en": ("en", "In 2014 she moved."), "x": ("en", "In 2015.")}
    ix = _index(tmp_path, docs)
    assert _hits(ix, "2014") == {"km", "en"}
    assert _hits(ix, "២០១៤") == {"km", "en"}


def test_english_stemming(tmp_path: Path) -> None:
    docs = {
        "ed": ("en", "They discriminated against her."),
        "ion": ("en", "Discrimination at the health centre."),
        "no": ("en", "She found decent work."),
    }
    ix = _index(tmp_path, docs)
    assert _hits(ix, "discrimination") == {"ed", "ion"}
    assert _hits(ix, "discriminating") == {"ed", "ion"}
    assert _hits(ix, "work") == {"no"}


def test_jarai_breve_decomposed_matches_composed(tmp_path: Path) -> None:
    docs = {
        "decomposed": ("jra-Latn", "bri\u0306 hmo\u031b\u0306"),  # i + breve; o + horn + breve
        "composed": ("jra-Latn", "brĭ hmơ\u0306"),
        "plain": ("jra-Latn", "bri hmo"),
    }
    ix = _index(tmp_path, docs)
    assert _hits(ix, "brĭ") == {"decomposed", "composed"}
    assert _hits(ix, "bri\u0306") == {"decomposed", "composed"}
    assert _hits(ix, "HMƠ\u0306") == {"decomposed", "composed"}
    assert _hits(ix, "bri") == {"plain"}


def test_phrase_matches_only_in_order(tmp_path: Path) -> None:
    docs = {
        "fwd": ("en", "women living with HIV in Ratanakiri"),
        "rev": ("en", "HIV living with women"),
        "km_fwd": ("km", "ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជា"),
        "km_rev": ("km", "ប្រទេសកម្ពុជាស្រឡាញ់ខ្ញុំ"),
        # Both word pairs of the phrase, but not one after the other (phrases use word pairs).
        "pairs": ("en", "living with friends, then with HIV"),
    }
    ix = _index(tmp_path, docs)
    assert _hits(ix, '"living with HIV"') == {"fwd"}
    assert _hits(ix, '"living with"') == {"fwd", "rev", "pairs"}  # control: one pair
    assert _hits(ix, "living with HIV") == {"fwd", "rev", "pairs"}  # control: unquoted is AND
    assert _hits(ix, '"ខ្ញុំ ស្រឡាញ់"') == {"km_fwd"}
    assert _hits(ix, "ខ្ញុំស្រឡាញ់") == {"km_fwd"}  # an unspaced word is a phrase too
    assert _hits(ix, "ខ្ញុំ ស្រឡាញ់") == {"km_fwd", "km_rev"}


def test_boolean_operators(tmp_path: Path) -> None:
    docs = {
        "both": ("en", "women with HIV"),
        "women": ("en", "women at work"),
        "hiv": ("en", "HIV clinic"),
    }
    ix = _index(tmp_path, docs)
    assert _hits(ix, "women") == {"both", "women"}
    assert _hits(ix, "women NOT HIV") == {"women"}
    assert _hits(ix, "women AND HIV") == {"both"}
    assert _hits(ix, "women OR HIV") == {"both", "women", "hiv"}
    # "women" (excluded) is in document 0, before the first "work" or "clinic": whoosh's own
    # AndNot matcher lets document 1 through in that case.
    assert _hits(ix, "(work OR clinic) NOT women") == {"hiv"}
    assert _hits(ix, "clinic OR NOT women") == {"hiv"}
    assert _hits(ix, "women or HIV") == set()  # lowercase "or" is a required word, in no doc


def test_prefix(tmp_path: Path) -> None:
    docs = {
        "en": ("en", "Discrimination at school"),
        "km": ("km", "ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជា"),
        "x": ("en", "a day"),
    }
    ix = _index(tmp_path, docs)
    assert _hits(ix, "discrim*") == {"en"}
    assert _hits(ix, "discrim") == set()  # control: without the star it is a whole word
    assert _hits(ix, "ប្រទេ*") == {"km"}
    assert _hits(ix, "d*") == set()  # one letter is not a prefix: the word "d"


def test_field_syntax_is_plain_words(tmp_path: Path) -> None:
    docs = {
        "1": ("km", "ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជា"),
        "said": ("en", "The language: km is spoken here."),
        "consent": ("en", "consent withdrawn later"),
        "x": ("en", "x marks"),
    }
    ix = _index(tmp_path, docs)
    assert _raw_hits(ix, Term("language", "km")) == {"1"}  # control: the field is indexed
    assert _hits(ix, "language:km") == {"said"}  # words in the text, never the field
    assert _hits(ix, "doc:1") == set()
    assert _raw_hits(ix, Term("doc", "1")) == {"1"}
    assert _hits(ix, "x) OR (consent:withdrawn") == {"x", "consent"}
    with pytest.raises(QueryError) as caught:
        parse_user_query("*:*")
    assert caught.value.code == "empty"


def test_languages_restrict(tmp_path: Path) -> None:
    docs = {"km": ("km", "HIV ស្ត្រី"), "en": ("en", "HIV women"), "jra": ("jra-Latn", "HIV")}
    ix = _index(tmp_path, docs)
    assert _hits(ix, "HIV") == {"km", "en", "jra"}
    assert _hits(ix, "HIV", languages=["km", "jra-Latn"]) == {"km", "jra"}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("*** ... ()", "empty"),
        ("NOT women", "empty"),
        ("a" * 257, "too_long"),
        (" ".join(f"w{i}" for i in range(17)), "too_many_terms"),
    ],
)
def test_query_errors(query: str, code: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_user_query(query)
    assert caught.value.code == code


def test_limits_are_keyword_arguments() -> None:
    parse_user_query("a" * 256)
    parse_user_query(" ".join(f"w{i}" for i in range(16)))
    with pytest.raises(QueryError):
        parse_user_query("a b c", max_terms=2)
    with pytest.raises(QueryError):
        parse_user_query("abcdef", max_chars=5)


def test_malformed_input_degrades_to_words(tmp_path: Path) -> None:
    ix = _index(tmp_path, {"w": ("en", "women with HIV"), "o": ("en", "other")})
    for query in [
        '"women',
        "women)",
        "(women",
        "women AND",
        "OR women",
        "women NOT",
        "NOT NOT women",
    ]:
        assert "w" in _hits(ix, query), query
    assert _hits(ix, "NOT") == set()  # only an operator: searched as the word "not"


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    *["AND", "OR", "NOT", "(", ")", '"', "*", ":", "*:*", "doc:", "language:km"],
                    *["ស្ត្រី", "ការ", "x", " ", "\u200b", "“", "^2", "~", "[a TO z]", "\\"],
                ]
            ),
            st.text(max_size=6),
        ),
        max_size=20,
    ).map(" ".join)
)
def test_any_input_gives_a_text_query_or_query_error(q: str) -> None:
    try:
        query = parse_user_query(q)
    except QueryError as error:
        assert error.code in {"empty", "too_long", "too_many_terms"}
        return
    assert {leaf.field() for leaf in query.leaves()} <= TEXT_FIELDS


def test_query_terms_for_highlight() -> None:
    assert query_terms_for_highlight('ស្រ្តី "Living With" discrim* NOT hiv ២០១៤ ស្ត្រី') == [
        "ស្ត្រី",
        "living with",
        "discrim*",
        "2014",
    ]
    assert query_terms_for_highlight("") == []
    assert query_terms_for_highlight("a" * 300) == []
