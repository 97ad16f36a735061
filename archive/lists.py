"""Loading testimonies through the policy: one object, or a page of a list."""

from dataclasses import dataclass
from typing import Any

from flask import g
from sqlalchemy import ColumnElement, func, select

from .extensions import db
from .models import Testimony
from .policy import can_read_testimony, testimony_filter, tier_of
from .presenters import TestimonyView, testimony_view


@dataclass
class Page:
    items: list[TestimonyView]
    number: int
    pages: int
    total: int


def load_visible(user: Any, public_id: str) -> Testimony | None:
    """Return the testimony if `user` may open it, else None (hidden and missing alike)."""
    if not public_id or len(public_id) > 32:
        return None
    found = db.session.scalar(select(Testimony).where(Testimony.public_id == public_id))
    if not can_read_testimony(user, found):
        return None
    g.opened_testimony = found  # for the researchers' access log (services.research)
    return found


def parse_page(raw: str | None) -> int:
    """Return a page number from a query parameter: 1 for anything that is not 1..10000."""
    if raw and raw.isdigit() and 0 < int(raw) <= 10_000:
        return int(raw)
    return 1


def visible_page(
    user: Any,
    raw_page: str | None,
    size: int,
    filters: list[ColumnElement[bool]] | None = None,
    wanted: str | None = None,
) -> Page:
    """Return one page of the testimonies `user` may open, most recently published first.

    `filters` are extra SQL clauses on Testimony (they can only narrow the policy's filter);
    `wanted` is the version language each item should show when it has one.
    """
    where = [testimony_filter(tier_of(user)), *(filters or [])]
    total = db.session.scalar(select(func.count()).select_from(Testimony).where(*where)) or 0
    pages = max(1, -(-total // size))
    number = min(parse_page(raw_page), pages)
    query = (
        select(Testimony)
        .where(*where)
        .order_by(
            Testimony.published_at.desc().nulls_last(),
            Testimony.recorded_on.desc().nulls_last(),
            Testimony.id.desc(),
        )
        .offset((number - 1) * size)
        .limit(size)
    )
    items = [testimony_view(user, t, wanted) for t in db.session.scalars(query)]
    return Page(items=items, number=number, pages=pages, total=total)
