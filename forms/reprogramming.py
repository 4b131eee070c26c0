"""Reprogramming forms: the draft with its moves (from a group of lines to another, an amount), and the
workflow's step buttons with what a step may take (the notice's day, a waiver, a comment)."""

from __future__ import annotations

from forms.derived import derived_form
from forms.fields import RowsForm, VersionedForm, options
from services.office import reference
from services.reprogramming.drafts import ReprogrammingInput
from services.reprogramming.workflow import StepInput

_ANY = ("", "Any")
SIDES = ("from_", "to")


def dimension_choices() -> dict[str, list]:
    """Each dimension a group may name, with "Any" first: the choices of a move's selects."""
    return {
        "priority": options([_ANY, *reference.priority_choices()]),
        "program_type": options([_ANY, *reference.program_type_choices()]),
        "region": options([_ANY, *reference.region_choices()]),
        "country": options([_ANY, *reference.country_choices()]),
        "division": options([_ANY, *reference.division_choices()]),
        "object_class": options([_ANY, *reference.object_class_choices()]),
    }


class ReprogrammingForm(derived_form(ReprogrammingInput, RowsForm, blank_rows={"moves": 3}, spare_rows={"moves": 2})):
    """A draft: scenario, appropriation, kind, justification and moves (blank moves are skipped)."""

    ROW_ERROR_FIELD = {"moves": "amount"}

    def set_choices(self) -> None:
        self.scenario.choices = options(reference.editable_scenario_choices())
        self.appropriation.choices = options(reference.appropriation_choices())
        dimensions = dimension_choices()
        for entry in self.moves:
            for side in SIDES:
                for name, choices in dimensions.items():
                    entry.form[side].form[name].choices = choices


class StepForm(derived_form(StepInput, VersionedForm)):
    """A workflow step's button; the page shows only the fields its step takes."""
