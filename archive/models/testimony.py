"""Testimonies, their narrators, language versions and append-only revisions."""

import secrets
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedText
from ..extensions import db
from .enums import RevisionStatus, TestimonyStatus, VersionKind, check_in
from .reference import Organisation, VocabularyTerm
from .time import utcnow


def new_public_id() -> str:
    """Return an unguessable public id: 128 random bits, URL-safe, never derived from data."""
    return secrets.token_urlsafe(16)


testimony_terms = Table(
    "testimony_terms",
    db.metadata,
    Column("testimony_id", ForeignKey("testimonies.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("vocabulary_terms.id"), primary_key=True),
)

testimony_organisations = Table(
    "testimony_organisations",
    db.metadata,
    Column("testimony_id", ForeignKey("testimonies.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True),
)


class Testimony(db.Model):
    """One narrator's testimony. Place below the province is for editors and admins only."""

    __tablename__ = "testimonies"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    recorded_on: Mapped[date | None]
    province: Mapped[str] = mapped_column(String(100), default="")
    district: Mapped[str] = mapped_column(String(100), default="")
    commune: Mapped[str] = mapped_column(String(100), default="")
    village: Mapped[str] = mapped_column(String(100), default="")
    narrator_alias: Mapped[str] = mapped_column(String(100), default="")
    event: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=TestimonyStatus.DRAFT)
    original_language: Mapped[str | None] = mapped_column(ForeignKey("content_languages.tag"))
    content_warning: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    # The tombstone of a withdrawal: when, by whom, why (a code). `purged_at` is set once the
    # derived copies (index segments, database free pages, WAL) are gone.
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str] = mapped_column(String(40), default="")
    purged_at: Mapped[datetime | None]

    terms: Mapped[list[VocabularyTerm]] = relationship(
        secondary=testimony_terms, order_by=(VocabularyTerm.kind, VocabularyTerm.position)
    )
    organisations: Mapped[list[Organisation]] = relationship(
        secondary=testimony_organisations, order_by=Organisation.code
    )
    consent: Mapped["Consent | None"] = relationship(  # noqa: F821
        back_populates="testimony", cascade="all, delete-orphan", uselist=False
    )
    narrator: Mapped["Narrator | None"] = relationship(
        back_populates="testimony", uselist=False, lazy="raise", passive_deletes=True
    )
    versions: Mapped[list["Version"]] = relationship(
        back_populates="testimony",
        cascade="all, delete-orphan",
        order_by="Version.id",
        foreign_keys="Version.testimony_id",
    )

    __table_args__ = (CheckConstraint(check_in("status", TestimonyStatus), name="ck_t_status"),)

    def terms_of(self, kind: str) -> list[VocabularyTerm]:
        """Return this testimony's vocabulary terms of one kind, in vocabulary order."""
        return [term for term in self.terms if term.kind == kind]

    def version_for(self, language: str) -> "Version | None":
        """Return the version in `language` (a BCP 47 tag), or None."""
        return next((v for v in self.versions if v.language == language), None)


class Narrator(db.Model):
    """Personal data of the narrator: editors and admins only; never indexed, never joined
    by public queries (`lazy="raise"` on the relationship makes an accidental load fail)."""

    __tablename__ = "narrators"

    id: Mapped[int] = mapped_column(primary_key=True)
    testimony_id: Mapped[int] = mapped_column(
        ForeignKey("testimonies.id", ondelete="CASCADE"), unique=True
    )
    # Encrypted at rest (archive.crypto): the database holds only ciphertext; a value that
    # cannot be decrypted here reads as crypto.Unavailable.
    legal_name: Mapped[str] = mapped_column(EncryptedText("narrators.legal_name"), default="")
    contact: Mapped[str] = mapped_column(EncryptedText("narrators.contact"), default="")
    gender: Mapped[str] = mapped_column(String(50), default="")
    age_range: Mapped[str] = mapped_column(String(20), default="")

    testimony: Mapped[Testimony] = relationship(back_populates="narrator")


class Version(db.Model):
    """The testimony in one language; its text lives in append-only revisions."""

    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    testimony_id: Mapped[int] = mapped_column(ForeignKey("testimonies.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(ForeignKey("content_languages.tag"))
    kind: Mapped[str] = mapped_column(String(20))
    translated_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", ondelete="SET NULL")
    )
    # The source revision a translator confirmed this translation still matches ("still
    # accurate"), when it is newer than the one the approved revision was made from.
    confirmed_source_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", ondelete="SET NULL", use_alter=True)
    )
    # Set while the approved text lacks a redaction its source's approved text has: the
    # version is withheld from non-staff readers until it carries it (derived by the versions
    # service whenever a revision of the testimony is approved).
    redaction_hold: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    testimony: Mapped[Testimony] = relationship(
        back_populates="versions", foreign_keys=[testimony_id]
    )
    translated_from: Mapped["Version | None"] = relationship(remote_side=[id])
    revisions: Mapped[list["Revision"]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        order_by="Revision.number",
        foreign_keys="Revision.version_id",
    )

    __table_args__ = (
        UniqueConstraint("testimony_id", "language", name="uq_version_language"),
        CheckConstraint(check_in("kind", VersionKind), name="ck_version_kind"),
    )

    @property
    def latest(self) -> "Revision | None":
        """Return the newest revision whatever its status (what staff edit), or None."""
        return self.revisions[-1] if self.revisions else None

    @property
    def approved(self) -> "Revision | None":
        """Return the newest approved revision (what readers see), or None."""
        approved = [r for r in self.revisions if r.status == RevisionStatus.APPROVED]
        return approved[-1] if approved else None


class Revision(db.Model):
    """One saved text of a version. Title, summary and body are never edited in place
    (an event hook refuses it); only `status` changes, through audited transitions."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default=RevisionStatus.DRAFT)
    # The reviewer's comment when returning a revision (staff-only free text).
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[Version] = relationship(back_populates="revisions", foreign_keys=[version_id])
    author = relationship("User", lazy="joined", foreign_keys=[author_id])

    __table_args__ = (
        UniqueConstraint("version_id", "number", name="uq_revision_number"),
        CheckConstraint(check_in("status", RevisionStatus), name="ck_revision_status"),
    )
