"""API: reprogrammings, their workflow steps, the year's list and the notification package."""

from __future__ import annotations

from contextvars import ContextVar

from flask import jsonify
from marshmallow import fields, validate

from models import Reprogramming, ReprogrammingStatus, db
from money import money_str
from services.paging import paginate
from services.permissions import Action
from services.reprogramming import drafts, queries, workflow
from services.reprogramming.drafts import MoveInput, ReprogrammingInput
from services.reprogramming.queries import ReprogrammingFilter, Standing, reprogrammings_query
from services.reprogramming.workflow import StepInput
from views.api.core import (
    YEAR_ARG,
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
    year_arg,
)
from views.api.derived import derived_schema
from views.api.schemas import RecordSchema, UtcDateTime, _enum
from views.unit_of_work import perform

_MONEY = {"type": "string", "example": "1400000.00"}
# What the answer's reprogrammings stand at today (their timing, their moves' cumulative reasons): read once
# per answer by ReprogrammingSchema.dump, then by each of the fields that show it.
_STANDING: ContextVar[dict[int, Standing] | None] = ContextVar("reprogramming_standing", default=None)


def _standing(record: Reprogramming) -> Standing:
    found = (_STANDING.get() or {}).get(record.id)
    return found if found is not None else queries.standing([record])[record.id]


class MoveSchema(derived_schema(MoveInput, RecordSchema)):
    """A move as sent, with its bases and the decision computed from the scenario's lines."""

    from_base = fields.Function(lambda move: money_str(move.from_base_cents), dump_only=True, metadata=_MONEY)
    to_base = fields.Function(lambda move: money_str(move.to_base_cents), dump_only=True, metadata=_MONEY)
    notification_required = fields.Boolean(dump_only=True)
    reasons = fields.List(
        fields.String(), dump_only=True, metadata={"description": "Why it needs a notification, in words."}
    )
    cumulative_reasons = fields.Function(
        lambda move: _standing(move.reprogramming).cumulative_reasons[move.id],
        dump_only=True,
        metadata={
            "type": "array",
            "items": {"type": "string"},
            "description": "Until executed: where it and the year's executed moves of its groups together cross "
            "the threshold, in words.",
        },
    )


class ReprogrammingSchema(derived_schema(ReprogrammingInput)):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    status = _enum(ReprogrammingStatus, dump_only=True)
    moves = fields.List(fields.Nested(MoveSchema), required=True, validate=validate.Length(min=1, max=50))
    total = fields.Function(lambda record: money_str(record.total_cents), dump_only=True, metadata=_MONEY)
    notification_required = fields.Boolean(dump_only=True)
    reasons = fields.Function(
        drafts.reasons_of,
        dump_only=True,
        metadata={"type": "array", "items": {"type": "string"}, "description": "Every move's reasons, in words."},
    )
    earliest_obligation = fields.Function(
        lambda record: _earliest(record),
        dump_only=True,
        allow_none=True,
        metadata={"type": "string", "format": "date", "nullable": True},
    )
    earliest_obligation_reason = fields.Function(
        lambda record: _standing(record).timing.why, dump_only=True, metadata={"type": "string"}
    )
    notified_on = fields.Date(dump_only=True, allow_none=True)
    cleared_on = fields.Date(dump_only=True, allow_none=True)
    executed_on = fields.Date(dump_only=True, allow_none=True)
    waiver_reason = fields.String(dump_only=True)
    created_at = UtcDateTime(dump_only=True)

    def dump(self, obj, *, many: bool | None = None):
        """The settings and the year's executed moves are read once for every reprogramming in the
        answer, and forgotten with it however the dump ends."""
        many = self.many if many is None else bool(many)
        records = list(obj) if many else [obj]
        standing = _STANDING.set(queries.standing(records))
        try:
            return super().dump(records if many else obj, many=many)
        finally:
            _STANDING.reset(standing)


def _earliest(record: Reprogramming) -> str | None:
    if not record.is_open:
        return None
    earliest = _standing(record).timing.earliest
    return None if earliest is None else earliest.isoformat()


class StepSchema(derived_schema(StepInput)):
    """A workflow step: the version the person saw, a comment, and the notice's day or a waiver where the
    step takes one."""

    version = fields.Integer(strict=True, load_default=None)


SCHEMA = ReprogrammingSchema()
STEPS = "<any(submit, notify, clear, execute, withdraw):action>"
LIST_QUERY = {"status": ReprogrammingStatus, "scenario": "integer", "appropriation": "integer", "year": YEAR_ARG}


def _load(reprogramming_id: int) -> Reprogramming:
    return db.get_or_404(Reprogramming, reprogramming_id)


@operation(
    "/reprogrammings",
    "GET",
    ApiDoc(
        "List reprogrammings (newest first)",
        Action.READ,
        response_schema=ReprogrammingSchema,
        paginated=True,
        query=LIST_QUERY,
    ),
)
def list_reprogramming():
    page, per_page = page_args()
    status = enum_arg("status", ReprogrammingStatus)
    found = reprogrammings_query(
        ReprogrammingFilter(
            status=ReprogrammingStatus(status) if status else None,
            scenario_id=int_arg("scenario"),
            appropriation_id=int_arg("appropriation"),
            year=year_arg("year"),
        )
    )
    return paginated(paginate(found, page, per_page), SCHEMA)


@operation(
    "/reprogrammings",
    "POST",
    ApiDoc(
        "Draft a reprogramming: moves within one appropriation and scenario, each judged for notification",
        Action.REPROGRAM,
        ReprogrammingSchema,
        ReprogrammingSchema,
        status=201,
    ),
)
def create_reprogramming():
    return create_record(drafts.create_reprogramming, SCHEMA, ReprogrammingInput)


@operation(
    "/reprogrammings/<int:reprogramming_id>",
    "GET",
    ApiDoc("A reprogramming", Action.READ, response_schema=ReprogrammingSchema),
)
def get_reprogramming(reprogramming_id: int):
    return jsonify(SCHEMA.dump(_load(reprogramming_id)))


@operation(
    "/reprogrammings/<int:reprogramming_id>",
    "PATCH",
    ApiDoc(
        "Change a draft reprogramming (send the version you read); its moves are judged again",
        Action.REPROGRAM,
        ReprogrammingSchema,
        ReprogrammingSchema,
    ),
)
def patch_reprogramming(reprogramming_id: int):
    return patch_record(drafts.update_reprogramming, _load(reprogramming_id), SCHEMA, ReprogrammingInput)


@operation(
    f"/reprogrammings/<int:reprogramming_id>/{STEPS}",
    "POST",
    ApiDoc(
        "Move a reprogramming through its workflow (notify takes notified_on; execute may take a waiver)",
        workflow.STEP_NEED,
        StepSchema,
        ReprogrammingSchema,
    ),
)
def step_reprogramming(reprogramming_id: int, action: str):
    record = _load(reprogramming_id)
    body = StepSchema().load(json_body())
    version = body.pop("version")
    perform(workflow.take_step, actor(), record, action, StepInput(**body), version)
    return jsonify(SCHEMA.dump(record))
