"""Translation catalog upkeep: `python -m archive.catalogs fill-en | check`.

The UI's source strings are English, so the English catalog is the identity translation; it is
filled by this tool after each extraction. `check` lists untranslated or fuzzy entries in any
catalog (CI fails on them through the test suite).
"""

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def load(path: Path) -> Catalog:
    """Return the catalog stored at `path`."""
    with path.open("rb") as f:
        return read_po(f)


def missing(catalog: Catalog) -> list[str]:
    """Return the ids of messages with an empty or fuzzy translation."""
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def fill_english(path: Path) -> int:
    """Copy each msgid into its empty English msgstr; return how many entries were filled."""
    catalog = load(path)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = (message.id[0], message.id[1])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with path.open("wb") as f:
        write_po(f, catalog, sort_output=True, omit_header=False, include_previous=False)
    return filled


def main(argv: list[str]) -> int:
    """Run a subcommand; return the exit status."""
    if argv[1:] == ["fill-en"]:
        print(f"filled {fill_english(TRANSLATIONS / 'en' / 'LC_MESSAGES' / 'messages.po')}")
        return 0
    if argv[1:] == ["check"]:
        status = 0
        for path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
            gaps = missing(load(path))
            if gaps:
                status = 1
                print(f"{path}: {len(gaps)} untranslated or fuzzy, e.g. {gaps[0]!r}")
        return status
    print("usage: python -m archive.catalogs fill-en|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
