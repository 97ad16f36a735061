"""The statistics page in Chromium, in Khmer and English: axe-core finds no violation, one h1,
no script, no horizontal scroll at 320 CSS px; screenshots for a person to look at.

Two archives: the statistics fixture of tests/test_statistics.py (some numbers shown, some
hidden, charts with both kinds of bar), served by its own HTTP server, and the shared demo site
(where almost everything is hidden).
"""

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import Templates, dispose, make_app
from tests.test_statistics import FIXTURE, build_fixture

from .conftest import AXE_SOURCE, Site
from .test_public_site import AXE_RUN

LOCALES = ("km", "en")


@pytest.fixture(scope="module")
def stats_site(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    instance = tmp_path_factory.mktemp("statistics") / "instance"
    uri, cleanup = templates.clone("sqlite", False, instance)
    app = make_app(instance, uri)
    with app.app_context():
        build_fixture(FIXTURE)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        dispose(app)
        cleanup()


def _check(browser: Any, url: str, shot: Any) -> list[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert page.locator("h1").count() == 1
    assert page.locator("script").count() == 0, "no script is needed"
    assert page.locator("svg[role=img]").count() in (0, 6)
    page.evaluate(AXE_SOURCE)
    violations = page.evaluate(AXE_RUN)
    page.screenshot(path=str(shot("1280x800")), full_page=True)
    page.set_viewport_size({"width": 360, "height": 640})
    page.screenshot(path=str(shot("360x640")), full_page=True)
    page.set_viewport_size({"width": 320, "height": 640})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"horizontal scroll at 320px: {width}"
    ctx.close()
    return violations


@pytest.mark.parametrize("locale", LOCALES)
def test_statistics_page_has_no_axe_violations(
    browser: Any, stats_site: Site, site: Site, screenshots: Any, locale: str
) -> None:
    failures = []
    for name, where in (("statistics", stats_site), ("statistics-demo", site)):
        violations = _check(
            browser,
            where.at(f"/statistics?locale={locale}"),
            lambda size, name=name: screenshots / f"{name}-{locale}-{size}.png",
        )
        if violations:
            failures.append((name, locale, violations))
    assert failures == [], failures
