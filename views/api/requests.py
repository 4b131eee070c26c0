"""API: travel and staffing requests, their workflow actions, and cost estimates."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, jsonify

from models import RequestStatus, TravelCostKind, db
from services import request_workflow as workflow
from services import requests as request_service
from services.errors import ValidationError
from services.paging import Page
from services.permissions import Action
from services.request_queries import KINDS, RequestFilter, list_requests
from services.requests import LegData, StaffingData, TravelData
from views.api.core import (
    ApiDoc,
    actor,
    changes_sent,
    created,
    enum_arg,
    int_arg,
    json_body,
    new_record,
    operation,
    page_args,
    paginated,
    version_from_request,
    with_funds_warning,
)
from views.api.schemas import (
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


def _travel_data(data: dict, base=None) -> TravelData:
    def pick(name, attribute=None):
        key = attribute or name
        return data[key] if key in data else getattr(base, key)

    legs = (
        data["legs"]
        if "legs" in data
        else [
            {
                "origin": leg.origin,
                "city": leg.city,
                "country": leg.country.iso3,
                "depart": leg.depart_on,
                "return_": leg.return_on,
            }
            for leg in base.legs
        ]
    )
    costs = (
        data["costs"]
        if "costs" in data
        else ({c.kind: Decimal(c.amount_cents) / 100 for c in base.costs} if base else {})
    )
    airfare = (
        data["airfare_cents"]
        if "airfare_cents" in data
        else (None if base is None or base.airfare_cents is None else Decimal(base.airfare_cents) / 100)
    )
    return TravelData(
        title=pick("title"),
        purpose_id=pick("purpose_id"),
        traveler_id=pick("traveler_id"),
        appropriation_id=pick("appropriation_id"),
        scenario_id=pick("scenario_id"),
        justification=pick("justification") or "",
        airfare=airfare,
        airfare_note=pick("airfare_note") or "",
        costs=costs,
        legs=[LegData(leg["origin"], leg["city"], leg["country"], leg["depart"], leg["return_"]) for leg in legs],
    )


def _staffing_data(data: dict, base=None) -> StaffingData:
    def pick(name):
        return data[name] if name in data else getattr(base, name)

    def fraction(name, attribute, default):
        if name in data:
            return data[name]
        return default if base is None else Decimal(getattr(base, attribute)) / 10_000

    rate = (
        data["annual_rate_cents"]
        if "annual_rate_cents" in data
        else (None if base is None or base.annual_rate_cents is None else Decimal(base.annual_rate_cents) / 100)
    )
    return StaffingData(
        title=pick("title"),
        kind=pick("kind"),
        appropriation_id=pick("appropriation_id"),
        scenario_id=pick("scenario_id"),
        division_id=pick("division_id"),
        start_date=pick("start_on"),
        end_date=pick("end_on"),
        pay_plan=pick("pay_plan"),
        grade=pick("grade"),
        step=pick("step"),
        annual_rate=rate,
        fte=fraction("fte", "fte_basis_points", Decimal(1)),
        benefits_rate=fraction("benefits_rate", "benefits_rate_basis_points", Decimal("0.3645")),
        pay_raise=fraction("pay_raise", "pay_raise_basis_points", Decimal("0.02")),
        justification=pick("justification") or "",
    )


# What differs between the two kinds of request: the service that drafts one, the one that changes
# one, and how a body (with the record it changes, on PATCH) becomes the service's input.
_DRAFT = {"travel": request_service.create_travel, "staffing": request_service.create_staffing}
_CHANGE = {"travel": request_service.update_travel, "staffing": request_service.update_staffing}
_INPUT = {"travel": _travel_data, "staffing": _staffing_data}
LIST_QUERY = {"status": "string", "division": "integer"}
DELETE_QUERY = {"version": "integer"}
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
    data = new_record(SCHEMAS[kind])
    return created(SCHEMAS[kind], perform(_DRAFT[kind], actor(), _INPUT[kind](data)))


def _get(kind: str, request_id: int):
    return jsonify(SCHEMAS[kind].dump(_load(kind, request_id)))


def _patch(kind: str, request_id: int):
    record = _load(kind, request_id)
    data, version = changes_sent(SCHEMAS[kind])
    perform(_CHANGE[kind], actor(), record, _INPUT[kind](data, record), version)
    return jsonify(SCHEMAS[kind].dump(record))


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
        Action.READ,
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
        Action.REQUEST_TRAVEL,
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
    ApiDoc("A travel request", Action.READ, response_schema=TravelRequestSchema),
)
def get_travel_request(request_id: int):
    return _get("travel", request_id)


@operation(
    "/travel-requests/<int:request_id>",
    "PATCH",
    ApiDoc(
        "Change a draft or returned travel request (send the version you read)",
        Action.READ,
        TravelRequestSchema,
        TravelRequestSchema,
    ),
)
def patch_travel_request(request_id: int):
    return _patch("travel", request_id)


@operation(
    "/travel-requests/<int:request_id>",
    "DELETE",
    ApiDoc("Delete a draft travel request (?version=N)", Action.READ, status=204, query=DELETE_QUERY),
)
def delete_travel_request(request_id: int):
    return _delete("travel", request_id)


@operation(
    f"/travel-requests/<int:request_id>/{ACTIONS}",
    "POST",
    ApiDoc("Move a travel request through the workflow", Action.READ, DecisionSchema, TravelRequestSchema),
)
def action_travel_request(request_id: int, action: str):
    return _act("travel", request_id, action)


@operation(
    "/staffing-requests",
    "GET",
    ApiDoc(
        "List staffing requests you may see",
        Action.READ,
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
        Action.REQUEST_STAFFING,
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
    ApiDoc("A staffing request", Action.READ, response_schema=StaffingRequestSchema),
)
def get_staffing_request(request_id: int):
    return _get("staffing", request_id)


@operation(
    "/staffing-requests/<int:request_id>",
    "PATCH",
    ApiDoc(
        "Change a draft or returned staffing request (send the version you read)",
        Action.READ,
        StaffingRequestSchema,
        StaffingRequestSchema,
    ),
)
def patch_staffing_request(request_id: int):
    return _patch("staffing", request_id)


@operation(
    "/staffing-requests/<int:request_id>",
    "DELETE",
    ApiDoc("Delete a draft staffing request (?version=N)", Action.READ, status=204, query=DELETE_QUERY),
)
def delete_staffing_request(request_id: int):
    return _delete("staffing", request_id)


@operation(
    f"/staffing-requests/<int:request_id>/{ACTIONS}",
    "POST",
    ApiDoc("Move a staffing request through the workflow", Action.READ, DecisionSchema, StaffingRequestSchema),
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
    legs = [LegData(leg["origin"], leg["city"], leg["country"], leg["depart"], leg["return_"]) for leg in data["legs"]]
    estimate = request_service.travel_estimate(
        TravelData(
            title="",
            purpose_id=0,
            traveler_id=0,
            appropriation_id=0,
            scenario_id=0,
            legs=legs,
            airfare=data["airfare"],
            costs={TravelCostKind.OTHER: data["other"]} if data["other"] else {},
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
        StaffingData(
            title="",
            kind=data["kind"],
            appropriation_id=0,
            scenario_id=0,
            division_id=0,
            start_date=data["start_date"],
            end_date=data["end_date"],
            fte=data["fte"],
            pay_plan=data["pay_plan"],
            grade=data["grade"],
            step=data["step"],
            annual_rate=data["annual_rate"],
            benefits_rate=data["benefits_rate"],
            pay_raise=data["pay_raise"],
        )
    )
    return jsonify(estimate.to_json())
