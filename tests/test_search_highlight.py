"""highlight(): matches found on normalised text, marked on the original, everything escaped."""

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from archive.search.highlight import highlight
from archive.search.query import query_terms_for_highlight
from archive.text.khmer import clusters

_MARKED = re.compile(r"<mark>(.*?)</mark>")


def _marked(out: Markup) -> list[str]:
    return [html.unescape(m) for m in _MARKED.findall(str(out))]


def test_variant_spelling_is_marked_as_written() -> None:
    text = "គាត់ជាស្រ្តីម្នាក់ ឆ្នាំ២០១៤"
    out = highlight(text, query_terms_for_highlight("ស្ត្រី 2014"))
    assert isinstance(out, Markup)
    assert _marked(out) == ["ស្រ្តី", "២០១៤"]  # the reader's own spelling and digits


def test_zwsp_in_text_is_kept_out_of_the_mark() -> None:
    out = highlight("ខ្ញុំ\u200bស្រឡាញ់\u200bប្រទេស", ["ស្រឡាញ់"])
    assert _marked(out) == ["ស្រឡាញ់"]
    assert "ខ្ញុំ\u200b<mark>" in str(out)


def test_english_stem_and_prefix() -> None:
    text = "She was discriminated against. Discrimination is common; discreet."
    assert _marked(highlight(text, ["discrimination"])) == ["discriminated", "Discrimination"]
    assert _marked(highlight(text, ["discre*"])) == ["discreet"]
    assert _marked(highlight(text, ["discre"])) == []  # control: no star, no prefix


def test_phrase_is_marked_as_one_span_only_in_order() -> None:
    text = "HIV living with women; women living with HIV"
    assert _marked(highlight(text, ["living with hiv"])) == ["living with HIV"]


def test_khmer_word_inside_a_longer_unit_and_across_a_space() -> None:
    assert _marked(highlight("លោករដ្ឋមន្ត្រីបានមក", ["មន្ត្រី"])) == ["មន្ត្រី"]
    assert _marked(highlight("ការ រើសអើង", ["ការរើសអើង"])) == ["ការ រើសអើង"]


def test_jarai_breve_is_matched_in_either_form() -> None:
    assert _marked(highlight("ama bri\u0306 hơ", ["brĭ"])) == ["bri\u0306"]


def test_everything_is_escaped() -> None:
    out = highlight('<script>alert("x")</script> & HIV', ["hiv", "script"])
    assert str(out) == (
        "&lt;<mark>script</mark>&gt;alert(&#34;x&#34;)&lt;/<mark>script</mark>&gt;"
        " &amp; <mark>HIV</mark>"
    )


def test_no_match_returns_the_escaped_start() -> None:
    out = highlight("<b>" + "word " * 100, ["absent"], max_chars=40)
    assert "<mark>" not in out
    assert str(out).startswith("&lt;b&gt;word word")
    assert str(out).endswith("…")
    assert len(html.unescape(str(out))) <= 41


def test_window_goes_to_the_best_fragment() -> None:
    text = "alpha " * 80 + "women living with HIV " + "omega " * 80
    out = highlight(text, ["hiv", "women"], max_chars=80)
    assert _marked(out) == ["women", "HIV"]
    plain = html.unescape(_MARKED.sub(r"\1", str(out))).strip("…")
    assert len(plain) <= 80
    assert plain.startswith("alpha") and plain.endswith("omega")  # cut at spaces


def test_unspaced_khmer_is_cut_at_cluster_boundaries() -> None:
    text = "ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជា" * 30 + "ស្ត្រី" + "ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជា" * 30
    out = highlight(text, ["ស្ត្រី"], max_chars=50)
    assert _marked(out) == ["ស្ត្រី"]
    excerpt = html.unescape(_MARKED.sub(r"\1", str(out))).strip("…")
    start = text.index(excerpt)
    boundaries = {s for _c, s, _e in clusters(text)} | {len(text)}
    assert start in boundaries and start + len(excerpt) in boundaries
    assert len(excerpt) <= 50


_ALPHABET = st.sampled_from(
    list("ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជាត្ដី") + list("ab <>&\"'\u200b\u0306") + ["២០១៤", "HIV", "ស្រ្តី"]
)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    st.lists(_ALPHABET, max_size=60).map("".join),
    st.lists(st.sampled_from(["ស្ត្រី", "hiv", "ខ្ញុំ", "a*", "2014", "ab", "<"]), max_size=3),
    st.integers(min_value=5, max_value=80),
)
def test_output_is_escaped_text_of_one_window(text: str, terms: list[str], size: int) -> None:
    out = str(highlight(text, terms, max_chars=size))
    tags = re.findall(r"<[^>]*>", out)
    assert set(tags) <= {"<mark>", "</mark>"}
    excerpt = html.unescape(_MARKED.sub(r"\1", out)).removeprefix("…").removesuffix("…")
    collapsed = re.sub(r"\s+", " ", text)
    assert excerpt in collapsed
    assert len(excerpt) <= size


# --- Long texts: only the stretch the skeleton test picks is normalised -------------------

_FILLER_KM = "ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជា ការងារនៅភូមិ "
_FILLER_EN = "the harvest came late that year and the road was closed "


def test_long_khmer_text_marks_a_variant_spelling_far_inside() -> None:
    text = _FILLER_KM * 120 + "ស្រ្តី\u200bខ្មែរ" + _FILLER_KM * 120  # about 9,000 characters
    assert _marked(highlight(text, ["ស្ត្រីខ្មែរ"])) == ["ស្រ្តី\u200bខ្មែរ"]
    assert _marked(highlight(_FILLER_KM * 240, ["ស្ត្រី"])) == []  # control: absent


def test_long_english_text_marks_stem_phrase_and_prefix_near_the_end() -> None:
    text = _FILLER_EN * 150 + "She was Discriminated against while living with HIV."
    assert _marked(highlight(text, ["discrimination"])) == ["Discriminated"]
    assert _marked(highlight(text, ["living with hiv"])) == ["living with HIV"]
    assert _marked(highlight(text, ["discrim*"])) == ["Discriminated"]
    assert _marked(highlight(text, ["skies"])) == []  # control
    assert _marked(highlight(_FILLER_EN * 150 + "the sky", ["skies"])) == ["sky"]


def test_long_text_prefers_the_stretch_with_every_term() -> None:
    text = (
        "hiv " + _FILLER_EN * 60 + "women " + _FILLER_EN * 60 + "women and hiv " + _FILLER_EN * 60
    )
    assert sorted(_marked(highlight(text, ["hiv", "women"]))) == ["hiv", "women"]
    assert "women and hiv" in html.unescape(
        _MARKED.sub(r"\1", str(highlight(text, ["hiv", "women"])))
    )


def test_long_text_phrase_across_a_cut_point() -> None:
    for shift in range(0, 320, 7):  # the phrase lands on every side of a 300-char cut
        text = "x" * shift + " " + _FILLER_EN * 20 + "ការ រើសអើង " + _FILLER_EN * 20
        assert _marked(highlight(text, ["ការរើសអើង"])) == ["ការ រើសអើង"], shift


def test_long_text_without_a_match_shows_its_start() -> None:
    out = highlight(_FILLER_EN * 100, ["absent"], max_chars=60)
    assert str(out).startswith("the harvest") and "<mark>" not in str(out)


_WORDS = st.sampled_from(
    [
        *("ស្ត្រី", "ស្រ្តី", "ខ្ញុំ", "ប្រទេស", "hiv", "HIV", "women", "Women's", "២០១៤", "2014"),
        *("bri\u0306", "brĭ", "living", "lived", "skies", "sky", "the", "a", "road", "\u200b"),
    ]
)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    st.lists(_WORDS, min_size=200, max_size=400),
    st.lists(
        st.sampled_from(["ស្ត្រី", "hiv", "2014", "brĭ", "live", "sky", "wom*", "a"]),
        min_size=1,
        max_size=3,
    ),
    st.booleans(),
)
def test_long_text_finds_a_match_whenever_the_whole_text_has_one(
    words: list[str], terms: list[str], glue: bool
) -> None:
    from archive.search.highlight import _highlight

    text = ("" if glue else " ").join(words) + " " + " ".join(words)
    fast = _marked(highlight(text, terms))
    exact = _marked(_highlight(text, 0, len(text), list(dict.fromkeys(terms)), 240))
    assert bool(fast) == bool(exact)
