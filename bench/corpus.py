"""A seeded synthetic archive for the search benchmark: vocabulary, testimonies, bulk insert.

Khmer vocabulary comes from the real Khmer of the demo archive (segmented with the archive's
own khmercut wrapper), English vocabulary from its English versions, each with its observed
frequency, so common words are common and rare words rare. Khmer text is built the way Khmer
is written: words concatenated with no separator, a space only between phrases; it is never
pre-segmented, so the indexer has to segment it like real text.

Testimony i depends only on (seed, i): the 1,000-testimony corpus is the first 1,000 of the
10,000 one, and a query builder can regenerate any testimony to draw a phrase from it.
"""

import base64
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from archive.models import (
    Consent,
    Revision,
    Testimony,
    User,
    Version,
    VocabularyTerm,
    consent_languages,
    testimony_terms,
)
from archive.seed_data import VOCABULARIES
from archive.services.demo import demo_file_bytes
from archive.text.khmer import segment_words, split_runs

# Shares of the synthetic archive (fractions of testimonies unless said otherwise).
KHMER_WITH_ENGLISH = 0.8  # Khmer originals that also have an English translation
PUBLISHED, IN_REVIEW = 0.88, 0.04  # the rest are drafts
CONSENT_LEVELS = (("public", 0.60), ("researchers", 0.25), ("staff", 0.15))
ORIGINAL_LANGUAGE_ONLY = 0.10  # bilingual testimonies whose consent covers one language
# Revisions of a version: approved only; approved then a newer draft; a draft only.
APPROVED_ONLY, APPROVED_THEN_DRAFT = 0.85, 0.08
PROVINCES = (
    ("Ratanakiri", 0.70),
    ("Mondulkiri", 0.10),
    ("Stung Treng", 0.08),
    ("Phnom Penh", 0.07),
    ("Kratie", 0.05),
)
YEARS = range(2012, 2026)
MIN_WORDS, MAX_WORDS = 300, 1500
# How many terms of each vocabulary a testimony carries (inclusive range).
TAG_COUNTS = {
    "identity_group": (1, 2),
    "discrimination_type": (1, 2),
    "setting": (1, 2),
    "need": (1, 3),
}

_LATIN_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Vocabulary:
    """Words with their frequencies in the demo archive, most frequent first."""

    khmer: list[str]
    khmer_weights: list[int]
    english: list[str]
    english_weights: list[int]

    def words(self, language: str) -> list[str]:
        return self.khmer if language == "km" else self.english

    def query_words(self, language: str) -> list[str]:
        """Words worth searching for: two characters or more (not "a", not the sign ៗ)."""
        return [w for w in self.words(language) if len(w) >= 2]


def load_vocabulary() -> Vocabulary:
    """Return the Khmer and English vocabulary of the bundled demo archive (deterministic)."""
    khmer: Counter[str] = Counter()
    english: Counter[str] = Counter()
    for line in demo_file_bytes().decode("utf-8").splitlines():
        if not line.strip():
            continue
        for version in json.loads(line)["versions"]:
            text = " ".join((version["title"], version.get("summary", ""), version["body"]))
            for run, _start, _end, is_khmer in split_runs(text):
                if is_khmer:
                    khmer.update(w for w in segment_words(run) if not w.isdigit())
                elif version["language"] == "en":
                    english.update(w.lower() for w in _LATIN_WORD.findall(run))
    kh = sorted(khmer.items(), key=lambda item: (-item[1], item[0]))
    en = sorted(english.items(), key=lambda item: (-item[1], item[0]))
    return Vocabulary(
        [w for w, _ in kh], [n for _, n in kh], [w for w, _ in en], [n for _, n in en]
    )


# A text as paragraphs of sentences of phrases of words: the structure a query builder needs
# to pick a phrase that really occurs. English sentences are one phrase each.
Text = list[list[list[list[str]]]]


@dataclass
class RevisionSpec:
    status: str
    title: str
    summary: str
    body: str


@dataclass
class VersionSpec:
    language: str
    kind: str
    text: Text
    revisions: list[RevisionSpec] = field(default_factory=list)


@dataclass
class TestimonySpec:
    number: int
    public_id: str
    status: str
    province: str
    recorded_on: date
    published_at: datetime | None
    level: str
    languages: list[str]
    tags: dict[str, list[str]]
    versions: list[VersionSpec]

    @property
    def has_khmer(self) -> bool:
        return any(v.language == "km" for v in self.versions)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    values = [v for v, _ in weighted]
    return rng.choices(values, [w for _, w in weighted])[0]


def _words(rng: random.Random, vocab: Vocabulary, language: str, n: int) -> list[str]:
    if language == "km":
        return rng.choices(vocab.khmer, vocab.khmer_weights, k=n)
    return rng.choices(vocab.english, vocab.english_weights, k=n)


def _text(rng: random.Random, vocab: Vocabulary, language: str, n_words: int) -> Text:
    """Paragraphs of 3-7 sentences; a Khmer sentence is 1-4 phrases of 2-8 words."""
    paragraphs: Text = []
    left = n_words
    while left > 0:
        paragraph: list[list[list[str]]] = []
        for _ in range(rng.randint(3, 7)):
            if language == "km":
                sizes = [rng.randint(2, 8) for _ in range(rng.randint(1, 4))]
            else:
                sizes = [rng.randint(6, 18)]
            sentence = [_words(rng, vocab, language, k) for k in sizes]
            paragraph.append(sentence)
            left -= sum(sizes)
            if left <= 0:
                break
        paragraphs.append(paragraph)
    return paragraphs


def render_sentence(sentence: list[list[str]], language: str) -> str:
    """Khmer: words glued, phrases spaced, ends with ។ ; English: a capitalised sentence."""
    if language == "km":
        return " ".join("".join(phrase) for phrase in sentence) + "។"
    words = [w for phrase in sentence for w in phrase]
    return " ".join([words[0].capitalize(), *words[1:]]) + "."


def render_body(text: Text, language: str) -> str:
    """The Markdown body: sentences joined by a space, paragraphs by a blank line."""
    return "\n\n".join(
        " ".join(render_sentence(s, language) for s in paragraph) for paragraph in text
    )


def _line(rng: random.Random, vocab: Vocabulary, language: str, low: int, high: int) -> str:
    words = _words(rng, vocab, language, rng.randint(low, high))
    if language == "km":
        cut = len(words) // 2  # one space in the middle, as a Khmer title often has
        return "".join(words[:cut]) + " " + "".join(words[cut:])
    return " ".join([words[0].capitalize(), *words[1:]])


def _revisions(rng: random.Random, vocab: Vocabulary, spec: VersionSpec) -> list[RevisionSpec]:
    lang = spec.language
    title = _line(rng, vocab, lang, 3, 7)
    summary = _line(rng, vocab, lang, 12, 30)
    body = render_body(spec.text, lang)
    roll = rng.random()
    if roll < APPROVED_ONLY:
        return [RevisionSpec("approved", title, summary, body)]
    if roll < APPROVED_ONLY + APPROVED_THEN_DRAFT:
        extra = render_body(_text(rng, vocab, lang, rng.randint(20, 60)), lang)
        return [
            RevisionSpec("approved", title, summary, body),
            RevisionSpec("draft", title, summary, f"{body}\n\n{extra}"),
        ]
    return [RevisionSpec("draft", title, summary, body)]


def _public_id(rng: random.Random) -> str:
    # Like models.new_public_id (128 bits, URL-safe) but reproducible from the seed.
    return base64.urlsafe_b64encode(rng.randbytes(16)).decode("ascii").rstrip("=")


def _tags(rng: random.Random) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kind, (low, high) in TAG_COUNTS.items():
        slugs = [item["slug"] for item in VOCABULARIES[kind]]
        out[kind] = rng.sample(slugs, rng.randint(low, high))
    return out


def _status(rng: random.Random) -> str:
    roll = rng.random()
    return (
        "published"
        if roll < PUBLISHED
        else "in_review"
        if roll < PUBLISHED + IN_REVIEW
        else "draft"
    )


def make_testimony(seed: int, number: int, vocab: Vocabulary, khmer_share: float) -> TestimonySpec:
    """Return testimony `number` of the corpus of `seed` (independent of the corpus size)."""
    rng = random.Random(f"{seed}:{number}")
    khmer = rng.random() < khmer_share
    n_words = rng.randint(MIN_WORDS, MAX_WORDS)
    versions = [VersionSpec("km" if khmer else "en", "original", [])]
    if khmer and rng.random() < KHMER_WITH_ENGLISH:
        versions.append(VersionSpec("en", "translation", []))
    for v in versions:
        v.text = _text(rng, vocab, v.language, n_words)
        v.revisions = _revisions(rng, vocab, v)
    languages = [v.language for v in versions]
    if len(languages) > 1 and rng.random() < ORIGINAL_LANGUAGE_ONLY:
        languages = languages[:1]
    year = rng.choice(YEARS)
    recorded = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    status = _status(rng)
    published = datetime(year, 12, 31, 12) if status == "published" else None
    return TestimonySpec(
        number=number,
        public_id=_public_id(rng),
        status=status,
        province=_pick(rng, PROVINCES),
        recorded_on=recorded,
        published_at=published,
        level=_pick(rng, CONSENT_LEVELS),
        languages=languages,
        tags=_tags(rng),
        versions=versions,
    )


def corpus(seed: int, size: int, vocab: Vocabulary, khmer_share: float) -> Iterator[TestimonySpec]:
    """Yield the testimonies 0..size-1 of the corpus, in order."""
    for number in range(size):
        yield make_testimony(seed, number, vocab, khmer_share)


# --- Inserting into the real tables ---------------------------------------------------------


@dataclass
class Rows:
    """Rows of one batch, by table (Core executemany per table keeps the insert fast)."""

    testimonies: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    consent_languages: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    terms: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Inserter:
    """Turns specs into valid rows for the real models, with explicit, sequential ids."""

    term_ids: dict[tuple[str, str], int]
    next_version: int = 1
    next_revision: int = 1
    stats: Counter[str] = field(default_factory=Counter)

    @classmethod
    def for_connection(cls, conn: Connection) -> "Inserter":
        rows = conn.execute(select(VocabularyTerm.kind, VocabularyTerm.slug, VocabularyTerm.id))
        return cls({(kind, slug): tid for kind, slug, tid in rows})

    def add(self, spec: TestimonySpec, rows: Rows) -> None:
        tid = spec.number + 1
        rows.testimonies.append(
            {
                "id": tid,
                "public_id": spec.public_id,
                "ref": f"bench-{spec.number:07d}",
                "recorded_on": spec.recorded_on,
                "province": spec.province,
                "status": spec.status,
                "original_language": spec.versions[0].language,
                "published_at": spec.published_at,
            }
        )
        rows.consents.append(
            {
                "id": tid,
                "testimony_id": tid,
                "level": spec.level,
                "given_on": spec.recorded_on,
                "method": "oral-recorded",
                "count_in_statistics": True,
            }
        )
        rows.consent_languages += [{"consent_id": tid, "language_tag": t} for t in spec.languages]
        rows.terms += [
            {"testimony_id": tid, "term_id": self.term_ids[(kind, slug)]}
            for kind, slugs in spec.tags.items()
            for slug in slugs
        ]
        original_id: int | None = None
        for version in spec.versions:
            vid = self._version(tid, version, original_id, rows)
            original_id = original_id or vid
        self.stats["testimonies"] += 1
        self.stats["with_khmer"] += spec.has_khmer

    def _version(self, tid: int, v: VersionSpec, source: int | None, rows: Rows) -> int:
        vid = self.next_version
        self.next_version += 1
        rows.versions.append(
            {
                "id": vid,
                "testimony_id": tid,
                "language": v.language,
                "kind": v.kind,
                "translated_from_id": source,
            }
        )
        for number, revision in enumerate(v.revisions, start=1):
            rows.revisions.append(
                {
                    "id": self.next_revision,
                    "version_id": vid,
                    "number": number,
                    "title": revision.title,
                    "summary": revision.summary,
                    "body": revision.body,
                    "status": revision.status,
                }
            )
            self.next_revision += 1
            self.stats[f"chars_{v.language}"] += len(revision.body)
        self.stats[f"versions_{v.language}"] += 1
        return vid


def insert_rows(conn: Connection, rows: Rows) -> None:
    """Insert one batch in foreign-key order (Core applies the models' Python defaults)."""
    for table, values in (
        (Testimony.__table__, rows.testimonies),
        (Consent.__table__, rows.consents),
        (consent_languages, rows.consent_languages),
        (testimony_terms, rows.terms),
        (Version.__table__, rows.versions),
        (Revision.__table__, rows.revisions),
    ):
        if values:
            conn.execute(insert(table), values)


# The benchmark's users by name: role. An author cannot approve their own revision, so
# changes are written by "editor" and approved by "reviewer".
BENCH_USERS = {"editor": "editor", "reviewer": "editor", "researcher": "researcher"}


def insert_users(conn: Connection) -> dict[str, int]:
    """Add the benchmark's users (BENCH_USERS); return {name: id}. They cannot log in."""
    ids = {}
    for name, role in BENCH_USERS.items():
        # "!" is no Argon2 hash: nobody can log in as these users.
        values = {"email": f"bench-{name}@bench.invalid", "password_hash": "!", "role": role}
        result = conn.execute(insert(User.__table__).values(**values))
        ids[name] = int(result.inserted_primary_key[0])
    return ids
