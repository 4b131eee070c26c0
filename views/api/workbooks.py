"""API: the submission workbook, and importing an edited one (preview, then commit)."""

from __future__ import annotations

from flask import current_app, jsonify, request
from marshmallow import Schema, fields, validate

from models import ImportBatch, Scenario, db
from services.errors import ValidationError
from services.inputs import Rule
from services.permissions import Action
from services.scenarios import export_jobs, import_jobs, imports
from views.api.core import ApiDoc, actor, int_arg, json_body, operation
from views.api.jobs import JobSchema, accepted
from views.api.schemas import utc_text
from views.exports import workbook_response
from views.jobs import launch
from views.routing import MAX_ID
from views.transactions import reads_until_write
from views.unit_of_work import perform

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _batch_json(batch: ImportBatch) -> dict:
    return {
        "id": batch.id,
        "scenario": batch.scenario_id,
        "status": batch.status.value,
        "filename": batch.filename,
        "clean": batch.is_clean,
        "created_at": utc_text(batch.created_at),
        **batch.preview,
    }


@operation(
    "/scenarios/<int:scenario_id>/export.xlsx",
    "GET",
    ApiDoc(
        "The budget submission workbook (?actual=ID&enacted=ID to choose the PY and CY scenarios)",
        Action.READ,
        query={"actual": "integer", "enacted": "integer"},
        rules=(
            Rule(
                ("actual", "enacted"),
                "Without a choice, the latest actual and enacted scenarios before the plan's year; "
                "choose them where there are none.",
            ),
        ),
    ),
)
def export_workbook(scenario_id: int):
    # Answers at once whatever the scenario's size (streamed in bounded memory, as it always did), so that
    # scripts written against it keep working; a script that would rather not wait on a large one POSTs
    # to /exports below, and a GET never starts a job (a write) of its own.
    scenario = db.get_or_404(Scenario, scenario_id)
    for name in ("actual", "enacted"):  # a script hears of a malformed id (400); a page reads it as no choice
        int_arg(name)
    return workbook_response(scenario)


class ExportRequestSchema(Schema):
    actual = fields.Integer(
        strict=True,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "the PY actual scenario (default: latest)"},
    )
    enacted = fields.Integer(
        strict=True,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "the CY enacted scenario (default: latest)"},
    )


@operation(
    "/scenarios/<int:scenario_id>/exports",
    "POST",
    ApiDoc(
        "Make the budget submission workbook as a background job: 202 with the job in Location; once it has "
        "succeeded, its `result.url` downloads the workbook (for the caller who started it). The body is optional.",
        Action.READ,
        ExportRequestSchema,
        JobSchema,
        status=202,
        body_required=False,
        rules=(
            Rule(
                ("actual", "enacted"),
                "Without a choice, the latest actual and enacted scenarios before the plan's year; "
                "choose them where there are none.",
            ),
        ),
    ),
)
def start_export(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    body = ExportRequestSchema().load(json_body() if request.get_data() else {})
    job = perform(export_jobs.start_export, actor(), scenario, body.get("actual"), body.get("enacted"))
    launch(job, at_once=False)
    return accepted(job)


@operation(
    "/scenarios/<int:scenario_id>/imports",
    "POST",
    ApiDoc(
        "Upload an edited workbook (multipart field `file`): answers the preview; nothing is written yet. "
        "A workbook larger than the office's threshold (JOBS_IMPORT_BYTES) is previewed by a background "
        "job: 202 with the job in Location, whose result links to the preview.",
        Action.EDIT_BUDGET,
        status=201,
        upload="file",
        queued_as=JobSchema,
        rules=(Rule(("file",), "An .xlsx workbook of at most 20 MB, as the export writes it."),),
    ),
)
@reads_until_write  # a long solve or parse before one write: no lock held meanwhile
def create_import(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("Send the workbook as the multipart field `file`.", fields={"file": "Required."})
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError("The workbook is larger than 20 MB.", fields={"file": "Too large."})
    filename = upload.filename or "upload.xlsx"
    if len(content) > current_app.config["JOBS_IMPORT_BYTES"]:
        job = perform(import_jobs.start_import, actor(), scenario, filename, content)
        launch(job, at_once=False)
        return accepted(job)
    batch = perform(imports.preview_import, actor(), scenario, filename, content)
    return jsonify(_batch_json(batch)), 201


@operation("/imports/<int:batch_id>", "GET", ApiDoc("An import's preview", Action.EDIT_BUDGET))
def get_import(batch_id: int):
    return jsonify(_batch_json(db.get_or_404(ImportBatch, batch_id)))


@operation(
    "/imports/<int:batch_id>/commit",
    "POST",
    ApiDoc("Apply a clean preview in one transaction; 409 if the scenario changed since", Action.EDIT_BUDGET),
)
def commit_import(batch_id: int):
    batch = db.get_or_404(ImportBatch, batch_id)
    counts = perform(imports.commit_import, actor(), batch)
    return jsonify({**_batch_json(batch), "applied": counts})
