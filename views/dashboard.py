"""The page after sign-in: money by appropriation and program funds by region × priority."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request

from models import Scenario, db
from services.budget.dashboard import build_dashboard, working_scenario
from services.office.reference import scenario_choices
from services.permissions import Action
from views.access import requires
from views.routing import record_id

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@requires(Action.READ)
def index():
    scenario_id = request.args.get("scenario", type=record_id)
    scenario = db.session.get(Scenario, scenario_id) if scenario_id else working_scenario()
    dashboard = build_dashboard(scenario, dt.date.today())
    return render_template("dashboard/index.html", dashboard=dashboard, scenarios=scenario_choices())
