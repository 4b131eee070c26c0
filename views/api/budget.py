"""API: scenarios, their totals, and budget lines."""

from __future__ import annotations

from flask import jsonify, request

from models import BudgetLine, LineSource, Scenario, ScenarioKind, ScenarioStatus, db
from money import money_str
from services.budget import lines as budget_lines
from services.budget.lines import LineInput
from services.budget.queries import DIMENSIONS, LineFilter, list_lines, scenario_query, totals_by
from services.paging import paginate
from services.permissions import Action
from services.scenarios import records as scenario_service
from services.scenarios.compare import compare, parse_dimensions
from services.scenarios.records import ScenarioInput
from views.api.core import (
    YEAR_ARG,
    ApiDoc,
    BadRequest,
    actor,
    create_record,
    created,
    enum_arg,
    int_arg,
    json_body,
    operation,
    page_args,
    paginated,
    patch_record,
    version_from_request,
    year_arg,
)
from views.api.record_schemas import BudgetLineSchema, ScenarioSchema
from views.api.schemas import CloneSchema, TotalsSchema
from views.page_cache import kept_whole
from views.unit_of_work import perform

scenario_schema = ScenarioSchema()
line_schema = BudgetLineSchema()
_DIMENSION = "|".join(DIMENSIONS)
BY_QUERY = {
    "by": {
        "type": "string",
        "pattern": f"^(({_DIMENSION})(,({_DIMENSION}))*)?$",
        "description": "comma-separated: " + ", ".join(DIMENSIONS),
    }
}
LINE_FILTERS = {
    "scenario": "integer",
    "fiscal_year": YEAR_ARG,
    "appropriation": "integer",
    "division": "integer",
    "object_class": "integer",
    "region": "integer",
    "country": "integer",
    "priority": "integer",
    "program_type": "integer",
    "source": LineSource,
}


@operation(
    "/scenarios",
    "GET",
    ApiDoc(
        "List scenarios",
        Action.READ,
        response_schema=ScenarioSchema,
        paginated=True,
        query={"budget_year": YEAR_ARG, "kind": ScenarioKind, "status": ScenarioStatus},
    ),
)
def list_scenarios():
    page, per_page = page_args()
    query = scenario_query(
        budget_year=year_arg("budget_year"),
        kind=enum_arg("kind", ScenarioKind),
        status=enum_arg("status", ScenarioStatus),
    )
    return paginated(paginate(query, page, per_page), scenario_schema)


@operation(
    "/scenarios", "POST", ApiDoc("Create a scenario", Action.EDIT_SCENARIOS, ScenarioSchema, ScenarioSchema, status=201)
)
def create_scenario():
    return create_record(scenario_service.create_scenario, scenario_schema, ScenarioInput)


@operation("/scenarios/<int:scenario_id>", "GET", ApiDoc("A scenario", Action.READ, response_schema=ScenarioSchema))
def get_scenario(scenario_id: int):
    return jsonify(scenario_schema.dump(db.get_or_404(Scenario, scenario_id)))


@operation(
    "/scenarios/<int:scenario_id>",
    "PATCH",
    ApiDoc(
        "Change a scenario (send the version you read); a locked one answers 409",
        Action.EDIT_SCENARIOS,
        ScenarioSchema,
        ScenarioSchema,
    ),
)
def patch_scenario(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    return patch_record(scenario_service.update_scenario, scenario, scenario_schema, ScenarioInput)


@operation(
    "/scenarios/<int:scenario_id>",
    "DELETE",
    ApiDoc("Delete a scenario and its lines (?version=N)", Action.EDIT_SCENARIOS, status=204),
)
def delete_scenario(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    version = version_from_request()
    perform(scenario_service.delete_scenario, actor(), scenario, version)
    return "", 204


def _dimensions() -> list[str]:
    by = [name.strip() for name in request.args.get("by", "").split(",") if name.strip()]
    unknown = [name for name in by if name not in DIMENSIONS]
    if unknown:
        raise BadRequest(f"Unknown dimension {unknown[0]!r}.", {"by": f"Choose from {', '.join(DIMENSIONS)}."})
    return by


@operation(
    "/scenarios/<int:scenario_id>/totals",
    "GET",
    ApiDoc(
        "Totals of a scenario by dimensions",
        Action.READ,
        response_schema=TotalsSchema,
        query=BY_QUERY,
    ),
)
def scenario_totals(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    by = _dimensions()
    rows = totals_by(LineFilter(scenario_id=scenario.id), by)
    total = sum(row["amount_cents"] for row in rows)
    return jsonify(
        {
            "by": by,
            "rows": [{**{name: row[name] for name in by}, "amount": money_str(row["amount_cents"])} for row in rows],
            "total": money_str(total),
        }
    )


def _line_filter() -> LineFilter:
    return LineFilter(
        scenario_id=int_arg("scenario"),
        fiscal_year=year_arg("fiscal_year"),
        appropriation_id=int_arg("appropriation"),
        division_id=int_arg("division"),
        object_class_id=int_arg("object_class"),
        region_id=int_arg("region"),
        country_id=int_arg("country"),
        priority_id=int_arg("priority"),
        program_type_id=int_arg("program_type"),
        source=enum_arg("source", LineSource),
    )


@operation(
    "/budget-lines",
    "GET",
    ApiDoc(
        "List budget lines (in id order, `after=` the answer's `next_after` reads the next page by a seek, "
        "`before=` its `previous_before` the previous one, however deep)",
        Action.READ,
        response_schema=BudgetLineSchema,
        paginated=True,
        query={**LINE_FILTERS, "after": "integer", "before": "integer"},
    ),
)
@kept_whole
def list_budget_lines():
    page, per_page = page_args()
    lines = list_lines(
        _line_filter(),
        sort=request.args.get("sort", "id"),
        page=page,
        per_page=per_page,
        after=int_arg("after"),
        before=int_arg("before"),
        with_references=False,  # the schema names them by id
    )
    return paginated(lines, line_schema, next_after=lines.next_after, previous_before=lines.previous_before)


@operation(
    "/budget-lines",
    "POST",
    ApiDoc("Create a budget line", Action.EDIT_BUDGET, BudgetLineSchema, BudgetLineSchema, status=201),
)
def create_budget_line():
    return create_record(budget_lines.create_line, line_schema, LineInput)


@operation("/budget-lines/<int:line_id>", "GET", ApiDoc("A budget line", Action.READ, response_schema=BudgetLineSchema))
def get_budget_line(line_id: int):
    return jsonify(line_schema.dump(db.get_or_404(BudgetLine, line_id)))


@operation(
    "/budget-lines/<int:line_id>",
    "PATCH",
    ApiDoc("Change a budget line (send the version you read)", Action.EDIT_BUDGET, BudgetLineSchema, BudgetLineSchema),
)
def patch_budget_line(line_id: int):
    line = db.get_or_404(BudgetLine, line_id)
    return patch_record(budget_lines.update_line, line, line_schema, LineInput)


@operation(
    "/budget-lines/<int:line_id>",
    "DELETE",
    ApiDoc("Delete a budget line (?version=N)", Action.EDIT_BUDGET, status=204),
)
def delete_budget_line(line_id: int):
    line = db.get_or_404(BudgetLine, line_id)
    version = version_from_request()
    perform(budget_lines.delete_line, actor(), line, version)
    return "", 204


@operation(
    "/scenarios/<int:scenario_id>/clone",
    "POST",
    ApiDoc("Copy a scenario with every line", Action.EDIT_SCENARIOS, CloneSchema, ScenarioSchema, status=201),
)
def clone_scenario(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    body = CloneSchema().load(json_body())
    copy = perform(scenario_service.clone_scenario, actor(), scenario, body["name"])
    return created(scenario_schema, copy)


@operation(
    "/scenarios/<int:a_id>/compare/<int:b_id>",
    "GET",
    ApiDoc("Two scenarios side by side", Action.READ, query=BY_QUERY),
)
def compare_scenarios(a_id: int, b_id: int):
    a, b = db.get_or_404(Scenario, a_id), db.get_or_404(Scenario, b_id)
    comparison = compare(a, b, parse_dimensions(request.args.get("by")))

    def percent(row) -> str | None:
        return None if row.percent is None else str(row.percent)

    return jsonify(
        {
            "by": comparison.by,
            "a": a.id,
            "b": b.id,
            "rows": [
                {
                    **dict(zip(comparison.by, row.key, strict=True)),
                    "a": money_str(row.a_cents),
                    "b": money_str(row.b_cents),
                    "difference": money_str(row.difference_cents),
                    "percent": percent(row),
                }
                for row in comparison.rows
            ],
            "total": {
                "a": money_str(comparison.total.a_cents),
                "b": money_str(comparison.total.b_cents),
                "difference": money_str(comparison.total.difference_cents),
                "percent": percent(comparison.total),
            },
        }
    )
