"""`index verify`: compare every tier with what the policy says it should hold right now."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Testimony
from ..policy import Tier
from .documents import project
from .drain import _load, pending_jobs
from .tiers import TierStore


def expected_documents(session: Session, batch: int = 200) -> dict[Tier, dict[str, str]]:
    """Return, per tier, {doc id: digest} of what the database says the tier must hold."""
    out: dict[Tier, dict[str, str]] = {tier: {} for tier in Tier}
    ids = list(session.scalars(select(Testimony.id).order_by(Testimony.id)))
    for start in range(0, len(ids), batch):
        for t in _load(session, ids[start : start + batch]).values():
            for tier, documents in project(t).items():
                for document in documents:
                    out[tier][document.doc] = document.fields["digest"]
        session.expunge_all()
    return out


def actual_documents(store: TierStore, tier: Tier) -> dict[str, str]:
    """Return {doc id: digest} of the live documents in a tier."""
    with store.open(tier).searcher() as searcher:
        return {
            fields["doc"]: fields.get("digest", "")
            for fields in searcher.reader().all_stored_fields()
        }


def verify(store: TierStore) -> list[str]:
    """Return a list of problems (empty when every tier holds exactly what it should)."""
    problems: list[str] = []
    with Session(db.engine) as session:
        backlog = len(pending_jobs(session, store, limit=10_000))
        if backlog:
            problems.append(f"{backlog} index jobs not applied yet")
        expected = expected_documents(session)
    for tier in Tier:
        if not store.is_current(tier):
            problems.append(f"{tier.value}: missing or built with another index format")
            continue
        actual = actual_documents(store, tier)
        want = expected[tier]
        for doc in sorted(set(actual) - set(want), key=int):
            problems.append(f"{tier.value}: holds version {doc}, which it may not")
        for doc in sorted(set(want) - set(actual), key=int):
            problems.append(f"{tier.value}: lacks version {doc}")
        for doc in sorted(set(want) & set(actual), key=int):
            if want[doc] != actual[doc]:
                problems.append(f"{tier.value}: version {doc} is out of date")
    return problems
