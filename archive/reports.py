"""The "what is public about me" report: what each audience can read of one testimony, as
facts the intermediary can show the narrator. Read only."""

from dataclasses import dataclass, field
from datetime import date, datetime

from .models import Testimony
from .policy import Tier, version_visible_in
from .text.redaction import SPAN


@dataclass
class VersionFact:
    language: str
    public: bool
    researchers: bool
    since: datetime | None


@dataclass
class NarratorReport:
    ref: str
    level: str
    alias: str
    alias_shown: bool
    province: str
    recorded_on: date | None
    tags: list[str]
    versions: list[VersionFact] = field(default_factory=list)
    redactions: list[tuple[str, str]] = field(default_factory=list)


def narrator_report(t: Testimony) -> NarratorReport:
    """Return what the public and researchers can read of `t` right now, and what is hidden."""
    consent = t.consent
    report = NarratorReport(
        ref=t.ref,
        level=consent.level if consent else "",
        alias=t.narrator_alias,
        alias_shown=bool(consent and consent.show_alias),
        province=t.province,
        recorded_on=t.recorded_on,
        tags=[term.label_en for term in t.terms],
    )
    for version in t.versions:
        approved = version.approved
        report.versions.append(
            VersionFact(
                language=version.language,
                public=version_visible_in(Tier.PUBLIC, t, version),
                researchers=version_visible_in(Tier.RESEARCHERS, t, version),
                since=approved.status_changed_at if approved else None,
            )
        )
        if approved is not None:
            text = f"{approved.title}\n{approved.summary}\n{approved.body}"
            for match in SPAN.finditer(text):
                item = (f"{version.language}:{match.group(1)}", match.group(2))
                if item not in report.redactions:
                    report.redactions.append(item)
    return report
