"""Scenarios: list, create, view with totals, edit, delete."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.budget import DeleteForm
from forms.jobs import PrepareWorkbookForm
from forms.scenarios import CloneForm, ScenarioForm, StatusForm, WorkbookUploadForm
from models import SCENARIO_MOVES, Scenario, db
from services.audit.events import history
from services.budget.queries import (
    DIMENSIONS,
    LineFilter,
    grand_total_cents,
    line_counts_by_scenario,
    list_scenarios,
    totals_by,
)
from services.errors import DomainError
from services.permissions import Action
from services.scenarios import export_jobs
from services.scenarios import records as scenario_service
from services.scenarios.compare import (
    DEFAULT_DIMENSION,
    default_pair,
    named_comparison,
    parse_dimensions,
    prior_year_actual,
)
from views.access import requires
from views.routing import record_id
from views.unit_of_work import Saved, button_action, form_page

bp = Blueprint("scenarios", __name__, url_prefix="/scenarios")


@bp.route("/")
@requires(Action.READ)
def index():
    return render_template("scenarios/index.html", scenarios=list_scenarios(), summary=line_counts_by_scenario())


@bp.route("/new", methods=["GET", "POST"])
@requires(Action.EDIT_SCENARIOS)
def new():
    form = ScenarioForm()
    return form_page(
        form,
        lambda: scenario_service.create_scenario(current_user, form.to_input()),
        lambda created: Saved(f"Scenario {created.name} created.", url_for("scenarios.show", scenario_id=created.id)),
        "scenarios/form.html",
        scenario=None,
    )


@bp.route("/<int:scenario_id>")
@requires(Action.READ)
def show(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    line_filter = LineFilter(scenario_id=scenario.id)
    by_appropriation = totals_by(line_filter, ["appropriation", "fiscal_year"])
    return render_template(
        "scenarios/show.html",
        scenario=scenario,
        by_appropriation=by_appropriation,
        total_cents=grand_total_cents(by_appropriation),
        by_object_class=totals_by(line_filter, ["object_class"]),
        events=history("scenario", scenario.id),
        delete_form=DeleteForm(data={"version": scenario.version}),
        clone_form=CloneForm(data={"name": f"{scenario.name} (copy)"}),
        status_form=StatusForm(data={"version": scenario.version}),
        upload_form=WorkbookUploadForm(),
        workbook_as_job=export_jobs.line_count(scenario) > current_app.config["JOBS_EXPORT_LINES"],
        prepare_form=PrepareWorkbookForm(),
    )


@bp.route("/<int:scenario_id>/edit", methods=["GET", "POST"])
@requires(Action.EDIT_SCENARIOS)
def edit(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    form = ScenarioForm()
    return form_page(
        form,
        lambda: scenario_service.update_scenario(current_user, scenario, form.to_input(), form.expected_version),
        lambda _: Saved(f"Scenario {scenario.name} saved.", url_for("scenarios.show", scenario_id=scenario.id)),
        "scenarios/form.html",
        fill_from=scenario,
        scenario=scenario,
    )


@bp.route("/<int:scenario_id>/delete", methods=["POST"])
@requires(Action.EDIT_SCENARIOS)
def delete(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    name = scenario.name
    back = url_for("scenarios.show", scenario_id=scenario_id)
    button_action(back, lambda: scenario_service.delete_scenario(current_user, scenario, DeleteForm().expected_version))
    flash(f"Scenario {name} deleted with its lines.", "success")
    return redirect(url_for("scenarios.index"))


@bp.route("/<int:scenario_id>/clone", methods=["POST"])
@requires(Action.EDIT_SCENARIOS)
def clone(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    form = CloneForm()
    back = url_for("scenarios.show", scenario_id=scenario_id)
    if not form.validate_on_submit():
        flash("Give the copy a name.", "error")
        return redirect(back)
    copy = button_action(back, lambda: scenario_service.clone_scenario(current_user, scenario, form.name.data), form)
    flash(f"{copy.name} created with a copy of every line of {scenario.name}.", "success")
    return redirect(url_for("scenarios.show", scenario_id=copy.id))


@bp.route("/<int:scenario_id>/<any(lock, unlock, submit):move>", methods=["POST"])
@requires(Action.EDIT_SCENARIOS)
def change_status(scenario_id: int, move: str):
    scenario = db.get_or_404(Scenario, scenario_id)
    target = SCENARIO_MOVES[move].target
    back = url_for("scenarios.show", scenario_id=scenario_id)
    button_action(
        back, lambda: scenario_service.set_status(current_user, scenario, target, StatusForm().expected_version)
    )
    flash(f"{scenario.name} is {target.value}.", "success")
    return redirect(back)


@bp.route("/compare")
@requires(Action.READ)
def compare_page():
    chosen_a = db.session.get(Scenario, request.args.get("a", 0, type=record_id))
    chosen_b = db.session.get(Scenario, request.args.get("b", 0, type=record_id))
    default_a, b = default_pair(chosen_b)
    a = chosen_a or default_a
    # Several checkboxes named "by" (the page), or one comma-separated value (a link, a script).
    try:
        by = parse_dimensions(",".join(request.args.getlist("by")) or None)
    except DomainError as exc:
        flash(exc.message, "error")
        by = [DEFAULT_DIMENSION]
    comparison = named_comparison(a, b, by, prior_year_actual(b)) if a and b else None
    return render_template(
        "scenarios/compare.html",
        scenarios=list_scenarios(),
        a=a,
        b=b,
        by=by,
        comparison=comparison,
        dimensions=[(name, dimension.title) for name, dimension in DIMENSIONS.items() if name != "scenario"],
    )
