"""Server-rendered SVG bar charts: no JavaScript, no inline styles, readable by screen readers.

Each chart is an `<svg role="img">` named by its `<title>` and described by a `<desc>` that
reads out every bar (the page also shows the same numbers in an HTML table). Colours and sizes
are SVG presentation attributes (`fill`, `x`, `width`), which the Content-Security-Policy
allows; `static/css/statistics.css` only sizes the chart. Labels come in the UI locale and
numbers through `i18n.show_number` (Khmer digits in the Khmer UI).

A hidden count is drawn as a short hatched, outlined box of the same size whatever it hides,
labelled "hidden"; the scale is taken from the shown counts only, so nothing about a hidden
count shows through the drawing.
"""

import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

from .i18n import show_number, ui_locale
from .presenters import Label

WIDTH = 360  # viewBox units; the chart scales to its container
PAD = 4
VALUE_ROOM = 76  # room right of the longest bar for its number or "hidden"
BAR_HEIGHT = 16
HIDDEN_BOX = 22
FONT = 14  # Latin text; Khmer needs more room for its stacked vowels and subscripts
FONT_KHMER = 17
INK = "#1d1d1f"
ACCENT = "#8a2c0d"
PAPER = "#ffffff"


@dataclass
class Bar:
    label: Label
    value: int | None  # None: hidden from this viewer


def bar_chart(chart_id: str, title: str, bars: list[Bar]) -> Markup:
    """Return an accessible horizontal bar chart as inline SVG markup."""
    khmer = ui_locale() == "km"
    font = FONT_KHMER if khmer else FONT
    line = 27 if khmer else 18
    shown = [b.value for b in bars if b.value is not None]
    scale_max = max([*shown, 1])
    room = WIDTH - 2 * PAD - VALUE_ROOM
    parts: list[str] = []
    y = PAD
    for bar in bars:
        lines = _wrap(bar.label.text, (WIDTH - 2 * PAD) / font)
        lang = ' lang="en"' if bar.label.fallback and khmer else ""
        parts.append(f'<text x="{PAD}" y="{y + font}" class="bar-label" fill="{INK}"{lang}>')
        for n, text in enumerate(lines):
            dy = "0" if n == 0 else str(line)
            parts.append(f'<tspan x="{PAD}" dy="{dy}">{escape(text)}</tspan>')
        parts.append("</text>")
        y += line * len(lines) + 4
        if bar.value is None:
            parts.append(
                f'<rect x="{PAD}" y="{y}" width="{HIDDEN_BOX}" height="{BAR_HEIGHT}" '
                f'fill="url(#{chart_id}-hatch)" stroke="{ACCENT}" stroke-width="1.5" '
                f'stroke-dasharray="3 2"/>'
            )
            value_x, value_text = PAD + HIDDEN_BOX + 6, _("hidden")
        else:
            width = round(room * bar.value / scale_max, 1)
            if width > 0:
                parts.append(
                    f'<rect x="{PAD}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
                    f'fill="{ACCENT}"/>'
                )
            value_x, value_text = PAD + width + 6, show_number(bar.value)
        parts.append(
            f'<text x="{value_x}" y="{y + BAR_HEIGHT - 3}" class="bar-value" '
            f'fill="{INK}">{escape(value_text)}</text>'
        )
        y += BAR_HEIGHT + 14
    height = y + PAD
    description = _describe(bars)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-size="{font}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{PAPER}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{ACCENT}" stroke-width="2"/>'
        f"</pattern></defs>" + "".join(parts) + "</svg>"
    )
    return Markup(svg)  # noqa: S704 - every piece of text above is escaped


def _describe(bars: list[Bar]) -> str:
    """Every bar in words: "label: number" (or "hidden"), in order."""
    items = [
        _("%(label)s: %(count)s", label=bar.label.text,
          count=_("hidden") if bar.value is None else show_number(bar.value))
        for bar in bars
    ]  # fmt: skip
    return _("Bar chart of the number of testimonies.") + " " + "; ".join(items)


def _width(text: str) -> float:
    """Rough width of `text` in ems (combining marks take none)."""
    total = 0.0
    for char in text:
        category = unicodedata.category(char)
        if category in ("Mn", "Cf"):
            continue
        if category == "Mc":  # spacing vowel signs
            total += 0.45
            continue
        if char == " ":
            total += 0.3
        elif "\u1780" <= char <= "\u17ff":
            total += 0.75
        else:
            total += 0.58
    return total


def _wrap(text: str, limit: float) -> list[str]:
    """Split a label on spaces into lines of at most `limit` ems (a long word stays whole)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and _width(candidate) > limit:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines
