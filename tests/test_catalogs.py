"""The UI catalogs stay complete: the committed .pot matches the code, and Khmer and English
translate every message."""

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

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
