"""The one place user text becomes HTML: Markdown, then nh3 with explicit allow-lists.

`render_markdown` is the only function in the app that marks user text safe. Raw HTML typed by
a user is never interpreted: the Markdown HTML parsers are removed, so `<b>` shows as text, and
nh3 cleans the result again in case Markdown itself produced something unexpected.
"""

import html.parser
import re
import threading
import xml.etree.ElementTree as ET

import markdown
import nh3
from markupsafe import Markup

__all__ = ["ALLOWED_TAGS", "render_markdown", "render_plain"]

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "blockquote", "ul", "ol", "li"}
    | {"h2", "h3", "h4", "a", "code", "pre", "hr"}
)
# The deepest heading the allow-list keeps: deeper ones are clamped, not stripped, so the text
# stays a heading instead of running into the next paragraph.
_DEEPEST_HEADING = 4

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    # Content of these is dropped, not shown as text (only reachable if Markdown let one through).
    clean_content_tags={"script", "style"},
    # "*": without it nh3 keeps ammonia's generic attributes (title, lang) on every tag.
    attributes={"a": {"href"}, "*": set()},
    url_schemes={"http", "https", "mailto"},
    # Only absolute http(s)/mailto links: a relative href is never needed in a testimony, and
    # Markdown turns stray text such as `[](<p onmouseover=...>` into one.
    url_relative="deny",
    # nofollow: user links must not lend the archive's reputation to spam; noreferrer: do not tell
    # the linked site which testimony a reader came from.
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


class _Tree(markdown.treeprocessors.Treeprocessor):
    """Shift headings down one level (the page owns h1) and turn images into plain links."""

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            if len(element.tag) == 2 and element.tag[0] == "h" and element.tag[1] in "123456":
                level = min(int(element.tag[1]) + 1, _DEEPEST_HEADING)
                element.tag = f"h{level}"
            elif element.tag == "img":
                # No images: slow rural links, and an external image would leak every reader's
                # address to its host. The reader can still follow the link deliberately.
                src = element.attrib.get("src", "")
                alt = element.attrib.get("alt", "") or src
                element.attrib.clear()
                element.tag = "a"
                element.set("href", src)
                element.text = alt


class _ArchiveExtension(markdown.extensions.Extension):
    """Remove raw-HTML parsing and register the tree rewrite."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # Markdown's API name
        # Without these, "<b>" and "<script>" in the input are escaped as text.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # After "inline" (priority 20), which creates the <img> elements.
        md.treeprocessors.register(_Tree(md), "archive_tree", 15)


_LOCAL = threading.local()


def _markdown() -> markdown.Markdown:
    # A Markdown instance is not thread-safe but is costly to build: one per thread, reset per use.
    md: markdown.Markdown | None = getattr(_LOCAL, "md", None)
    if md is None:
        md = markdown.Markdown(extensions=["sane_lists", _ArchiveExtension()], output_format="html")
        _LOCAL.md = md
    return md.reset()


def _to_clean_html(text: str) -> str:
    return _CLEANER.clean(_markdown().convert(text))


def render_markdown(text: str) -> Markup:
    """Return `text` (Markdown) as sanitised HTML safe to insert in a page.

    Only the tags of ALLOWED_TAGS survive, with no attribute except `href` on links, kept only
    for an absolute http, https or mailto URL; links get rel="noopener noreferrer nofollow".
    Never raises for str input.
    """
    return Markup(_to_clean_html(text))  # noqa: S704 - sanitised by nh3 on the line above


_BLOCKS = frozenset({"p", "h2", "h3", "h4", "blockquote", "pre", "ul", "ol", "hr"})
_MANY_NEWLINES = re.compile(r"\n(?:[ \t]*\n)+")
_SPACES = re.compile(r"[ \t]+")


class _TextCollector(html.parser.HTMLParser):
    """Collect the text of sanitised HTML, keeping block and line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "li"):
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        if tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")
        if tag == "pre" and self._pre:
            self._pre -= 1

    def handle_data(self, data: str) -> None:
        # Outside <pre>, a newline in HTML source is only a space (a soft line break).
        self.parts.append(data if self._pre else data.replace("\n", " "))


def render_plain(text: str) -> str:
    """Return `text` (Markdown) as plain text: no tags, entities decoded, blocks separated by a
    blank line. The result is NOT HTML-safe (it may contain "<"): let the template escape it.
    Never raises for str input.
    """
    collector = _TextCollector()
    collector.feed(_to_clean_html(text))
    collector.close()
    plain = "".join(collector.parts)
    lines = (_SPACES.sub(" ", line).strip() for line in plain.split("\n"))
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()
