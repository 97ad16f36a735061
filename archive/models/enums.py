"""The closed sets of states the archive knows, as string enums.

They are stored as short strings (with CHECK constraints) so that the database stays readable
and the same values appear in the import format. The policy treats anything else as "deny".
"""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    TRANSLATOR = "translator"
    RESEARCHER = "researcher"


class TestimonyStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


class RevisionStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"


class ConsentLevel(StrEnum):
    PUBLIC = "public"
    RESEARCHERS = "researchers"
    STAFF = "staff"
    WITHDRAWN = "withdrawn"


class ConsentMethod(StrEnum):
    ORAL_RECORDED = "oral-recorded"
    WRITTEN = "written"
    THUMBPRINT = "thumbprint"


class VersionKind(StrEnum):
    ORIGINAL = "original"
    TRANSLATION = "translation"


class VocabularyKind(StrEnum):
    IDENTITY_GROUP = "identity_group"
    DISCRIMINATION_TYPE = "discrimination_type"
    SETTING = "setting"
    NEED = "need"


def check_in(column: str, enum: type[StrEnum]) -> str:
    """Return SQL for a CHECK constraint limiting `column` to the members of `enum`."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"
