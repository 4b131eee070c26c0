"""Record schemas derived from their use case's input declaration (views/api/derived.py), with the
record's read-only fields: appropriations, budget lines, scenarios, travel and staffing requests and their estimates,
and a request's workflow step."""

from __future__ import annotations

from decimal import Decimal

from flask_login import current_user
from marshmallow import fields, post_dump

from models import LineSource, RequestStatus, ScenarioStatus
from services.budget.lines import LineInput
from services.funds.appropriations import AppropriationInput
from services.permissions import line_description
from services.requests.drafts import POSITION, StaffingData, TravelData
from services.requests.workflow import StepInput
from services.scenarios.records import ScenarioInput
from views.api.derived import RowSchema, derived_schema
from views.api.schemas import Money, UtcDateTime


class AppropriationSchema(derived_schema(AppropriationInput)):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    expires_on = fields.Date(dump_only=True, allow_none=True)  # null: no-year funds
    cancels_on = fields.Date(dump_only=True, allow_none=True)


class BudgetLineSchema(derived_schema(LineInput)):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    source = fields.Enum(LineSource, by_value=True, dump_only=True)
    source_id = fields.Integer(dump_only=True, allow_none=True)
    updated_at = UtcDateTime(dump_only=True)

    @post_dump(pass_original=True)
    def _visible_description(self, data: dict, line, **_) -> dict:
        data["description"] = line_description(current_user, line.source, line.division_id, line.description)
        return data


class ScenarioSchema(derived_schema(ScenarioInput)):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    status = fields.Enum(ScenarioStatus, by_value=True, dump_only=True)


class TravelEstimateRequestSchema(derived_schema(TravelData, RowSchema, only=("legs", "airfare"))):
    """An itinerary to cost without saving it."""

    other = Money(load_default=Decimal("0.00"), metadata={"minimum_dollars": Decimal(0)})


class TravelRequestSchema(derived_schema(TravelData)):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    status = fields.Enum(RequestStatus, by_value=True, dump_only=True)
    division = fields.Integer(attribute="division_id", dump_only=True)
    total = Money(attribute="total_cents", dump_only=True)
    estimate = fields.Dict(dump_only=True)
    created_at = UtcDateTime(dump_only=True)


class StaffingEstimateRequestSchema(derived_schema(StaffingData, RowSchema, only=POSITION)):
    """A position to cost without saving it."""


class StaffingRequestSchema(derived_schema(StaffingData)):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    status = fields.Enum(RequestStatus, by_value=True, dump_only=True)
    total = Money(attribute="total_cents", dump_only=True)
    estimate = fields.Dict(dump_only=True)
    created_at = UtcDateTime(dump_only=True)


class DecisionSchema(derived_schema(StepInput)):
    """A workflow step: its comment (services.requests.workflow.StepInput) and the version the person saw."""

    version = fields.Integer(strict=True, load_default=None)
