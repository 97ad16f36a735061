"""SQLite FTS5 over the same tier documents: the reference the benchmark compares with.

FTS5's tokenizers cannot segment Khmer (unicode61 splits at every character that is not a
letter or number, and by default Khmer vowel signs and COENG are not), so the Khmer runs are
pre-segmented with the archive's khmercut wrapper and joined with spaces, and the tokenizer is
unicode61 with marks (M*) counted as token characters. The text is the archive's normalised
search key (the same function the index uses), so spelling variants match the same way.

Per query, the reference does the work the archive's engine does: every match ranked (bm25),
grouped by testimony (total and top 10), and facet counts by GROUP BY over a tag table joined
to the matches; the highlight kind adds snippet() for the top 10.
"""

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from archive.models import Testimony, Version
from archive.policy import Tier
from archive.search.documents import IndexDocument, project
from archive.search.schema import FACET_FIELDS
from archive.text.khmer import segment_words, split_runs
from archive.text.normalize import normalize

TOKENIZER = "unicode61 categories 'L* N* Co M*'"
TIERS = tuple(t.value for t in Tier)


def segmented(text: str) -> str:
    """Return the normalised text with spaces between the khmercut words of Khmer runs."""
    parts = []
    for run, _start, _end, is_khmer in split_runs(normalize(text)):
        parts.append(f" {' '.join(segment_words(run))} " if is_khmer else run)
    return "".join(parts)


def match_expression(leaves: Iterable[str]) -> str:
    """FTS5 MATCH for user terms: each term a quoted phrase of its tokens, all ANDed."""
    phrases = []
    for leaf in leaves:
        tokens = segmented(leaf).split()
        if tokens:
            phrases.append('"' + " ".join(t.replace('"', '""') for t in tokens) + '"')
    return " AND ".join(phrases)


@dataclass
class FtsOutcome:
    total: int
    top: list[tuple[int, int, float]]  # (testimony, best doc, bm25)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    snippets: list[str] = field(default_factory=list)


# Statements with "{t}" standing for a tier's table suffix (see _sql); values are bound.
_CREATE_FTS = 'CREATE VIRTUAL TABLE fts_{t} USING fts5(body, tokenize="{tokenizer}")'
_CREATE_DOCS = "CREATE TABLE docs_{t}(id INTEGER PRIMARY KEY, testimony INTEGER, language TEXT)"
_INDEX_DOCS = "CREATE INDEX docs_{t}_t ON docs_{t}(testimony)"
_OPTIMIZE = "INSERT INTO fts_{t}(fts_{t}) VALUES ('optimize')"
_INSERT_FTS = "INSERT INTO fts_{t}(rowid, body) VALUES (?, ?)"
_INSERT_DOC = "INSERT INTO docs_{t} VALUES (?, ?, ?)"
_MATCHES = (
    "INSERT INTO temp.m SELECT f.rowid, f.rank FROM fts_{t} f"
    " JOIN docs_{t} d ON d.id = f.rowid WHERE f.fts_{t} MATCH ?"
)
_BROWSE = "INSERT INTO temp.m SELECT d.id, 0 FROM docs_{t} d WHERE 1"
# One per filtered facet: the document's testimony carries one of the values (a JSON list),
# checked per matching document through the (testimony, facet, value) index.
_FILTER = (
    " AND EXISTS (SELECT 1 FROM tags g WHERE g.testimony = d.testimony AND g.facet = ?"
    " AND g.value IN (SELECT value FROM json_each(?)))"
)
# SQLite returns the bare column m.doc from the row that holds min(score).
_RANKED = (
    "SELECT d.testimony, m.doc, min(m.score) AS s FROM temp.m m"
    " JOIN docs_{t} d ON d.id = m.doc GROUP BY d.testimony ORDER BY s"
)
_FACETS = (
    "SELECT g.facet, g.value, count(*) FROM (SELECT DISTINCT d.testimony FROM temp.m m"
    " JOIN docs_{t} d ON d.id = m.doc) x JOIN tags g ON g.testimony = x.testimony"
    " GROUP BY g.facet, g.value"
)
_LANGUAGES = (
    "SELECT 'language', d.language, count(DISTINCT d.testimony) FROM temp.m m"
    " JOIN docs_{t} d ON d.id = m.doc GROUP BY d.language"
)
_SNIPPETS = (
    "SELECT snippet(fts_{t}, 0, '<mark>', '</mark>', '…', 32) FROM fts_{t}"
    " WHERE fts_{t} MATCH ? AND rowid IN (SELECT value FROM json_each(?))"
)


def _sql(template: str, tier: str) -> str:
    """The statement for one tier. Table names cannot be bound parameters; `tier` is checked
    against the fixed tier names, so no other text can reach the SQL."""
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}")
    return template.replace("{t}", tier).replace("{tokenizer}", TOKENIZER)


class FtsReference:
    """An FTS5 database with one table per tier (as the archive has one index per tier)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path)
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS m(doc INTEGER, score REAL)")

    def create(self) -> None:
        c = self.conn
        # A scratch database rebuilt every run: no journal, no fsync.
        c.execute("PRAGMA journal_mode=OFF")
        c.execute("PRAGMA synchronous=OFF")
        c.execute("CREATE TABLE tags(testimony INTEGER, facet TEXT, value TEXT)")
        for tier in TIERS:
            c.execute(_sql(_CREATE_FTS, tier))
            c.execute(_sql(_CREATE_DOCS, tier))

    def finish(self) -> None:
        """Index the tag table and merge each FTS index into one b-tree (like optimize)."""
        c = self.conn
        c.execute("CREATE INDEX tags_by_testimony ON tags(testimony, facet, value)")
        c.execute("CREATE INDEX tags_by_value ON tags(facet, value, testimony)")
        for tier in TIERS:
            c.execute(_sql(_INDEX_DOCS, tier))
            c.execute(_sql(_OPTIMIZE, tier))
        c.commit()
        c.execute("ANALYZE")

    def build(self, session: Session, batch: int = 200) -> float:
        """Fill the tables from the database through the same projection; return seconds."""
        started = time.perf_counter()
        self.create()
        ids = list(session.scalars(select(Testimony.id).order_by(Testimony.id)))
        for start in range(0, len(ids), batch):
            query = (
                select(Testimony)
                .where(Testimony.id.in_(ids[start : start + batch]))
                .options(
                    selectinload(Testimony.versions).selectinload(Version.revisions),
                    selectinload(Testimony.terms),
                    selectinload(Testimony.consent),
                )
            )
            for testimony in session.scalars(query):
                self._add(testimony)
            session.expunge_all()
            self.conn.commit()
        self.finish()
        return time.perf_counter() - started

    def _add(self, testimony: Testimony) -> None:
        c = self.conn
        cache: dict[str, str] = {}  # a version's text is the same in most tiers: segment once
        tags_done = False
        for tier, documents in project(testimony).items():
            for d in documents:
                text = d.fields["words"]
                body = cache.get(text) or cache.setdefault(text, segmented(text))
                c.execute(_sql(_INSERT_FTS, tier.value), (int(d.doc), body))
                c.execute(
                    _sql(_INSERT_DOC, tier.value), (int(d.doc), testimony.id, d.fields["language"])
                )
                if not tags_done:  # facets are the testimony's: the same in every document
                    c.executemany("INSERT INTO tags VALUES (?, ?, ?)", _tags(testimony.id, d))
                    tags_done = True

    def size_mb(self) -> float:
        return self.path.stat().st_size / 1e6

    def search(
        self, tier: str, match: str, filters: dict[str, list[str]], *, snippets: bool = False
    ) -> FtsOutcome:
        """Run one query (match "" = browse by filters); the same work as engine.run."""
        c = self.conn
        c.execute("DELETE FROM temp.m")
        # AND across facets, OR within one (as engine.run), on the document's testimony.
        where = "".join(_FILTER for _ in filters)
        params = [p for name, values in filters.items() for p in (name, json.dumps(values))]
        if match:
            c.execute(_sql(_MATCHES + where, tier), (match, *params))
        else:
            c.execute(_sql(_BROWSE + where, tier), params)
        ranked = c.execute(_sql(_RANKED, tier)).fetchall()
        outcome = FtsOutcome(len(ranked), ranked[:10], self._facets(tier))
        if snippets and match and outcome.top:
            docs = json.dumps([doc for _t, doc, _s in outcome.top])
            rows = c.execute(_sql(_SNIPPETS, tier), (match, docs))
            outcome.snippets = [row[0] for row in rows]
        return outcome

    def _facets(self, tier: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        rows = self.conn.execute(_sql(_FACETS, tier)).fetchall()
        rows += self.conn.execute(_sql(_LANGUAGES, tier)).fetchall()
        for name, value, count in rows:
            out.setdefault(name, {})[value] = count
        return out

    def close(self) -> None:
        self.conn.close()


def _tags(testimony_id: int, document: IndexDocument) -> list[tuple[int, str, str]]:
    fields = document.fields
    return [
        (testimony_id, name, value)
        for name in FACET_FIELDS
        for value in fields.get(name, "").split(",")
        if value
    ]
