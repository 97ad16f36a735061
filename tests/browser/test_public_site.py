"""Every public page type, in Khmer and English, in Chromium: axe-core finds no violation,
the page weight (from the network log) stays small, nothing is fetched from another site,
the page reflows at 320 CSS px, screenshots are written for a person to look at, and the
Khmer text is drawn with the self-hosted web font (asked from the browser's own renderer).

Figures are printed (run with `-s` to see them).
"""

from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import AXE_SOURCE, Site

LOCALES = ("km", "en")
KB = 1024
STORY_BUDGET = 60 * KB  # compressed, fonts excluded
FONT_BUDGET = 60 * KB
# Every rule axe runs by default (WCAG 2.0/2.1 A and AA, and best practices).
AXE_RUN = """axe.run(document).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)
})))"""
# Controls smaller than 44x44 CSS px (links inside running text are exempt, as in WCAG;
# a checkbox counts with its label row).
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'a[href], button, select, input:not([type=hidden]):not([type=checkbox]), summary, .check'))
  .filter(e => e.getClientRects().length && !e.closest('p, .body, .skip-link'))
  .map(e => { const r = e.getBoundingClientRect();
              return [e.outerHTML.slice(0, 90), Math.round(r.width), Math.round(r.height)]; })
  .filter(([_, w, h]) => w < 44 || h < 44)"""
WEIGHTS: dict[tuple[str, str], tuple[int, int]] = {}


def page_types(site: Site) -> dict[str, str]:
    """Page type -> path (one of each kind of page the public sees)."""
    return {
        "home": "/",
        "stories": "/stories?page=2",
        "tag": "/tags/identity_group/indigenous",
        "story": f"/t/{site.ids['story']}",
        "story-jarai": f"/t/{site.ids['jarai']}?version=jra-Latn",
        "content-warning": f"/t/{site.ids['cw']}",
        "story-after-warning": f"/t/{site.ids['cw']}?cw=ok",
        "search": "/search?q=%E1%9E%9F%E1%9F%92%E1%9E%8F%E1%9F%92%E1%9E%9A%E1%9E%B8",
        "about-consent": "/about/consent",
        "not-found": "/no-such-page",
    }


@pytest.fixture(scope="module")
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    yield ctx
    ctx.close()


def _locale_path(path: str, locale: str) -> str:
    return path + ("&" if "?" in path else "?") + f"locale={locale}"


def _weigh(browser: Any, site: Site, path: str) -> tuple[int, int, list[str]]:
    """Load `path` in a fresh context (empty cache); return (bytes without fonts, font
    bytes, URLs) as transferred: compressed bodies plus response headers."""
    ctx = browser.new_context(viewport={"width": 360, "height": 640})
    page = ctx.new_page()
    finished: list[Any] = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(site.at(path), wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    other = fonts = 0
    urls = []
    for request in finished:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        urls.append(request.url)
        if request.resource_type == "font":
            fonts += size
        else:
            other += size
    ctx.close()
    return other, fonts, urls


@pytest.mark.parametrize("locale", LOCALES)
def test_every_page_type(browser: Any, site: Site, screenshots: Any, locale: str) -> None:
    failures = []
    for name, path in page_types(site).items():
        url = _locale_path(path, locale)
        # 1. accessibility: axe-core, all rules it runs by default
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        response = page.goto(site.at(url))
        assert response is not None
        expected = 404 if name == "not-found" else 200
        assert response.status == expected, (name, locale, response.status)
        assert page.evaluate("document.documentElement.lang") == locale
        assert page.locator("h1").count() == 1, (name, locale, "exactly one h1")
        assert page.locator("script").count() == 0, (name, "no script is needed")
        page.evaluate(AXE_SOURCE)
        result = page.evaluate(AXE_RUN)
        if result:
            failures.append((name, locale, result))
        small = page.evaluate(SMALL_TARGETS)
        if small:
            failures.append((name, locale, "touch targets under 44px", small))
        page.screenshot(path=str(screenshots / f"{name}-{locale}-1280x800.png"), full_page=True)
        # 2. phone: screenshot, and reflow without horizontal scrolling at 320 CSS px
        page.set_viewport_size({"width": 360, "height": 640})
        page.screenshot(path=str(screenshots / f"{name}-{locale}-360x640.png"), full_page=True)
        small = page.evaluate(SMALL_TARGETS)
        if small:
            failures.append((name, locale, "touch targets under 44px at 360px", small))
        # reflow: 320 CSS px is 1280 px at 400 % zoom; 640 px is 200 % zoom
        for width in (320, 640):
            page.set_viewport_size({"width": width, "height": 640})
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, (name, locale, f"horizontal scroll at {width}px: {overflow}")
        ctx.close()
        # 3. weight, from a cold cache; every request stays on the site
        other, fonts, urls = _weigh(browser, site, url)
        WEIGHTS[(name, locale)] = (other, fonts)
        assert all(u.startswith(site.url) for u in urls), (name, urls)
        print(
            f"weight {name:20} {locale}: {other / KB:6.1f} KB page+css, {fonts / KB:5.1f} KB fonts"
        )
    assert failures == [], failures
    for name in ("story", "story-after-warning", "content-warning", "story-jarai"):
        other, fonts = WEIGHTS[(name, locale)]
        assert other <= STORY_BUDGET, (name, locale, other)
        assert fonts <= FONT_BUDGET, (name, locale, fonts)


def _platform_fonts(page: Any, selector: str) -> list[dict[str, Any]]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


def _fonts_loaded(page: Any) -> None:
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_function("document.fonts.status === 'loaded'")


def test_khmer_is_drawn_with_the_self_hosted_font(
    browser: Any, site: Site, screenshots: Any
) -> None:
    """`document.fonts.check()` says true even when glyphs are boxes: ask the renderer."""
    ctx = browser.new_context(viewport={"width": 360, "height": 640})
    page = ctx.new_page()
    page.goto(site.at(f"/t/{site.ids['story']}?locale=km"))
    _fonts_loaded(page)
    for selector in ("h1", ".body p", ".site-header .brand"):
        fonts = _platform_fonts(page, selector)
        print("fonts for", selector, fonts)
        assert fonts, selector
        assert all(f["isCustomFont"] for f in fonts), (selector, fonts)
        assert any(f["familyName"] == "Noto Sans Khmer" for f in fonts), (selector, fonts)
    page.screenshot(path=str(screenshots / "story-km-360x640-viewport.png"))
    ctx.close()
    # Jarai (Latin script with stacked breves): drawn by the self-hosted Latin font alone.
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=3)
    page = ctx.new_page()
    page.goto(site.at(f"/t/{site.ids['jarai']}?version=jra-Latn&locale=en"))
    _fonts_loaded(page)
    for selector in ("h1", ".body p"):
        fonts = _platform_fonts(page, selector)
        print("fonts for jarai", selector, fonts)
        assert fonts and all(f["isCustomFont"] for f in fonts), (selector, fonts)
        assert {f["familyName"] for f in fonts} == {"Noto Sans"}, (selector, fonts)
    page.locator("h1").screenshot(path=str(screenshots / "jarai-title.png"))
    page.locator(".body p").screenshot(path=str(screenshots / "jarai-letters.png"))
    ctx.close()


def test_printable_story(browser: Any, site: Site, screenshots: Any) -> None:
    """Printing a story leaves out navigation, switches and related stories."""
    ctx = browser.new_context(viewport={"width": 800, "height": 1100})
    page = ctx.new_page()
    page.goto(site.at(f"/t/{site.ids['story']}?locale=en"))
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".versions", ".related"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator(".body").is_visible() and page.locator("h1").is_visible()
    page.screenshot(path=str(screenshots / "story-en-print.png"), full_page=True)
    ctx.close()
