"""Reading one import record (a parsed JSON object) into service inputs, strictly.

Every problem raises RecordError naming the field (dotted path, e.g. `versions[1].language`).
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from .inputs import ConsentInput, NarratorInput, TestimonyInput, VersionInput

REF_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SHORT = 200

TOP_FIELDS = {
    "ref", "recorded_on", "province", "place", "narrator", "identity_groups",
    "discrimination_types", "settings", "needs", "organisations", "event", "status",
    "content_warning", "original_language", "consent", "versions",
}  # fmt: skip
PLACE_FIELDS = {"district", "commune", "village"}
NARRATOR_FIELDS = {"alias", "legal_name", "contact", "gender", "age_range"}
CONSENT_FIELDS = {
    "level", "given_on", "method", "recorded_by", "witness", "publish_languages",
    "show_alias", "count_in_statistics", "review_on", "note",
}  # fmt: skip
VERSION_FIELDS = {"language", "kind", "translated_from", "title", "summary", "body", "status"}


class RecordError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class Record:
    testimony: TestimonyInput
    consent: ConsentInput
    versions: list[VersionInput]


def read_record(obj: Any, known: dict[str, set[str]], max_body: int) -> Record:
    """Return the checked Record for one JSON object; raise RecordError on the first problem."""
    _object(obj, "(line)", TOP_FIELDS)
    ref = _string(obj, "ref", "ref", required=True, limit=64)
    if not REF_PATTERN.fullmatch(ref):
        raise RecordError("ref", "use letters, digits, '.', '_' or '-' (at most 64)")
    place = obj.get("place") or {}
    _object(place, "place", PLACE_FIELDS)
    narrator = obj.get("narrator") or {}
    _object(narrator, "narrator", NARRATOR_FIELDS)
    terms = {}
    for field in ("identity_groups", "discrimination_types", "settings", "needs"):
        terms[_vocab_kind(field)] = _slugs(obj, field, known[field])
    original = obj.get("original_language")
    if original is not None and original not in known["languages"]:
        raise RecordError("original_language", f"unknown language {original!r}")
    testimony = TestimonyInput(
        ref=ref,
        status=_choice(obj, "status", "status", known["testimony_status"], required=True),
        recorded_on=_date(obj, "recorded_on", "recorded_on"),
        province=_string(obj, "province", "province"),
        district=_string(place, "district", "place.district"),
        commune=_string(place, "commune", "place.commune"),
        village=_string(place, "village", "place.village"),
        narrator_alias=_string(narrator, "alias", "narrator.alias"),
        event=_string(obj, "event", "event"),
        content_warning=_bool(obj, "content_warning", "content_warning"),
        original_language=original,
        terms=terms,
        organisations=_slugs(obj, "organisations", known["organisations"]),
        narrator=NarratorInput(
            legal_name=_string(narrator, "legal_name", "narrator.legal_name"),
            contact=_string(narrator, "contact", "narrator.contact"),
            gender=_string(narrator, "gender", "narrator.gender", limit=50),
            age_range=_string(narrator, "age_range", "narrator.age_range", limit=20),
        ),
    )
    return Record(testimony, _consent(obj, known), _versions(obj, known, max_body))


def _consent(obj: dict[str, Any], known: dict[str, set[str]]) -> ConsentInput:
    raw = obj.get("consent")
    if not isinstance(raw, dict):
        raise RecordError("consent", "required (an object)")
    _object(raw, "consent", CONSENT_FIELDS)
    if raw.get("level") == "withdrawn":
        raise RecordError("consent.level", "withdrawn cannot be imported")
    method = raw.get("method")
    if method is not None and method not in known["consent_method"]:
        raise RecordError("consent.method", f"unknown method {method!r}")
    return ConsentInput(
        level=_choice(raw, "level", "consent.level", known["consent_level"], required=True),
        given_on=_date(raw, "given_on", "consent.given_on"),
        method=method,
        recorded_by=_string(raw, "recorded_by", "consent.recorded_by"),
        witness=_string(raw, "witness", "consent.witness"),
        publish_languages=_slugs(raw, "publish_languages", known["languages"], "consent."),
        show_alias=_bool(raw, "show_alias", "consent.show_alias"),
        count_in_statistics=_bool(raw, "count_in_statistics", "consent.count_in_statistics"),
        review_on=_date(raw, "review_on", "consent.review_on"),
        note=_string(raw, "note", "consent.note", limit=2000),
    )


def _versions(obj: dict[str, Any], known: dict[str, set[str]], max_body: int) -> list[VersionInput]:
    raw = obj.get("versions")
    if not isinstance(raw, list) or not raw:
        raise RecordError("versions", "required (a non-empty list)")
    out: list[VersionInput] = []
    for i, item in enumerate(raw):
        where = f"versions[{i}]"
        if not isinstance(item, dict):
            raise RecordError(where, "must be an object")
        _object(item, where, VERSION_FIELDS)
        language = _choice(item, "language", f"{where}.language", known["languages"], True)
        if any(v.language == language for v in out):
            raise RecordError(f"{where}.language", f"second version in {language!r}")
        body = _string(item, "body", f"{where}.body", required=True, limit=max_body)
        out.append(
            VersionInput(
                language=language,
                kind=_choice(item, "kind", f"{where}.kind", known["version_kind"], True),
                title=_string(item, "title", f"{where}.title", required=True, limit=300),
                summary=_string(item, "summary", f"{where}.summary", limit=2000),
                body=body,
                status=_choice(item, "status", f"{where}.status", known["revision_status"], True),
                translated_from=item.get("translated_from"),
            )
        )
    languages = {v.language for v in out}
    for i, v in enumerate(out):
        if v.translated_from is not None and (
            v.translated_from not in languages or v.translated_from == v.language
        ):
            raise RecordError(
                f"versions[{i}].translated_from", "must name another version of this line"
            )
    placed: set[str] = set()
    pending = list(out)
    while pending:
        ready = [v for v in pending if not v.translated_from or v.translated_from in placed]
        if not ready:
            raise RecordError("versions", "translated_from forms a cycle")
        placed.update(v.language for v in ready)
        pending = [v for v in pending if v not in ready]
    return out


def _object(value: Any, where: str, allowed: set[str]) -> None:
    if not isinstance(value, dict):
        raise RecordError(where, "must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        prefix = "" if where == "(line)" else f"{where}."
        raise RecordError(f"{prefix}{unknown[0]}", "unknown field")


def _string(
    obj: dict[str, Any], key: str, where: str, required: bool = False, limit: int = SHORT
) -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise RecordError(where, "required")
        return ""
    if not isinstance(value, str):
        raise RecordError(where, "must be a string")
    if required and not value.strip():
        raise RecordError(where, "required")
    if "\x00" in value:
        raise RecordError(where, "contains a NUL character")
    if len(value) > limit:
        raise RecordError(where, f"longer than {limit} characters")
    return value


def _choice(
    obj: dict[str, Any], key: str, where: str, allowed: set[str], required: bool = False
) -> str:
    value = obj.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or value not in allowed:
        raise RecordError(where, f"unknown value {value!r}" if value is not None else "required")
    return value


def _date(obj: dict[str, Any], key: str, where: str) -> date | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(where, "must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_date(where)
    except ValueError:
        return _bad_date(where)


def _bad_date(where: str) -> date:
    raise RecordError(where, "invalid date (use YYYY-MM-DD)")


def _bool(obj: dict[str, Any], key: str, where: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise RecordError(where, "must be true or false")
    return value


def _slugs(obj: dict[str, Any], key: str, allowed: set[str], prefix: str = "") -> list[str]:
    value = obj.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"{prefix}{key}", "must be a list of strings")
    for v in value:
        if v not in allowed:
            raise RecordError(f"{prefix}{key}", f"unknown value {v!r}")
    return value


def _vocab_kind(field: str) -> str:
    return {
        "identity_groups": "identity_group",
        "discrimination_types": "discrimination_type",
        "settings": "setting",
        "needs": "need",
    }[field]
