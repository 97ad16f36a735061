"""Keyboard-only paths (Tab, Enter, Space) and reading, browsing, the content warning and
search with JavaScript switched off."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import Site

ACTIVE = """() => {
  const e = document.activeElement;
  if (!e) return null;
  return [e.tagName, (e.textContent || '').trim(), e.id || '', e.getAttribute('href') || ''];
}"""


def tab_to(page: Any, matches: Any, limit: int = 80) -> list[str]:
    """Press Tab until the focused element satisfies `matches`; return it (tag, text, id,
    href). Fails when it is never reached (a keyboard trap or a missing control)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if active and matches(active):
            return active
    raise AssertionError("never reached by Tab")


@pytest.fixture
def kb(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def nojs(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False)
    yield ctx.new_page()
    ctx.close()


def _args(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_skip_link_then_search_box(kb: Any, site: Site) -> None:
    kb.goto(site.at("/?locale=en"))
    first = tab_to(kb, lambda a: True, limit=1)
    assert first[1] == "Skip to content"
    kb.keyboard.press("Enter")
    assert kb.evaluate("document.activeElement.id") == "main"
    link = tab_to(kb, lambda a: a[0] == "A" and a[1] == "Stories")
    assert link[3] == "/stories"
    # Focus is visible: a solid outline of at least 2px on the focused control.
    outline = kb.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert outline[0] == "solid" and outline[1] >= 2, outline
    tab_to(kb, lambda a: a[2] == "home-q")
    kb.keyboard.type("ស្ត្រី")
    kb.keyboard.press("Enter")
    kb.wait_for_url("**/search?**")
    assert _args(kb)["q"] == ["ស្ត្រី"]
    assert kb.locator(".results-list li").count() > 0


def test_language_switch_keeps_the_page(kb: Any, site: Site) -> None:
    path = f"/t/{site.ids['story']}?version=km&locale=km"
    kb.goto(site.at(path))
    tab_to(kb, lambda a: a[0] == "A" and a[1] == "English")
    kb.keyboard.press("Enter")
    kb.wait_for_function("document.documentElement.lang === 'en'")
    assert urlsplit(kb.url).path == f"/t/{site.ids['story']}"
    assert _args(kb)["version"] == ["km"]  # the story stays in the language the reader chose
    tab_to(kb, lambda a: a[0] == "A" and a[1] == "ខ្មែរ")
    kb.keyboard.press("Enter")
    kb.wait_for_function("document.documentElement.lang === 'km'")


def test_filters_and_pagination(kb: Any, site: Site) -> None:
    kb.goto(site.at("/stories?locale=en"))
    tab_to(kb, lambda a: a[0] == "SUMMARY")
    kb.keyboard.press("Enter")  # opens the filter panel
    checkbox = tab_to(kb, lambda a: a[2] == "f-identity_group-indigenous")
    assert checkbox[0] == "INPUT"
    kb.keyboard.press("Space")
    tab_to(kb, lambda a: a[0] == "BUTTON" and a[1] == "Show stories")
    kb.keyboard.press("Enter")
    kb.wait_for_url("**identity_group=indigenous**")
    total = kb.locator(".result-count").inner_text()
    assert "stories" in total
    tab_to(kb, lambda a: a[0] == "A" and a[1] == "Next page")
    kb.keyboard.press("Enter")
    kb.wait_for_url("**page=2**")
    assert _args(kb)["identity_group"] == ["indigenous"]  # filters survive paging
    assert "Page 2 of" in kb.locator(".pagination").inner_text()


def test_content_warning_step_by_keyboard(kb: Any, site: Site) -> None:
    kb.goto(site.at(f"/t/{site.ids['cw']}?locale=en"))
    assert kb.locator(".body").count() == 0  # the text is not even sent before the step
    assert "Women's helpline" in kb.locator(".content-warning").inner_text()
    tab_to(kb, lambda a: a[0] == "A" and a[1] == "Continue to the story")
    kb.keyboard.press("Enter")
    kb.wait_for_url("**cw=ok**")
    assert "my husband beat me" in kb.locator(".body").inner_text()
    # Switching the language keeps the reader past the warning.
    tab_to(kb, lambda a: a[0] == "A" and "version=km" in a[3])
    kb.keyboard.press("Enter")
    kb.wait_for_url("**version=km**")
    assert _args(kb)["cw"] == ["ok"] and kb.locator(".body").count() == 1


def test_reading_browsing_warning_and_search_without_javascript(nojs: Any, site: Site) -> None:
    page = nojs
    page.goto(site.at("/?locale=en"))
    page.get_by_role("link", name="Indigenous peoples").first.click()
    assert urlsplit(page.url).path == "/tags/identity_group/indigenous"
    page.locator(".card-title a").first.click()
    assert urlsplit(page.url).path.startswith("/t/")
    assert page.locator(".body").count() == 1 or page.locator(".content-warning").count() == 1
    # The content-warning step is a plain link.
    page.goto(site.at(f"/t/{site.ids['cw']}?locale=en"))
    page.get_by_role("link", name="Continue to the story").click()
    assert "Now I help other women" in page.locator(".body").inner_text()
    # Filters are a plain GET form (the panel is <details>, no script).
    page.goto(site.at("/stories?locale=en"))
    page.locator("summary").click()
    page.get_by_label("People with disabilities").check()
    page.get_by_role("button", name="Show stories").click()
    assert _args(page)["identity_group"] == ["disability"]
    assert page.locator(".card").count() > 0
    # Search: type and submit.
    page.goto(site.at("/search?locale=en"))
    page.get_by_label("Words to look for").fill("cassava")
    page.get_by_role("button", name="Search").click()
    assert _args(page)["q"] == ["cassava"]
    assert page.locator(".results-list li").count() >= 1
    assert "<mark>" in page.locator(".snippet").first.inner_html()
