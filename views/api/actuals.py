"""API: loading the financial system's actuals extract (preview, then commit) and reading its transactions."""

from __future__ import annotations

import datetime as dt

from flask import current_app, jsonify, request
from marshmallow import Schema, fields

from exports.limits import ACTUALS_LIMITS
from models import db
from models.actuals import ActualsLoad
from money import money_str
from services.errors import ValidationError
from services.execution import actuals, actuals_jobs, actuals_queries
from services.inputs import Rule
from services.permissions import Action
from views.api.core import ApiDoc, BadRequest, actor, int_arg, operation, page_args, paginated
from views.api.jobs import JobSchema, accepted
from views.api.schemas import UtcDateTime
from views.jobs import launch
from views.transactions import accepts_uploads_of, reads_until_write
from views.unit_of_work import perform

MAX_UPLOAD_BYTES = ACTUALS_LIMITS.max_bytes
UPLOAD_LIMIT = MAX_UPLOAD_BYTES + 1024 * 1024  # the file and the multipart around it
_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
_DATE = {"type": "string", "format": "date"}
FILTERS = {
    "appropriation": "integer",
    "object_class": "integer",
    "division": "integer",
    "document_number": "string",
    "from": _DATE,
    "to": _DATE,
}


class _Problem(Schema):
    row = fields.Integer()
    column = fields.String()
    message = fields.String()


class ActualsLoadSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    status = fields.Function(lambda load: load.status.value, metadata={"type": "string"})
    created_at = UtcDateTime()
    committed_at = UtcDateTime(allow_none=True)
    created_by = fields.Function(lambda load: load.created_by.email, metadata={"type": "string"})
    rows = fields.Function(lambda load: load.preview["rows"], metadata={"type": "integer"})
    new = fields.Function(lambda load: load.preview["new"], metadata={"type": "integer"})
    unchanged = fields.Function(lambda load: load.preview["unchanged"], metadata={"type": "integer"})
    errors = fields.Function(
        lambda load: load.preview["errors"], metadata={"type": "array", "items": {"type": "object"}}
    )
    warnings = fields.Function(
        lambda load: load.preview["warnings"], metadata={"type": "array", "items": {"type": "object"}}
    )
    unknown_columns = fields.Function(
        lambda load: load.preview["unknown_columns"], metadata={"type": "array", "items": {"type": "string"}}
    )
    written = fields.Integer()


class CommittedSchema(Schema):
    id = fields.Integer()
    written = fields.Integer()


def _money(name: str):
    return fields.Function(lambda record: money_str(getattr(record, name)), metadata={"type": "string"})


class ActualTransactionSchema(Schema):
    id = fields.Integer()
    transaction_id = fields.String()
    posted_on = fields.Date()
    appropriation = fields.Integer(attribute="appropriation_id")
    object_class = fields.Integer(attribute="object_class_id")
    division = fields.Integer(attribute="division_id", allow_none=True)
    document_number = fields.String(allow_none=True)
    obligation = _money("obligation_cents")
    expenditure = _money("expenditure_cents")
    description = fields.String()
    load = fields.Integer(attribute="load_id")
    source_row = fields.Integer()


load_schema = ActualsLoadSchema()
transaction_schema = ActualTransactionSchema()


def _date_arg(name: str) -> dt.date | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a date, YYYY-MM-DD.", {name: "Not a date."}) from None


@operation(
    "/actuals/imports",
    "POST",
    ApiDoc(
        "Upload the financial system's actuals extract (multipart field `file`): answers the preview; "
        "nothing else is written. An extract larger than the office's threshold (JOBS_ACTUALS_BYTES) is read by "
        "a background job: 202 with the job in Location, whose result links to the load.",
        Action.LOAD_ACTUALS,
        response_schema=ActualsLoadSchema,
        status=201,
        upload="file",
        queued_as=JobSchema,
        rules=(
            Rule(
                ("file",),
                f"An actuals-extract/1 CSV (UTF-8) or .xlsx workbook of at most {_MB} MB and "
                f"{ACTUALS_LIMITS.max_rows:,} rows, with a header row naming at least transaction_id, posted_on, "
                "account, fiscal_year, object_class, obligation and expenditure.",
            ),
        ),
    ),
)
@accepts_uploads_of(UPLOAD_LIMIT)
@reads_until_write  # a long parse before one write: no lock held meanwhile
def create_actuals_import():
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("Send the extract as the multipart field `file`.", fields={"file": "Required."})
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError(f"The extract is larger than {_MB} MB.", fields={"file": "Too large."})
    filename = upload.filename or "extract.csv"
    if len(content) > current_app.config["JOBS_ACTUALS_BYTES"]:
        job = perform(actuals_jobs.start_load, actor(), filename, content)
        launch(job, at_once=False)
        return accepted(job)
    load = perform(actuals.preview_load, actor(), filename, content)
    return jsonify(load_schema.dump(load)), 201


@operation(
    "/actuals/imports/<int:load_id>",
    "GET",
    ApiDoc(
        "An actuals load's preview (and, once committed, what it wrote)",
        Action.LOAD_ACTUALS,
        response_schema=ActualsLoadSchema,
    ),
)
def get_actuals_import(load_id: int):
    return jsonify(load_schema.dump(db.get_or_404(ActualsLoad, load_id)))


@operation(
    "/actuals/imports/<int:load_id>/commit",
    "POST",
    ApiDoc(
        "Write every new row of a clean preview, or none; 409 if it has errors, was committed already, or is "
        "stale (another load was committed after it)",
        Action.LOAD_ACTUALS,
        response_schema=CommittedSchema,
    ),
)
def commit_actuals_import(load_id: int):
    load = db.get_or_404(ActualsLoad, load_id)
    written = perform(actuals.commit_load, actor(), load)
    return jsonify({"id": load.id, "written": written})


@operation(
    "/actuals",
    "GET",
    ApiDoc(
        "The loaded transactions (from and to: posted on or after, on or before)",
        Action.READ,
        response_schema=ActualTransactionSchema,
        paginated=True,
        query=FILTERS,
    ),
)
def list_actuals():
    page, per_page = page_args()
    chosen = actuals_queries.TransactionFilter(
        appropriation_id=int_arg("appropriation"),
        object_class_id=int_arg("object_class"),
        division_id=int_arg("division"),
        document_number=request.args.get("document_number") or None,
        posted_from=_date_arg("from"),
        posted_to=_date_arg("to"),
    )
    return paginated(actuals_queries.transactions(chosen, page, per_page), transaction_schema)
