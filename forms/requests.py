"""Travel and staffing request forms, and the decision and comment forms they share."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from forms.fields import MoneyField, VersionedForm, options
from models import StaffingKind, TravelCostKind
from services import reference
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


STAFFING_KINDS = [(kind.value, kind.label) for kind in StaffingKind]


class StaffingRequestForm(VersionedForm):
    title = StringField("Position title", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=options(STAFFING_KINDS))
    pay_plan = SelectField(
        "Pay plan", choices=options([("", "— (annual rate)"), ("GS", "GS"), ("FS", "FS")]), validators=[Optional()]
    )
    grade = IntegerField("Grade or class", validators=[Optional(), NumberRange(1, 15)])
    step = IntegerField("Step", validators=[Optional(), NumberRange(1, 14)])
    annual_rate = MoneyField(
        "Annual rate (contractors, detailees, fellows)", validators=[Optional()], min_value=Decimal(0)
    )
    fte = DecimalField(
        "FTE",
        default=Decimal(1),
        places=None,
        validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=Decimal(1))],
    )
    start_date = DateField("Start date", validators=[InputRequired()])
    end_date = DateField("End date (optional)", validators=[Optional()])
    benefits_rate = DecimalField(
        "Benefits rate (%)", default=Decimal("36.45"), places=None, validators=[InputRequired(), NumberRange(0, 100)]
    )
    pay_raise = DecimalField(
        "Yearly pay raise (%)", default=Decimal("2.0"), places=None, validators=[InputRequired(), NumberRange(0, 20)]
    )
    appropriation = SelectField("Funding appropriation", coerce=int)
    scenario = SelectField("Budget scenario", coerce=int)
    justification = TextAreaField("Justification", validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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

    def to_data(self, division_id: int) -> StaffingData:
        return StaffingData(
            title=self.title.data,
            kind=StaffingKind(self.kind.data),
            appropriation_id=self.appropriation.data,
            scenario_id=self.scenario.data,
            division_id=division_id,
            start_date=self.start_date.data,
            fte=self.fte.data,
            pay_plan=self.pay_plan.data or None,
            grade=self.grade.data,
            step=self.step.data or (1 if self.pay_plan.data else None),
            annual_rate=self.annual_rate.decimal,
            end_date=self.end_date.data,
            benefits_rate=self.benefits_rate.data / 100,
            pay_raise=self.pay_raise.data / 100,
            justification=self.justification.data or "",
        )

    def fill_from(self, request) -> None:
        self.title.data, self.kind.data, self.pay_plan.data = request.title, request.kind.value, request.pay_plan or ""
        self.grade.data, self.step.data = request.grade, request.step
        if request.annual_rate_cents is not None:
            self.annual_rate.process_data(request.annual_rate_cents)
        self.fte.data = Decimal(request.fte_basis_points) / 10_000
        self.start_date.data, self.end_date.data = request.start_on, request.end_on
        self.benefits_rate.data = Decimal(request.benefits_rate_basis_points) / 100
        self.pay_raise.data = Decimal(request.pay_raise_basis_points) / 100
        self.appropriation.data, self.scenario.data = request.appropriation_id, request.scenario_id
        self.justification.data = request.justification
        self.version.data = str(request.version)


class DecisionForm(VersionedForm):
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=5000)])


class CommentForm(FlaskForm):
    comment = TextAreaField("Add a comment", validators=[DataRequired(), Length(max=5000)])
