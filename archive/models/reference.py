"""Reference tables that admins curate: content languages, vocabularies, organisations."""

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .enums import VocabularyKind, check_in


class ContentLanguage(db.Model):
    """A language a testimony version can be written in (a BCP 47 tag, never a Babel locale).

    Names staff have not supplied stay empty: the archive never invents the name or autonym
    of an indigenous language.
    """

    __tablename__ = "content_languages"

    tag: Mapped[str] = mapped_column(String(35), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(100), default="")
    name_km: Mapped[str] = mapped_column(String(100), default="")
    autonym: Mapped[str] = mapped_column(String(100), default="")
    script: Mapped[str] = mapped_column(String(4), default="")
    direction: Mapped[str] = mapped_column(String(3), default="ltr")

    __table_args__ = (CheckConstraint("direction IN ('ltr', 'rtl')", name="ck_language_dir"),)


class VocabularyTerm(db.Model):
    """One term of a controlled vocabulary; `slug` is stable, labels are editable."""

    __tablename__ = "vocabulary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    slug: Mapped[str] = mapped_column(String(64))
    label_en: Mapped[str] = mapped_column(String(200))
    label_km: Mapped[str] = mapped_column(String(200), default="")
    # True until a Khmer-speaking admin confirms the drafted Khmer label.
    label_km_draft: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        UniqueConstraint("kind", "slug", name="uq_term_kind_slug"),
        CheckConstraint(check_in("kind", VocabularyKind), name="ck_term_kind"),
    )


class Organisation(db.Model):
    """A rightsholder organisation that gathered testimonies."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_km: Mapped[str] = mapped_column(String(200), default="")
    represents_en: Mapped[str] = mapped_column(String(200), default="")
    represents_km: Mapped[str] = mapped_column(String(200), default="")
