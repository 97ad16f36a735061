"""engine.run: totals and facets over every match, pages cut from the ranked testimonies."""

from pathlib import Path

from whoosh.index import create_in
from whoosh.searching import Searcher

from archive.search import engine
from archive.search.query import parse_user_query
from archive.search.schema import make_schema


def _searcher(tmp_path: Path, n: int = 30) -> Searcher:
    """n testimonies: an English version each, a Khmer one for every third; "river" appears
    in the English text, more often for higher numbers (so the ranking is known)."""
    ix = create_in(str(tmp_path), make_schema())
    writer = ix.writer()
    for i in range(n):
        common = {
            "testimony": f"t{i:02d}",
            "recorded_on": f"20{10 + i % 10:02d}-01-01",
            "identity_group": "plhiv" if i % 2 else "youth",
            "province": "Ratanakiri",
        }
        text = "story of the village " + "river " * (1 + i % 7)
        writer.add_document(
            doc=f"{i}en", language="en", words=text, shingles=text, stemmed=text, **common
        )
        if i % 3 == 0:
            writer.add_document(doc=f"{i}km", language="km", words="river ទន្លេ", **common)
        if i % 10 == 9:
            writer.commit()  # several segments
            writer = ix.writer()
    writer.commit(merge=False)
    return ix.searcher()


def test_pages_are_cuts_of_the_whole_ranking(tmp_path: Path) -> None:
    searcher = _searcher(tmp_path)
    query = parse_user_query("river")
    for sort in ("relevance", "date"):
        whole = engine.run(searcher, query, filters={}, hidden=set(), sort=sort)
        assert whole.total == 30 and len(whole.hits) == 30
        assert len({h.testimony for h in whole.hits}) == 30  # each testimony once
        pages = [
            engine.run(searcher, query, filters={}, hidden=set(), sort=sort, window=(s, s + 7))
            for s in range(0, 30, 7)
        ]
        assert [h.testimony for p in pages for h in p.hits] == [h.testimony for h in whole.hits]
        assert all(p.total == 30 and p.facets == whole.facets for p in pages)
    dated = engine.run(searcher, query, filters={}, hidden=set(), sort="date").hits
    assert [h.recorded_on for h in dated] == sorted((h.recorded_on for h in dated), reverse=True)
    ranked = engine.run(searcher, query, filters={}, hidden=set()).hits
    assert [h.score for h in ranked] == sorted((h.score for h in ranked), reverse=True)


def test_facets_count_testimonies_once_and_hidden_ones_not_at_all(tmp_path: Path) -> None:
    searcher = _searcher(tmp_path)
    query = parse_user_query("river")
    outcome = engine.run(searcher, query, filters={}, hidden=set(), window=(0, 5))
    assert outcome.facets["identity_group"] == {"plhiv": 15, "youth": 15}
    assert outcome.facets["language"] == {"en": 30, "km": 10}
    assert outcome.facets["province"] == {"Ratanakiri": 30}
    hidden = engine.run(searcher, query, filters={}, hidden={"t01", "t03"}, window=(0, 30))
    assert hidden.total == 28 and hidden.facets["identity_group"] == {"plhiv": 13, "youth": 15}
    assert {"t01", "t03"}.isdisjoint(h.testimony for h in hidden.hits)
    assert {"t01", "t03"} <= {h.testimony for h in outcome.hits} | {
        h.testimony for h in engine.run(searcher, query, filters={}, hidden=set()).hits
    }  # control: found when not hidden


def test_filters_and_browsing(tmp_path: Path) -> None:
    searcher = _searcher(tmp_path)
    browse = engine.run(searcher, None, filters={"language": ["km"]}, hidden=set(), window=(0, 3))
    assert browse.total == 10 and len(browse.hits) == 3
    assert all(h.language == "km" for h in browse.hits)
    assert [h.recorded_on for h in browse.hits] == sorted(
        (h.recorded_on for h in browse.hits), reverse=True
    )
    youth = engine.run(
        searcher, parse_user_query("river"), filters={"identity_group": ["youth"]}, hidden=set()
    )
    assert youth.total == 15 and youth.facets["identity_group"] == {"youth": 15}


def test_the_hit_names_its_best_matching_version(tmp_path: Path) -> None:
    searcher = _searcher(tmp_path)
    # "ទន្លេ" is only in the Khmer versions; "river" in both: the Khmer version scores best.
    outcome = engine.run(searcher, parse_user_query("river OR ទន្លេ"), filters={}, hidden=set())
    first = {h.testimony: h.language for h in outcome.hits}
    assert first["t00"] == "km" and first["t01"] == "en"
    dated = engine.run(
        searcher,
        parse_user_query("river OR ទន្លេ"),
        filters={},
        hidden=set(),
        sort="date",
        window=(0, 30),
    )
    assert {h.testimony: h.language for h in dated.hits}["t00"] == "km"


def test_a_filter_matching_nothing_answers_nothing(tmp_path: Path) -> None:
    # Whoosh treats an empty allow-set as no filter at all: the engine must not pass one on.
    searcher = _searcher(tmp_path)
    query = parse_user_query("river")
    for q in (query, None):
        none = engine.run(searcher, q, filters={"identity_group": ["disability"]}, hidden=set())
        assert none.total == 0 and none.hits == []
        assert all(not counts for counts in none.facets.values())
        some = engine.run(searcher, q, filters={"identity_group": ["youth"]}, hidden=set())
        assert some.total == 15 and len(some.hits) == 15  # control


def test_searchers_of_ended_threads_are_closed(tmp_path: Path) -> None:
    # A searcher holds its segments' files open; a thread per request (the development
    # server) must not leave them to the garbage collector (ResourceWarning, then no files).
    import threading

    from archive.policy import Tier
    from archive.search.tiers import TierStore

    store = TierStore(tmp_path)
    directory, ix = store.create_aside(Tier.PUBLIC)
    writer = ix.writer()
    writer.add_document(doc="1", testimony="t1", language="en", words="river")
    writer.commit()
    store.swap(Tier.PUBLIC, directory)
    seen = []
    worker = threading.Thread(target=lambda: seen.append(engine.searcher_for(store, Tier.PUBLIC)))
    worker.start()
    worker.join()
    assert not seen[0].is_closed  # kept while its thread lived
    mine = engine.searcher_for(store, Tier.PUBLIC)
    assert seen[0].is_closed and not mine.is_closed
    assert engine.searcher_for(store, Tier.PUBLIC) is mine  # reused in the same thread
