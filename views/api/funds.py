"""API: appropriations and their status of funds."""

from __future__ import annotations

import datetime as dt

from flask import jsonify, request

from models import Appropriation, Scenario, db
from money import money_str
from services.budget.queries import appropriation_query
from services.funds import appropriations as appropriation_service
from services.funds.appropriations import AppropriationInput
from services.funds.control import default_scenario_for, planned_by_scenario, status_of
from services.paging import paginate
from services.permissions import Action
from views.api.core import (
    YEAR_ARG,
    ApiDoc,
    create_record,
    int_arg,
    operation,
    page_args,
    paginated,
    patch_record,
    year_arg,
)
from views.api.record_schemas import AppropriationSchema
from views.api.schemas import StatusSchema

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
