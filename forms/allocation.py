"""The Allocation page's settings: objective, grid, floors, caps, shares and weights.

The region and priority rows come from reference data, so the form class is
built for them (`settings_form(regions, priorities)`).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DecimalField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from forms.derived import derived_form
from forms.fields import MoneyField
from services.allocation.problems import LEAST_AMOUNT, SHARES, WEIGHTS, AllocationSettings


class AllocationSettingsForm(derived_form(AllocationSettings, FlaskForm)):
    """The settings as declared (services.allocation.problems.AllocationSettings); by region, priority and
    cell, the fields `settings_form` adds."""

    regions: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()

    def region_fields(self, region: str):
        return self[f"floor_{region}"], self[f"cap_{region}"]

    def priority_fields(self, priority: str):
        return self[f"min_share_{priority}"], self[f"max_share_{priority}"]

    def weight_field(self, region: str, priority: str):
        return self[f"weight_{region}_{priority}"]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for region in self.regions:
            floor, cap = self.region_fields(region)
            if floor.decimal is not None and cap.decimal is not None and floor.decimal > cap.decimal:
                cap.errors = [*cap.errors, "The cap is below the floor."]
                valid = False
        for priority in self.priorities:
            low, high = self.priority_fields(priority)
            if low.data is not None and high.data is not None and low.data > high.data:
                high.errors = [*high.errors, "The maximum is below the minimum."]
                valid = False
        return valid

    def fill(self, settings: AllocationSettings, weights: dict[str, str]) -> None:
        """Show saved (or default) settings."""
        self.show(settings)
        for region in self.regions:
            floor, cap = self.region_fields(region)
            floor.process_data(_cents(settings.region_floors.get(region)))
            cap.process_data(_cents(settings.region_caps.get(region)))
        for priority in self.priorities:
            low, high = self.priority_fields(priority)
            low.data = _percent(settings.priority_min_shares.get(priority))
            high.data = _percent(settings.priority_max_shares.get(priority))
        for region in self.regions:
            for priority in self.priorities:
                self.weight_field(region, priority).data = Decimal(weights[f"{region}/{priority}"])

    def to_settings(self) -> AllocationSettings:
        def dollars(field) -> int | None:
            return None if field.decimal is None else int(field.decimal)

        def share(field) -> str | None:
            return None if field.data is None else str((field.data / 100).normalize())

        floors = {r: dollars(self.region_fields(r)[0]) for r in self.regions}
        caps = {r: dollars(self.region_fields(r)[1]) for r in self.regions}
        mins = {p: share(self.priority_fields(p)[0]) for p in self.priorities}
        maxes = {p: share(self.priority_fields(p)[1]) for p in self.priorities}
        return replace(
            self.to_input(),
            region_floors={k: v for k, v in floors.items() if v is not None},
            region_caps={k: v for k, v in caps.items() if v is not None},
            priority_min_shares={k: v for k, v in mins.items() if v is not None},
            priority_max_shares={k: v for k, v in maxes.items() if v is not None},
            weights={f"{r}/{p}": str(self.weight_field(r, p).data) for r in self.regions for p in self.priorities},
        )


def _cents(dollars: int | None) -> int | None:
    return None if dollars is None else dollars * 100


def _percent(share: str | None) -> Decimal | None:
    return None if share is None else (Decimal(share) * 100).normalize()


def _whole_dollars(form, field) -> None:
    if field.decimal is not None and field.decimal != field.decimal.to_integral_value():
        raise ValidationError("Whole dollars, please.")


def settings_form(regions: list[str], priorities: list[str]) -> type[AllocationSettingsForm]:
    """The settings form with a floor and cap per region, shares per priority, a weight per cell."""

    class Form(AllocationSettingsForm):
        pass

    Form.regions, Form.priorities = tuple(regions), tuple(priorities)
    least = Decimal(LEAST_AMOUNT)
    percents = NumberRange(SHARES[0] * 100, SHARES[1] * 100)  # a share is shown and typed as a percentage
    for region in regions:
        setattr(Form, f"floor_{region}", MoneyField(f"{region} floor", [Optional(), _whole_dollars], min_value=least))
        setattr(Form, f"cap_{region}", MoneyField(f"{region} cap", [Optional(), _whole_dollars], min_value=least))
    for priority in priorities:
        for side in ("min", "max"):
            setattr(
                Form,
                f"{side}_share_{priority}",
                DecimalField(f"{priority} {side}imum share (%)", places=None, validators=[Optional(), percents]),
            )
        for region in regions:
            setattr(
                Form,
                f"weight_{region}_{priority}",
                DecimalField(
                    f"Weight for {region}, {priority}", places=None, validators=[InputRequired(), NumberRange(*WEIGHTS)]
                ),
            )
    return Form


class ProblemUploadForm(FlaskForm):
    """An allocation-problem/1 file someone saved or wrote by hand."""

    problem = FileField(
        "Allocation problem (JSON)",
        validators=[FileRequired(), FileAllowed(["json"], "Upload a .json file (allocation-problem/1).")],
    )


class SweepForm(FlaskForm):
    """One appropriation of a run, swept from `low` to `high` percent of its level (services.allocation.jobs)."""

    fund = SelectField("Appropriation")
    low = DecimalField(
        "From (% of today's level)", default=Decimal(70), places=None, validators=[InputRequired(), NumberRange(0, 500)]
    )
    high = DecimalField("To (%)", default=Decimal(130), places=None, validators=[InputRequired(), NumberRange(0, 500)])
