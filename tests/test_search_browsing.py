"""Browsing without words is remembered per tier generation, and forgotten at any change:
a story restricted after a browse is gone from the next browse (with positive controls)."""

from flask import Flask
from sqlalchemy import select

from archive.extensions import db
from archive.models import Testimony
from archive.search.hooks import drain_now
from archive.services import consent as consent_service
from archive.services.inputs import ConsentInput
from archive.services.testimonies import SYSTEM

from .factories import T, make_testimony


def _browse(app: Flask) -> tuple[int, set[str], dict[str, int]]:
    answer = app.test_client().get(
        "/api/v1/search", query_string={"identity_group": "plhiv", "locale": "en"}
    )
    assert answer.status_code == 200
    data = answer.get_json()
    return data["total"], {r["id"] for r in data["results"]}, data["facets"]["identity_group"]


def test_a_remembered_browse_follows_every_change(app: Flask) -> None:
    with app.app_context():
        ids = [make_testimony(T(f"b-{i}", identity_groups=["plhiv"])).public_id for i in range(3)]
        drain_now()
    first = _browse(app)
    assert first[0] == 3 and first[1] == set(ids) and first[2] == {"plhiv": 3}
    assert _browse(app) == first  # the same answer (from memory)
    with app.app_context():  # restricted to staff: must leave the public browse at once
        t = db.session.scalar(select(Testimony).where(Testimony.public_id == ids[0]))
        consent_service.apply_consent(
            t, ConsentInput(level="staff", publish_languages=["km", "en"]), SYSTEM, "review"
        )
        db.session.commit()
        drain_now()
    total, found, groups = _browse(app)
    assert total == 2 and ids[0] not in found and groups == {"plhiv": 2}
    with app.app_context():  # a new public story appears (positive control)
        new = make_testimony(T("b-new", identity_groups=["plhiv"])).public_id
        drain_now()
    total, found, _groups = _browse(app)
    assert total == 3 and new in found


def test_a_browse_with_pending_jobs_is_not_remembered(app: Flask) -> None:
    with app.app_context():
        ids = [make_testimony(T(f"p-{i}", identity_groups=["plhiv"])).public_id for i in range(2)]
        drain_now()
        t = db.session.scalar(select(Testimony).where(Testimony.public_id == ids[1]))
        consent_service.apply_consent(
            t, ConsentInput(level="staff", publish_languages=["km", "en"]), SYSTEM, "review"
        )
        db.session.commit()  # not drained: the job is pending, the tier still holds it
    total, found, _groups = _browse(app)
    assert total == 1 and ids[1] not in found  # hidden by the pending job
    with app.app_context():
        drain_now()
    total, found, _groups = _browse(app)
    assert total == 1 and found == {ids[0]}  # control: the other one stays
