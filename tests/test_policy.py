"""The visibility truth table, checked against all three forms of the policy (yes/no, SQL
filter, tier projection) and over HTTP (testimony page, JSON API, home list)."""

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from archive.extensions import db
from archive.models import Testimony, Version
from archive.policy import (
    can_read_testimony,
    can_read_version,
    testimony_filter,
    tier_of,
    tiers_for_version,
    version_filter,
)

from .factories import T, V, login, make_testimony, make_user

TABLE = Path(__file__).parent / "data" / "policy_truth_table.txt"
ROLES = ["anonymous", "researcher", "translator", "editor", "admin"]


def read_table() -> list[tuple[str, str, str, str, str, bool]]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        left, right = line.split("->")
        role, status, level, vstatus, allowed = left.split()
        rows.append((role, status, level, vstatus, allowed, right.strip() == "Y"))
    return rows


def test_table_is_complete() -> None:
    rows = read_table()
    combos = {row[:5] for row in rows}
    assert len(rows) == len(combos) == 5 * 3 * 4 * 4 * 2
    # A few anchors a reader can check by eye against the glossary.
    expected = {row[:5]: row[5] for row in rows}
    assert expected[("anonymous", "published", "public", "approved", "yes")] is True
    assert expected[("anonymous", "published", "researchers", "approved", "yes")] is False
    assert expected[("researcher", "published", "researchers", "approved", "yes")] is True
    assert expected[("researcher", "published", "public", "approved", "no")] is False
    assert expected[("translator", "draft", "staff", "draft", "no")] is True
    assert expected[("admin", "published", "withdrawn", "approved", "yes")] is False


@pytest.fixture
def world(app: Flask) -> dict:
    """One single-version testimony per combination, and one user per role."""
    app.config["PAGE_SIZE"] = 1000
    with app.app_context():
        users = {role: make_user(role) for role in ROLES if role != "anonymous"}
        combos = {}
        for status in ("draft", "in_review", "published"):
            for level in ("public", "researchers", "staff", "withdrawn"):
                for vstatus in ("draft", "in_review", "returned", "approved"):
                    for allowed in ("yes", "no"):
                        ref = f"{status}-{level}-{vstatus}-{allowed}"
                        t = make_testimony(
                            T(
                                ref=ref,
                                status=status,
                                level=level,
                                languages=["km"] if allowed == "yes" else ["en"],
                                versions=[V("km", vstatus)],
                            )
                        )
                        combos[(status, level, vstatus, allowed)] = t.public_id
        return {"users": {r: u.email for r, u in users.items()}, "combos": combos}


def _viewer(role: str):
    if role == "anonymous":
        from flask_login import AnonymousUserMixin

        return AnonymousUserMixin()
    from archive.models import User

    return db.session.scalar(select(User).where(User.role == role))


def test_policy_three_ways(app: Flask, world: dict) -> None:
    rows = read_table()
    with app.app_context():
        for role in ROLES:
            viewer = _viewer(role)
            tier = tier_of(viewer)
            sql_versions = set(db.session.scalars(select(Version.id).where(version_filter(tier))))
            sql_testimonies = set(
                db.session.scalars(select(Testimony.id).where(testimony_filter(tier)))
            )
            for r_role, status, level, vstatus, allowed, expected in rows:
                if r_role != role:
                    continue
                public_id = world["combos"][(status, level, vstatus, allowed)]
                t = db.session.scalar(select(Testimony).where(Testimony.public_id == public_id))
                v = t.versions[0]
                where = f"{role} {status} {level} {vstatus} {allowed}"
                assert can_read_version(viewer, t, v) is expected, where
                assert can_read_testimony(viewer, t) is expected, where
                assert (v.id in sql_versions) is expected, f"SQL version filter: {where}"
                assert (t.id in sql_testimonies) is expected, f"SQL testimony filter: {where}"
                assert (tier in tiers_for_version(t, v)) is expected, f"tier: {where}"


def test_http_matches_truth_table(app: Flask, world: dict) -> None:
    rows = read_table()
    missing = app.test_client().get("/t/AAAAAAAAAAAAAAAAAAAAAA")
    missing_api = app.test_client().get("/api/v1/testimonies/AAAAAAAAAAAAAAAAAAAAAA")
    assert missing.status_code == 404 and missing_api.status_code == 404
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            assert login(client, world["users"][role]).status_code == 302
        home = client.get("/").get_data(as_text=True)
        seen_yes = seen_no = 0
        for r_role, status, level, vstatus, allowed, expected in rows:
            if r_role != role:
                continue
            public_id = world["combos"][(status, level, vstatus, allowed)]
            where = f"{role} {status} {level} {vstatus} {allowed}"
            page = client.get(f"/t/{public_id}")
            api = client.get(f"/api/v1/testimonies/{public_id}")
            assert (page.status_code == 200) is expected, where
            assert (api.status_code == 200) is expected, where
            assert (public_id in home) is expected, f"home list: {where}"
            if expected:
                seen_yes += 1
                assert f"Title {status}-{level}-{vstatus}-{allowed} km" in page.get_data(
                    as_text=True
                )
            else:
                seen_no += 1
                assert page.status_code == 404 and api.status_code == 404, where
                # Hidden and nonexistent are indistinguishable: same body.
                if role == "anonymous":
                    assert page.get_data() == missing.get_data(), where
                    assert api.get_data() == missing_api.get_data(), where
        assert seen_yes > 0 and seen_no > 0  # every role has positive and negative cases
