"""Several processes writing and searching at once; outbox jobs committed out of order."""

import multiprocessing
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.extensions import db
from archive.models import IndexJob, Testimony
from archive.search.hooks import drain_now, store
from archive.search.verify import verify

from .factories import T, V, make_testimony

WORKERS = 3
ROUNDS = 4


def _worker(uri: str, instance: str, number: int, out: Any) -> None:
    """Create testimonies and search, as a separate process would under gunicorn."""
    from .conftest import make_app

    errors: list[str] = []
    try:
        app = make_app(instance, uri)  # type: ignore[arg-type]
        client = app.test_client()
        for i in range(ROUNDS):
            word = f"parallel{number}x{i}"
            with app.app_context():
                make_testimony(
                    T(
                        f"p-{number}-{i}",
                        versions=[V("en", body=f"{word} common")],
                        languages=["en"],
                    )
                )
                drain_now()
            for q in (word, "common"):
                answer = client.get("/api/v1/search", query_string={"q": q, "per_page": "50"})
                if answer.status_code != 200:
                    errors.append(f"{q}: {answer.status_code}")
            found = client.get("/api/v1/search", query_string={"q": word}).get_json()
            if found["total"] != 1:
                errors.append(f"{word} not found right after its commit")
        with app.app_context():
            db.engine.dispose()
    except Exception as exc:  # report, do not hang the parent
        errors.append(repr(exc))
    out.put(errors)


def test_processes_write_and_search_at_once(app: Flask) -> None:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.engine.dispose()
    procs = [
        ctx.Process(target=_worker, args=(uri, app.instance_path, n, out)) for n in range(WORKERS)
    ]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=240) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    assert results == [[]] * WORKERS
    with app.app_context():
        assert verify(store()) == []
    answer = app.test_client().get("/api/v1/search", query_string={"q": "common", "per_page": "50"})
    assert answer.get_json()["total"] == WORKERS * ROUNDS


def test_job_committed_after_a_higher_numbered_one_is_not_skipped(app: Flask, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: its job numbers follow commit order")
    with app.app_context():
        first = make_testimony(T("first", status="draft", versions=[V("en", body="alpha one")],
                                 languages=["en"]))  # fmt: skip
        second = make_testimony(T("second", status="draft", versions=[V("en", body="beta two")],
                                  languages=["en"]))  # fmt: skip
        drain_now()
        with Session(db.engine) as a, Session(db.engine) as b:
            # A takes the lower job number but commits last.
            a.get(Testimony, first.id).status = "published"
            a.add(IndexJob(testimony_id=first.id, op="sync"))
            a.flush()
            b.get(Testimony, second.id).status = "published"
            b.add(IndexJob(testimony_id=second.id, op="sync"))
            b.flush()
            seq_a = a.scalar(select(IndexJob.seq).where(IndexJob.testimony_id == first.id)
                             .order_by(IndexJob.seq.desc()))  # fmt: skip
            seq_b = b.scalar(select(IndexJob.seq).where(IndexJob.testimony_id == second.id)
                             .order_by(IndexJob.seq.desc()))  # fmt: skip
            assert seq_a < seq_b
            b.commit()
            drain_now()
            a.commit()
        drain_now()
        assert verify(store()) == []
    client = app.test_client()
    for word, public_id in (("alpha", first.public_id), ("beta", second.public_id)):
        found = client.get("/api/v1/search", query_string={"q": word}).get_json()
        assert [r["id"] for r in found["results"]] == [public_id]
