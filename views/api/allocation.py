"""API: allocation runs of a scenario, and applying one."""

from __future__ import annotations

from flask import jsonify

from models import AllocationRun, Scenario, db
from money import money_str
from services.allocation import runs as allocation
from services.allocation.problems import AllocationSettings
from services.allocation.results import run_query
from services.paging import paginate
from services.permissions import Action
from views.api.allocation_schemas import AllocationRunRequestSchema
from views.api.core import ApiDoc, BadRequest, actor, json_body, operation, page_args, paginated
from views.api.schemas import AllocationRunSchema, AppliedRunSchema
from views.transactions import reads_until_write
from views.unit_of_work import perform

run_schema = AllocationRunSchema()


@operation(
    "/scenarios/<int:scenario_id>/allocation-runs",
    "GET",
    ApiDoc(
        "A scenario's allocation runs, newest first", Action.READ, response_schema=AllocationRunSchema, paginated=True
    ),
)
def list_runs(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    page, per_page = page_args()
    return paginated(paginate(run_query(scenario), page, per_page), run_schema)


def _settings(data: dict) -> AllocationSettings:
    def as_text(values: dict) -> dict:
        return {key: str(value) for key, value in values.items()}

    return AllocationSettings(
        **{
            **data,
            **{name: as_text(data[name]) for name in ("priority_min_shares", "priority_max_shares", "weights")},
        }
    )


@operation(
    "/scenarios/<int:scenario_id>/allocation-runs",
    "POST",
    ApiDoc(
        'Solve an allocation: send {"problem": allocation-problem/1} or {"settings": {...}} to build '
        "it from the scenario",
        Action.RUN_ALLOCATION,
        AllocationRunRequestSchema,
        AllocationRunSchema,
        status=201,
    ),
)
@reads_until_write  # a long solve or parse before one write: no lock held meanwhile
def create_run(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    body = AllocationRunRequestSchema().load(json_body())
    if (body["problem"] is None) == (body["settings"] is None):
        raise BadRequest(
            "Send either a problem or settings, not both and not neither.", {"problem": "Either problem or settings."}
        )
    if body["problem"] is not None:
        run = perform(allocation.run_allocation, actor(), scenario, body["problem"], settings=None, name=body["name"])
    else:
        run = perform(allocation.run_with_settings, actor(), scenario, _settings(body["settings"]), name=body["name"])
    return jsonify(run_schema.dump(run)), 201


@operation(
    "/allocation-runs/<int:run_id>",
    "GET",
    ApiDoc("An allocation run with its problem and result", Action.READ, response_schema=AllocationRunSchema),
)
def get_run(run_id: int):
    return jsonify(run_schema.dump(db.get_or_404(AllocationRun, run_id)))


@operation(
    "/allocation-runs/<int:run_id>/apply",
    "POST",
    ApiDoc(
        "Write the allocation into its scenario as budget lines (source allocation); idempotent",
        Action.RUN_ALLOCATION,
        response_schema=AppliedRunSchema,
    ),
)
def apply_run(run_id: int):
    run = db.get_or_404(AllocationRun, run_id)
    plan = perform(allocation.apply_run, actor(), run)
    return jsonify(
        {
            **run_schema.dump(run),
            "applied": {
                "lines": plan.new_count,
                "amount": money_str(plan.new_cents),
                "replaced_lines": plan.replaced_count,
                "replaced_amount": money_str(plan.replaced_cents),
            },
        }
    )
