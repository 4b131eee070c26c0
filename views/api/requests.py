"""API: travel and staffing requests, their workflow actions, and cost estimates."""

from __future__ import annotations

from flask import abort, jsonify

from models import RequestStatus, TravelCostKind, db
from services import inputs
from services import request_workflow as workflow
from services import requests as request_service
from services.errors import ValidationError
from services.permissions import Action
from services.request_queries import KINDS, RequestFilter, list_requests
from services.requests import StaffingData, TravelData
from views.api.core import (
    ApiDoc,
    actor,
    created,
    enum_arg,
    int_arg,
    json_body,
    operation,
    page_args,
    paginated,
    require_version,
    version_from_request,
    with_funds_warning,
)
from views.api.record_schemas import (
    StaffingEstimateRequestSchema,
    StaffingRequestSchema,
    TravelEstimateRequestSchema,
    TravelRequestSchema,
)
from views.api.schemas import DecisionSchema

SCHEMAS = {"travel": TravelRequestSchema(), "staffing": StaffingRequestSchema()}
COLLECTIONS = {"travel": "travel-requests", "staffing": "staffing-requests"}


def _load(kind: str, request_id: int):
    record = db.get_or_404(KINDS[kind], request_id)
    if not workflow.can_view(actor(), record):
        abort(404)
    return record


def _register(kind: str) -> None:
    """The same six operations for both kinds of request."""
    collection, schema = COLLECTIONS[kind], SCHEMAS[kind]
    schema_class = type(schema)

    def list_view():
        page, per_page = page_args()
        status = enum_arg("status", RequestStatus)
        found = list_requests(
            actor(),
            RequestFilter(kind=kind, status=RequestStatus(status) if status else None, division_id=int_arg("division")),
        )
        return paginated(found[(page - 1) * per_page : page * per_page], schema, page, per_page, len(found))

    def create_view():
        body = json_body()
        data = schema.load(body)
        if kind == "travel":
            record = request_service.create_travel(actor(), inputs.build(TravelData, data))
        else:
            record = request_service.create_staffing(actor(), inputs.build(StaffingData, data))
        db.session.commit()
        return created(schema, record)

    def get_view(request_id: int):
        return jsonify(schema.dump(_load(kind, request_id)))

    def patch_view(request_id: int):
        record = _load(kind, request_id)
        body = json_body()
        version = require_version(body)
        data = schema.load(body, partial=True)
        if kind == "travel":
            request_service.update_travel(actor(), record, inputs.patched(TravelData, record, data), version)
        else:
            request_service.update_staffing(actor(), record, inputs.patched(StaffingData, record, data), version)
        db.session.commit()
        return jsonify(schema.dump(record))

    def delete_view(request_id: int):
        record = _load(kind, request_id)
        request_service.delete_request(actor(), record, version_from_request())
        db.session.commit()
        return "", 204

    def action_view(request_id: int, action: str):
        record = _load(kind, request_id)
        body = DecisionSchema().load(json_body())
        warning = workflow.transition(actor(), record, workflow.Transition(action), body["comment"], body["version"])
        db.session.commit()
        return with_funds_warning(jsonify(schema.dump(record)), warning)

    base = f"/{collection}"
    for view, rule, method, doc in (
        (
            list_view,
            base,
            "GET",
            ApiDoc(
                f"List {kind} requests you may see",
                workflow.VIEW_NEED,
                response_schema=schema_class,
                paginated=True,
                query={"status": RequestStatus, "division": "integer"},
            ),
        ),
        (
            create_view,
            base,
            "POST",
            ApiDoc(
                f"Draft a {kind} request (the cost is computed)",
                workflow.DRAFT_NEEDS[kind],
                schema_class,
                schema_class,
                status=201,
            ),
        ),
        (
            get_view,
            f"{base}/<int:request_id>",
            "GET",
            ApiDoc(f"A {kind} request", workflow.VIEW_NEED, response_schema=schema_class),
        ),
        (
            patch_view,
            f"{base}/<int:request_id>",
            "PATCH",
            ApiDoc(
                f"Change a draft or returned {kind} request (send the version you read)",
                workflow.EDIT_NEED.chosen(kind),
                schema_class,
                schema_class,
            ),
        ),
        (
            delete_view,
            f"{base}/<int:request_id>",
            "DELETE",
            ApiDoc(f"Delete a draft {kind} request (?version=N)", workflow.EDIT_NEED.chosen(kind), status=204),
        ),
        (
            action_view,
            f"{base}/<int:request_id>/<any(submit, approve, return, reject, cancel):action>",
            "POST",
            ApiDoc(f"Move a {kind} request through the workflow", workflow.STEP_NEED, DecisionSchema, schema_class),
        ),
    ):
        view.__name__ = f"{view.__name__.removesuffix('_view')}_{kind}_request"
        operation(rule, method, doc)(view)


_register("travel")
_register("staffing")


@operation(
    "/travel-requests/estimate",
    "POST",
    ApiDoc("Cost an itinerary without saving it", Action.READ, TravelEstimateRequestSchema),
)
def estimate_travel():
    data = TravelEstimateRequestSchema().load(json_body())
    estimate = request_service.travel_estimate(
        inputs.build(
            TravelData,
            {
                **data,
                "title": "",
                "traveler_id": 0,
                "purpose_id": 0,
                "appropriation_id": 0,
                "scenario_id": 0,
                "costs": {TravelCostKind.OTHER: data["other"]} if data["other"] else {},
            },
        )
    )
    return jsonify(estimate.to_json())


@operation(
    "/staffing-requests/estimate",
    "POST",
    ApiDoc("Cost a position without saving it", Action.READ, StaffingEstimateRequestSchema),
)
def estimate_staffing():
    data = StaffingEstimateRequestSchema().load(json_body())
    if data["pay_plan"] is None and data["annual_rate"] is None:
        raise ValidationError(
            "Give a pay plan with grade and step, or an annual rate.", fields={"pay_plan": "Or annual_rate."}
        )
    estimate = request_service.staffing_estimate(
        StaffingData(title="", appropriation_id=0, scenario_id=0, division_id=0, **data)
    )
    return jsonify(estimate.to_json())
