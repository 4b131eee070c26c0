"""API: appropriations and their status of funds."""

from __future__ import annotations

import datetime as dt
import re

from flask import jsonify, request

from models import Appropriation, Scenario, db
from models.reference import fiscal_year_of
from money import money_str
from services.budget.queries import appropriation_query
from services.errors import ValidationError
from services.execution.breakdown import execution_with_breakdown
from services.funds import appropriations as appropriation_service
from services.funds.appropriations import AppropriationInput
from services.funds.control import default_scenario_for, planned_by_scenario, status_of
from services.inputs import FIRST_YEAR, LAST_YEAR, Rule
from services.paging import paginate
from services.permissions import Action
from views.api.core import (
    YEAR_ARG,
    ApiDoc,
    BadRequest,
    create_record,
    int_arg,
    operation,
    page_args,
    paginated,
    patch_record,
    year_arg,
)
from views.api.record_schemas import AppropriationSchema
from views.api.schemas import ExecutionSchema, StatusSchema
from views.page_cache import kept_whole

schema = AppropriationSchema()


@operation(
    "/appropriations",
    "GET",
    ApiDoc(
        "List appropriations",
        Action.READ,
        response_schema=AppropriationSchema,
        paginated=True,
        query={"fiscal_year": YEAR_ARG, "account_code": "string"},
    ),
)
def list_appropriations():
    page, per_page = page_args()
    query = appropriation_query(fiscal_year=year_arg("fiscal_year"), account_code=request.args.get("account_code"))
    return paginated(paginate(query, page, per_page), schema)


@operation(
    "/appropriations",
    "POST",
    ApiDoc("Create an appropriation", Action.EDIT_APPROPRIATIONS, AppropriationSchema, AppropriationSchema, status=201),
)
def create_appropriation():
    return create_record(appropriation_service.create_appropriation, schema, AppropriationInput)


@operation(
    "/appropriations/<int:appropriation_id>",
    "GET",
    ApiDoc("An appropriation", Action.READ, response_schema=AppropriationSchema),
)
def get_appropriation(appropriation_id: int):
    return jsonify(schema.dump(db.get_or_404(Appropriation, appropriation_id)))


@operation(
    "/appropriations/<int:appropriation_id>",
    "PATCH",
    ApiDoc(
        "Change an appropriation (send the version you read)",
        Action.EDIT_APPROPRIATIONS,
        AppropriationSchema,
        AppropriationSchema,
    ),
)
def patch_appropriation(appropriation_id: int):
    record = db.get_or_404(Appropriation, appropriation_id)
    return patch_record(appropriation_service.update_appropriation, record, schema, AppropriationInput)


@operation(
    "/appropriations/<int:appropriation_id>/status",
    "GET",
    ApiDoc("Status of funds", Action.READ, response_schema=StatusSchema, query={"scenario": "integer"}),
)
@kept_whole
def appropriation_status(appropriation_id: int):
    record = db.get_or_404(Appropriation, appropriation_id)
    scenario_id = int_arg("scenario")
    scenario = db.get_or_404(Scenario, scenario_id) if scenario_id else default_scenario_for(record)
    status = status_of(record, scenario, dt.date.today())
    return jsonify(
        {
            "appropriation": record.id,
            "enacted": money_str(status.enacted_cents),
            "apportioned": money_str(status.apportioned_cents),
            "allotted": money_str(status.allotted_cents),
            "planned": [
                {"scenario": s.id, "name": s.name, "amount": money_str(cents)}
                for s, cents in planned_by_scenario(record)
            ],
            "scenario": scenario.id if scenario else None,
            "committed": money_str(status.committed_cents),
            "obligated": money_str(status.obligated_cents),
            "awarded": money_str(status.awarded_cents),
            "available": money_str(status.available_cents),
            "expires_on": record.expires_on.isoformat() if record.expires_on else None,
            "cancels_on": record.cancels_on.isoformat() if record.cancels_on else None,
            "expires_soon": status.expires_soon,
        }
    )


AS_OF_RULE = Rule(("as_of",), f"as_of falls in fiscal years {FIRST_YEAR} to {LAST_YEAR}.")


def date_arg(name: str) -> dt.date | None:
    """A YYYY-MM-DD query parameter within the fiscal years a record can hold, or None when absent."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):  # fromisoformat also takes 20260101, 2026-W01-1
        raise BadRequest(f"{name} is a date, YYYY-MM-DD.", {name: "Not a date."})
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} is a date, YYYY-MM-DD.", {name: "Not a date."}) from exc
    if not FIRST_YEAR <= fiscal_year_of(day) <= LAST_YEAR:
        raise ValidationError(AS_OF_RULE.text, fields={name: "Outside the fiscal years."})
    return day


@operation(
    "/appropriations/<int:appropriation_id>/execution",
    "GET",
    ApiDoc(
        "Plan against actual: the spend plan by month against posted obligations and expenditures",
        Action.READ,
        response_schema=ExecutionSchema,
        query={
            "scenario": "integer",
            "as_of": {"type": "string", "format": "date", "description": "YYYY-MM-DD; today when absent"},
        },
        rules=(AS_OF_RULE,),
    ),
)
def appropriation_execution(appropriation_id: int):
    record = db.get_or_404(Appropriation, appropriation_id)
    as_of = date_arg("as_of") or dt.date.today()
    scenario_id = int_arg("scenario")
    scenario = db.get_or_404(Scenario, scenario_id) if scenario_id else default_scenario_for(record)
    return jsonify(ExecutionSchema().dump(execution_with_breakdown(record, scenario, as_of)))
