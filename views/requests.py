"""Travel and staffing requests: my requests, the review queue, the travel plan, a request's page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.requests import CommentForm, DecisionForm, StaffingRequestForm, TravelRequestForm
from models import Division, RequestStatus, Role, db, fiscal_year_of
from services.audit.events import history
from services.execution.actuals_queries import document_actuals
from services.office.reference import division_choices, division_member_choices
from services.permissions import Action, can, sees_all_divisions
from services.requests import drafts as request_service
from services.requests import workflow
from services.requests.drafts import MAX_LEGS
from services.requests.lines import request_lines, staffing_allowance, travel_allowance, unfunded_years
from services.requests.queries import KINDS, RequestFilter, first_year_cost_cents, list_requests, travel_plan
from views.access import requires
from views.routing import record_id, whole_number
from views.unit_of_work import Saved, button_action, form_page

bp = Blueprint("requests", __name__, url_prefix="/requests")
DONE = {
    workflow.Transition.SUBMIT: "submitted",
    workflow.Transition.APPROVE: "approved",
    workflow.Transition.RETURN: "returned",
    workflow.Transition.REJECT: "rejected",
    workflow.Transition.CANCEL: "cancelled",
}


def _load(kind: str, request_id: int):
    record = db.get_or_404(KINDS[kind], request_id)
    if not workflow.can_view(current_user, record):
        abort(404)  # another division's request does not exist, as far as this person can tell
    return record


def _filter() -> RequestFilter:
    status = request.args.get("status")
    return RequestFilter(
        kind=request.args.get("kind") if request.args.get("kind") in KINDS else None,
        status=RequestStatus(status) if status in set(RequestStatus) else None,
        division_id=request.args.get("division", type=record_id),
    )


@bp.route("/")
@requires(workflow.VIEW_NEED)
def index():
    requests = list_requests(current_user, _filter(), mine=True)
    return render_template(
        "requests/index.html",
        requests=requests,
        total_cents=first_year_cost_cents(requests),
        filters=_filter(),
        title=_requests_title(),
        divisions=division_choices(),
        statuses=list(RequestStatus),
    )


def _requests_title() -> str:
    """What the list holds for this person (services.requests.queries.list_requests with mine=True)."""
    if sees_all_divisions(current_user):
        return "All requests"
    if current_user.role == Role.STAFF:
        return "My requests"  # what they wrote or travel on
    return f"Requests of {current_user.division.name}"


@bp.route("/review")
@requires(Action.DECIDE_REQUESTS)
def review():
    chosen = _filter()
    if "status" not in request.args:
        chosen = RequestFilter(kind=chosen.kind, status=RequestStatus.SUBMITTED, division_id=chosen.division_id)
    requests = list_requests(current_user, chosen)
    return render_template(
        "requests/index.html",
        requests=requests,
        total_cents=first_year_cost_cents(requests),
        filters=chosen,
        title="Review queue",
        divisions=division_choices(),
        statuses=list(RequestStatus),
        review=True,
    )


@bp.route("/travel-plan")
@requires(Action.READ)
def plan():
    own = current_user.role in (Role.DIVISION_HEAD, Role.STAFF)
    choices = [] if own else division_choices()
    division_id = current_user.division_id if own else request.args.get("division", type=record_id)
    if division_id is None and choices:  # the list shows its first division chosen: show its plan
        division_id = choices[0][0]
    division = db.session.get(Division, division_id) if division_id else None
    fiscal_year = request.args.get("fiscal_year", type=whole_number(1900, 2200)) or fiscal_year_of(dt.date.today())
    return render_template(
        "requests/plan.html",
        division=division,
        fiscal_year=fiscal_year,
        travel_plan=travel_plan(division.id, fiscal_year) if division else None,
        divisions=choices,
    )


def _travel_form(record=None) -> TravelRequestForm:
    division_id = record.division_id if record else current_user.division_id
    travelers = (
        [(current_user.id, current_user.name)]
        if current_user.role == Role.STAFF
        else division_member_choices(division_id)
    )
    form = TravelRequestForm(travelers=travelers)
    if "add_leg" in request.form and len(form.legs) < MAX_LEGS:
        form.legs.append_entry()
        form.legs[-1].country.choices = form.legs[0].country.choices
    elif "remove_leg" in request.form and len(form.legs) > 1:
        form.legs.pop_entry()
    return form


def _editing_legs() -> bool:
    return "add_leg" in request.form or "remove_leg" in request.form


@bp.route("/travel/new", methods=["GET", "POST"])
@requires(workflow.DRAFT_NEEDS["travel"])
def new_travel():
    form = _travel_form()
    if request.method == "GET":
        form.traveler.data = current_user.id
    return form_page(
        form,
        lambda: request_service.create_travel(current_user, form.to_input()),
        _drafted("travel"),
        "requests/travel_form.html",
        ready=not _editing_legs(),
        record=None,
    )


@bp.route("/staffing/new", methods=["GET", "POST"])
@requires(workflow.DRAFT_NEEDS["staffing"])
def new_staffing():
    form = StaffingRequestForm()
    return form_page(
        form,
        lambda: request_service.create_staffing(current_user, form.to_input(division_id=current_user.division_id)),
        _drafted("staffing"),
        "requests/staffing_form.html",
        record=None,
    )


def _drafted(kind: str) -> Callable[[Any], Saved]:
    """What a new request's page says once its draft is saved."""
    return lambda draft: Saved(
        f"{kind.capitalize()} request {draft.id} saved as a draft.",
        url_for("requests.show", kind=kind, request_id=draft.id),
    )


@bp.route("/<any(travel, staffing):kind>/<int:request_id>")
@requires(workflow.VIEW_NEED)
def show(kind: str, request_id: int):
    record = _load(kind, request_id)
    comments = workflow.comments_of(record)
    allowance = travel_allowance(record) if kind == "travel" else staffing_allowance(record)
    return render_template(
        f"requests/{kind}.html",
        record=record,
        allowance=allowance,
        lines=request_lines(record),
        actual=document_actuals(record.reference),
        transitions=workflow.available_transitions(current_user, record),
        editable=workflow.can_edit(current_user, record),
        deletable=workflow.can_delete(current_user, record),
        next_step=workflow.next_step(current_user, record),
        returned_by=_return_comment(record, comments),
        comments=comments,
        events=history(f"{kind}_request", record.id),
        decision_form=DecisionForm(data={"version": record.version}),
        comment_form=CommentForm() if can(current_user, Action.COMMENT_ON_REQUESTS) else None,
        unfunded=unfunded_years(record) if kind == "staffing" else [],
    )


def _return_comment(record, comments):
    """Why a returned request came back: the reviewer's comment with the return (the latest of theirs)."""
    if record.status != RequestStatus.RETURNED:
        return None
    theirs = [c for c in comments if c.author_id == record.decided_by_id]
    return theirs[-1] if theirs else None


def _update(record, form):
    if isinstance(form, TravelRequestForm):
        return request_service.update_travel(current_user, record, form.to_input(), form.expected_version)
    return request_service.update_staffing(
        current_user, record, form.to_input(division_id=record.division_id), form.expected_version
    )


@bp.route("/<any(travel, staffing):kind>/<int:request_id>/edit", methods=["GET", "POST"])
@requires(workflow.EDIT_NEED)
def edit(kind: str, request_id: int):
    record = _load(kind, request_id)
    if not workflow.can_edit(current_user, record):
        abort(403)
    form = _travel_form(record) if kind == "travel" else StaffingRequestForm()
    return form_page(
        form,
        lambda: _update(record, form),
        lambda _: Saved(
            "Saved. Submit it when it is ready.", url_for("requests.show", kind=kind, request_id=record.id)
        ),
        f"requests/{kind}_form.html",
        fill_from=record,
        ready=kind == "staffing" or not _editing_legs(),
        record=record,
    )


@bp.route("/<any(travel, staffing):kind>/<int:request_id>/delete", methods=["POST"])
@requires(workflow.EDIT_NEED)
def delete(kind: str, request_id: int):
    record = _load(kind, request_id)
    back = url_for("requests.show", kind=kind, request_id=request_id)
    button_action(back, lambda: request_service.delete_request(current_user, record, DecisionForm().expected_version))
    flash(f"Draft {kind} request {request_id} deleted.", "success")
    return redirect(url_for("requests.index"))


@bp.route(
    "/<any(travel, staffing):kind>/<int:request_id>/<any(submit, approve, return, reject, cancel):action>",
    methods=["POST"],
)
@requires(workflow.STEP_NEED)
def act(kind: str, request_id: int, action: str):
    record = _load(kind, request_id)
    form = DecisionForm()
    back = url_for("requests.show", kind=kind, request_id=request_id)
    transition = workflow.Transition(action)
    warning = button_action(
        back,
        lambda: workflow.transition(current_user, record, transition, form.comment.data or "", form.expected_version),
    )
    flash(warning or f"Request {request_id} {DONE[transition]}.", "warning" if warning else "success")
    return redirect(back)


@bp.route("/<any(travel, staffing):kind>/<int:request_id>/comment", methods=["POST"])
@requires(workflow.COMMENT_NEED)
def comment(kind: str, request_id: int):
    record = _load(kind, request_id)
    form = CommentForm()
    back = url_for("requests.show", kind=kind, request_id=request_id) + "#comments"
    if form.validate_on_submit():
        button_action(back, lambda: workflow.add_comment(current_user, record, form.comment.data))
        flash("Comment added.", "success")
    else:
        flash("Write a comment first.", "error")
    return redirect(back)
