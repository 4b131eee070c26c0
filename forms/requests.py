"""Travel and staffing request forms, and the decision and comment forms they share."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from forms.derived import derived_form
from forms.fields import MoneyField, VersionedForm, options
from models import TravelCostKind
from services import reference
from services.costing import PAY_PLANS
from services.requests import LegData, StaffingData, TravelData

MAX_LEGS = 8


class LegForm(Form):
    """One leg of an itinerary (a sub-form: the outer form carries the CSRF token)."""

    origin = StringField("From (city)", validators=[DataRequired(), Length(max=120)], default="Washington")
    city = StringField("To (city)", validators=[DataRequired(), Length(max=160)])
    country = SelectField("Country", validators=[DataRequired()])
    depart = DateField("Depart", validators=[InputRequired()])
    return_ = DateField("Return", validators=[InputRequired()])

    def validate_return_(self, field):
        if field.data and self.depart.data and field.data < self.depart.data:
            raise ValidationError("Return on or after the departure date.")


class TravelRequestForm(VersionedForm):
    title = StringField("Trip", validators=[DataRequired(), Length(max=200)])
    traveler = SelectField("Traveler", coerce=int)
    purpose = SelectField("Purpose", coerce=int)
    justification = TextAreaField("Justification", validators=[Optional(), Length(max=5000)])
    appropriation = SelectField(
        "Funding appropriation",
        coerce=int,
        description="Operations travel (Diplomatic Programs, 21.0) or a program appropriation.",
    )
    scenario = SelectField("Budget scenario", coerce=int)
    legs = FieldList(FormField(LegForm), min_entries=1, max_entries=MAX_LEGS)
    airfare = MoneyField(
        "Airfare (leave blank to use the city-pair fare)", validators=[Optional()], min_value=Decimal(0)
    )
    airfare_note = StringField("Fare note (why this fare)", validators=[Optional(), Length(max=255)])
    visa = MoneyField("Visa", validators=[Optional()], min_value=Decimal(0))
    ground = MoneyField("Ground transport", validators=[Optional()], min_value=Decimal(0))
    conference = MoneyField("Conference fees", validators=[Optional()], min_value=Decimal(0))
    other = MoneyField("Other costs", validators=[Optional()], min_value=Decimal(0))

    def __init__(self, *args, travelers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.traveler.choices = options(travelers)
        self.purpose.choices = options(reference.travel_purpose_choices())
        self.appropriation.choices = options(reference.appropriation_choices())
        self.scenario.choices = options(reference.editable_scenario_choices())
        countries = options(reference.country_code_choices())
        for leg in self.legs:
            leg.country.choices = countries

    def validate_airfare_note(self, field):
        if self.airfare.decimal is not None and not (field.data or "").strip():
            raise ValidationError("Say where a typed fare comes from.")

    def to_data(self) -> TravelData:
        costs = {
            kind: field.decimal
            for kind, field in (
                (TravelCostKind.VISA, self.visa),
                (TravelCostKind.GROUND, self.ground),
                (TravelCostKind.CONFERENCE, self.conference),
                (TravelCostKind.OTHER, self.other),
            )
            if field.decimal
        }
        return TravelData(
            title=self.title.data,
            purpose_id=self.purpose.data,
            traveler_id=self.traveler.data,
            appropriation_id=self.appropriation.data,
            scenario_id=self.scenario.data,
            justification=self.justification.data or "",
            airfare=self.airfare.decimal,
            airfare_note=self.airfare_note.data or "",
            costs=costs,
            legs=[
                LegData(leg.origin.data, leg.city.data, leg.country.data, leg.depart.data, leg.return_.data)
                for leg in self.legs
            ],
        )

    def fill_from(self, request) -> None:
        self.title.data, self.traveler.data, self.purpose.data = request.title, request.traveler_id, request.purpose_id
        self.justification.data = request.justification
        self.appropriation.data, self.scenario.data = request.appropriation_id, request.scenario_id
        if request.airfare_cents is not None:
            self.airfare.process_data(request.airfare_cents)
        self.airfare_note.data = request.airfare_note
        by_kind = {cost.kind: cost.amount_cents for cost in request.costs}
        for kind, field in (
            (TravelCostKind.VISA, self.visa),
            (TravelCostKind.GROUND, self.ground),
            (TravelCostKind.CONFERENCE, self.conference),
            (TravelCostKind.OTHER, self.other),
        ):
            if kind in by_kind:
                field.process_data(by_kind[kind])
        while len(self.legs) > 0:
            self.legs.pop_entry()
        for leg in request.legs:
            self.legs.append_entry(
                {
                    "origin": leg.origin,
                    "city": leg.city,
                    "country": leg.country.iso3,
                    "depart": leg.depart_on,
                    "return_": leg.return_on,
                }
            )
        self.version.data = str(request.version)
        countries = options(reference.country_code_choices())
        for leg in self.legs:
            leg.country.choices = countries


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


class DecisionForm(VersionedForm):
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=5000)])


class CommentForm(FlaskForm):
    comment = TextAreaField("Add a comment", validators=[DataRequired(), Length(max=5000)])
