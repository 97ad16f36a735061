"""Index maintenance in the background: after a restriction the story leaves search at once,
its segments are rewritten after the response, and jobs committed meanwhile still land."""

from pathlib import Path

from flask import Flask, g
from sqlalchemy import select

from archive.extensions import db
from archive.models import Testimony
from archive.policy import Tier
from archive.search import hooks, outbox
from archive.search.drain import maintain, pending_jobs
from archive.search.hooks import drain_now, store
from archive.search.verify import verify
from archive.services import consent as consent_service
from archive.services.inputs import ConsentInput
from archive.services.testimonies import SYSTEM

from .scan import directory_bytes, found_terms
from .test_search_segments import _only, _search, _word, world  # noqa: F401 - the fixture

TARGET = 9


def _restrict(app: Flask, public_id: str) -> None:
    with app.app_context():
        t = db.session.scalar(select(Testimony).where(Testimony.public_id == public_id))
        consent_service.apply_consent(
            t, ConsentInput(level="staff", publish_languages=["en"]), SYSTEM, "narrator-request"
        )
        db.session.commit()


def _public_terms(app: Flask, terms: set[str]) -> set[str]:
    with app.app_context():
        return found_terms(directory_bytes(Path(store().link(Tier.PUBLIC))), terms)


def test_rewrite_runs_after_the_response_in_a_thread(app: Flask, world: list[str]) -> None:  # noqa: F811
    app.config["INDEX_BACKGROUND_MAINTENANCE"] = True
    pid, terms = world[TARGET], _only(TARGET)
    assert _public_terms(app, terms) == terms  # positive control
    _restrict(app, pid)
    with app.test_request_context():
        g.index_jobs_committed = True  # what the commit hook notes for the request
        hooks._drain_after_request(app.response_class())
        # The response is ready: the story has left search, its segment awaits the thread.
        assert _search(app, _word(TARGET)) == 0
        hooks.wait_for_maintenance()
    assert _public_terms(app, terms) == set()
    assert _search(app, _word(TARGET), "editor") == 1  # staff keep it
    assert _search(app, _word(TARGET + 1)) == 1  # a neighbour stays
    with app.app_context():
        assert all(not store().state(tier).rewrite for tier in Tier)
        assert verify(store()) == []


def test_deferred_rewrite_is_recorded_and_jobs_committed_meanwhile_land(
    app: Flask,
    world: list[str],  # noqa: F811
) -> None:
    pid, terms = world[TARGET], _only(TARGET)
    _restrict(app, pid)
    with app.app_context():
        assert drain_now(maintain_inline=False) == 1
        assert store().state(Tier.PUBLIC).rewrite  # recorded for the maintenance
    assert _search(app, _word(TARGET)) == 0  # hidden at once...
    assert _public_terms(app, terms) == terms  # ...its terms still on disk until the rewrite
    with app.app_context():  # another change commits while the maintenance has not run
        other = db.session.scalar(select(Testimony).where(Testimony.public_id == world[3]))
        outbox.enqueue(other.id, outbox.SYNC)
        db.session.commit()
        assert pending_jobs(db.session, store())
        assert maintain(store()) >= 1
        assert not pending_jobs(db.session, store())  # applied by the maintenance
        assert verify(store()) == []
    assert _public_terms(app, terms) == set()
