"""Administration forms: users and office settings."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length

from forms.fields import OptionalIdSelect, VersionedForm, options
from models import FundsControl, Role
from services import reference

ROLE_CHOICES = [(r.value, r.label) for r in Role]


class UserForm(VersionedForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=options(ROLE_CHOICES))
    division = OptionalIdSelect("Division")
    active = BooleanField("Active (can sign in)", default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.division.choices = options([("", "—"), *reference.division_choices()])


class NewUserForm(UserForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField("Initial password", validators=[DataRequired(), Length(min=12, max=1000)])


class SettingsForm(FlaskForm):
    funds_control = SelectField(
        "When a change would overdraw an appropriation",
        choices=options(
            [
                (FundsControl.REFUSE.value, "Refuse it (Antideficiency Act control)"),
                (FundsControl.WARN.value, "Save it and warn"),
            ]
        ),
    )
