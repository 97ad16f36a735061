"""Plain, already-parsed input for the services, shared by web forms and the JSONL import."""

from dataclasses import dataclass, field
from datetime import date


@dataclass
class NarratorInput:
    legal_name: str = ""
    contact: str = ""
    gender: str = ""
    age_range: str = ""


@dataclass
class TestimonyInput:
    ref: str
    status: str = "draft"
    recorded_on: date | None = None
    province: str = ""
    district: str = ""
    commune: str = ""
    village: str = ""
    narrator_alias: str = ""
    event: str = ""
    content_warning: bool = False
    original_language: str | None = None
    # vocabulary kind -> slugs
    terms: dict[str, list[str]] = field(default_factory=dict)
    organisations: list[str] = field(default_factory=list)
    narrator: NarratorInput | None = None


@dataclass
class ConsentInput:
    level: str = "staff"
    given_on: date | None = None
    method: str | None = None
    recorded_by: str = ""
    witness: str = ""
    publish_languages: list[str] = field(default_factory=list)
    show_alias: bool = False
    count_in_statistics: bool = False
    review_on: date | None = None
    note: str = ""


@dataclass
class VersionInput:
    language: str
    kind: str
    title: str
    body: str
    summary: str = ""
    status: str = "draft"
    translated_from: str | None = None
