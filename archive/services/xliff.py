"""Translation kits: one XLIFF 1.2 file per testimony × target language, for translators who
work offline (OmegaT, Poedit), and reading such a file back as the text of a new revision.

A kit holds one `<file>` whose `<header>` carries, as `<note from="archive">key: value</note>`
lines, which testimony, target language and source revision it was made from, the target
revision its targets were pre-filled from, and its audience. Its body has one `<trans-unit>`
for the title, one for the summary (when either side has one) and one per Markdown block of
the source text (`b1`, `b2`, ...: the same blocks as the side-by-side editor).

Built and parsed with the standard library only; the app never depends on a translation
toolkit. Reading refuses any DTD before the XML parser runs. Nothing here writes to the
database: the caller stores an upload with `versions.save_revision` or `versions.add_version`.
"""

import re

# Parsing with ElementTree is safe here only because _refuse_declarations runs first (ruff's
# S314 does not flag XMLPullParser and S405 is a preview rule, so no noqa is needed).
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ..extensions import db
from ..models import ContentLanguage, Revision, Testimony, Version
from ..text.blocks import join_blocks, split_blocks
from ..text.redaction import hide

NS: Final = "urn:oasis:names:tc:xliff:document:1.2"
XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
NOTE_FROM: Final = "archive"
MAX_DEPTH: Final = 32  # a kit nests 5 levels plus inline markup; deeper is not a kit

KIT_ERROR_CODES: Final = frozenset(
    {
        # building
        "wrong_language",  # target language unknown, or the source's own language
        "wrong_source",  # the target version is translated from another version
        "no_source",  # the source has no revision this reader may read
        # reading
        "too_large",  # more than max_bytes
        "not_xml",  # not well-formed, or not UTF-8 / UTF-16
        "doctype",  # a DOCTYPE, ENTITY or other declaration (never parsed)
        "not_xliff",  # XML, but not an XLIFF document of one <file> with unique unit ids
        "wrong_version",  # XLIFF, but not 1.2 (e.g. the 2.0 or 1.1 namespace)
        "not_kit",  # XLIFF 1.2 without this archive's header notes
        "wrong_testimony",  # a kit of another testimony
        # (also "wrong_language": a kit of another target language)
        "unknown_source",  # the source revision is not one of this testimony's versions
        # (also "wrong_source": the target version is translated from another version)
        "redacted_kit",  # a kit made for non-staff readers (redactions replaced): not uploadable
        "missing_units",  # the title, summary or a block unit is missing
        "empty_title",
        "empty_body",
    }
)

_META_KEYS: Final = (
    "public-id",
    "target-language",
    "source-revision-id",
    "source-revision-number",
    "base-revision-id",
    "audience",
)
_STAFF, _READER = "staff", "reader"
_NO_REVISION = "none"
_ID = re.compile(r"[0-9]{1,18}")
# Characters XML 1.0 cannot carry at all (C0 controls except tab/LF/CR, lone surrogates,
# U+FFFE/U+FFFF): replaced by U+FFFD in a kit rather than writing a file no tool can open.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Any markup declaration (<!DOCTYPE, <!ENTITY, <!ELEMENT, <!ATTLIST ...): only comments and
# CDATA sections may start with "<!" in a kit.
_DECLARATION = re.compile(r"<!(?!--|\[CDATA\[)")
_XML_DECL_ENCODING = re.compile(r"""\A<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


class KitError(Exception):
    """A kit the archive will not build or read; `code` (one of KIT_ERROR_CODES) is what the
    web layer maps to a localized message. Nothing has been written when it is raised."""

    def __init__(self, code: str) -> None:
        if code not in KIT_ERROR_CODES:
            raise ValueError(f"unknown kit error code: {code}")
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class KitUpload:
    """The text read from a kit, ready for `save_revision` (or `add_version` when the target
    version does not exist yet, translated from `source_language`)."""

    title: str
    summary: str  # "" when the kit has no summary unit
    body: str  # the block targets joined with join_blocks (empty targets dropped)
    source_language: str
    source_revision_id: int
    # The target revision the kit was pre-filled from (pass as base_revision_id), or None.
    base_revision_id: int | None
    # The kit's source revision is no longer the source version's current readable revision
    # (approved if any, else latest): the translation may miss later changes.
    outdated: bool
    # The target version changed since the kit was made (a newer revision, or it was created):
    # saving would supersede someone's work. save_revision raises ConflictError only when
    # base_revision_id is not None; with None and an existing version the caller must ask.
    stale_base: bool
    untranslated: tuple[str, ...]  # ids of units whose target was left empty


def kit_filename(testimony: Testimony, target_language: str) -> str:
    """Return a download file name for a kit, e.g. `testimony-<public_id>-tpu-Khmr.xlf`."""
    return f"testimony-{testimony.public_id}-{target_language}.xlf"


def kit_original(public_id: str, target_language: str) -> str:
    """Return the `<file original>` of a kit: a stable identifier of testimony and language."""
    return f"testimony/{public_id}/{target_language}"


# -- building ---------------------------------------------------------------------------------


def build_kit(
    testimony: Testimony,
    source_version: Version,
    target_language: str,
    *,
    staff: bool,
    marker: str,
) -> bytes:
    """Return an XLIFF 1.2 kit (UTF-8 bytes) for translating `source_version` into
    `target_language`.

    The source text is the version's approved revision, else (staff only) its latest. For
    staff the redaction spans stay as written (`{-r1:...-}`) and the targets are pre-filled
    from the target version's latest revision, block by block. For anyone else (`staff=False`)
    every redacted span is replaced by `marker` and no target text is included: such a kit
    holds only what the reader may read and cannot be uploaded. The caller must already have
    checked that the viewer may read `source_version` (policy.can_read_version).

    Raises KitError("wrong_language") for an unknown target language or the source's own,
    KitError("wrong_source") when the target version is translated from another version,
    KitError("no_source") when there is no revision the reader may read, and ValueError when
    `source_version` belongs to another testimony.
    """
    if source_version.testimony_id != testimony.id:
        raise ValueError("the source version belongs to another testimony")
    if target_language == source_version.language:
        raise KitError("wrong_language")
    if db.session.get(ContentLanguage, target_language) is None:
        raise KitError("wrong_language")
    target = testimony.version_for(target_language)
    if target is not None and target.translated_from_id not in (None, source_version.id):
        raise KitError("wrong_source")
    source = source_version.approved or (source_version.latest if staff else None)
    if source is None:
        raise KitError("no_source")
    base = target.latest if staff and target is not None else None

    def shown(text: str) -> str:
        return _xml_safe(text if staff else hide(text, marker))

    # Tags are built unqualified under an explicit xmlns attribute, so the kit uses the XLIFF
    # namespace as its default (no prefixes, which some tools mishandle); read_kit checks it.
    root = ET.Element("xliff", xmlns=NS, version="1.2")
    file = ET.SubElement(
        root,
        "file",
        {
            "original": kit_original(testimony.public_id, target_language),
            "source-language": source_version.language,
            "target-language": target_language,
            "datatype": "plaintext",
        },
    )
    header = ET.SubElement(file, "header")
    meta = {
        "public-id": testimony.public_id,
        "target-language": target_language,
        "source-revision-id": str(source.id),
        "source-revision-number": str(source.number),
        "base-revision-id": str(base.id) if base else _NO_REVISION,
        "audience": _STAFF if staff else _READER,
    }
    for key in _META_KEYS:
        ET.SubElement(header, "note", {"from": NOTE_FROM}).text = f"{key}: {meta[key]}"
    body = ET.SubElement(file, "body")
    # Pre-filled targets match this source if the target revision was made from it.
    current = base is not None and base.source_revision_id == source.id
    add = _unit_adder(body, source_version.language, target_language, current)

    add("title", shown(source.title), _xml_safe(base.title) if base else "")
    if source.summary.strip() or (base is not None and base.summary.strip()):
        add("summary", shown(source.summary), _xml_safe(base.summary) if base else "")
    source_blocks = [b.text for b in split_blocks(shown(source.body))]
    target_blocks = [_xml_safe(b.text) for b in split_blocks(base.body)] if base else []
    for index, text in enumerate(source_blocks):
        if index == len(source_blocks) - 1:
            filled = join_blocks(target_blocks[index:])  # extra target blocks go here
        else:
            filled = target_blocks[index] if index < len(target_blocks) else ""
        add(f"b{index + 1}", text, filled)

    ET.indent(root)  # only between elements: source and target have no child elements
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def _unit_adder(
    body: ET.Element, source_language: str, target_language: str, current: bool
) -> Callable[[str, str, str], None]:
    def add(unit_id: str, source_text: str, target_text: str) -> None:
        unit = ET.SubElement(body, "trans-unit", {"id": unit_id, f"{{{XML_NS}}}space": "preserve"})
        ET.SubElement(unit, "source", {f"{{{XML_NS}}}lang": source_language}).text = source_text
        if not target_text.strip():
            state = "needs-translation"
        else:
            state = "translated" if current else "needs-review-translation"
        target = ET.SubElement(
            unit, "target", {f"{{{XML_NS}}}lang": target_language, "state": state}
        )
        target.text = target_text if target_text.strip() else None

    return add


# -- reading ----------------------------------------------------------------------------------


def read_kit(
    data: bytes, *, testimony: Testimony, target_language: str, max_bytes: int
) -> KitUpload:
    """Return the title, summary and body a translator wrote into a kit of `testimony` for
    `target_language`, with where it came from. Inline markup tools add inside a target
    (`<g>`, `<x/>`, `<mrk>`) is dropped and its text kept. Reads the database, writes nothing.

    Raises KitError with code "too_large", "not_xml", "doctype" (any DTD is refused before
    parsing), "not_xliff", "wrong_version", "not_kit", "wrong_testimony", "wrong_language",
    "unknown_source", "wrong_source", "redacted_kit", "missing_units", "empty_title" or
    "empty_body".
    """
    if len(data) > max_bytes:
        raise KitError("too_large")
    root = _parse(data)
    if root.tag != _q("xliff"):
        raise KitError("wrong_version" if _local(root.tag) == "xliff" else "not_xliff")
    if root.get("version") != "1.2":
        raise KitError("wrong_version")
    files = root.findall(_q("file"))
    if len(files) != 1:
        raise KitError("not_xliff")
    file = files[0]
    meta = _header_notes(file)

    if meta["public-id"] != testimony.public_id:
        raise KitError("wrong_testimony")
    if meta["target-language"] != target_language:
        raise KitError("wrong_language")
    # `original` is checked too (tools keep it); `target-language` is not: OmegaT's Okapi
    # filter may rewrite it to the project's locale, while the header note stays intact.
    if file.get("original") != kit_original(testimony.public_id, target_language):
        raise KitError("wrong_testimony")
    if meta["audience"] == _READER:
        raise KitError("redacted_kit")
    if meta["audience"] != _STAFF:
        raise KitError("not_kit")

    source_id = _revision_id(meta["source-revision-id"])
    base_id = _revision_id(meta["base-revision-id"], optional=True)
    if source_id is None:  # pragma: no cover - _revision_id refuses "none" here
        raise KitError("not_kit")
    source = db.session.get(Revision, source_id)
    if (
        source is None
        or source.version.testimony_id != testimony.id
        or source.version.language == target_language
    ):
        raise KitError("unknown_source")
    source_version = source.version
    target = testimony.version_for(target_language)
    if target is not None and target.translated_from_id not in (None, source_version.id):
        raise KitError("wrong_source")

    texts = _unit_targets(file)
    required = ["title"]
    if source.summary.strip():
        required.append("summary")
    required += [f"b{i + 1}" for i in range(len(split_blocks(source.body)))]
    if any(unit_id not in texts for unit_id in required):
        raise KitError("missing_units")
    title = texts["title"].strip()
    if not title:
        raise KitError("empty_title")
    blocks = [unit_id for unit_id in required if unit_id.startswith("b")]
    body = join_blocks([texts[unit_id] for unit_id in blocks])
    if not body.strip():
        raise KitError("empty_body")

    current = source_version.approved or source_version.latest
    latest_target = target.latest if target is not None else None
    return KitUpload(
        title=title,
        summary=texts.get("summary", "").strip(),
        body=body,
        source_language=source_version.language,
        source_revision_id=source.id,
        base_revision_id=base_id,
        outdated=current is None or current.id != source.id,
        stale_base=(latest_target.id if latest_target else None) != base_id,
        untranslated=tuple(unit_id for unit_id in required if not texts[unit_id].strip()),
    )


def _parse(data: bytes) -> ET.Element:
    """Return the root element of `data`, refusing encodings other than UTF-8/UTF-16 and any
    markup declaration before the parser sees the document."""
    _refuse_declarations(data)
    # Safe: no DTD can reach the parser (checked above on the decoded text, in the encoding
    # the parser will use), so no entity is declared, expanded or fetched.
    parser = ET.XMLPullParser(events=("start", "end"))
    root: ET.Element | None = None
    depth = 0
    try:
        parser.feed(data)
        parser.close()
        for event, element in parser.read_events():
            if event == "start":
                depth += 1
                root = element if root is None else root
                if depth > MAX_DEPTH:
                    raise KitError("not_xliff")
            else:
                depth -= 1
    except ET.ParseError as error:
        raise KitError("not_xml") from error
    if root is None:  # pragma: no cover - expat reports an empty document as an error
        raise KitError("not_xml")
    return root


def _refuse_declarations(data: bytes) -> None:
    """Raise KitError("not_xml") unless `data` is UTF-8 (BOM optional) or UTF-16 with a BOM
    and declares no other encoding, and KitError("doctype") when it holds any `<!DOCTYPE`,
    `<!ENTITY` or other markup declaration (XML bombs, external entities)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding, accepted = "utf-16", {"utf-16", "utf-16le", "utf-16be"}
    else:
        encoding, accepted = "utf-8-sig", {"utf-8", "utf8"}
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise KitError("not_xml") from error
    declared = _XML_DECL_ENCODING.match(text)
    if declared and declared.group(1).strip().lower() not in accepted:
        raise KitError("not_xml")
    if _DECLARATION.search(text):
        raise KitError("doctype")


def _header_notes(file: ET.Element) -> dict[str, str]:
    """Return the kit's `key: value` header notes; KitError("not_kit") if any is missing or
    repeated."""
    found: dict[str, str] = {}
    header = file.find(_q("header"))
    for note in header.findall(_q("note")) if header is not None else []:
        if note.get("from") != NOTE_FROM:
            continue
        key, sep, value = "".join(note.itertext()).partition(":")
        key = key.strip()
        if not sep or key in found:
            raise KitError("not_kit")
        found[key] = value.strip()
    if any(key not in found for key in _META_KEYS):
        raise KitError("not_kit")
    return found


def _revision_id(value: str, *, optional: bool = False) -> int | None:
    if optional and value == _NO_REVISION:
        return None
    if not _ID.fullmatch(value):
        raise KitError("not_kit")
    return int(value)


def _unit_targets(file: ET.Element) -> dict[str, str]:
    """Return each trans-unit's target text by id ("" when the target is absent or empty);
    KitError("not_xliff") for a missing body, a unit without id or a repeated id."""
    body = file.find(_q("body"))
    if body is None:
        raise KitError("not_xliff")
    texts: dict[str, str] = {}
    for unit in body.iter(_q("trans-unit")):  # also inside <group>s some tools add
        unit_id = unit.get("id")
        if not unit_id or unit_id in texts:
            raise KitError("not_xliff")
        target = unit.find(_q("target"))
        texts[unit_id] = "".join(target.itertext()) if target is not None else ""
    return texts


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xml_safe(text: str) -> str:
    return _NOT_XML_CHAR.sub("\ufffd", text)
