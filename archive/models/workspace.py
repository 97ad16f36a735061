"""Translation workspace rows (claims) and site content admins maintain (support contacts)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .time import utcnow


class TranslationClaim(db.Model):
    """A translator's claim on one testimony and language, so two people do not translate the
    same version at once."""

    __tablename__ = "translation_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    testimony_id: Mapped[int] = mapped_column(ForeignKey("testimonies.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(ForeignKey("content_languages.tag"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", lazy="joined")

    __table_args__ = (UniqueConstraint("testimony_id", "language", name="uq_claim_target"),)


class SupportContact(db.Model):
    """Where a reader can find support (shown with content warnings); set by admins."""

    __tablename__ = "support_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_km: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description_km: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
