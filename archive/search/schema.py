"""The Whoosh schema shared by every tier index.

Nothing here stores story text: a tier stores ids only, and snippets are highlighted later from
the database (ARCHITECTURE.md invariant 3). A stored field would also survive a delete on disk
until the next merge.

Value formats the indexer must use:
- doc: the version id as a string (unique key of a document); testimony: its public id;
  language: the BCP 47 tag of the version ("km", "jra-Latn"...).
- words, shingles, clusters: every version's searchable text (title, summary, body as plain text).
- stemmed: the same text, for English versions only (leave it out otherwise).
- facet fields: slugs joined by commas ("plhiv,disability"); year: "2023" (several allowed).
- recorded_on: "YYYY", "YYYY-MM" or "YYYY-MM-DD" (sorts as text, partial dates first);
- digest: a hash of the indexed text and facets (for verification; not text);
  published_at: UTC "YYYY-MM-DDTHH:MM:SSZ".
"""

from whoosh.fields import ID, KEYWORD, TEXT, Schema

from .analysis import (
    ANALYSIS_VERSION,
    cluster_analyzer,
    shingle_analyzer,
    stemmed_analyzer,
    word_analyzer,
)

__all__ = ["FACET_FIELDS", "INDEX_FORMAT_VERSION", "TEXT_FIELDS", "make_schema"]

# Bump SCHEMA_VERSION when a field is added, removed or changes type: an index built with another
# format must be rebuilt, never read with this schema.
SCHEMA_VERSION = "schema-3"
INDEX_FORMAT_VERSION = f"{SCHEMA_VERSION};{ANALYSIS_VERSION}"

FACET_FIELDS = (
    "identity_group",
    "discrimination_type",
    "setting",
    "need",
    "province",
    "year",
)
TEXT_FIELDS = ("words", "shingles", "clusters", "stemmed")


def _facet() -> KEYWORD:
    # Slugs are already lowercase and comma-free; not scorable: a facet must not change ranking.
    # Stored (slugs only, never story text) so facet counts read them per segment, once.
    return KEYWORD(commas=True, stored=True, lowercase=False, scorable=False)


def make_schema() -> Schema:
    """Return a new Schema for a tier index. Never raises."""
    facets = {name: _facet() for name in FACET_FIELDS}
    return Schema(
        doc=ID(stored=True, unique=True),
        testimony=ID(stored=True),
        language=ID(stored=True),
        # field_boost multiplies the term weights of this field (KHMER.md: words boosted 3).
        words=TEXT(
            analyzer=word_analyzer(),
            phrase=True,
            stored=False,
            field_boost=3.0,
            multitoken_query="phrase",
        ),
        # multitoken_query="phrase": should anyone parse into these fields with Whoosh's own
        # parser, an unspaced Khmer word must become a phrase, not an AND of scattered tokens.
        clusters=TEXT(
            analyzer=cluster_analyzer(), phrase=True, stored=False, multitoken_query="phrase"
        ),
        # Word pairs: the query builder turns a phrase in the words field into shingles.
        shingles=TEXT(analyzer=shingle_analyzer(), phrase=True, stored=False, field_boost=3.0),
        stemmed=TEXT(analyzer=stemmed_analyzer(), phrase=True, stored=False),
        recorded_on=ID(stored=True, sortable=True),
        # A hash of everything indexed for this document: `index verify` compares it with the
        # database's current projection without the tier holding any text.
        digest=ID(stored=True),
        published_at=ID(stored=False, sortable=True),
        **facets,
    )
