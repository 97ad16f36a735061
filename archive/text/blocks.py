"""Splitting Markdown into blocks (paragraphs, headings, list items) for side-by-side
translation and XLIFF segments, and joining them back."""

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^#{1,6}\s")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s")


@dataclass(frozen=True)
class Block:
    """One unit of translation: `kind` is "heading", "item" or "paragraph"."""

    kind: str
    text: str


def split_blocks(markdown: str) -> list[Block]:
    """Return the blocks of a Markdown text in order (blank lines separate paragraphs; each
    heading line and each list item is a block of its own). Never raises."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", "\n".join(paragraph).strip()))
            paragraph.clear()

    for line in markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            flush()
        elif _HEADING.match(line):
            flush()
            blocks.append(Block("heading", line.strip()))
        elif _LIST_ITEM.match(line):
            flush()
            blocks.append(Block("item", line.rstrip()))
        elif blocks and blocks[-1].kind == "item" and not paragraph and line.startswith("  "):
            last = blocks.pop()  # a continuation line of a list item
            blocks.append(Block("item", f"{last.text}\n{line.rstrip()}"))
        else:
            paragraph.append(line)
    flush()
    return blocks


def join_blocks(texts: list[str]) -> str:
    """Return Markdown made of block texts: list items kept together, others separated by a
    blank line. Empty blocks are dropped."""
    out: list[str] = []
    previous_item = False
    for text in (t.strip("\n") for t in texts):
        if not text.strip():
            continue
        item = bool(_LIST_ITEM.match(text))
        if out:
            out.append("\n" if item and previous_item else "\n\n")
        out.append(text)
        previous_item = item
    return "".join(out)
