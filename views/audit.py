"""The audit trail, filterable by record and person."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from services.audit.queries import AuditFilter, entities, list_events
from services.permissions import Action
from views.access import requires
from views.routing import record_id, this_page_with, whole_number

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50


@bp.route("/")
@requires(Action.READ_AUDIT)
def index():
    audit_filter = AuditFilter(
        entity=request.args.get("entity") or None,
        entity_id=request.args.get("entity_id", type=record_id),
        user_id=request.args.get("user", type=record_id),
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
        entities=entities(),
        audit_filter=audit_filter,
    )
