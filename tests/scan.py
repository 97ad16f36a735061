"""Raw byte scans of index tier directories (and database files) for analyser terms."""

import contextlib
import zlib
from pathlib import Path

from archive.search.analysis import cluster_tokens, latin_tokens, stem, word_tokens
from archive.text.normalize import normalize


def analyser_terms(text: str) -> set[str]:
    """Return every term the analysers would index for `text` (words, clusters, stems)."""
    key = normalize(text)
    terms = {t[0] for t in word_tokens(key)} | {t[0] for t in cluster_tokens(key)}
    terms |= {stem(t[0]) for t in latin_tokens(key)}
    return {t for t in terms if t.strip()}


def _decompressed(data: bytes) -> list[bytes]:
    """Return the payloads of zlib streams found in `data` (whatever the index compresses)."""
    out = []
    view = memoryview(data)
    for marker in (b"\x78\x9c", b"\x78\x01", b"\x78\xda"):
        start = data.find(marker)
        while start != -1:
            with contextlib.suppress(zlib.error):  # not a zlib stream after all
                out.append(zlib.decompressobj().decompress(view[start:]))
            start = data.find(marker, start + 1)
    return out


def directory_bytes(directory: Path) -> bytes:
    """Return every byte of every file below `directory` (symlinks followed), with the
    decompressed contents of any zlib streams appended."""
    chunks = []
    for path in sorted(directory.resolve().rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            chunks.append(data)
            chunks.extend(_decompressed(data))
    return b"\n".join(chunks)


def found_terms(data: bytes, terms: set[str]) -> set[str]:
    """Return the terms whose UTF-8 bytes occur in `data`."""
    return {t for t in terms if t.encode("utf-8") in data}
