"""Administration forms: users, office settings and reference tables."""

from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length

from forms.derived import derived_form
from forms.fields import MoneyField, OptionalIdSelect, VersionedForm, options
from models import Role
from services.office import reference
from services.office.settings import OfficeSettings

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


class SettingsForm(derived_form(OfficeSettings, FlaskForm)):
    """The office settings, as declared."""


class PurposeForm(FlaskForm):
    name = StringField("New purpose", validators=[DataRequired(), Length(max=120)])


class FareForm(FlaskForm):
    origin = StringField("From (city)", validators=[DataRequired(), Length(max=120)], default="Washington")
    destination = StringField("To (city)", validators=[DataRequired(), Length(max=120)])
    fare = MoneyField("Round-trip fare", validators=[DataRequired()], min_value=Decimal("0.01"))


class PayTableForm(FlaskForm):
    file = FileField("Pay table (CSV)", validators=[FileRequired(), FileAllowed(["csv"], "Upload a .csv file.")])
