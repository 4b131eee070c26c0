"""Appropriation forms."""

from decimal import Decimal

from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from forms.fields import MoneyField, VersionedForm, options
from models import FundsCategory
from services import reference


class AppropriationForm(VersionedForm):
    account_code = StringField("Account code", validators=[DataRequired(), Length(max=32)])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    category = SelectField(
        "Category",
        choices=options(
            [
                (FundsCategory.FOREIGN_ASSISTANCE.value, "Foreign assistance"),
                (FundsCategory.OPERATIONS.value, "Operations"),
            ]
        ),
    )
    fiscal_year = SelectField("First fiscal year", coerce=int)
    availability_years = IntegerField(
        "Years of availability (blank for no-year)",
        validators=[Optional(), NumberRange(min=1, max=10)],
    )
    enacted = MoneyField("Enacted", validators=[DataRequired()], min_value=Decimal("0"))
    apportioned = MoneyField("Apportioned", validators=[DataRequired()], min_value=Decimal("0"))
    allotted = MoneyField("Allotted", validators=[DataRequired()], min_value=Decimal("0"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fiscal_year.choices = options(reference.fiscal_year_choices())

    def validate_apportioned(self, field):
        if field.decimal is not None and self.enacted.decimal is not None and field.decimal > self.enacted.decimal:
            raise ValidationError("Apportioned can't exceed enacted.")

    def validate_allotted(self, field):
        if (
            field.decimal is not None
            and self.apportioned.decimal is not None
            and field.decimal > self.apportioned.decimal
        ):
            raise ValidationError("Allotted can't exceed apportioned.")
