"""The UI catalogs stay complete: the committed .pot matches the code, Khmer and English
translate every message, and no template shows text outside `_()`."""

import unicodedata
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from jinja2 import Environment

from archive.catalogs import load, missing

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def extracted_ids(root: Path = ROOT) -> set[str]:
    """Return the msgids `make extract` would find under `root` (as in babel.cfg)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    ids: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def catalog_ids(path: Path) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in load(path) if m.id}


def test_pot_is_current() -> None:
    found = extracted_ids()
    pot = catalog_ids(ROOT / "translations" / "messages.pot")
    assert found - pot == set(), "run `make extract`: strings missing from messages.pot"
    assert pot - found == set(), "run `make extract`: messages.pot has stale strings"


def test_catalogs_complete() -> None:
    pot = catalog_ids(ROOT / "translations" / "messages.pot")
    for locale in ("km", "en"):
        path = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
        assert pot - catalog_ids(path) == set(), f"{locale}: run `make extract`"
        assert missing(load(path)) == [], f"{locale}: untranslated or fuzzy entries"


# -- a string added to a template without a translation is caught --------------------------


def untranslated(ids: set[str]) -> set[str]:
    """Return the ids that the committed .pot, or the Khmer or English catalog, lacks (or
    leaves untranslated): what test_pot_is_current and test_catalogs_complete fail on."""
    gaps = ids - catalog_ids(ROOT / "translations" / "messages.pot")
    for locale in ("km", "en"):
        path = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
        gaps |= (ids - catalog_ids(path)) | (ids & set(missing(load(path))))
    return gaps


def test_a_new_untranslated_template_string_is_caught(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "probe.html").write_text(
        '<h1>{{ _("Search") }}</h1>\n<p>{{ _("A sentence nobody has translated yet") }}</p>\n',
        encoding="utf-8",
    )
    found = extracted_ids(tmp_path)
    assert found == {"Search", "A sentence nobody has translated yet"}
    # "Search" is translated (the positive control); the new sentence is not.
    assert untranslated(found) == {"A sentence nobody has translated yet"}


# -- no bare text in templates -----------------------------------------------------------------

# Text that may stand in a template as it is: each UI language named in itself (the switcher
# gets them from Python, so these only guard against copies in markup).
ALLOWED_LITERALS = frozenset({"ខ្មែរ", "English"})
# Attributes a person sees or hears (tooltips, alternative text, accessible names).
VISIBLE_ATTRIBUTES = frozenset(
    {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription",
     "aria-valuetext", "label"}
)  # fmt: skip
HOLE = "\ue000"  # stands for every {{ ... }} and {% ... %} while the markup is parsed
_jinja = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])  # lexing only


def template_markup(source: str) -> str:
    """Return the template's markup with each Jinja expression or statement replaced by a
    placeholder and comments and `{% trans %}` blocks (translated) removed."""
    out: list[str] = []
    in_trans = after_begin = False
    for _line, kind, value in _jinja.lex(source):
        if kind == "data":
            if not in_trans:
                out.append(value)
        elif kind in ("variable_begin", "block_begin"):
            out.append(HOLE)
            after_begin = kind == "block_begin"
            continue
        elif kind == "name" and after_begin:
            in_trans = value == "trans" or (in_trans and value != "endtrans")
        if kind != "whitespace":
            after_begin = False
    return "".join(out)


def _has_words(text: str) -> bool:
    """Whether `text` still holds letters once placeholders and allowed words are gone
    (digits, punctuation, symbols and spaces are not words to translate)."""
    for word in ALLOWED_LITERALS:
        text = text.replace(word, " ")
    return any(unicodedata.category(c)[0] in "LM" for c in text.replace(HOLE, " "))


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        values = dict(attrs)
        shown = [name for name in VISIBLE_ATTRIBUTES if values.get(name)]
        if tag == "input" and (values.get("type") or "") in ("submit", "button", "reset"):
            shown.append("value")
        if tag == "meta" and values.get("name") == "description":
            shown.append("content")
        for name in shown:
            if _has_words(values[name] or ""):
                self.found.append(f'<{tag} {name}="{values[name]}">')

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden and _has_words(data):
            self.found.append(data.strip())


def bare_literals(source: str) -> list[str]:
    """Return the pieces of user-visible text a template shows outside `_()`."""
    parser = _VisibleText()
    parser.feed(template_markup(source))
    parser.close()
    return [text.replace(HOLE, "…") for text in parser.found]


def bare_literals_in(root: Path) -> dict[str, list[str]]:
    """Return, per template file under `root`, its bare text literals (none: empty)."""
    out = {}
    for path in sorted([*root.rglob("*.html"), *root.rglob("*.xml")]):
        found = bare_literals(path.read_text(encoding="utf-8"))
        if found:
            out[str(path.relative_to(root))] = found
    return out


def test_templates_have_no_bare_text() -> None:
    assert bare_literals_in(ROOT / "templates") == {}


def test_a_bare_text_literal_in_a_template_is_caught(tmp_path: Path) -> None:
    bad = {
        "text.html": "<p>Read more</p>",
        "khmer.html": "<p>{{ count }} ភាសា</p>",
        "attribute.html": '<img src="x.png" alt="A photo of the workshop">',
        "aria.html": '<nav aria-label="Pages">{{ links }}</nav>',
        "button.html": '<input type="submit" value="Send">',
        "mixed.html": '<p>{{ _("Told by %(alias)s", alias=a) }} and friends</p>',
        "block.html": "{% if x %}<span>Draft</span>{% endif %}",
    }
    good = {
        "translated.html": '<p title="{{ _(\'Hint\') }}">{{ _("Read more") }}</p>',
        "punctuation.html": "<p>{{ a }} · {{ b }} ({{ n }}) 2023 – …</p>",
        "languages.html": '<a lang="km">ខ្មែរ</a> <a lang="en">English</a>',
        "trans.html": "<p>{% trans %}Read more{% endtrans %}</p>",
        "comment.html": "{# concern link: issue 6 #}<p>{{ x }}</p>",
        "hidden.html": '<input type="hidden" name="q" value="words"><a href="/x?y=z">{{ t }}</a>',
        "style.html": "<style>p { font-family: sans-serif; }</style>",
    }
    for name, source in {**bad, **good}.items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    found = bare_literals_in(tmp_path)
    assert set(found) == set(bad), found
    assert found["text.html"] == ["Read more"]
    assert found["khmer.html"] == ["… ភាសា"]
    assert found["mixed.html"] == ["… and friends"]
