"""Travel and staffing request forms, and the decision and comment forms they share."""

from __future__ import annotations

import dataclasses

from flask_wtf import FlaskForm
from wtforms import (
    Form,
    SelectField,
)
from wtforms.validators import DataRequired, Optional, ValidationError

from forms.derived import derived_form
from forms.fields import RowsForm, VersionedForm, options
from services.office import reference
from services.requests.costing import PAY_PLANS
from services.requests.drafts import LegData, StaffingData, TravelData
from services.requests.workflow import StepInput


class LegForm(derived_form(LegData, Form, row=True, whole=True, require=("origin",))):
    """One leg of an itinerary (a sub-form: the outer form carries the CSRF token)."""

    country = SelectField("Country", validators=[DataRequired()])

    def validate_return_(self, field):
        if field.data and self.depart.data and field.data < self.depart.data:
            raise ValidationError("Return on or after the departure date.")


class TravelRequestForm(
    derived_form(TravelData, RowsForm, blank_rows={"legs": 1}, spare_rows={"legs": 0}, row_forms={"legs": LegForm})
):
    def __init__(self, *args, travelers=(), **kwargs):
        self.travelers = travelers  # whom the author may draft for
        super().__init__(*args, **kwargs)

    def set_choices(self) -> None:
        self.traveler.choices = options(self.travelers)
        self.purpose.choices = options(reference.travel_purpose_choices())
        self.appropriation.choices = options(reference.appropriation_choices())
        self.scenario.choices = options(reference.editable_scenario_choices())
        countries = options(reference.country_code_choices())
        for leg in self.legs:
            leg.country.choices = countries

    def validate_airfare_note(self, field):
        if self.airfare.decimal is not None and not (field.data or "").strip():
            raise ValidationError("Say where a typed fare comes from.")


class StaffingRequestForm(derived_form(StaffingData, VersionedForm, exclude=("division_id",))):
    """The division is the author's own (the view gives it)."""

    pay_plan = SelectField(
        "Pay plan",
        choices=options([("", "— (annual rate)"), *[(code, code) for code in PAY_PLANS]]),
        validators=[Optional()],
    )

    def set_choices(self) -> None:
        self.appropriation.choices = options(reference.appropriation_choices())
        self.scenario.choices = options(reference.editable_scenario_choices())

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("End on or after the start date.")

    def validate_grade(self, field):
        if self.pay_plan.data and field.data is None:
            raise ValidationError("A pay plan needs a grade.")

    def validate_annual_rate(self, field):
        if not self.pay_plan.data and field.decimal is None:
            raise ValidationError("Without a pay plan, give the annual rate.")

    def to_input(self, **given) -> StaffingData:
        """A pay plan without a step starts at step 1."""
        data = super().to_input(**given)
        return dataclasses.replace(data, step=1) if data.pay_plan and data.step is None else data


class DecisionForm(derived_form(StepInput, VersionedForm)):
    """A workflow step's button, with the comment its step may need (services.requests.workflow.StepInput)."""


class CommentForm(derived_form(StepInput, FlaskForm, require=("comment",))):
    """A comment on its own: one is needed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.comment.label.text = "Add a comment"
