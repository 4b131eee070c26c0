"""The page after sign-in: money by appropriation and program funds by region × priority."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask_login import current_user

from models import Scenario, db
from services.budget.dashboard import build_dashboard, working_scenario
from services.budget.todo import todo_for
from services.office.reference import scenario_choices
from services.permissions import Action
from views.access import requires
from views.page_cache import kept_whole
from views.routing import record_id

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@requires(Action.READ)
@kept_whole
def index():
    scenario_id = request.args.get("scenario", type=record_id)
    working = working_scenario()
    scenario = db.session.get(Scenario, scenario_id) if scenario_id else working
    today = dt.date.today()
    dashboard = build_dashboard(scenario, today)
    # The to-do is about the working scenario whichever scenario the page shows.
    same = working is None or (scenario is not None and scenario.id == working.id)
    todo = todo_for(current_user, dashboard if same else build_dashboard(working, today))
    return render_template("dashboard/index.html", dashboard=dashboard, scenarios=scenario_choices(), todo=todo)
