"""What the translation editor shows: source and target aligned block by block, the consent
banner, missing redactions, outdated source diff. Read only."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from . import choices, workspace
from .forms import QueueFilterForm
from .models import Revision, Testimony, Version
from .policy import Tier, visible_text
from .presenters import language_direction, language_label
from .services.redactions import missing_ids, revision_ids
from .text.blocks import split_blocks

STATE_LABELS = {
    workspace.MISSING: _l("Missing"),
    workspace.DRAFT: _l("Draft"),
    workspace.RETURNED: _l("Returned"),
    workspace.IN_REVIEW: _l("In review"),
    workspace.APPROVED: _l("Approved"),
    workspace.OUTDATED: _l("Outdated"),
    workspace.MISSING_REDACTION: _l("Missing redaction"),
}


@dataclass
class AlignedBlock:
    index: int
    kind: str
    source: str
    target: str


@dataclass
class EditorContext:
    testimony: Testimony
    language: str
    direction: str
    version: Version | None
    source: Version | None
    sources: list[Version]
    source_revision: Revision | None
    target_revision: Revision | None
    blocks: list[AlignedBlock]
    publishable: bool
    state: str
    missing_redactions: list[str] = field(default_factory=list)
    outdated_diff: list[workspace.DiffLine] = field(default_factory=list)
    source_direction: str = "ltr"


def fill_queue_choices(form: QueueFilterForm) -> None:
    """Give the queue's filter form its choices (an empty choice meaning "all")."""
    every = [("", str(_l("All")))]
    form.language.choices = every + choices.languages()
    form.state.choices = every + [(s, str(label)) for s, label in STATE_LABELS.items()]
    form.identity_group.choices = every + choices.terms("identity_group")
    form.organisation.choices = every + [(c, c) for c, _n in choices.organisations()]


def pick_source(t: Testimony, language: str, wanted: str | None) -> Version | None:
    """Return the source version: the one asked for, else the target's own source, else the
    original, else the first other version."""
    others = [v for v in t.versions if v.language != language]
    by_tag = {v.language: v for v in others}
    target = t.version_for(language)
    for tag in (
        wanted,
        target.translated_from.language if target and target.translated_from else None,
        t.original_language,
    ):
        if tag and tag in by_tag:
            return by_tag[tag]
    return others[0] if others else None


def editor_context(t: Testimony, language: str, wanted_source: str | None) -> EditorContext:
    """Return everything the editor page shows for testimony `t` in `language` (staff only)."""
    version = t.version_for(language)
    source = pick_source(t, language, wanted_source)
    source_revision = (source.approved or source.latest) if source else None
    target_revision = version.latest if version else None
    source_blocks = split_blocks(source_revision.body) if source_revision else []
    target_texts = [b.text for b in split_blocks(target_revision.body)] if target_revision else []
    blocks = []
    for i, block in enumerate(source_blocks or [None]):  # at least one row to type into
        target = target_texts[i] if i < len(target_texts) else ""
        if i == max(len(source_blocks), 1) - 1 and len(target_texts) > i + 1:
            target = "\n\n".join(target_texts[i:])  # extra target blocks stay, in the last row
        blocks.append(
            AlignedBlock(i, block.kind if block else "paragraph",
                         visible_text(Tier.STAFF, block.text, "") if block else "", target)
        )  # fmt: skip
    consent = t.consent
    context = EditorContext(
        testimony=t,
        language=language,
        direction=language_direction(language),
        version=version,
        source=source,
        sources=[v for v in t.versions if v.language != language],
        source_revision=source_revision,
        target_revision=target_revision,
        blocks=blocks,
        publishable=bool(consent and language in consent.language_tags),
        state=workspace.state_of(version),
        source_direction=language_direction(source.language) if source else "ltr",
    )
    if version is not None and source is not None and version.translated_from is source:
        context.missing_redactions = sorted(missing_ids(version, target_revision))
    elif source_revision is not None:
        context.missing_redactions = sorted(
            revision_ids(source_revision) - revision_ids(target_revision)
        )
    if version is not None and workspace.is_outdated(version) and version.translated_from:
        made_from = _revision(version.translated_from, workspace.effective_source_id(version))
        context.outdated_diff = workspace.diff(
            workspace.revision_text(made_from),
            workspace.revision_text(version.translated_from.approved),
        )
    return context


def _revision(version: Version, revision_id: int | None) -> Revision | None:
    return next((r for r in version.revisions if r.id == revision_id), None)


def language_name(tag: str) -> str:
    """Return a content language's name for headings ("Tampuan (tpu-Khmr)")."""
    return f"{language_label(tag).text} ({tag})"
