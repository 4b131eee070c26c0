"""The spend plan's pages: the spending profiles of an appropriation, and a scenario's month ×
appropriation table."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from forms.spending import ProfileForm
from models import Appropriation, Division, ObjectClass, Scenario, db
from services.budget.queries import list_scenarios
from services.execution import profiles as profile_service
from services.execution.spend_plan import scenario_spend_plan
from services.funds.control import default_scenario_for
from services.permissions import Action
from views.access import requires
from views.routing import as_of_arg, scenario_arg
from views.unit_of_work import Saved, form_page

bp = Blueprint("spending", __name__)


def _chosen_scenario(appropriation: Appropriation) -> Scenario | None:
    """The scenario asked for (?scenario=), or else the appropriation's working scenario."""
    return scenario_arg(lambda: default_scenario_for(appropriation))


@bp.route("/appropriations/<int:appropriation_id>/spending-profiles")
@requires(Action.READ)
def profiles(appropriation_id: int):
    record = db.get_or_404(Appropriation, appropriation_id)
    scenario = _chosen_scenario(record)
    return render_template(
        "spending/profiles.html",
        appropriation=record,
        scenario=scenario,
        scenarios=list_scenarios(),
        rows=profile_service.profile_table(record, scenario),
    )


# A spend plan is how budget lines are phased: who edits the lines (resource managers) sets it.
@bp.route(
    "/appropriations/<int:appropriation_id>/spending-profiles/<int:division_id>/<int:object_class_id>",
    methods=["GET", "POST"],
)
@requires(Action.EDIT_BUDGET)
def edit_profile(appropriation_id: int, division_id: int, object_class_id: int):
    record = db.get_or_404(Appropriation, appropriation_id)
    division = db.get_or_404(Division, division_id)
    object_class = db.get_or_404(ObjectClass, object_class_id)
    form = ProfileForm()
    if request.method == "GET":
        form.show(profile_service.profile_input(record, division, object_class))
        form.version.data = str(profile_service.profile_version(record, division, object_class))
    return form_page(
        form,
        lambda: profile_service.set_profile(
            current_user, record, division, object_class, form.to_input(), form.expected_version
        ),
        lambda _: Saved(
            f"Spending profile of {division.name}, {object_class.label} on {record.label} saved.",
            url_for("spending.profiles", appropriation_id=record.id),
        ),
        "spending/profile_form.html",
        appropriation=record,
        division=division,
        object_class=object_class,
        months=profile_service.MONTH_NAMES,
    )


@bp.route("/scenarios/<int:scenario_id>/spend-plan")
@requires(Action.READ)
def scenario_plan(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    as_of = as_of_arg()
    return render_template("spending/scenario_plan.html", plan=scenario_spend_plan(scenario, as_of))
