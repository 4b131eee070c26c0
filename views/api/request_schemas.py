"""Marshmallow schemas for staffing requests and staffing estimates, derived from services.requests.StaffingData."""

from __future__ import annotations

from marshmallow import fields

from models import RequestStatus
from services.requests import POSITION, StaffingData
from views.api.derived import RowSchema, derived_schema
from views.api.schemas import Money


class StaffingEstimateRequestSchema(derived_schema(StaffingData, RowSchema, only=POSITION)):
    """A position to cost without saving it."""


class StaffingRequestSchema(derived_schema(StaffingData)):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    status = fields.Enum(RequestStatus, by_value=True, dump_only=True)
    total = Money(attribute="total_cents", dump_only=True)
    estimate = fields.Dict(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
