"""The JSON Lines import (all or nothing, errors naming line and field) and the export."""

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from archive.extensions import db
from archive.models import AuditEntry, IndexJob, Narrator, Revision, Testimony
from archive.services.exporter import export_lines
from archive.services.importer import ImportFailed, import_lines

from .conftest import dispose, make_app
from .factories import T, make_testimony


def good(ref: str = "imp-001", **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ref": ref,
        "recorded_on": "2023-10-28",
        "province": "Ratanakiri",
        "place": {"district": "Banlung", "commune": "Labansiek", "village": "Phum Muoy"},
        "narrator": {"alias": "Srey", "legal_name": "Import Person", "gender": "female"},
        "identity_groups": ["plhiv", "indigenous"],
        "discrimination_types": ["healthcare"],
        "settings": ["health-facility"],
        "needs": ["id-poor-card"],
        "organisations": ["AUA"],
        "status": "published",
        "content_warning": False,
        "consent": {
            "level": "public",
            "given_on": "2023-10-28",
            "method": "oral-recorded",
            "recorded_by": "Staff A",
            "publish_languages": ["km", "en"],
            "show_alias": True,
            "count_in_statistics": True,
            "review_on": "2026-10-28",
        },
        "versions": [
            {
                "language": "km",
                "kind": "original",
                "title": "ចំណងជើង",
                "summary": "សង្ខេប",
                "body": "អត្ថបទ។",
                "status": "approved",
            },
            {
                "language": "en",
                "kind": "translation",
                "translated_from": "km",
                "title": "Title",
                "body": "Text.",
                "status": "approved",
            },
        ],
    }
    record.update(changes)
    return record


def lines(*records: Any) -> bytes:
    return "\n".join(
        r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records
    ).encode()


def counts() -> tuple[int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Testimony, Revision, AuditEntry, IndexJob)
    )


def test_import_creates_and_reimport_is_idempotent(app: Flask) -> None:
    with app.app_context():
        report = import_lines(lines(good("imp-001"), good("imp-002")))
        assert (report.created, report.updated) == (2, 0)
        t = db.session.scalar(select(Testimony).where(Testimony.ref == "imp-001"))
        assert t is not None and t.status == "published" and t.consent.level == "public"
        assert [v.language for v in t.versions] == ["km", "en"]
        assert t.version_for("en").translated_from.language == "km"
        assert sorted(term.slug for term in t.terms) == sorted(
            ["plhiv", "indigenous", "healthcare", "health-facility", "id-poor-card"]
        )
        narrator = db.session.scalar(select(Narrator).where(Narrator.testimony_id == t.id))
        assert narrator.legal_name == "Import Person"
        before = counts()
        again = import_lines(lines(good("imp-001"), good("imp-002")))
        assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
        assert counts() == before
        # Changing a body appends a revision instead of editing one in place.
        changed = good("imp-001")
        changed["versions"][1]["body"] = "Text, corrected."
        assert import_lines(lines(changed)).updated == 1
        t = db.session.scalar(select(Testimony).where(Testimony.ref == "imp-001"))
        assert [r.body for r in t.version_for("en").revisions] == ["Text.", "Text, corrected."]


def _without(record: dict[str, Any], *path: str) -> dict[str, Any]:
    target: Any = record
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return record


def _version_change(**changes: Any) -> dict[str, Any]:
    record = good("bad")
    record["versions"][0].update(changes)
    return record


BAD_CASES = [
    ("unknown identity group", good("bad", identity_groups=["martians"]), "identity_groups"),
    ("unknown setting", good("bad", settings=["moon"]), "settings"),
    ("unknown organisation", good("bad", organisations=["XYZ"]), "organisations"),
    ("unknown language", _version_change(language="xx-Khmr"), "versions[0].language"),
    ("unknown kind", _version_change(kind="summary"), "versions[0].kind"),
    ("unknown version status", _version_change(status="published"), "versions[0].status"),
    ("unknown testimony status", good("bad", status="live"), "status"),
    ("unknown level", good("bad", consent={"level": "friends"}), "consent.level"),
    ("withdrawn level", good("bad", consent={"level": "withdrawn"}), "consent.level"),
    (
        "unknown consent language",
        good("bad", consent={"level": "public", "publish_languages": ["xx"]}),
        "consent.publish_languages",
    ),
    ("invalid date", good("bad", recorded_on="2023-02-30"), "recorded_on"),
    ("invalid date format", good("bad", recorded_on="28/10/2023"), "recorded_on"),
    (
        "invalid consent date",
        good("bad", consent={"level": "public", "review_on": "soon"}),
        "consent.review_on",
    ),
    ("missing ref", _without(good("bad"), "ref"), "ref"),
    ("bad ref", good("has space"), "ref"),
    ("missing status", _without(good("bad"), "status"), "status"),
    ("missing consent", _without(good("bad"), "consent"), "consent"),
    ("missing consent level", good("bad", consent={"given_on": "2023-01-01"}), "consent.level"),
    ("no versions", good("bad", versions=[]), "versions"),
    ("missing title", _version_change(title=""), "versions[0].title"),
    ("missing body", _without(good("bad"), "versions", 0, "body"), "versions[0].body"),
    ("body too long", _version_change(body="x" * 100_001), "versions[0].body"),
    ("unknown field", good("bad", secret="x"), "secret"),
    (
        "two versions same language",
        good("bad", versions=[good()["versions"][0]] * 2),
        "versions[1].language",
    ),
    (
        "translated_from elsewhere",
        _version_change(translated_from="jra-Latn"),
        "versions[0].translated_from",
    ),
    ("translation cycle", _version_change(translated_from="en"), "versions"),
    ("not a bool", good("bad", content_warning="yes"), "content_warning"),
    ("NUL character", good("bad", province="Rata\x00nakiri"), "province"),
]


@pytest.mark.parametrize(("name", "record", "field"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_line_names_line_and_field_and_writes_nothing(
    app: Flask, name: str, record: dict[str, Any], field: str
) -> None:
    with app.app_context():
        before = counts()
        with pytest.raises(ImportFailed) as failed:
            import_lines(lines(good("ok-1"), good("ok-2"), record))
        assert failed.value.line == 3, name
        assert failed.value.field == field, (name, str(failed.value))
        assert counts() == before  # nothing from the file, not even the good lines


def test_file_level_errors(app: Flask) -> None:
    with app.app_context():
        before = counts()
        cases = [
            (lines(good("a"), good("a")), 2, "ref"),
            (lines(good("a")) + b"\n\xff\xfe{}", 2, "(line)"),
            (lines(good("a"), "{not json"), 2, "(line)"),
            (lines(good("a")) + b'\n{"ref": "x\x00"}', 2, "(line)"),
            (lines(good("a"), "[1, 2]"), 2, "(line)"),
            (b"", 1, "(file)"),
        ]
        for data, line, field in cases:
            with pytest.raises(ImportFailed) as failed:
                import_lines(data)
            assert (failed.value.line, failed.value.field) == (line, field)
        assert counts() == before


def test_import_refuses_ref_of_withdrawn_testimony(app: Flask) -> None:
    with app.app_context():
        make_testimony(T(ref="gone", level="withdrawn"))
        before = counts()
        with pytest.raises(ImportFailed) as failed:
            import_lines(lines(good("gone")))
        assert failed.value.field == "ref" and "withdrawn" in failed.value.message
        assert counts() == before
        # Positive control: another ref imports fine.
        assert import_lines(lines(good("fresh"))).created == 1


def test_export_import_round_trip(app: Flask, backend: str, templates: Any, tmp_path: Path) -> None:
    with app.app_context():
        import_lines(lines(good("rt-1"), good("rt-2", status="draft")))
        make_testimony(T(ref="hidden", level="withdrawn"))
        exported = "".join(export_lines(with_personal_data=True))
        without = "".join(export_lines())
    assert "hidden" not in exported  # withdrawn testimonies are never exported
    assert "Import Person" in exported and "Import Person" not in without
    assert exported.count("\n") == 2
    # Into a second, empty archive, and out again: the same lines.
    uri, cleanup = templates.clone(backend, False, tmp_path / "second")
    second = make_app(tmp_path / "second", uri)
    try:
        with second.app_context():
            assert import_lines(exported.encode()).created == 2
            again = "".join(export_lines(with_personal_data=True))
    finally:
        dispose(second)
        cleanup()
    assert again == exported
