"""Search-key normalisation: one function for indexed text and for raw query strings.

The seven steps of KHMER.md, in order:

1. NFC.
2. Delete invisible characters (ZWSP, ZWNJ, ZWJ, WORD JOINER, BOM, SOFT HYPHEN, U+17B4, U+17B5).
3. Deprecated independent vowels: U+17A3 -> U+17A2; U+17A4 -> U+17A2 U+17B6.
4. Reorder every Khmer cluster into one canonical order (pheasa: UTN #61 / SIL khnormal).
5. Coeng DA -> coeng TA (pheasa does it; we repeat it so the step cannot silently vanish).
6. Every Unicode decimal digit -> ASCII.
7. Case-fold (Khmer has no case; `str.casefold` leaves every Khmer code point alone).

The output is only ever a search key: display always uses the original text, and
`normalize_with_map` says which original character each key character came from.
"""

import functools
import re
import unicodedata

import pheasa

__all__ = ["IGNORABLE", "NORMALIZATION_VERSION", "normalize", "normalize_with_map"]

# Bump the first part whenever the output changes for any input. The Unicode version is part of
# it because NFC and casefold tables come from the running Python.
NORMALIZATION_VERSION = (
    f"archive-1;pheasa-{pheasa.NORMALIZATION_VERSION};unicode-{unicodedata.unidata_version}"
)

# Invisible characters that only mark boundaries or suppress ligatures. Deleted, never turned into
# a space: as a space ZWSP split Khmer words and broke every approach measured (KHMER.md).
IGNORABLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u17b4\u17b5"
_STEP2_3 = str.maketrans({**dict.fromkeys(IGNORABLE), "\u17a3": "\u17a2", "\u17a4": "\u17a2\u17b6"})
# Decimal digits other than ASCII. pheasa converts Khmer digits only; Thai, Lao, Arabic-Indic or
# fullwidth digits pasted from elsewhere must become the same key as 0-9.
_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")

COENG = "\u17d2"
_COENG_DA = COENG + "\u178a"
_COENG_TA = COENG + "\u178f"


def _ascii_digit(match: re.Match[str]) -> str:
    return str(unicodedata.decimal(match.group()))


def normalize(text: str) -> str:
    """Return the search key of `text` (idempotent: normalize(normalize(t)) == normalize(t)).

    Never raises for any str input.
    """
    if text.isascii():
        # Fast path: for ASCII every step but the last is the identity.
        return text.lower()
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_STEP2_3)
    # pheasa repeats NFC (needed: deleting a joiner can leave a composable pair), reorders each
    # cluster, folds split vowels and coeng DA, strips ZWSP and converts Khmer digits.
    text = pheasa.normalize(text, zwsp="strip", digits="ascii", fold_deprecated=True)
    text = text.replace(_COENG_DA, _COENG_TA)
    text = _NON_ASCII_DIGIT.sub(_ascii_digit, text)
    # casefold can leave a decomposed sequence (U+01F0 -> j + U+030C); NFC keeps the key composed.
    return unicodedata.normalize("NFC", text.casefold())


# --- Offsets --------------------------------------------------------------------------------

# A Khmer character that belongs to the cluster before it (signs, vowels, coeng) rather than
# starting a new one. Ranges from KHMER.md: U+17B6-U+17D1, U+17D3, U+17DD; plus COENG and the
# inherent vowels U+17B4/U+17B5, which step 2 deletes.
_KHMER_ATTACHED = frozenset([chr(cp) for cp in range(0x17B4, 0x17D4)] + ["\u17dd"])


def _is_khmer_base(ch: str) -> bool:
    return "\u1780" <= ch <= "\u17b3"


def _attaches(prev: str, ch: str) -> bool:
    """Does `ch` belong to the same normalisation unit as the visible character `prev`?"""
    if ch.isascii():
        return False  # never a combining mark, never composes with what precedes it
    if ch in IGNORABLE or ch in _KHMER_ATTACHED or unicodedata.combining(ch):
        return True
    if _is_khmer_base(ch):
        return prev == COENG  # the subscript consonant of a coeng pair
    # A few starters compose with the previous character under NFC (Hangul jamo, some Indic
    # vowel signs): keep them with it.
    pair = unicodedata.normalize("NFC", prev + ch)
    return pair != unicodedata.normalize("NFC", prev) + unicodedata.normalize("NFC", ch)


def _units(word: str) -> list[tuple[int, int]]:
    """Split `word` into (start, end) units: a Khmer cluster, or a character and its marks."""
    spans: list[tuple[int, int]] = []
    prev = ""
    for i, ch in enumerate(word):
        if spans and prev and _attaches(prev, ch):
            spans[-1] = (spans[-1][0], i + 1)
        elif spans and not prev:
            # Only invisible characters so far: they join the first visible character.
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
        if ch not in IGNORABLE:
            prev = ch
    return spans


@functools.lru_cache(maxsize=16384)
def _normalize_short(piece: str) -> str:
    return normalize(piece)


def _normalize_cached(piece: str) -> str:
    # Syllables and short words repeat a lot within and across texts; long pieces (an unspaced
    # Khmer phrase) rarely do and would make the cache large.
    return _normalize_short(piece) if len(piece) <= 32 else normalize(piece)


_WHITESPACE_SPLIT = re.compile(r"(\s+)")


def _map_word(word: str, offset: int, out: list[str], index: list[int], verify: bool) -> None:
    """Append the key of `word` to `out` and the original index of each key char to `index`.

    With `verify`, a word whose units do not normalise independently is mapped as a whole.
    """
    if word.isascii():
        # Every ASCII character is a unit of its own and only lowercases (see normalize).
        out.append(word.lower())
        index.extend(range(offset, offset + len(word)))
        return
    spans = _units(word)
    pieces = [_normalize_cached(word[s:e]) for s, e in spans]
    if verify and "".join(pieces) != normalize(word):
        # A rule that looks across units (pheasa keeps a cluster as typed when its sorted form
        # would pull in the next one): map the whole word to its start, coarse but exact.
        pieces, spans = [normalize(word)], [(0, len(word))]
    for (start, _end), piece in zip(spans, pieces, strict=True):
        out.append(piece)
        index.extend([offset + start] * len(piece))


def _map(text: str, verify: bool) -> tuple[str, list[int]]:
    out: list[str] = []
    index: list[int] = []
    offset = 0
    # Whitespace never takes part in any normalisation rule, so words are independent.
    for part in _WHITESPACE_SPLIT.split(text):
        if part:
            _map_word(part, offset, out, index, verify)
            offset += len(part)
    index.append(len(text))
    return "".join(out), index


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Return (normalize(text), index) where index[k] is the position in `text` of the
    character that normalised character k came from, plus a final sentinel len(text).

    The index is non-decreasing. It is exact at the granularity of a unit (a Khmer cluster, or
    a character with its combining marks): every key character of a unit maps to the unit's
    first original character, so a key span [a, b) whose ends are unit boundaries covers
    text[index[a]:index[b]] (with any deleted invisible characters at its end). Never raises.
    """
    expected = normalize(text)
    key, index = _map(text, verify=False)  # units normalised one by one (cached)
    if key != expected:
        key, index = _map(text, verify=True)  # rare: find the words that need it
    if key != expected:  # pragma: no cover - defensive: no known input reaches it
        return expected, [0] * len(expected) + [len(text)]
    return key, index
