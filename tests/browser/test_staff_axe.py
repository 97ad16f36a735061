"""The translation workspace (queue, editor, history) and the statistics page in Chromium:
axe-core finds no violation, in Khmer and English."""

from typing import Any

import pytest
from sqlalchemy import select

from archive.extensions import db
from archive.models import Testimony, User
from tests.factories import PASSWORD, make_user

from .conftest import AXE_SOURCE, Site
from .test_public_site import AXE_RUN

LOCALES = ("km", "en")


def _translator(site: Site) -> None:
    with site.app.app_context():
        if db.session.scalar(select(User).where(User.email == "axe-translator@example.org")):
            return
        make_user("translator", "axe-translator@example.org")


def _violations(page: Any, url: str) -> list[Any]:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.evaluate(AXE_SOURCE)
    return page.evaluate(AXE_RUN)


@pytest.mark.parametrize("locale", LOCALES)
def test_workspace_pages_pass_axe(browser: Any, site: Site, locale: str) -> None:
    _translator(site)
    with site.app.app_context():
        t = db.session.scalar(select(Testimony).where(Testimony.ref == "demo-001"))
        public_id = t.public_id
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(site.at(f"/login?locale={locale}"))
    page.fill("#email", "axe-translator@example.org")
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("load")
    found = {}
    for name, path in {
        "queue": "/translate/",
        "editor": f"/translate/{public_id}/en",
        "history": f"/translate/{public_id}/en/history",
        "statistics": "/statistics",
    }.items():
        found[name] = _violations(page, site.at(f"{path}?locale={locale}"))
    ctx.close()
    assert found == {name: [] for name in found}
