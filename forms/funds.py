"""Appropriation forms."""

from wtforms.validators import ValidationError

from forms.derived import derived_form
from forms.fields import VersionedForm, options
from services.funds.appropriations import AppropriationInput
from services.office import reference


class AppropriationForm(derived_form(AppropriationInput, VersionedForm)):
    def set_choices(self) -> None:
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
