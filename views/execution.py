"""Budget → Execution: the office's plan against actual, funds at risk of lapsing, expired accounts,
and the award pipeline. Each appropriation's own page is budget.appropriation_execution."""

from __future__ import annotations

from flask import Blueprint, render_template

from services.budget.dashboard import working_scenario
from services.budget.queries import list_scenarios
from services.execution.office import award_pipeline, office_execution
from services.office.settings import office_settings
from services.permissions import Action
from views.access import requires
from views.routing import as_of_arg, scenario_arg

bp = Blueprint("execution", __name__, url_prefix="/execution")


@bp.route("/")
@requires(Action.READ)
def index():
    scenario = scenario_arg(working_scenario)
    settings = office_settings()
    return render_template(
        "execution/index.html",
        office=office_execution(scenario, as_of_arg(), settings),
        settings=settings,
        scenarios=list_scenarios(),
    )


@bp.route("/pipeline")
@requires(Action.READ)
def pipeline():
    as_of, settings = as_of_arg(), office_settings()
    return render_template(
        "execution/pipeline.html", awards=award_pipeline(as_of, settings), as_of=as_of, settings=settings
    )
