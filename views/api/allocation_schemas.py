"""Marshmallow schemas for allocation runs' requests: a problem, or settings to build one from a scenario.

The scalar settings are derived from their declaration (services.allocation.problems.AllocationSettings);
the floors, caps, shares and weights by region, priority or cell keep the limits the page's fields keep
(LEAST_AMOUNT, SHARES, WEIGHTS).
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from planner.allocation.problem import JSON_SCHEMA as PROBLEM_JSON_SCHEMA
from services.allocation.problems import LEAST_AMOUNT, SHARES, WEIGHTS, AllocationSettings
from services.inputs import Rule
from views.api.derived import derived_schema


def _by_code(values: fields.Field) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=values, load_default=dict)


class AllocationSettingsSchema(derived_schema(AllocationSettings)):
    """How to build the problem from the scenario (the Allocation page's settings)."""

    region_floors = _by_code(fields.Integer(strict=True, validate=validate.Range(LEAST_AMOUNT)))
    region_caps = _by_code(fields.Integer(strict=True, validate=validate.Range(LEAST_AMOUNT)))
    priority_min_shares = _by_code(fields.Decimal(validate=validate.Range(*SHARES)))
    priority_max_shares = _by_code(fields.Decimal(validate=validate.Range(*SHARES)))
    weights = _by_code(fields.Decimal(validate=validate.Range(*WEIGHTS)))


class AllocationRunRequestSchema(Schema):
    """Either a problem (allocation-problem/1) or settings to build one from the scenario."""

    class Meta:
        unknown = RAISE

    # Exactly one of the two (views.api.openapi.EXACTLY_ONE_OF); neither may be null.
    problem = fields.Dict(load_default=None, allow_none=False, metadata=PROBLEM_JSON_SCHEMA)
    settings = fields.Nested(AllocationSettingsSchema, load_default=None, allow_none=False)
    name = fields.String(load_default=None, validate=validate.Length(max=200))

    RULES = (
        Rule(
            ("problem",),
            "A problem meets allocation-problem/1's rules: unique cell keys and ids, weights that do not "
            "increase, bounds in order, rules that name existing funds.",
        ),
        Rule(("settings",), "Floors, caps and shares name the scenario's regions and priorities by code."),
    )
