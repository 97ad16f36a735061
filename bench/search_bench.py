"""Search benchmark: rebuild rate, query latency per kind and tier, commit-to-searchable.

Figures printed, not a timed test (never part of the pytest suite). From the repo root:

    .venv/bin/python bench/search_bench.py --sizes 1000 10000 [--seed 1] [--workdir DIR]

For each size it builds a seeded synthetic archive in a real SQLite database (valid rows for
the real models), builds the tier indexes through the real code (drain.rebuild), times six
query kinds per tier against the index and against SQLite FTS5 on the same corpus, times a
change made through the real services until another process finds it, prints a table of
metrics against the targets and writes bench/results/search-<size>.json.
"""

import argparse
import contextlib
import cProfile
import json
import multiprocessing
import os
import pstats
import random
import secrets
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from corpus import Inserter, Rows, Vocabulary, corpus, insert_rows, insert_users, load_vocabulary
from flask import Flask
from flask_migrate import upgrade
from fts import FtsReference, match_expression
from sqlalchemy import select
from sqlalchemy.orm import Session
from workload import KINDS, BenchQuery, build_queries, percentile

from archive import create_app
from archive.extensions import db
from archive.models import User, Version
from archive.policy import Tier, version_filter
from archive.search import browsing, engine
from archive.search.drain import rebuild
from archive.search.hooks import drain_now, start_maintenance, wait_for_maintenance
from archive.search.query import parse_user_query
from archive.search.service import SearchRequest, search
from archive.search.tiers import TierStore
from archive.seed import seed_reference_data
from archive.services.versions import save_revision, set_revision_status

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
INSERT_BATCH = 500
WARMUP_PER_KIND = 3
POLL_SECONDS = 0.005  # how often the other process searches for the new word
CHILD_TIMEOUT = 60.0  # seconds without an answer from the searching process: give up
# Targets for a 2-core machine (the brief): mix p95 by corpus size, rebuild, commit.
MIX_P95_TARGETS = ((10_000, 50.0), (100_000, 300.0))
REBUILD_TARGET = 100.0  # testimonies/s with a quarter of them unspaced Khmer
SEARCHABLE_TARGET_MS = 1000.0
SUMMARY_KEYS = ("metric", "value", "target", "status")
BUILD_FILE = "bench-build.json"  # what a --reuse run needs from the run that built the archive
PROFILE_REBUILD_MAX = 2000  # --profile repeats the rebuild under cProfile only up to this size


def app_for(instance: Path) -> Flask:
    """An app on the benchmark's own instance folder: SQLite file, tier indexes beside it.

    No drain at start-up: the benchmark decides when the tiers are built and times it.
    """
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'archive.sqlite3'}",
        "SECRET_KEY": "bench-only-not-a-secret",
        "INDEX_DRAIN_ON_START": False,
        "TESTING": True,
    }
    return create_app(config, str(instance))


# --- Building ------------------------------------------------------------------------------


@dataclass
class BuildReport:
    testimonies: int = 0
    with_khmer: int = 0
    versions: dict[str, int] = field(default_factory=dict)
    chars: dict[str, int] = field(default_factory=dict)
    insert_s: float = 0.0
    rebuild_s: float = 0.0
    rebuild_cpu_s: float = 0.0
    index_mb: dict[str, float] = field(default_factory=dict)
    fts_build_s: float = 0.0
    fts_mb: float = 0.0

    @property
    def rebuild_rate(self) -> float:
        return self.testimonies / self.rebuild_s if self.rebuild_s else 0.0

    @property
    def khmer_char_share(self) -> float:
        total = sum(self.chars.values())
        return self.chars.get("km", 0) / total if total else 0.0


def create_database(app: Flask) -> dict[str, int]:
    """Migrate, seed the reference data, add the benchmark's users; return {role: user id}."""
    with app.app_context():
        upgrade()
        seed_reference_data()
        db.session.commit()
        with db.engine.begin() as conn:
            return insert_users(conn)


def insert_corpus(app: Flask, seed: int, size: int, vocab: Vocabulary, share: float) -> Inserter:
    """Generate and insert the corpus in batches (one transaction per batch)."""
    with app.app_context():
        with db.engine.connect() as conn:
            inserter = Inserter.for_connection(conn)
        rows = Rows()
        for spec in corpus(seed, size, vocab, share):
            inserter.add(spec, rows)
            if len(rows.testimonies) >= INSERT_BATCH:
                with db.engine.begin() as conn:
                    insert_rows(conn, rows)
                rows = Rows()
        with db.engine.begin() as conn:
            insert_rows(conn, rows)
    return inserter


def rebuild_tiers(app: Flask, store: TierStore, profile: cProfile.Profile | None = None) -> float:
    """Build every tier through the real code (drain.rebuild); return wall seconds."""
    with app.app_context(), store.writer_lock(60.0), Session(db.engine) as session:
        started = time.perf_counter()
        if profile is not None:
            profile.enable()
        rebuild(session, store)
        if profile is not None:
            profile.disable()
        return time.perf_counter() - started


def tier_size_mb(store: TierStore, tier: Tier) -> float:
    directory = store.link(tier).resolve()
    return sum(f.stat().st_size for f in directory.iterdir() if f.is_file()) / 1e6


def build(app: Flask, store: TierStore, fts: FtsReference, args: Any, size: int) -> BuildReport:
    report = BuildReport()
    vocab = load_vocabulary()
    started = time.perf_counter()
    inserter = insert_corpus(app, args.seed, size, vocab, args.khmer_share)
    report.insert_s = time.perf_counter() - started
    stats = inserter.stats
    report.testimonies, report.with_khmer = stats["testimonies"], stats["with_khmer"]
    report.versions = {k[9:]: v for k, v in stats.items() if k.startswith("versions_")}
    report.chars = {k[6:]: v for k, v in stats.items() if k.startswith("chars_")}
    print(f"  inserted {size:,} testimonies in {report.insert_s:.1f} s; rebuilding tiers…")
    cpu = time.process_time()
    report.rebuild_s = rebuild_tiers(app, store)
    report.rebuild_cpu_s = time.process_time() - cpu
    report.index_mb = {t.value: round(tier_size_mb(store, t), 1) for t in Tier}
    print(f"  rebuilt in {report.rebuild_s:.1f} s; building the FTS5 reference…")
    with app.app_context(), Session(db.engine) as session:
        report.fts_build_s = fts.build(session)
    report.fts_mb = round(fts.size_mb(), 1)
    return report


# --- Query latency -------------------------------------------------------------------------


@dataclass
class Sample:
    tier: str
    kind: str
    engine: str  # "ours" or "fts5"
    ms: float
    total: int
    variant: str = ""  # the query's language, or the kind of browse


def viewers(app: Flask, users: dict[str, int]) -> dict[Tier, Any]:
    """The viewer of each tier: anonymous, a researcher, an editor (real rows)."""
    with app.app_context():
        # Loaded attributes stay readable once detached (tier_of reads role and active only).
        found = {role: db.session.get(User, uid) for role, uid in users.items()}
        db.session.expunge_all()
    return {Tier.PUBLIC: None, Tier.RESEARCHERS: found["researcher"], Tier.STAFF: found["editor"]}


def run_ours(app: Flask, store: TierStore, tier: Tier, viewer: Any, q: BenchQuery) -> Sample:
    """Kinds 1-5: parse + engine.run (facet counts included, as for every search). The
    highlight kind: the full service.search() path (pending-job mask, policy re-check,
    database text, snippets) inside a request context, as the search page runs it."""
    if q.kind == "highlight top 10":
        # A request context, as the search page has (the service translates a marker).
        with app.test_request_context("/search"):
            started = time.perf_counter()
            page = search(viewer, SearchRequest(q=q.text, filters=dict(q.filters)))
            ms = (time.perf_counter() - started) * 1000
        return Sample(tier.value, q.kind, "ours", ms, page.total, q.variant)
    started = time.perf_counter()
    searcher = engine.searcher_for(store, tier)
    # The first page, as the search page and the API ask for it (totals and facets count
    # every match either way); a browse without words goes through the service's memory of
    # browses (archive.search.browsing), as the search page's does.
    if q.text:
        query = parse_user_query(q.text)
        outcome = engine.run(searcher, query, filters=q.filters, hidden=set(), window=(0, 10))
    else:
        outcome = browsing.run(
            searcher, filters=q.filters, hidden=set(), sort="relevance", window=(0, 10)
        )
    ms = (time.perf_counter() - started) * 1000
    return Sample(tier.value, q.kind, "ours", ms, outcome.total, q.variant)


def run_fts(fts: FtsReference, tier: Tier, q: BenchQuery) -> Sample:
    started = time.perf_counter()
    match = match_expression(q.leaves)
    outcome = fts.search(tier.value, match, q.filters, snippets=q.kind == "highlight top 10")
    ms = (time.perf_counter() - started) * 1000
    return Sample(tier.value, q.kind, "fts5", ms, outcome.total, q.variant)


def cold_first_query(store: TierStore, tier: Tier, q: BenchQuery) -> float:
    """The first search of a tier in a process: opens the index and reads every segment's
    stored ids and facets once (engine's per-segment cache)."""
    started = time.perf_counter()
    searcher = engine.searcher_for(store, tier)
    engine.run(searcher, parse_user_query(q.text), filters={}, hidden=set(), window=(0, 10))
    return (time.perf_counter() - started) * 1000


def measure_latency(
    app: Flask,
    store: TierStore,
    fts: FtsReference,
    queries: list[BenchQuery],
    warmup: list[BenchQuery],
    viewer: dict,
) -> tuple[list[Sample], dict[str, float]]:
    """Time every query on every tier, ours and FTS5 back to back (order alternating), in a
    shuffled order so that other load on the machine falls on every kind alike. The warm-up
    queries (other terms) load code paths and models first and are not counted."""
    cold = {t.value: cold_first_query(store, t, queries[0]) for t in Tier}
    samples: list[Sample] = []
    rng = random.Random(len(queries))
    for tier in Tier:
        for q in warmup:
            run_ours(app, store, tier, viewer[tier], q)
            run_fts(fts, tier, q)
        order = list(queries)
        rng.shuffle(order)
        for i, q in enumerate(order):
            ours_first = i % 2 == 0
            if ours_first:
                samples.append(run_ours(app, store, tier, viewer[tier], q))
            samples.append(run_fts(fts, tier, q))
            if not ours_first:
                samples.append(run_ours(app, store, tier, viewer[tier], q))
        print(f"  timed {len(order)} queries on the {tier.value} tier")
    return samples, cold


def latency_table(samples: list[Sample]) -> list[dict[str, Any]]:
    """p50/p95 per (tier, kind, engine), plus the mix (all kinds pooled) per tier."""
    groups: dict[tuple[str, str, str], list[Sample]] = defaultdict(list)
    for s in samples:
        groups[(s.tier, s.kind, s.engine)].append(s)
        groups[(s.tier, "mix", s.engine)].append(s)
    rows = []
    for tier in (t.value for t in Tier):
        for kind in (*KINDS, "mix"):
            row: dict[str, Any] = {"tier": tier, "kind": kind}
            for name in ("ours", "fts5"):
                group = groups[(tier, kind, name)]
                ms = [s.ms for s in group]
                row[f"{name}_p50"] = round(percentile(ms, 50), 2)
                row[f"{name}_p95"] = round(percentile(ms, 95), 2)
                row[f"{name}_hits"] = round(sum(s.total for s in group) / max(1, len(group)), 1)
                row["n"] = len(group)
            row["ratio_p95"] = round(row["ours_p95"] / row["fts5_p95"], 1) if row["fts5_p95"] else 0
            rows.append(row)
    return rows


def variant_table(samples: list[Sample]) -> list[dict[str, Any]]:
    """p50/p95 per (tier, kind, variant): Khmer against English, and the browse cases."""
    groups: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    for s in samples:
        groups[(s.tier, s.kind, s.variant, s.engine)].append(s.ms)
    rows = []
    for (tier, kind, variant, name), ms in sorted(groups.items()):
        if name == "ours":
            fts = groups[(tier, kind, variant, "fts5")]
            rows.append(
                {
                    "tier": tier,
                    "kind": kind,
                    "variant": variant,
                    "n": len(ms),
                    "ours_p50": round(percentile(ms, 50), 2),
                    "ours_p95": round(percentile(ms, 95), 2),
                    "fts5_p50": round(percentile(fts, 50), 2),
                    "fts5_p95": round(percentile(fts, 95), 2),
                }
            )
    return rows


# --- Commit to searchable ------------------------------------------------------------------


def searcher_process(instance: str, conn: Connection) -> None:
    """Another process of the archive: for each word received, search for it (anonymous,
    public tier, full service path) every POLL_SECONDS until found; send back the moment
    (time.monotonic is one clock for every process on Linux)."""
    app = app_for(Path(instance))
    while (word := conn.recv()) is not None:
        conn.send("polling")
        deadline = time.monotonic() + 30
        found: float | None = None
        while found is None and time.monotonic() < deadline:
            # A new request (and session) per search: no stale SQLite snapshot.
            with app.test_request_context("/search"):
                if search(None, SearchRequest(q=word)).total:
                    found = time.monotonic()
            time.sleep(POLL_SECONDS)
        conn.send(found)


@dataclass
class Try:
    commit_ms: float
    drain_ms: float
    searchable_ms: float | None


def change_one(app: Flask, version_id: int, users: dict[str, int], word: str) -> tuple[float, ...]:
    """Through the real services, in a request context as the staff pages run them: an editor
    appends a revision carrying `word` and proposes it, another editor approves it; commit,
    then drain_now(maintain_inline=False) and the background maintenance, as the after-request
    hook does. Returns (monotonic time just before the
    commit, commit ms, drain ms)."""
    with app.test_request_context("/staff"):
        version = db.session.get(Version, version_id)
        author = db.session.get(User, users["editor"])
        reviewer = db.session.get(User, users["reviewer"])
        assert version is not None and version.latest is not None
        latest = version.latest
        body = f"{latest.body}\n\n{word}"
        revision = save_revision(version, latest.title, latest.summary, body, author)
        set_revision_status(revision, "in_review", author)
        set_revision_status(revision, "approved", reviewer)
        before = time.monotonic()
        db.session.commit()
        committed = time.monotonic()
        drain_now(maintain_inline=False)  # as the after-request hook does in production
        drained = time.monotonic()
        start_maintenance()  # then the background merges, as after a response
    return before, (committed - before) * 1000, (drained - committed) * 1000


def measure_searchable(app: Flask, users: dict[str, int], tries: int, seed: int) -> list[Try]:
    """Commit-to-searchable over `tries` changes of public English versions."""
    rng = random.Random(f"commit:{seed}")
    with app.app_context():
        candidates = list(
            db.session.scalars(
                select(Version.id)
                .where(version_filter(Tier.PUBLIC), Version.language == "en")
                .order_by(Version.id)
                .limit(2000)
            )
        )
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=searcher_process, args=(app.instance_path, child))
    proc.start()
    child.close()  # the child's end lives in the child: if it dies, recv() raises EOFError
    results = []
    try:
        for version_id in rng.sample(candidates, min(tries, len(candidates))):
            # Unique per run, not per seed: a --reuse run must not find an earlier run's word.
            word = f"benchmark{secrets.token_hex(6)}marker"
            parent.send(word)
            if _receive(parent, CHILD_TIMEOUT) != "polling":
                raise RuntimeError("the searching process answered out of turn")
            before, commit_ms, drain_ms = change_one(app, version_id, users, word)
            found = _receive(parent, CHILD_TIMEOUT)
            searchable = None if found is None else (found - before) * 1000
            results.append(Try(commit_ms, drain_ms, searchable))
    finally:
        wait_for_maintenance()
        with contextlib.suppress(OSError):
            parent.send(None)
        proc.join(timeout=30)
        if proc.is_alive():
            proc.terminate()
    return results


def _receive(conn: Connection, timeout: float) -> Any:
    """recv() with a timeout: a hung or dead searching process fails the run, never hangs it."""
    if not conn.poll(timeout):
        raise RuntimeError(f"no answer from the searching process in {timeout:.0f} s")
    return conn.recv()


# --- Profiling -----------------------------------------------------------------------------


def print_profile(title: str, profile: cProfile.Profile, calls: int, top: int = 14) -> None:
    """The functions with the most own time, and the archive's functions by cumulative time."""
    stats = pstats.Stats(profile)
    entries = stats.stats  # type: ignore[attr-defined]  # {(file, line, name): (cc, nc, tt, ct, callers)}
    total = sum(tt for _cc, _nc, tt, _ct, _callers in entries.values())
    print(f"\n  profile: {title} ({calls} calls, {total * 1000 / max(1, calls):.1f} ms/call own)")

    def name(key: tuple[str, int, str]) -> str:
        path = key[0]
        for marker in ("/archive/", "/whoosh/", "/khmercut/", "/sqlalchemy/", "/pheasa/"):
            if marker in path:
                path = marker.strip("/") + "/" + path.split(marker, 1)[1]
                break
        return f"{path}:{key[1]}({key[2]})"

    own = sorted(entries.items(), key=lambda kv: -kv[1][2])[:top]
    print("    own time ms/call  cum ms/call  calls/call  function")
    for key, (_cc, nc, tt, ct, _callers) in own:
        per = max(1, calls)
        print(
            f"    {tt * 1000 / per:14.2f}  {ct * 1000 / per:11.2f}  {nc / per:10.1f}  {name(key)}"
        )
    mine = [kv for kv in entries.items() if "/archive/" in kv[0][0]]
    mine.sort(key=lambda kv: -kv[1][3])
    print("    archive functions by cumulative ms/call:")
    for key, (_cc, _nc, _tt, ct, _callers) in mine[:8]:
        print(f"    {ct * 1000 / max(1, calls):14.2f}  {name(key)}")


def profile_queries(
    app: Flask, store: TierStore, queries: list[BenchQuery], viewer: Any, tier: Tier
) -> None:
    for kind in KINDS:
        chosen = [q for q in queries if q.kind == kind][:30]
        profile = cProfile.Profile()
        profile.enable()
        for q in chosen:
            run_ours(app, store, tier, viewer, q)
        profile.disable()
        print_profile(f"{kind}, {tier.value} tier", profile, len(chosen))


def profile_rebuild(app: Flask, store_root: Path, size: int) -> None:
    profile = cProfile.Profile()
    rebuild_tiers(app, TierStore(store_root), profile)
    print_profile("rebuild, per testimony", profile, size)
    shutil.rmtree(store_root, ignore_errors=True)


# --- Report --------------------------------------------------------------------------------


def mix_target(size: int) -> float:
    """The mix p95 target of the smallest listed size at least as large (10k's for 1k)."""
    return next((ms for limit, ms in MIX_P95_TARGETS if size <= limit), MIX_P95_TARGETS[-1][1])


def met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def summary_rows(size: int, b: BuildReport, lat: list[dict], cold: dict, tries: list[Try]) -> list:
    """(metric, value, target, status) rows of the table printed per size."""
    share = b.with_khmer / max(1, b.testimonies)
    rows: list[tuple[str, str, str, str]] = [
        (
            f"rebuild rate, testimonies/s ({share:.0%} with unspaced Khmer)",
            f"{b.rebuild_rate:.1f}",
            f">= {REBUILD_TARGET:.0f}",
            met(b.rebuild_rate >= REBUILD_TARGET),
        ),
        ("rebuild wall time, s", f"{b.rebuild_s:.1f}", "", ""),
        ("rebuild CPU time of this process, s", f"{b.rebuild_cpu_s:.1f}", "", ""),
        (
            "rebuild rate per CPU second (a core to itself), testimonies/s",
            f"{b.testimonies / max(b.rebuild_cpu_s, 1e-9):.1f}",
            "",
            "",
        ),
        ("database insert (not in the rebuild), s", f"{b.insert_s:.1f}", "", ""),
    ]
    rows += [(f"index size {t}, MB", f"{mb:.1f}", "", "") for t, mb in b.index_mb.items()]
    rows.append(("FTS5 reference build (khmercut, 1 core), s", f"{b.fts_build_s:.1f}", "", ""))
    rows.append(("FTS5 database size (3 tiers + tags), MB", f"{b.fts_mb:.1f}", "", ""))
    rows += [
        (f"first query of a process, {t} tier, ms", f"{ms:.0f}", "", "") for t, ms in cold.items()
    ]
    target = mix_target(size)
    for row in (r for r in lat if r["kind"] == "mix"):
        rows.append(
            (
                f"mix p95 {row['tier']}, ms (FTS5 {row['fts5_p95']:.1f})",
                f"{row['ours_p95']:.1f}",
                f"<= {target:.0f}",
                met(row["ours_p95"] <= target),
            )
        )
    if not tries:
        rows.append(("commit-to-searchable", "skipped", "", ""))
        return rows
    found = [t.searchable_ms for t in tries if t.searchable_ms is not None]
    p50, p95 = percentile(found, 50), percentile(found, 95)
    missed = len(tries) - len(found)
    rows.append(
        (
            f"commit-to-searchable p50 / p95, ms ({len(tries)} tries, {missed} not found)",
            f"{p50:.0f} / {p95:.0f}",
            f"p95 <= {SEARCHABLE_TARGET_MS:.0f}",
            met(p95 <= SEARCHABLE_TARGET_MS and not missed),
        )
    )
    drains = [t.drain_ms for t in tries]
    rows.append(("  of which drain_now() p50 / p95, ms", _pair(drains), "", ""))
    rows.append(("  of which commit p50 / p95, ms", _pair([t.commit_ms for t in tries]), "", ""))
    return rows


def _pair(values: list[float]) -> str:
    return f"{percentile(values, 50):.0f} / {percentile(values, 95):.0f}"


def print_report(
    size: int, b: BuildReport, lat: list[dict], variants: list[dict], summary: list
) -> None:
    kh = b.with_khmer / max(1, b.testimonies)
    versions = ", ".join(f"{k} {v:,}" for k, v in sorted(b.versions.items()))
    print(
        f"\n=== {size:,} testimonies: {b.with_khmer:,} ({kh:.0%}) with an unspaced Khmer version;"
    )
    print(f"    versions: {versions}; Khmer is {b.khmer_char_share:.0%} of the body characters")
    width = max(len(r[0]) for r in summary) + 2
    print(f"\n{'metric':<{width}}{'value':>14}  {'target':<14}status")
    for metric, value, target, status in summary:
        print(f"{metric:<{width}}{value:>14}  {target:<14}{status}")
    print(
        f"\n{'tier':<12}{'kind':<18}{'ours p50':>9}{'p95':>9}{'FTS5 p50':>10}{'p95':>9}"
        f"{'p95 x':>7}{'hits ours':>11}{'FTS5':>8}   (ms; hits = mean total)"
    )
    for r in lat:
        print(
            f"{r['tier']:<12}{r['kind']:<18}{r['ours_p50']:>9.1f}{r['ours_p95']:>9.1f}"
            f"{r['fts5_p50']:>10.1f}{r['fts5_p95']:>9.1f}{r['ratio_p95']:>7.1f}"
            f"{r['ours_hits']:>11.1f}{r['fts5_hits']:>8.1f}"
        )
    print("\nstaff tier by variant (language of the terms, or the kind of browse)")
    head = f"{'kind':<18}{'variant':<18}{'n':>4}{'ours p50':>10}{'p95':>9}"
    print(f"{head}{'FTS5 p50':>10}{'p95':>9}")
    for r in (r for r in variants if r["tier"] == Tier.STAFF.value):
        print(
            f"{r['kind']:<18}{r['variant']:<18}{r['n']:>4}{r['ours_p50']:>10.1f}"
            f"{r['ours_p95']:>9.1f}{r['fts5_p50']:>10.1f}{r['fts5_p95']:>9.1f}"
        )


# --- Orchestration -------------------------------------------------------------------------


def prepare(instance: Path, args: argparse.Namespace, size: int) -> tuple[Any, ...]:
    """Build the archive in `instance` (or, with --reuse, take the one a --keep run left
    there); return (app, store, fts, users, build report, reused)."""
    saved = instance / BUILD_FILE
    reused = bool(args.reuse) and saved.exists()
    if not reused:
        shutil.rmtree(instance, ignore_errors=True)
        instance.mkdir(parents=True)
    app = app_for(instance)
    store = TierStore(app.config["INDEX_DIR"])
    fts = FtsReference(instance / "fts5.sqlite3")
    if reused:
        data = json.loads(saved.read_text(encoding="utf-8"))
        return app, store, fts, data["users"], BuildReport(**data["build"]), True
    users = create_database(app)
    built = build(app, store, fts, args, size)
    saved.write_text(json.dumps({"users": users, "build": asdict(built)}), encoding="utf-8")
    return app, store, fts, users, built, False


def run_size(size: int, args: argparse.Namespace, workroot: Path) -> dict[str, Any]:
    instance = workroot / f"size-{size}"
    load_before = os.getloadavg()
    began = time.perf_counter()
    print(f"\n## {size:,} testimonies in {instance}")
    app, store, fts, users, built, reused = prepare(instance, args, size)
    if reused:
        print("  reusing the archive and indexes of an earlier --keep run (build figures: its)")
    vocab = load_vocabulary()
    queries = build_queries(args.seed, size, args.khmer_share, vocab, args.queries)
    warmup = build_queries(args.seed + 1, size, args.khmer_share, vocab, WARMUP_PER_KIND)
    viewer = viewers(app, users)
    samples, cold = measure_latency(app, store, fts, queries, warmup, viewer)
    lat = latency_table(samples)
    if args.profile:
        profile_queries(app, store, queries, viewer[Tier.STAFF], Tier.STAFF)
        if size <= PROFILE_REBUILD_MAX:
            profile_rebuild(app, instance / "profile-index", size)
    tries = measure_searchable(app, users, args.tries, args.seed) if args.tries else []
    summary = summary_rows(size, built, lat, cold, tries)
    variants = variant_table(samples)
    print_report(size, built, lat, variants, summary)
    elapsed = time.perf_counter() - began
    load = f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after"
    print(f"\n(this size took {elapsed / 60:.1f} min; 1-min load average {load})")
    fts.close()
    result = {
        "size": size,
        "seed": args.seed,
        "khmer_share": args.khmer_share,
        "queries_per_kind": args.queries,
        "reused_build": reused,
        "elapsed_s": round(elapsed, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "python": sys.version.split()[0],
        },
        "build": {**asdict(built), "rebuild_rate": built.rebuild_rate},
        "cold_first_query_ms": cold,
        "latency": lat,
        "latency_by_variant": variants,
        "commit_to_searchable": [asdict(t) for t in tries],
        "summary": [dict(zip(SUMMARY_KEYS, r, strict=True)) for r in summary],
    }
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"search-{size}.json"
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"(results written to {out})")
    with app.app_context():
        db.engine.dispose()
    if not args.keep:
        shutil.rmtree(instance, ignore_errors=True)
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="where databases and indexes go (tmp)")
    parser.add_argument("--queries", type=int, default=100, help="queries per kind per tier")
    parser.add_argument("--tries", type=int, default=20, help="commit-to-searchable tries")
    parser.add_argument("--khmer-share", type=float, default=0.25)
    parser.add_argument("--keep", action="store_true", help="keep the database and indexes")
    parser.add_argument(
        "--reuse", action="store_true", help="time queries on the build a --keep run left"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile queries and a rebuild")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    workroot = args.workdir or Path(tempfile.mkdtemp(prefix="search-bench-"))
    workroot.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        run_size(size, args, workroot.resolve())
    if args.workdir is None and not args.keep:
        shutil.rmtree(workroot, ignore_errors=True)


if __name__ == "__main__":
    main()
