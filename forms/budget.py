"""Budget line forms: the editor and the list filters."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from forms.derived import derived_form
from forms.fields import OptionalIdSelect, VersionedForm, options
from models import LineSource
from services.budget.lines import LineInput
from services.budget.queries import SORT_KEYS, LineFilter
from services.office import reference

_NONE = ("", "—")


class BudgetLineForm(derived_form(LineInput, VersionedForm)):
    def set_choices(self) -> None:
        self.scenario.choices = options(reference.scenario_choices())
        self.fiscal_year.choices = options(reference.fiscal_year_choices())
        self.appropriation.choices = options(reference.appropriation_choices())
        self.division.choices = options(reference.division_choices())
        self.object_class.choices = options(reference.object_class_choices())
        self.region.choices = options([_NONE, *reference.region_choices()])
        self.country.choices = options([_NONE, *reference.country_choices()])
        self.priority.choices = options([_NONE, *reference.priority_choices()])
        self.program_type.choices = options([_NONE, *reference.program_type_choices()])


class DeleteForm(VersionedForm):
    """A button that deletes a record read at a version."""


class LineFilterForm(FlaskForm):
    """GET filters of the budget lines page (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    scenario = OptionalIdSelect("Scenario")
    fiscal_year = OptionalIdSelect("Fiscal year")
    appropriation = OptionalIdSelect("Appropriation")
    division = OptionalIdSelect("Division")
    object_class = OptionalIdSelect("Object class")
    region = OptionalIdSelect("Region")
    country = OptionalIdSelect("Country")
    priority = OptionalIdSelect("Priority")
    program_type = OptionalIdSelect("Program type")
    source = SelectField(
        "Source",
        choices=options([("", "Any"), *[(s.value, s.value.capitalize()) for s in LineSource]]),
        default="",
    )
    sort = SelectField(
        "Sort",
        choices=options([(k, k) for k in SORT_KEYS] + [(f"-{k}", f"-{k}") for k in SORT_KEYS]),
        default="id",
        validate_choice=True,
    )
    # Bounded so the offset fits the database (a larger page number was a 500).
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=10**9)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        any_ = ("", "Any")
        self.scenario.choices = options([any_, *reference.scenario_choices()])
        self.fiscal_year.choices = options([any_, *reference.fiscal_year_choices()])
        self.appropriation.choices = options([any_, *reference.appropriation_choices()])
        self.division.choices = options([any_, *reference.division_choices()])
        self.object_class.choices = options([any_, *reference.object_class_choices()])
        self.region.choices = options([any_, *reference.region_choices()])
        self.country.choices = options([any_, *reference.country_choices()])
        self.priority.choices = options([any_, *reference.priority_choices()])
        self.program_type.choices = options([any_, *reference.program_type_choices()])

    def to_filter(self) -> LineFilter:
        """The filter from valid fields; an invalid one is dropped (and shown as an error)."""

        def value(field):
            return field.data if not field.errors else None

        return LineFilter(
            scenario_id=value(self.scenario),
            fiscal_year=value(self.fiscal_year),
            appropriation_id=value(self.appropriation),
            division_id=value(self.division),
            object_class_id=value(self.object_class),
            region_id=value(self.region),
            country_id=value(self.country),
            priority_id=value(self.priority),
            program_type_id=value(self.program_type),
            source=value(self.source) or None,
        )
