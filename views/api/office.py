"""API: health, the caller, reference data and the audit trail."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, request
from flask_login import current_user

from models import db
from services.audit.queries import AuditFilter, list_events
from services.office.reference import REFERENCE_KINDS, reference_items
from services.permissions import Action
from views.access import public
from views.api.core import ApiDoc, BadRequest, int_arg, operation, page_args, paginated
from views.api.schemas import AuditEventSchema, UserSchema, utc_from_text

health_bp = Blueprint("health", __name__)


@health_bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "degraded", "database": "unavailable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@operation("/me", "GET", ApiDoc("The caller", Action.MANAGE_OWN_ACCOUNT, response_schema=UserSchema))
def me():
    return jsonify(UserSchema().dump(current_user))


@operation(
    "/reference/<kind>",
    "GET",
    ApiDoc(
        "Reference data of one kind", Action.READ, query={"kind": {"type": "string", "enum": list(REFERENCE_KINDS)}}
    ),
)
def reference(kind: str):
    if kind not in REFERENCE_KINDS:
        abort(404)
    items = reference_items(kind)
    return jsonify({"items": items, "page": 1, "per_page": len(items), "total": len(items)})


@operation(
    "/audit",
    "GET",
    ApiDoc(
        "The audit trail",
        Action.READ_AUDIT,
        response_schema=AuditEventSchema,
        paginated=True,
        query={
            "entity": "string",
            "entity_id": "integer",
            "user": "integer",
            "since": {"type": "string", "format": "date-time"},
        },
    ),
)
def audit():
    page, per_page = page_args()
    since = request.args.get("since")
    try:
        since_at = utc_from_text(since) if since else None
    except ValueError as exc:
        raise BadRequest("since is an RFC 3339 date-time.", {"since": "Not a date-time."}) from exc
    events = list_events(
        AuditFilter(
            entity=request.args.get("entity") or None,
            entity_id=int_arg("entity_id"),
            user_id=int_arg("user"),
            since=since_at,
        ),
        page,
        per_page,
    )
    return paginated(events, AuditEventSchema())
