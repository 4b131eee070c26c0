"""API: travel and staffing requests, their workflow actions, and cost estimates."""

from __future__ import annotations

from flask import abort, jsonify

from models import RequestStatus, TravelCostKind, db
from services import inputs
from services.errors import ValidationError
from services.paging import Page
from services.permissions import Action
from services.requests import drafts as request_service
from services.requests import workflow
from services.requests.drafts import StaffingData, TravelData
from services.requests.queries import KINDS, RequestFilter, list_requests
from views.api.core import (
    ApiDoc,
    actor,
    create_record,
    enum_arg,
    int_arg,
    json_body,
    operation,
    page_args,
    paginated,
    patch_record,
    version_from_request,
    with_funds_warning,
)
from views.api.record_schemas import (
    DecisionSchema,
    StaffingEstimateRequestSchema,
    StaffingRequestSchema,
    TravelEstimateRequestSchema,
    TravelRequestSchema,
)
from views.unit_of_work import perform

SCHEMAS = {"travel": TravelRequestSchema(), "staffing": StaffingRequestSchema()}


def _load(kind: str, request_id: int):
    record = db.get_or_404(KINDS[kind], request_id)
    if not workflow.can_view(actor(), record):
        abort(404)
    return record


# What differs between the two kinds of request: the declaration of its input, the service that
# drafts one and the one that changes one.
_DECLARATION = {"travel": TravelData, "staffing": StaffingData}
_DRAFT = {"travel": request_service.create_travel, "staffing": request_service.create_staffing}
_CHANGE = {"travel": request_service.update_travel, "staffing": request_service.update_staffing}
LIST_QUERY = {"status": RequestStatus, "division": "integer"}
ACTIONS = "<any(submit, approve, return, reject, cancel):action>"


def _list(kind: str):
    page, per_page = page_args()
    status = enum_arg("status", RequestStatus)
    found = list_requests(
        actor(),
        RequestFilter(kind=kind, status=RequestStatus(status) if status else None, division_id=int_arg("division")),
    )
    return paginated(Page.of(found, page, per_page), SCHEMAS[kind])


def _create(kind: str):
    return create_record(_DRAFT[kind], SCHEMAS[kind], _DECLARATION[kind])


def _get(kind: str, request_id: int):
    return jsonify(SCHEMAS[kind].dump(_load(kind, request_id)))


def _patch(kind: str, request_id: int):
    record = _load(kind, request_id)
    return patch_record(_CHANGE[kind], record, SCHEMAS[kind], _DECLARATION[kind])


def _delete(kind: str, request_id: int):
    perform(request_service.delete_request, actor(), _load(kind, request_id), version_from_request())
    return "", 204


def _act(kind: str, request_id: int, action: str):
    record = _load(kind, request_id)
    body = DecisionSchema().load(json_body())
    transition = workflow.Transition(action)
    warning = perform(workflow.transition, actor(), record, transition, body["comment"], body["version"])
    return with_funds_warning(jsonify(SCHEMAS[kind].dump(record)), warning)


@operation(
    "/travel-requests",
    "GET",
    ApiDoc(
        "List travel requests you may see",
        workflow.VIEW_NEED,
        response_schema=TravelRequestSchema,
        paginated=True,
        query=LIST_QUERY,
    ),
)
def list_travel_request():
    return _list("travel")


@operation(
    "/travel-requests",
    "POST",
    ApiDoc(
        "Draft a travel request (the cost is computed)",
        workflow.DRAFT_NEEDS["travel"],
        TravelRequestSchema,
        TravelRequestSchema,
        status=201,
    ),
)
def create_travel_request():
    return _create("travel")


@operation(
    "/travel-requests/<int:request_id>",
    "GET",
    ApiDoc("A travel request", workflow.VIEW_NEED, response_schema=TravelRequestSchema),
)
def get_travel_request(request_id: int):
    return _get("travel", request_id)


@operation(
    "/travel-requests/<int:request_id>",
    "PATCH",
    ApiDoc(
        "Change a draft or returned travel request (send the version you read)",
        workflow.EDIT_NEED.chosen("travel"),
        TravelRequestSchema,
        TravelRequestSchema,
    ),
)
def patch_travel_request(request_id: int):
    return _patch("travel", request_id)


@operation(
    "/travel-requests/<int:request_id>",
    "DELETE",
    ApiDoc("Delete a draft travel request (?version=N)", workflow.EDIT_NEED.chosen("travel"), status=204),
)
def delete_travel_request(request_id: int):
    return _delete("travel", request_id)


@operation(
    f"/travel-requests/<int:request_id>/{ACTIONS}",
    "POST",
    ApiDoc("Move a travel request through the workflow", workflow.STEP_NEED, DecisionSchema, TravelRequestSchema),
)
def action_travel_request(request_id: int, action: str):
    return _act("travel", request_id, action)


@operation(
    "/staffing-requests",
    "GET",
    ApiDoc(
        "List staffing requests you may see",
        workflow.VIEW_NEED,
        response_schema=StaffingRequestSchema,
        paginated=True,
        query=LIST_QUERY,
    ),
)
def list_staffing_request():
    return _list("staffing")


@operation(
    "/staffing-requests",
    "POST",
    ApiDoc(
        "Draft a staffing request (the cost is computed)",
        workflow.DRAFT_NEEDS["staffing"],
        StaffingRequestSchema,
        StaffingRequestSchema,
        status=201,
    ),
)
def create_staffing_request():
    return _create("staffing")


@operation(
    "/staffing-requests/<int:request_id>",
    "GET",
    ApiDoc("A staffing request", workflow.VIEW_NEED, response_schema=StaffingRequestSchema),
)
def get_staffing_request(request_id: int):
    return _get("staffing", request_id)


@operation(
    "/staffing-requests/<int:request_id>",
    "PATCH",
    ApiDoc(
        "Change a draft or returned staffing request (send the version you read)",
        workflow.EDIT_NEED.chosen("staffing"),
        StaffingRequestSchema,
        StaffingRequestSchema,
    ),
)
def patch_staffing_request(request_id: int):
    return _patch("staffing", request_id)


@operation(
    "/staffing-requests/<int:request_id>",
    "DELETE",
    ApiDoc("Delete a draft staffing request (?version=N)", workflow.EDIT_NEED.chosen("staffing"), status=204),
)
def delete_staffing_request(request_id: int):
    return _delete("staffing", request_id)


@operation(
    f"/staffing-requests/<int:request_id>/{ACTIONS}",
    "POST",
    ApiDoc("Move a staffing request through the workflow", workflow.STEP_NEED, DecisionSchema, StaffingRequestSchema),
)
def action_staffing_request(request_id: int, action: str):
    return _act("staffing", request_id, action)


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
