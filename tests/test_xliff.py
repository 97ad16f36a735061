"""Translation kits (XLIFF 1.2): built with the standard library, edited with translate-toolkit
(the library behind Pootle/Weblate-style tooling) and by hand, read back; tampered, foreign,
hostile and outdated kits; redactions never leave in a kit for non-staff readers."""

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import func, select
from translate.storage import xliff as ttk_xliff

from archive.extensions import db
from archive.models import AuditEntry, Revision, Testimony, Version
from archive.services import versions
from archive.services.inputs import VersionInput
from archive.services.testimonies import SYSTEM
from archive.services.xliff import (
    KIT_ERROR_CODES,
    NS,
    KitError,
    KitUpload,
    build_kit,
    kit_filename,
    kit_original,
    read_kit,
)
from archive.text.blocks import join_blocks, split_blocks

from .factories import T, V, make_testimony, make_user

MARKER = "[removed]"
LIMIT = 1_000_000
XML_NS = "http://www.w3.org/XML/1998/namespace"

KM_TITLE = "ជីវិតរបស់ខ្ញុំ"
KM_SUMMARY = "រឿងរបស់ស្ត្រីម្នាក់នៅរតនគិរី។"
KM_BODY = (
    "# ក្បាលរឿង\n\n"
    "កថាខណ្ឌទីមួយ។\nបន្ទាត់ទីពីរ។\n\n"
    "- ធាតុទីមួយ\n"
    "- ធាតុទីពីរ\n  បន្ត\n\n"
    "ខ្ញុំបានទៅ {-r1:secret clinic-} កាលពីឆ្នាំ២០១៤។"
)
EN_BODY = "# Heading\n\nFirst paragraph."
# What a translator writes, one text per source block (b1..b5).
EDITED = [
    "# My story",
    "The first paragraph.\nIts second line.",
    "- the first item",
    "- the second item\n  continued",
    "I went to {-r1:secret clinic-} in 2014.",
]
# Jarai in Latin script with combining marks, deliberately NOT in NFC (o + horn + breve), and
# Khmer with a coeng and a zero-width space: both must come back byte for byte.
JARAI_NFD = "Ku\u0306 ho\u031b\u0306 sa\u0301 mơ̆ng"
KHMER_ZWSP = "ស្ត្រី\u200bជនជាតិដើម"


@dataclass
class Story:
    testimony: Testimony
    km: Version
    en: Version


def _story(ref: str = "kit-001", en_body: str = EN_BODY) -> Story:
    """A published testimony: an approved Khmer original (5 blocks, a summary, a redaction)
    and an English translation whose latest (draft) revision has `en_body`."""
    t = make_testimony(
        T(
            ref,
            versions=[
                V("km", title=KM_TITLE, body=KM_BODY),
                V("en", "draft", kind="translation", translated_from="km", body=en_body),
            ],
        )
    )
    km, en = t.version_for("km"), t.version_for("en")
    assert km is not None and en is not None
    # Give the original a summary: a new revision, approved (the import's shortcut).
    rev = versions.save_revision(km, KM_TITLE, KM_SUMMARY, KM_BODY, SYSTEM)
    versions.set_revision_status(rev, "approved", SYSTEM, imported=True)
    db.session.commit()
    return Story(t, km, en)


def _kit(story: Story, target: str = "en", *, staff: bool = True) -> bytes:
    return build_kit(story.testimony, story.km, target, staff=staff, marker=MARKER)


def _read(story: Story, data: bytes, target: str = "en", max_bytes: int = LIMIT) -> KitUpload:
    return read_kit(data, testimony=story.testimony, target_language=target, max_bytes=max_bytes)


def _tree(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own kit, built a line above


def _units(data: bytes) -> dict[str, ET.Element]:
    return {u.get("id", ""): u for u in _tree(data).iter(f"{{{NS}}}trans-unit")}


def _notes(data: bytes) -> dict[str, str]:
    header = _tree(data).find(f"{{{NS}}}file/{{{NS}}}header")
    assert header is not None
    return dict((n.text or "").split(": ", 1) for n in header.findall(f"{{{NS}}}note"))


def _set_targets_et(data: bytes, texts: dict[str, str]) -> bytes:
    """Edit a kit the way a script (or a careful person in a text editor) would."""
    root = _tree(data)
    for unit in root.iter(f"{{{NS}}}trans-unit"):
        if unit.get("id") in texts:
            target = unit.find(f"{{{NS}}}target")
            assert target is not None
            target.text = texts[unit.get("id", "")]
            target.set("state", "translated")
    for element in root.iter():  # serialise with the default namespace, as tools do
        element.tag = element.tag.rpartition("}")[2]
    root.set("xmlns", NS)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _set_targets_ttk(data: bytes, texts: dict[str, str]) -> bytes:
    """Edit a kit with translate-toolkit: parse our bytes, set targets, serialise."""
    store = ttk_xliff.xlifffile.parsestring(data)
    for unit in store.units:
        unit_id = unit.getid().rpartition("\x04")[2]
        if unit_id in texts:
            unit.target = texts[unit_id]
    return bytes(store)


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Revision)) or 0,
        db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


ALL_TARGETS = {"title": "My life", "summary": "One woman's story."} | {
    f"b{i + 1}": text for i, text in enumerate(EDITED)
}


# -- the layout -------------------------------------------------------------------------------


def test_staff_kit_is_xliff_12_with_header_units_and_aligned_targets(app: Flask) -> None:
    with app.app_context():
        s = _story()
        data = _kit(s)
        root = _tree(data)
        assert data.startswith(b"<?xml") and root.tag == f"{{{NS}}}xliff"
        assert root.get("version") == "1.2"
        (file,) = root.findall(f"{{{NS}}}file")
        assert file.attrib == {
            "original": f"testimony/{s.testimony.public_id}/en",
            "source-language": "km",
            "target-language": "en",
            "datatype": "plaintext",
        }
        source, base = s.km.approved, s.en.latest
        assert source is not None and base is not None
        assert _notes(data) == {
            "public-id": s.testimony.public_id,
            "target-language": "en",
            "source-revision-id": str(source.id),
            "source-revision-number": "2",
            "base-revision-id": str(base.id),
            "audience": "staff",
        }
        units = _units(data)
        assert list(units) == ["title", "summary", "b1", "b2", "b3", "b4", "b5"]
        sources = [u.find(f"{{{NS}}}source") for u in units.values()]
        assert [e.text for e in sources if e is not None] == [KM_TITLE, KM_SUMMARY] + [
            b.text for b in split_blocks(KM_BODY)
        ]
        assert all(e is not None and e.get(f"{{{XML_NS}}}lang") == "km" for e in sources)
        assert all(u.get(f"{{{XML_NS}}}space") == "preserve" for u in units.values())
        targets = {k: u.find(f"{{{NS}}}target") for k, u in units.items()}
        assert all(t is not None and t.get(f"{{{XML_NS}}}lang") == "en" for t in targets.values())
        # Pre-filled block by block from the English latest revision; the rest need work.
        filled = {k: (t.text or "", t.get("state")) for k, t in targets.items() if t is not None}
        assert filled["title"] == ("Title kit-001 en", "needs-review-translation")
        assert filled["b1"] == ("# Heading", "needs-review-translation")
        assert filled["b2"] == ("First paragraph.", "needs-review-translation")
        assert filled["summary"] == ("", "needs-translation")
        assert filled["b5"] == ("", "needs-translation")
        # The same inputs give the same bytes (a kit can be rebuilt and compared).
        assert _kit(s) == data
        name = kit_filename(s.testimony, "tpu-Khmr")
        assert name == f"testimony-{s.testimony.public_id}-tpu-Khmr.xlf"


def test_extra_target_blocks_go_to_the_last_unit_and_state_follows_the_source(
    app: Flask,
) -> None:
    with app.app_context():
        seven = join_blocks([f"Paragraph {i}." for i in range(1, 8)])
        s = _story(en_body=seven)
        # A translation saved against the current approved source is "translated".
        versions.save_revision(s.en, "Title", "", seven, SYSTEM)
        db.session.commit()
        targets = {k: u.find(f"{{{NS}}}target") for k, u in _units(_kit(s)).items()}
        b5 = targets["b5"]
        assert b5 is not None and b5.text == "Paragraph 5.\n\nParagraph 6.\n\nParagraph 7."
        assert b5.get("state") == "translated"
        # Reading it back untouched keeps all seven paragraphs.
        upload = _read(s, _kit(s))
        assert upload.body == seven
        assert upload.untranslated == ("summary",)


# -- round trips ------------------------------------------------------------------------------


def test_round_trip_through_translate_toolkit(app: Flask) -> None:
    with app.app_context():
        s = _story()
        edited = _set_targets_ttk(_kit(s), ALL_TARGETS)
        # translate-toolkit kept the 1.2 namespace, our header notes and xml:space, and marked
        # what it set as translated (and approved).
        assert f'xmlns="{NS}"'.encode() in edited and b'version="1.2"' in edited
        assert _notes(edited) == _notes(_kit(s))
        states = {k: u.find(f"{{{NS}}}target") for k, u in _units(edited).items()}
        assert {t.get("state") for t in states.values() if t is not None} == {"translated"}
        assert _units(edited)["summary"].get("approved") == "yes"
        before = _counts()
        upload = _read(s, edited)
        assert _counts() == before  # reading writes nothing
        assert upload.title == "My life"
        assert upload.summary == "One woman's story."
        assert upload.body == join_blocks(EDITED)
        assert [b.text for b in split_blocks(upload.body)] == EDITED
        assert upload.source_language == "km"
        assert upload.source_revision_id == s.km.approved.id  # type: ignore[union-attr]
        assert upload.base_revision_id == s.en.latest.id  # type: ignore[union-attr]
        assert (upload.outdated, upload.stale_base, upload.untranslated) == (False, False, ())
        # The lead's route then stores it through the real service.
        translator = make_user("translator")
        revision = versions.save_revision(
            s.en,
            upload.title,
            upload.summary,
            upload.body,
            translator,
            note="XLIFF",
            base_revision_id=upload.base_revision_id,
        )
        db.session.commit()
        assert (revision.body, revision.status, revision.number) == (upload.body, "draft", 2)


def test_round_trip_by_hand_with_inline_markup(app: Flask) -> None:
    with app.app_context():
        s = _story()
        data = _set_targets_et(_kit(s), {**{k: "" for k in ALL_TARGETS}, "title": "My life"})
        data = _set_targets_et(data, {f"b{i + 1}": t for i, t in enumerate(EDITED)})
        # OmegaT and other tools may wrap text in <g> and add <x/> placeholders: text is kept.
        data = data.replace(
            b"The first paragraph.", b'<g id="1">The <x id="2"/>first</g> paragraph.'
        )
        # A plain string edit in a text editor, with an escaped ampersand.
        data = data.replace(b"- the first item", b"- the first item &amp; more")
        upload = _read(s, data)
        expected = list(EDITED)
        expected[2] = "- the first item & more"
        assert upload.body == join_blocks(expected)
        assert upload.title == "My life" and upload.summary == ""
        assert upload.untranslated == ("summary",)


def test_khmer_and_combining_marks_survive_byte_for_byte(app: Flask) -> None:
    assert not unicodedata.is_normalized("NFC", JARAI_NFD)
    with app.app_context():
        s = _story()
        texts = {
            "title": JARAI_NFD,
            "summary": KHMER_ZWSP,
            "b1": "# " + KHMER_ZWSP,
            "b2": JARAI_NFD + "\n" + KHMER_ZWSP,
            "b3": "- ស្រ្តី ស្ដ្រី ស្ត្រី",  # three spellings, none folded
        }
        expected_body = join_blocks([texts["b1"], texts["b2"], texts["b3"]])
        for edit in (_set_targets_ttk, _set_targets_et):
            upload = _read(s, edit(_kit(s), texts))
            assert upload.title.encode() == JARAI_NFD.encode()
            assert upload.summary.encode() == KHMER_ZWSP.encode()
            assert upload.body.encode() == expected_body.encode()
            assert upload.untranslated == ("b4", "b5")
        # The Khmer source text is in the kit exactly as stored.
        assert KM_BODY.split("\n")[0].encode() in _kit(s)


def test_utf16_kit_with_bom_is_read(app: Flask) -> None:
    with app.app_context():
        s = _story()
        text = _set_targets_et(_kit(s), ALL_TARGETS).decode()
        data = text.replace("encoding='UTF-8'", "encoding='UTF-16'").encode("utf-16")
        assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
        assert _read(s, data).body == join_blocks(EDITED)


# -- redactions -------------------------------------------------------------------------------


def test_reader_kit_holds_no_redacted_text_and_no_target_text(app: Flask) -> None:
    with app.app_context():
        s = _story()
        # A span across two blocks, in the title and in the summary too.
        body = KM_BODY + "\n\n{-r2:second secret\n\nthird secret-}"
        rev = versions.save_revision(
            s.km, "{-r3:title secret-} " + KM_TITLE, "{-r4:summary secret-}", body, SYSTEM
        )
        versions.set_revision_status(rev, "approved", SYSTEM, imported=True)
        versions.save_revision(s.en, "English draft", "", "Draft about secret clinic", SYSTEM)
        db.session.commit()
        reader = _kit(s, staff=False)
        assert MARKER.encode() in reader
        for secret in (b"secret", b"{-r", b"English draft"):
            assert secret not in reader
        assert _notes(reader)["audience"] == "reader"
        assert _notes(reader)["base-revision-id"] == "none"
        staff = _kit(s)
        assert b"{-r1:secret clinic-}" in staff and b"{-r3:title secret-}" in staff
        assert MARKER.encode() not in staff
        # A reader's kit cannot come back as a translation (its redaction ids are gone).
        with pytest.raises(KitError) as caught:
            _read(s, _set_targets_et(reader, ALL_TARGETS))
        assert caught.value.code == "redacted_kit"


def test_reader_kit_uses_only_the_approved_source(app: Flask) -> None:
    with app.app_context():
        s = _story()
        versions.save_revision(s.km, KM_TITLE, "", "Unapproved draft text", SYSTEM)
        db.session.commit()
        assert b"Unapproved draft" not in _kit(s, staff=False)
        assert b"Unapproved draft" not in _kit(s)  # staff translate the approved text too
        draft_only = make_testimony(T("kit-002", versions=[V("km", status="draft")]))
        km = draft_only.version_for("km")
        assert km is not None
        assert b"Body of kit-002" in build_kit(draft_only, km, "en", staff=True, marker=MARKER)
        with pytest.raises(KitError) as caught:
            build_kit(draft_only, km, "en", staff=False, marker=MARKER)
        assert caught.value.code == "no_source"


# -- refused kits -----------------------------------------------------------------------------


def _other_testimony_kit(s: Story, data: bytes) -> bytes:
    other = _story("kit-other")
    return _set_targets_et(_kit(other), ALL_TARGETS)


def _unknown_source(s: Story, data: bytes) -> bytes:
    return re.sub(rb"source-revision-id: \d+", b"source-revision-id: 987654", data)


def _foreign_source(s: Story, data: bytes) -> bytes:
    other = _story("kit-other")
    foreign = other.km.approved
    assert foreign is not None
    return re.sub(rb"source-revision-id: \d+", f"source-revision-id: {foreign.id}".encode(), data)


def _target_as_source(s: Story, data: bytes) -> bytes:
    en = s.en.latest
    assert en is not None
    return re.sub(rb"source-revision-id: \d+", f"source-revision-id: {en.id}".encode(), data)


def _drop_unit(unit_id: str) -> Callable[[Story, bytes], bytes]:
    def drop(s: Story, data: bytes) -> bytes:
        pattern = rf'<trans-unit id="{unit_id}".*?</trans-unit>'.encode()
        dropped, n = re.subn(pattern, b"", data, flags=re.DOTALL)
        assert n == 1
        return dropped

    return drop


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE xliff [
 <!ENTITY a "lol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
"""


def _bomb(s: Story, data: bytes) -> bytes:
    # A real kit with a billion-laughs DTD in front and the entity used in the title.
    body = data.split(b"?>", 1)[1].replace(b">My life<", b">&d;<")
    return BILLION_LAUGHS + body


def _external_entity(s: Story, data: bytes) -> bytes:
    body = data.split(b"?>", 1)[1].replace(b">My life<", b">&x;<")
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + body
    )


def _xliff20(s: Story, data: bytes) -> bytes:
    return (
        b'<?xml version="1.0"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" '
        b'version="2.0" srcLang="km" trgLang="en"><file id="f1"><unit id="title"><segment>'
        b"<source>x</source><target>y</target></segment></unit></file></xliff>"
    )


def _version_11(s: Story, data: bytes) -> bytes:
    return data.replace(b'version="1.2"', b'version="1.1"')


def _latin1(s: Story, data: bytes) -> bytes:
    return data.replace(b"encoding='UTF-8'", b"encoding='ISO-8859-1'")


def _deep(s: Story, data: bytes) -> bytes:
    return data.replace(b">My life<", b">" + b"<g>" * 200 + b"My life" + b"</g>" * 200 + b"<")


def _no_header(s: Story, data: bytes) -> bytes:
    return re.sub(rb"<header>.*?</header>", b"", data, flags=re.DOTALL)


def _empty_blocks(s: Story, data: bytes) -> bytes:
    return _set_targets_et(data, {f"b{i}": "  " for i in range(1, 6)})


def _empty_title(s: Story, data: bytes) -> bytes:
    return _set_targets_et(data, {"title": " \n"})


def _duplicate_unit(s: Story, data: bytes) -> bytes:
    return data.replace(b'<trans-unit id="b2"', b'<trans-unit id="b1"')


def _two_files(s: Story, data: bytes) -> bytes:
    file = re.search(rb"<file .*</file>", data, flags=re.DOTALL)
    assert file is not None
    return data.replace(file.group(0), file.group(0) * 2)


REFUSED: list[tuple[str, Callable[[Story, bytes], bytes], str, str]] = [
    ("another testimony's kit", _other_testimony_kit, "en", "wrong_testimony"),
    ("kit for another language", lambda s, d: d, "tpu-Khmr", "wrong_language"),
    ("unknown source revision", _unknown_source, "en", "unknown_source"),
    ("source revision of another testimony", _foreign_source, "en", "unknown_source"),
    ("target revision posing as source", _target_as_source, "en", "unknown_source"),
    ("a block unit missing", _drop_unit("b3"), "en", "missing_units"),
    ("the title unit missing", _drop_unit("title"), "en", "missing_units"),
    ("the summary unit missing", _drop_unit("summary"), "en", "missing_units"),
    ("billion laughs", _bomb, "en", "doctype"),
    ("external entity", _external_entity, "en", "doctype"),
    ("not XML", lambda s, d: b"PK\x03\x04 this is a zip, not a kit", "en", "not_xml"),
    ("truncated XML", lambda s, d: d[: len(d) // 2], "en", "not_xml"),
    ("invalid UTF-8", lambda s, d: d.replace(b"My life", b"My \xff life"), "en", "not_xml"),
    ("another declared encoding", _latin1, "en", "not_xml"),
    ("not XLIFF", lambda s, d: b"<html><body>kit</body></html>", "en", "not_xliff"),
    ("two files", _two_files, "en", "not_xliff"),
    ("duplicate unit ids", _duplicate_unit, "en", "not_xliff"),
    ("absurd nesting", _deep, "en", "not_xliff"),
    ("XLIFF 2.0", _xliff20, "en", "wrong_version"),
    ("XLIFF 1.2 namespace, version 1.1", _version_11, "en", "wrong_version"),
    ("no header notes", _no_header, "en", "not_kit"),
    ("empty body", _empty_blocks, "en", "empty_body"),
    ("empty title", _empty_title, "en", "empty_title"),
]


@pytest.mark.parametrize(
    ("mutate", "target", "code"),
    [pytest.param(m, t, c, id=name) for name, m, t, c in REFUSED],
)
def test_refused_kits_name_the_problem_and_write_nothing(
    app: Flask, mutate: Callable[[Story, bytes], bytes], target: str, code: str
) -> None:
    assert code in KIT_ERROR_CODES
    with app.app_context():
        s = _story()
        data = mutate(s, _set_targets_et(_kit(s), ALL_TARGETS))
        db.session.commit()
        before = _counts()
        with pytest.raises(KitError) as caught:
            _read(s, data, target)
        assert caught.value.code == code
        assert _counts() == before
        assert not db.session.new and not db.session.dirty and not db.session.deleted


def test_oversized_kit_is_refused_before_parsing(app: Flask) -> None:
    with app.app_context():
        s = _story()
        data = _set_targets_et(_kit(s), ALL_TARGETS)
        assert _read(s, data, max_bytes=len(data)).body  # exactly at the limit: read
        with pytest.raises(KitError) as caught:
            _read(s, data + b" ", max_bytes=len(data))
        assert caught.value.code == "too_large"
        with pytest.raises(KitError) as caught:
            _read(s, b"<" * (LIMIT + 1))
        assert caught.value.code == "too_large"


def test_kit_for_a_translation_of_another_source_is_refused(app: Flask) -> None:
    with app.app_context():
        s = _story()
        versions.add_version(
            s.testimony,
            VersionInput(language="tpu-Khmr", kind="translation", title="t", body="b"),
            SYSTEM,
        )
        db.session.commit()
        tpu = s.testimony.version_for("tpu-Khmr")
        assert tpu is not None
        # English is translated from Khmer: a kit from Tampuan into English is not offered...
        with pytest.raises(KitError) as caught:
            build_kit(s.testimony, tpu, "en", staff=True, marker=MARKER)
        assert caught.value.code == "wrong_source"
        # ...nor accepted when someone edits a kit to claim it.
        tpu_rev = tpu.latest
        assert tpu_rev is not None
        data = re.sub(
            rb"source-revision-id: \d+",
            f"source-revision-id: {tpu_rev.id}".encode(),
            _set_targets_et(_kit(s), ALL_TARGETS),
        )
        with pytest.raises(KitError) as caught:
            _read(s, data)
        assert caught.value.code == "wrong_source"
        for target in ("km", "xx-Nope"):
            with pytest.raises(KitError) as caught:
                _kit(s, target)
            assert caught.value.code == "wrong_language"


# -- outdated and stale kits ------------------------------------------------------------------


def test_kit_made_before_a_newly_approved_source_is_outdated(app: Flask) -> None:
    with app.app_context():
        s = _story()
        old = _set_targets_ttk(_kit(s), ALL_TARGETS)
        assert _read(s, old).outdated is False  # positive control
        editor, translator = make_user("editor"), make_user("translator")
        body = KM_BODY + "\n\nមួយទៀត។"
        rev = versions.save_revision(s.km, KM_TITLE, KM_SUMMARY, body, translator)
        db.session.commit()
        # A new draft of the source does not make the kit outdated: readers still see the old.
        assert _read(s, old).outdated is False
        versions.set_revision_status(rev, "in_review", translator)
        versions.set_revision_status(rev, "approved", editor)
        db.session.commit()
        upload = _read(s, old)
        assert upload.outdated is True
        assert upload.body == join_blocks(EDITED)  # still readable: the route warns
        fresh = _kit(s)
        assert _notes(fresh)["source-revision-id"] == str(rev.id)
        assert list(_units(fresh))[-1] == "b6"
        assert (
            _read(s, _set_targets_ttk(fresh, ALL_TARGETS | {"b6": "One more."})).outdated is False
        )


def test_kit_made_before_someone_saved_the_target_is_stale(app: Flask) -> None:
    with app.test_request_context():  # ConflictError's message is translated
        s = _story()
        kit = _set_targets_ttk(_kit(s), ALL_TARGETS)
        translator = make_user("translator")
        versions.save_revision(s.en, "Someone else", "", "Their text.", translator)
        db.session.commit()
        upload = _read(s, kit)
        assert upload.stale_base is True
        with pytest.raises(versions.ConflictError):
            versions.save_revision(
                s.en,
                upload.title,
                upload.summary,
                upload.body,
                translator,
                base_revision_id=upload.base_revision_id,
            )
        db.session.rollback()
        # A kit for a language without a version yet: no base, and nothing stale.
        fresh = _read(s, _set_targets_ttk(_kit(s, "jra-Latn"), ALL_TARGETS), "jra-Latn")
        assert (fresh.base_revision_id, fresh.stale_base) == (None, False)
        assert _notes(_kit(s, "jra-Latn"))["base-revision-id"] == "none"


def test_characters_xml_cannot_carry_do_not_break_the_kit(app: Flask) -> None:
    with app.app_context():
        s = _story()
        rev = versions.save_revision(s.km, "Ti\x0btle", "", "Bell\x07 here.", SYSTEM)
        versions.set_revision_status(rev, "approved", SYSTEM, imported=True)
        db.session.commit()
        units = _units(_kit(s))
        source = units["b1"].find(f"{{{NS}}}source")
        assert source is not None and source.text == "Bell\ufffd here."
        assert kit_original(s.testimony.public_id, "en") in _kit(s).decode()
