"""Whoosh analyzers and schema: tokens per field, picklability, versions."""

import pickle

from whoosh.fields import TEXT

from archive.search.analysis import (
    ANALYSIS_VERSION,
    cluster_analyzer,
    stem,
    stemmed_analyzer,
    word_analyzer,
)
from archive.search.schema import INDEX_FORMAT_VERSION, make_schema
from archive.text.normalize import NORMALIZATION_VERSION

SENTENCE = "ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជា"


def _tokens(analyzer, text: str, mode: str = "index") -> list[tuple[str, int]]:
    return [(t.text, t.pos) for t in analyzer(text, positions=True, mode=mode)]


def test_word_field_segments_unspaced_khmer_with_consecutive_positions() -> None:
    tokens = _tokens(word_analyzer(), SENTENCE + " ២០២៤ Ratanakiri, ស្រ្តី")
    assert tokens == [
        ("ខ្ញុំ", 0),
        ("ស្រឡាញ់", 1),
        ("ប្រទេស", 2),
        ("កម្ពុជា", 3),
        ("2024", 4),
        ("ratanakiri", 5),
        ("ស្ត្រី", 6),
    ]


def test_word_field_ignores_zwsp() -> None:
    spaced = "\u200b".join(["ខ្ញុំ", "ស្រឡាញ់", "ប្រទេស", "កម្ពុជា"])
    assert _tokens(word_analyzer(), spaced) == _tokens(word_analyzer(), SENTENCE)


def test_word_field_keeps_combining_marks_in_latin_words() -> None:
    # Python's re would split "ơ̆" at U+0306; the regex module's \p{M} keeps it in the word.
    assert [t for t, _ in _tokens(word_analyzer(), "Ơ\u0306 hmư\u0306 bri\u0306")] == [
        "ơ\u0306",
        "hmư\u0306",
        "brĭ",
    ]


def test_cluster_field_index_mode_has_unigrams_and_bigrams() -> None:
    tokens = _tokens(cluster_analyzer(), "ការ រើស")
    assert tokens == [
        ("កា", 0),
        ("ការ", 0),
        ("រ", 1),
        ("ររើ", 1),  # linked across the space: Khmer spaces separate phrases, not words
        ("រើ", 2),
        ("រើស", 2),
        ("ស", 3),
    ]


def test_cluster_field_query_mode_emits_bigram_chain() -> None:
    assert _tokens(cluster_analyzer(), "ការរើស", mode="query") == [
        ("ការ", 0),
        ("ររើ", 1),
        ("រើស", 2),
    ]
    assert _tokens(cluster_analyzer(), "ស្រ្តី", mode="query") == [("ស្ត្រី", 0)]


def test_cluster_field_breaks_groups_at_latin_words() -> None:
    index = _tokens(cluster_analyzer(), "កា HIV រ")
    assert ("ការ", 0) not in index  # no bigram across a Latin word
    assert index == [("កា", 0), ("រ", 2)]  # and a position gap marks the break
    assert _tokens(cluster_analyzer(), "កា HIV រ", mode="query") == [("កា", 0), ("រ", 2)]


def test_cluster_field_ignores_non_khmer() -> None:
    assert _tokens(cluster_analyzer(), "HIV 2014 discrimination") == []


def test_snowball_conflates_discrimination_forms() -> None:
    forms = ["discriminated", "discriminating", "discrimination", "Discriminate"]
    stems = {t for form in forms for t, _ in _tokens(stemmed_analyzer(), form)}
    assert stems == {"discrimin"}
    assert stem("women") == "women" and stem("running") == "run"


def test_stemmed_field_skips_khmer_runs() -> None:
    assert [t for t, _ in _tokens(stemmed_analyzer(), "ស្ត្រី women")] == ["women"]


def test_analyzers_and_schema_pickle() -> None:
    schema = make_schema()
    restored = pickle.loads(pickle.dumps(schema))  # noqa: S301 - our own bytes
    assert restored.names() == schema.names()
    # (Whoosh column objects have no __eq__, so compare the analyzers, which we own.)
    for name in ("words", "clusters", "stemmed"):
        assert restored[name].analyzer == schema[name].analyzer
    text = "ស្រ្តី discriminated ២០១៤"
    for name in ("words", "clusters", "stemmed"):
        assert list(restored[name].process_text(text)) == list(schema[name].process_text(text))


def test_schema_stores_ids_never_text() -> None:
    schema = make_schema()
    stored = {name for name, field in schema.items() if field.stored}
    # Ids, slugs, a date and a digest: never story text.
    assert stored == {
        "doc", "testimony", "language", "digest", "recorded_on",
        "identity_group", "discrimination_type", "setting", "need", "province", "year",
    }  # fmt: skip
    assert not any(schema[name].stored for name in ("words", "clusters", "stemmed"))
    assert all(isinstance(schema[name], TEXT) for name in ("words", "clusters", "stemmed"))
    assert schema["words"].format.field_boost == 3.0
    assert schema["recorded_on"].column_type is not None
    assert schema["published_at"].column_type is not None


def test_versions_chain() -> None:
    assert NORMALIZATION_VERSION in ANALYSIS_VERSION
    assert "khmercut-0.2.0" in ANALYSIS_VERSION
    assert ANALYSIS_VERSION in INDEX_FORMAT_VERSION
