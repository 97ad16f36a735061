"""render_markdown: the one function that turns user text into HTML."""

import html.parser
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from archive.text.markdown import ALLOWED_TAGS, render_markdown, render_plain

REL = 'rel="noopener noreferrer nofollow"'


class _Audit(html.parser.HTMLParser):
    """Collect every tag and attribute of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _audit(fragment: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Audit()
    parser.feed(fragment)
    parser.close()
    return parser.tags


def test_returns_markup_with_basic_formatting() -> None:
    out = render_markdown("**ខ្លាំង** and _soft_\n\n* one\n* two\n\n1. a\n2. b\n\n> said\n\n---")
    assert isinstance(out, Markup)
    for tag in ("<strong>ខ្លាំង</strong>", "<em>soft</em>", "<ul>", "<ol>", "<blockquote>", "<hr>"):
        assert tag in out


def test_headings_shift_down_one_level() -> None:
    out = render_markdown("# One\n\n## Two\n\n### Three\n\nSetext\n======")
    assert "<h2>One</h2>" in out and "<h3>Two</h3>" in out and "<h4>Three</h4>" in out
    assert "<h2>Setext</h2>" in out
    assert "<h1" not in out


def test_deep_headings_are_clamped_to_the_allow_list() -> None:
    out = render_markdown("#### Four\n\n###### Six")
    assert "<h4>Four</h4>" in out and "<h4>Six</h4>" in out
    assert "<h5" not in out and "<h6" not in out


def test_raw_html_is_escaped_not_passed_through() -> None:
    out = render_markdown('<b>bold</b> <script>alert(1)</script> <img src=x onerror="alert(1)">')
    assert "&lt;b&gt;bold&lt;/b&gt;" in out
    assert "&lt;script&gt;" in out
    assert "<script" not in out and "<img" not in out and "<b>" not in out


def test_raw_html_block_is_escaped() -> None:
    out = render_markdown('<div onclick="x()">\n<a href="javascript:alert(1)">x</a>\n</div>')
    assert "<div" not in out and "<a " not in out
    assert "&lt;div" in out


def test_links_keep_only_safe_schemes_and_get_rel() -> None:
    out = render_markdown("[web](https://example.org) [mail](mailto:a@example.org)")
    assert f'<a href="https://example.org" {REL}>web</a>' in out
    assert f'<a href="mailto:a@example.org" {REL}>mail</a>' in out
    bad = render_markdown("[a](javascript:alert(1)) [b](data:text/html,x) [c](vbscript:x)")
    assert "href" not in bad  # positive control above: safe hrefs are kept
    assert ">a</a>" in bad


def test_no_title_and_no_relative_links() -> None:
    out = render_markdown('[t](https://example.org "a title") [r](/staff/users) [h](#top)')
    assert f'<a href="https://example.org" {REL}>t</a>' in out
    assert "title" not in out
    assert f"<a {REL}>r</a>" in out and f"<a {REL}>h</a>" in out


def test_images_become_links_never_img() -> None:
    out = render_markdown("![a photo](https://example.org/p.jpg)")
    assert "<img" not in out
    assert f'<a href="https://example.org/p.jpg" {REL}>a photo</a>' in out


def test_code_is_escaped() -> None:
    out = render_markdown("`<b>x</b>`\n\n    <script>")
    assert "<code>&lt;b&gt;x&lt;/b&gt;</code>" in out
    assert "<pre><code>&lt;script&gt;" in out


def test_render_plain_has_no_tags_and_keeps_blocks() -> None:
    text = "# Title\n\nFirst *line*\nwraps &amp; <x>\n\n* a\n* b\n\n[link](https://e.org)"
    assert render_plain(text) == "Title\n\nFirst line wraps & <x>\n\na\nb\n\nlink"


_FRAGMENTS = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//x.js>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x]( javascript:alert(1))",
        "[x][r]\n\n[r]: javascript:alert(1)\n",
        '[x](https://e.org "t")',
        '[x](<p onmouseover="alert(1)">)',
        "![x](javascript:alert(1))",
        "<javascript:alert(1)>",
        "<svg onload=alert(1)>",
        '<p style="x" onmouseover="alert(1)">',
        "<iframe src=https://e.org>",
        '"><script>',
        "<!--",
        "-->",
        "```",
        "`",
        "\n\n",
        "    ",
        "# ",
        "> ",
        "* ",
        "[",
        "](",
        ")",
        "<",
        ">",
        '"',
        "'",
        "&",
        "&#x3c;script&#x3e;",
        "on",
        "=",
        "ស្ត្រី",
    ]
)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=8)), max_size=12).map("".join))
def test_no_script_handler_or_javascript_href_survives(text: str) -> None:
    out = str(render_markdown(text))
    assert "<script" not in out.lower()
    assert not re.search(r"<[^>]*\son\w*\s*=", out, re.IGNORECASE)
    for tag, attrs in _audit(out):
        assert tag in ALLOWED_TAGS, tag
        assert set(attrs) <= ({"href", "rel"} if tag == "a" else set()), (tag, attrs)
        scheme = _SCHEME.match(_as_browser_reads(attrs.get("href") or ""))
        assert scheme is None or scheme.group(1) in ("http", "https", "mailto"), attrs


def _as_browser_reads(url: str) -> str:
    """WHATWG URL parsing: trim C0 controls and spaces, delete every tab and newline."""
    trimmed = url.strip("".join(chr(c) for c in range(0x21)))
    return "".join(ch for ch in trimmed if ch not in "\t\n\r").lower()


_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")


def test_scheme_check_catches_a_javascript_href() -> None:
    # Positive control for the property test's checker.
    assert _SCHEME.match(_as_browser_reads(" java\tscript:alert(1)")).group(1) == "javascript"
    assert _SCHEME.match(_as_browser_reads("java    script:x")) is None  # a relative URL
