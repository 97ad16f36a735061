"""Normalisation (KHMER.md's seven steps), offset maps and Khmer run/cluster/word helpers."""

import importlib.util
import itertools
import subprocess
import sys
import unicodedata
from pathlib import Path

import pheasa
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.text.khmer import clusters, is_khmer, linked_clusters, segment_words, split_runs
from archive.text.normalize import NORMALIZATION_VERSION, normalize, normalize_with_map

WOMAN = "ស្ត្រី"  # canonical: coeng TA, then coeng RO
WOMAN_RO_FIRST = "ស្រ្តី"  # coeng RO typed first
WOMAN_DA = "ស្ដ្រី"  # coeng DA instead of coeng TA


def test_woman_spellings_share_one_key() -> None:
    assert WOMAN != WOMAN_RO_FIRST != WOMAN_DA  # really three byte sequences
    assert normalize(WOMAN_RO_FIRST) == normalize(WOMAN_DA) == normalize(WOMAN) == WOMAN


def test_right_with_vowel_before_coeng_is_reordered() -> None:
    assert normalize("សិទិ្ធ") == normalize("សិទ្ធិ") == "សិទ្ធិ"


def test_coeng_da_folds_to_coeng_ta() -> None:
    assert normalize("ឧត្ដម") == "ឧត្តម"


def test_split_vowel_is_joined() -> None:
    assert normalize("កេា") == "កោ"  # េ + ា typed separately → ោ


def test_invisible_characters_are_deleted_not_spaced() -> None:
    for mark in "\u200b\u200c\u200d\u2060\ufeff\u00ad":
        assert normalize(f"ខ្ញុំ{mark}ស្រឡាញ់") == "ខ្ញុំស្រឡាញ់", hex(ord(mark))
    assert normalize("ក\u17b4") == normalize("ក\u17b5") == "ក"
    assert normalize("a\u00adb") == "ab"


def test_deprecated_independent_vowels() -> None:
    assert normalize("\u17a3") == "\u17a2"
    assert normalize("\u17a4") == "\u17a2\u17b6"


def test_every_decimal_digit_becomes_ascii() -> None:
    assert normalize("២០១៤") == "2014"  # Khmer
    assert normalize("๒๐๑๔") == "2014"  # Thai
    assert normalize("٢٠١٤") == "2014"  # Arabic-Indic
    assert normalize("\uff12\uff10\uff11\uff14") == "2014"  # fullwidth
    assert normalize("²") == "²"  # a superscript is not a decimal digit


def test_lowercase_and_nfc_for_latin() -> None:
    assert normalize("Ratanakiri HIV") == "ratanakiri hiv"
    assert normalize("i\u0306") == normalize("ĭ") == "ĭ"  # Jarai breve, composable
    assert normalize("O\u031b\u0306") == normalize("ơ̆") == "ơ\u0306"  # no precomposed form
    assert normalize("STRASSE") == normalize("Straße")
    # casefold decomposes U+01F0 (j + caron); the key is NFC again.
    assert normalize("\u01f0") == "\u01f0"
    assert unicodedata.is_normalized("NFC", normalize("\u01f0 \u0130 \u0390 Ơ\u0306"))


def test_casefold_leaves_every_khmer_code_point_alone() -> None:
    khmer = "".join(chr(c) for c in range(0x1780, 0x1800) if unicodedata.category(chr(c)) != "Cn")
    assert khmer.casefold() == khmer


def test_version_names_pheasa_and_unicode() -> None:
    assert f"pheasa-{pheasa.NORMALIZATION_VERSION}" in NORMALIZATION_VERSION
    assert unicodedata.unidata_version in NORMALIZATION_VERSION


def test_map_points_at_the_original_spelling() -> None:
    text = "ឆ្នាំ២០១៤ " + WOMAN_RO_FIRST + "\u200bជា Straße"
    key, index = normalize_with_map(text)
    assert key == normalize(text)
    start = key.index(WOMAN)
    end = start + len(WOMAN)
    assert text[index[start] : index[end]].rstrip("\u200b") == WOMAN_RO_FIRST
    k = key.index("2014")
    assert text[index[k] : index[k + 4]] == "២០១៤"
    s = key.index("strasse")
    assert text[index[s] : index[s + len("strasse")]] == "Straße"
    assert index[-1] == len(text)


def test_map_is_exact_per_cluster() -> None:
    text = "ខ្ញុំស្រឡាញ់"
    _key, index = normalize_with_map(text)
    starts = sorted(set(index[:-1]))
    assert starts == [start for _c, start, _e in clusters(text)]


_ALPHABET = st.sampled_from(
    [chr(c) for c in range(0x1780, 0x17FA)]
    + list("\u200b\u200c\u200d\u2060\ufeff\u00ad \n")
    + list("aiAIǰİß\u0306\u031b\u0301\u0345ᄀ\u1161๑٣\uff15")
)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(st.one_of(_ALPHABET, st.characters()), max_size=40))
def test_normalize_with_map_properties(text: str) -> None:
    key, index = normalize_with_map(text)
    assert key == normalize(text)
    assert normalize(key) == key  # idempotent
    assert len(index) == len(key) + 1
    assert index[-1] == len(text)
    assert all(0 <= a <= b <= len(text) for a, b in itertools.pairwise(index))


# --- archive.text.khmer ----------------------------------------------------------------------


def test_is_khmer() -> None:
    assert is_khmer("ក") and is_khmer("្") and is_khmer("᧠")
    assert not is_khmer("a") and not is_khmer("1") and not is_khmer(" ")


def test_split_runs_covers_the_text() -> None:
    text = normalize("ខ្ញុំ​ស្រឡាញ់ ២០២៤ Ratanakiri។")
    runs = split_runs(text)
    assert "".join(run for run, *_ in runs) == text
    assert [(run, k) for run, _s, _e, k in runs] == [
        ("ខ្ញុំស្រឡាញ់", True),
        (" 2024 ratanakiri", False),
        ("។", True),
    ]
    assert all(text[s:e] == run for run, s, e, _k in runs)


def test_clusters_follow_the_definition() -> None:
    found = [c for c, _s, _e in clusters("ស្ត្រីជាមន្ត្រី។")]
    assert found == ["ស្ត្រី", "ជា", "ម", "ន្ត្រី"]  # the full stop is not a cluster


def test_linked_clusters_break_on_letters_not_spaces() -> None:
    links = [linked for *_rest, linked in linked_clusters("ក ខ។គ abc ឃ")]
    assert links == [False, True, True, False]


def test_segment_words_finds_words_in_an_unspaced_run() -> None:
    assert segment_words("ខ្ញុំស្រឡាញ់ប្រទេសកម្ពុជា") == ["ខ្ញុំ", "ស្រឡាញ់", "ប្រទេស", "កម្ពុជា"]
    assert segment_words("។ ") == []
    assert "។" not in segment_words("ខ្ញុំ។ប្រទេស")


def test_khmercut_is_not_imported_with_the_module() -> None:
    # Load the file by path in a fresh interpreter: importing it must not load the CRF model.
    path = Path(importlib.util.find_spec("archive.text.khmer").origin)
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('k', {str(path)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "assert 'khmercut' not in sys.modules, 'imported at load'\n"
        "assert m.segment_words('ប្រទេសកម្ពុជា') == ['ប្រទេស', 'កម្ពុជា']\n"
        "assert 'khmercut' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
