"""Admin forms for reference data: content languages, vocabulary terms, support contacts.

Forms only check presence and length (with our own translated messages: WTForms has no Khmer
catalog); what the data means (tags, scripts, slugs, phone numbers) is checked by
`archive.services.reference`, whose refusals the views attach to the field they name.
"""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from .forms import REQUIRED, ChoiceField
from .services import reference


def _max(limit: int) -> Length:
    # WTForms fills in %(max)s; the lazy string is translated at that moment (same msgid as the
    # services use for the same refusal).
    return Length(max=limit, message=_l("At most %(max)s characters."))


DIRECTION_LABELS = {
    "ltr": _l("Left to right"),
    "rtl": _l("Right to left"),
}


class LanguageForm(FlaskForm):
    """Names, script and direction of a content language (the tag is never edited)."""

    name_en = StringField(
        _l("English name"),
        validators=[_max(reference.NAME_MAX)],
        render_kw={"lang": "en"},
        description=_l("Leave empty if staff have not supplied it yet."),
    )
    name_km = StringField(
        _l("Khmer name"),
        validators=[_max(reference.NAME_MAX)],
        render_kw={"lang": "km"},
        description=_l("Leave empty if staff have not supplied it yet."),
    )
    autonym = StringField(
        _l("Autonym (the language's name for itself)"),
        validators=[_max(reference.NAME_MAX)],
        description=_l(
            "Only as the speakers write it; CIPL staff fill this in for indigenous languages."
        ),
    )
    script = StringField(
        _l("Script (ISO 15924)"),
        validators=[_max(4)],
        description=_l(
            "Four letters, such as Khmr or Latn. Filled in from the tag when the tag names it."
        ),
    )
    direction = ChoiceField(_l("Writing direction"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.direction.choices = [(code, str(label)) for code, label in DIRECTION_LABELS.items()]


class NewLanguageForm(LanguageForm):
    tag = StringField(
        _l("Language tag (BCP 47)"),
        validators=[InputRequired(REQUIRED), _max(reference.TAG_MAX)],
        description=_l(
            "For example tpu-Khmr (Tampuan in Khmer script) or jra-Latn. It is saved in its "
            "standard spelling and cannot be changed afterwards."
        ),
    )


class TermForm(FlaskForm):
    """The labels of a vocabulary term (its slug is never edited)."""

    label_en = StringField(
        _l("English label"),
        validators=[InputRequired(REQUIRED), _max(reference.LABEL_MAX)],
        render_kw={"lang": "en"},
    )
    label_km = StringField(
        _l("Khmer label"),
        validators=[_max(reference.LABEL_MAX)],
        render_kw={"lang": "km"},
        description=_l(
            "Saving a changed Khmer label confirms it: readers no longer see it marked as a "
            "draft. Leave it empty to show the English label (marked) in the Khmer interface."
        ),
    )


class NewTermForm(TermForm):
    slug = StringField(
        _l("Slug"),
        validators=[InputRequired(REQUIRED), _max(reference.SLUG_MAX)],
        description=_l(
            "Lowercase letters a-z, digits and hyphens, e.g. health-facility. Used in "
            "addresses, searches and imports: it can never be changed afterwards."
        ),
    )


class MoveForm(FlaskForm):
    direction = ChoiceField(_l("Direction"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.direction.choices = [("up", str(_l("Move up"))), ("down", str(_l("Move down")))]


class SupportContactForm(FlaskForm):
    name_km = StringField(
        _l("Name in Khmer"), validators=[_max(reference.LABEL_MAX)], render_kw={"lang": "km"}
    )
    name_en = StringField(
        _l("Name in English"), validators=[_max(reference.LABEL_MAX)], render_kw={"lang": "en"}
    )
    description_km = TextAreaField(
        _l("Description in Khmer"),
        validators=[_max(reference.DESCRIPTION_MAX)],
        description=_l("Who they help, when and where to reach them."),
        render_kw={"lang": "km"},
    )
    description_en = TextAreaField(
        _l("Description in English"),
        validators=[_max(reference.DESCRIPTION_MAX)],
        render_kw={"lang": "en"},
    )
    phone = StringField(
        _l("Phone"),
        validators=[_max(reference.PHONE_MAX)],
        description=_l("For example +855 12 345 678. Khmer digits are saved as 0-9."),
        render_kw={"type": "tel", "autocomplete": "off"},
    )
    position = StringField(
        _l("Position in the list"),
        default="0",
        validators=[_max(4)],
        description=_l("Smaller numbers come first."),
        render_kw={"inputmode": "numeric"},
    )
    active = BooleanField(_l("Shown to readers"), default=True)


# The four vocabularies, named as the testimony form names them.
KIND_LABELS = {
    "identity_group": _l("Identity groups"),
    "discrimination_type": _l("Types of discrimination"),
    "setting": _l("Where it happened"),
    "need": _l("Needs and requests"),
}
