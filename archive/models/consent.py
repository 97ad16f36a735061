"""Consent: the narrator's decision about who may read her testimony, with its history."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import ConsentLevel, ConsentMethod, check_in
from .reference import ContentLanguage
from .testimony import Testimony
from .time import utcnow

consent_languages = Table(
    "consent_languages",
    db.metadata,
    Column("consent_id", ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True),
    Column("language_tag", ForeignKey("content_languages.tag"), primary_key=True),
)


class Consent(db.Model):
    """The current consent of one testimony; every change is appended to ConsentChange."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    testimony_id: Mapped[int] = mapped_column(
        ForeignKey("testimonies.id", ondelete="CASCADE"), unique=True
    )
    level: Mapped[str] = mapped_column(String(20), default=ConsentLevel.STAFF)
    given_on: Mapped[date | None]
    method: Mapped[str | None] = mapped_column(String(20))
    recorded_by: Mapped[str] = mapped_column(String(200), default="")
    witness: Mapped[str] = mapped_column(String(200), default="")
    show_alias: Mapped[bool] = mapped_column(default=False)
    count_in_statistics: Mapped[bool] = mapped_column(default=False)
    review_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    testimony: Mapped[Testimony] = relationship(back_populates="consent")
    languages: Mapped[list[ContentLanguage]] = relationship(
        secondary=consent_languages, order_by=ContentLanguage.tag
    )

    __table_args__ = (
        CheckConstraint(check_in("level", ConsentLevel), name="ck_consent_level"),
        CheckConstraint(
            f"method IS NULL OR {check_in('method', ConsentMethod)}", name="ck_consent_method"
        ),
    )

    @property
    def language_tags(self) -> set[str]:
        """Return the tags of the languages the narrator allows to be published."""
        return {language.tag for language in self.languages}


class ConsentChange(db.Model):
    """One change of one consent field: old → new as codes, a reason code, an optional note."""

    __tablename__ = "consent_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    testimony_id: Mapped[int] = mapped_column(ForeignKey("testimonies.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(String(500), default="")
    new_value: Mapped[str] = mapped_column(String(500), default="")
    reason_code: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")

    actor = relationship("User", lazy="joined")
