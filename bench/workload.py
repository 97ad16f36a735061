"""The queries the benchmark times: six kinds, Khmer and English, drawn from the corpus.

Every query is built from the seeded corpus, not typed by hand, so the terms vary from one
repetition to the next (no repeated term warms any cache) and phrases really occur.
"""

import math
import random
from dataclasses import dataclass, field

from corpus import PROVINCES, TestimonySpec, Vocabulary, make_testimony

from archive.seed_data import VOCABULARIES

KINDS = ("one word", "two words", "phrase", "word + filter", "facet counts", "highlight top 10")
# Facet-count queries rotate over these: the empty search (browse everything), a browse by one
# filter, and one of the most frequent words (a broad query with large facet counts).
BROAD_WORDS = 10
FILTER_FACETS = (*VOCABULARIES, "province")


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    text: str  # the user's query string ("" = browse by filters)
    leaves: tuple[str, ...]  # its words or phrase, for the FTS5 MATCH expression
    language: str  # the language of its terms ("" for a browse)
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def variant(self) -> str:
        """ "km" or "en"; for a browse "browse all" or "browse by filter"."""
        if self.text:
            return self.language
        return "browse by filter" if self.filters else "browse all"


@dataclass
class QueryFactory:
    seed: int
    size: int
    khmer_share: float
    vocab: Vocabulary
    rng: random.Random

    def language(self, i: int) -> str:
        return "km" if i % 2 == 0 else "en"  # half Khmer, half English

    def word(self, language: str) -> str:
        return self.rng.choice(self.vocab.query_words(language))

    def filter(self) -> dict[str, list[str]]:
        facet = self.rng.choice(FILTER_FACETS)
        if facet == "province":
            return {facet: [self.rng.choice([p for p, _ in PROVINCES])]}
        return {facet: [self.rng.choice(VOCABULARIES[facet])["slug"]]}

    def words(self, kind: str, i: int, n: int) -> BenchQuery:
        lang = self.language(i)
        words = tuple(self.word(lang) for _ in range(n))
        return BenchQuery(kind, " ".join(words), words, lang)

    def phrase(self, i: int) -> BenchQuery:
        """Two or three consecutive words of a real sentence (inside one Khmer phrase)."""
        lang = self.language(i)
        while True:
            number = self.rng.randrange(self.size)
            spec = make_testimony(self.seed, number, self.vocab, self.khmer_share)
            found = _phrase_in(spec, lang, self.rng)
            if found is not None:
                text = ("" if lang == "km" else " ").join(found)
                return BenchQuery("phrase", f'"{text}"', (text,), lang)

    def facet_counts(self, i: int) -> BenchQuery:
        kind = "facet counts"
        if i % 3 == 0:
            return BenchQuery(kind, "", (), "")
        if i % 3 == 1:
            return BenchQuery(kind, "", (), "", self.filter())
        lang = self.language(i // 3)
        broad = [w for w in self.vocab.words(lang) if len(w) >= 2][:BROAD_WORDS]
        word = self.rng.choice(broad)
        return BenchQuery(kind, word, (word,), lang)

    def make(self, kind: str, i: int) -> BenchQuery:
        if kind == "one word":
            return self.words(kind, i, 1)
        if kind == "two words":
            return self.words(kind, i, 2)
        if kind == "phrase":
            return self.phrase(i)
        if kind == "word + filter":
            query = self.words(kind, i, 1)
            return BenchQuery(kind, query.text, query.leaves, query.language, self.filter())
        if kind == "facet counts":
            return self.facet_counts(i)
        return self.words(kind, i, 1 + i % 2)  # highlight: one or two words


def _phrase_in(spec: TestimonySpec, language: str, rng: random.Random) -> list[str] | None:
    version = next((v for v in spec.versions if v.language == language), None)
    if version is None:
        return None
    sentences = [s for paragraph in version.text for s in paragraph]
    phrases = [p for s in rng.sample(sentences, min(5, len(sentences))) for p in s if len(p) >= 2]
    if not phrases:
        return None
    phrase = rng.choice(phrases)
    n = min(len(phrase), rng.randint(2, 3))
    start = rng.randrange(len(phrase) - n + 1)
    return phrase[start : start + n]


def build_queries(
    seed: int, size: int, khmer_share: float, vocab: Vocabulary, per_kind: int
) -> list[BenchQuery]:
    """Return per_kind queries of every kind (deterministic for the seed and size)."""
    factory = QueryFactory(seed, size, khmer_share, vocab, random.Random(f"queries:{seed}:{size}"))
    return [factory.make(kind, i) for kind in KINDS for i in range(per_kind)]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
