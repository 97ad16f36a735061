"""Web forms (Flask-WTF, CSRF on every one). Every message is a translatable string.

WTForms' own built-in messages are not in our catalogs, so choices and dates are checked by
the small validators below, whose messages are.
"""

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.validators import InputRequired, Length, Optional

REQUIRED = _l("This field is required.")
TOO_LONG = _l("At most %(max)s characters.")


class ChoiceField(SelectField):
    """A select whose invalid-choice message is ours (and translated)."""

    def pre_validate(self, form: Any) -> None:
        if (self.data or "") not in {value for value, _label in self.choices or []}:
            raise ValidationError(_l("Choose one of the listed options."))


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice, with our own invalid-choice message."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        allowed = {value for value, _label in self.choices or []}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError(_l("Choose only listed options."))


class IsoDateField(StringField):
    """A date typed or picked as YYYY-MM-DD; `.date` holds the parsed value or None."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"type": "date", "placeholder": "YYYY-MM-DD"})
        super().__init__(*args, **kwargs)

    @property
    def date(self) -> date | None:
        try:
            return date.fromisoformat(self.data) if self.data else None
        except ValueError:
            return None

    def pre_validate(self, form: Any) -> None:
        if self.data and (len(self.data) != 10 or self.date is None):
            raise ValidationError(_l("Enter a valid date (YYYY-MM-DD)."))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[InputRequired(REQUIRED), Length(max=254, message=TOO_LONG)]
    )
    password = PasswordField(_l("Password"), validators=[InputRequired(REQUIRED)])
    next = HiddenField()


class EmptyForm(FlaskForm):
    """A form with only the CSRF token (logout, status buttons)."""


class TestimonyForm(FlaskForm):
    ref = StringField(
        _l("Reference"),
        validators=[InputRequired(REQUIRED), Length(max=64, message=TOO_LONG)],
        description=_l("Your reference for this testimony, e.g. an interview number."),
    )
    recorded_on = IsoDateField(_l("Recorded on"))
    province = StringField(_l("Province"), validators=[Length(max=100, message=TOO_LONG)])
    district = StringField(_l("District"), validators=[Length(max=100, message=TOO_LONG)])
    commune = StringField(_l("Commune"), validators=[Length(max=100, message=TOO_LONG)])
    village = StringField(_l("Village"), validators=[Length(max=100, message=TOO_LONG)])
    narrator_alias = StringField(
        _l("Narrator's alias"), validators=[Length(max=100, message=TOO_LONG)]
    )
    event = StringField(_l("Event"), validators=[Length(max=200, message=TOO_LONG)])
    original_language = ChoiceField(_l("Original language"))
    content_warning = BooleanField(_l("Needs a content warning"))
    identity_group = MultiCheckboxField(_l("Identity groups"))
    discrimination_type = MultiCheckboxField(_l("Types of discrimination"))
    setting = MultiCheckboxField(_l("Where it happened"))
    need = MultiCheckboxField(_l("Needs and requests"))
    organisations = MultiCheckboxField(_l("Organisations"))
    legal_name = StringField(_l("Legal name"), validators=[Length(max=200, message=TOO_LONG)])
    contact = StringField(_l("Contact"), validators=[Length(max=200, message=TOO_LONG)])
    gender = StringField(_l("Gender"), validators=[Length(max=50, message=TOO_LONG)])
    age_range = StringField(_l("Age range"), validators=[Length(max=20, message=TOO_LONG)])


class VersionForm(FlaskForm):
    language = ChoiceField(_l("Language"))
    kind = ChoiceField(_l("Kind"))
    translated_from = ChoiceField(_l("Translated from"))
    title = StringField(
        _l("Title"), validators=[InputRequired(REQUIRED), Length(max=300, message=TOO_LONG)]
    )
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000, message=TOO_LONG)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[InputRequired(REQUIRED)])


class RevisionForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[InputRequired(REQUIRED), Length(max=300, message=TOO_LONG)]
    )
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000, message=TOO_LONG)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[InputRequired(REQUIRED)])
    note = StringField(_l("Note about this change"), validators=[Length(max=500, message=TOO_LONG)])
    base_revision_id = HiddenField()


class ConsentForm(FlaskForm):
    level = ChoiceField(_l("Who may read it"))
    given_on = IsoDateField(_l("Consent given on"))
    method = ChoiceField(_l("How consent was given"), validators=[Optional()])
    recorded_by = StringField(_l("Recorded by"), validators=[Length(max=200, message=TOO_LONG)])
    witness = StringField(_l("Witness"), validators=[Length(max=200, message=TOO_LONG)])
    publish_languages = MultiCheckboxField(_l("Languages that may be published"))
    show_alias = BooleanField(_l("The alias may be shown"))
    count_in_statistics = BooleanField(_l("May be counted in public statistics"))
    review_on = IsoDateField(_l("Review consent on"))
    reason_code = ChoiceField(_l("Reason for this change"))
    note = TextAreaField(_l("Note (staff only)"), validators=[Length(max=2000, message=TOO_LONG)])


class StatusForm(FlaskForm):
    status = ChoiceField(_l("Editorial status"))


class TransitionForm(FlaskForm):
    to = ChoiceField(_l("New status"))


class TranslationForm(FlaskForm):
    """The side-by-side editor; the body arrives as one `block` field per source block (or as
    `body` in whole-text mode)."""

    title = StringField(
        _l("Title"), validators=[InputRequired(REQUIRED), Length(max=300, message=TOO_LONG)]
    )
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000, message=TOO_LONG)])
    body = TextAreaField(_l("Text (Markdown)"))
    note = StringField(_l("Note about this change"), validators=[Length(max=500, message=TOO_LONG)])
    base_revision_id = HiddenField()
    source = HiddenField()


class ReviewForm(FlaskForm):
    to = ChoiceField(_l("Decision"))
    comment = TextAreaField(
        _l("Comment for the translator"), validators=[Length(max=2000, message=TOO_LONG)]
    )


class QueueFilterForm(FlaskForm):
    """GET filters of the queue (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    language = ChoiceField(_l("Language"))
    state = ChoiceField(_l("State"))
    identity_group = ChoiceField(_l("Identity group"))
    organisation = ChoiceField(_l("Organisation"))


class WithdrawForm(FlaskForm):
    confirm_ref = StringField(
        _l("Type the testimony's reference to confirm"),
        validators=[InputRequired(REQUIRED), Length(max=64, message=TOO_LONG)],
    )
    reason_code = ChoiceField(_l("Reason"))


class ConcernForm(FlaskForm):
    kind = ChoiceField(_l("What is your message about?"))
    message = TextAreaField(
        _l("Your message (optional)"), validators=[Length(max=2000, message=TOO_LONG)]
    )
    contact = StringField(
        _l("How can we reach you? (optional)"),
        validators=[Length(max=200, message=TOO_LONG)],
        description=_l("A phone number, or the name of the organisation that can reach you."),
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[InputRequired(REQUIRED), Length(max=20, message=TOO_LONG)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text"},
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(REQUIRED)],
        description=_l("At least 12 characters. A few unrelated words make a good password."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("The new password again"),
        validators=[InputRequired(REQUIRED)],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_confirm(self, field: Any) -> None:
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords are not the same."))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[InputRequired(REQUIRED), Length(max=254, message=TOO_LONG)]
    )
    role = ChoiceField(_l("Role"))


class RoleForm(FlaskForm):
    role = ChoiceField(_l("Role"))


class ResearcherRequestForm(FlaskForm):
    name = StringField(
        _l("Your name"), validators=[InputRequired(REQUIRED), Length(max=200, message=TOO_LONG)]
    )
    email = EmailField(
        _l("Email"), validators=[InputRequired(REQUIRED), Length(max=254, message=TOO_LONG)]
    )
    affiliation = StringField(
        _l("Organisation or university"),
        validators=[InputRequired(REQUIRED), Length(max=300, message=TOO_LONG)],
    )
    purpose = TextAreaField(
        _l("What is your research, and why do you need these testimonies?"),
        validators=[InputRequired(REQUIRED), Length(max=3000, message=TOO_LONG)],
    )
    agree = BooleanField(_l("I agree to the terms of use"))


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the token"),
        validators=[InputRequired(REQUIRED), Length(max=100, message=TOO_LONG)],
        description=_l("For example the name of the script or computer that will use it."),
    )
