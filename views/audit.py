"""The audit trail, filterable by record, person and dates; each record links to its page."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from models import AuditEvent
from services.audit.queries import AuditFilter, action_words, entities, list_events, people, record_name
from services.permissions import Action, can
from views.access import requires
from views.routing import as_of_date, record_id, this_page_with, whole_number

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50

# A record's page: its endpoint, the argument naming the record, and any fixed arguments.
_RECORD_PAGES: dict[str, tuple[str, str, dict]] = {
    "budget_line": ("budget.line", "line_id", {}),
    "appropriation": ("budget.appropriation", "appropriation_id", {}),
    "scenario": ("scenarios.show", "scenario_id", {}),
    "award": ("programs.award", "award_id", {}),
    "funding_notice": ("programs.notice", "notice_id", {}),
    "proposal": ("programs.proposal", "proposal_id", {}),
    "actuals_load": ("actuals.preview", "load_id", {}),
    "travel_request": ("requests.show", "request_id", {"kind": "travel"}),
    "staffing_request": ("requests.show", "request_id", {"kind": "staffing"}),
    "job": ("jobs.show", "job_id", {}),
}


def record_url(event: AuditEvent) -> str | None:
    """Where the event's record is shown, if it has a page this person may open."""
    if event.entity_id is None:
        return None
    if event.entity == "user":
        return url_for("admin.edit_user", user_id=event.entity_id) if can(current_user, Action.MANAGE_USERS) else None
    if event.entity not in _RECORD_PAGES:
        return None
    endpoint, argument, fixed = _RECORD_PAGES[event.entity]
    return url_for(endpoint, **fixed, **{argument: event.entity_id})


def _day(name: str) -> dt.date | None:
    return request.args.get(name, type=as_of_date) if request.args.get(name) else None


@bp.route("/")
@requires(Action.READ_AUDIT)
def index():
    since, until = _day("from"), _day("to")
    audit_filter = AuditFilter(
        entity=request.args.get("entity") or None,
        entity_id=request.args.get("entity_id", type=record_id),
        user_id=request.args.get("user", type=record_id),
        since=None if since is None else dt.datetime.combine(since, dt.time()),
        until=None if until is None else dt.datetime.combine(until + dt.timedelta(days=1), dt.time()),
    )
    page = request.args.get("page", 1, type=whole_number(1, 10**9))
    events = list_events(audit_filter, page, PER_PAGE)
    return render_template(
        "audit/index.html",
        events=events.items,
        total=events.total,
        page=page,
        per_page=PER_PAGE,
        page_url=lambda number: this_page_with(page=number),
        entities=[(entity, record_name(entity)) for entity in entities()],
        people=people(),
        audit_filter=audit_filter,
        since=since,
        until=until,
        action_words=action_words,
        record_name=record_name,
        record_url=record_url,
    )
