"""Allocation: set up a run from a plan scenario, solve, inspect, apply, and see sensitivity."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.allocation import ProblemUploadForm, SweepForm, settings_form
from forms.fields import options
from models import AllocationRun, Priority, Region, Scenario, db
from services import allocation
from services.allocation_problems import AllocationSettings, build_problem, default_weights
from services.allocation_results import detail_rows, fund_rows, region_priority_matrix, relaxation, sensitivity
from services.dashboard import working_scenario
from services.errors import DomainError
from services.permissions import Action
from views.access import requires
from views.feedback import show_domain_error
from views.routing import record_id
from views.transactions import reads_until_write

bp = Blueprint("allocation", __name__)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _grid() -> tuple[list[str], list[str]]:
    regions = list(db.session.scalars(sa.select(Region.code).order_by(Region.code)))
    priorities = list(db.session.scalars(sa.select(Priority.code).order_by(Priority.sort_order)))
    return regions, priorities


def _runs(scenario: Scenario) -> list[AllocationRun]:
    return list(
        db.session.scalars(
            sa.select(AllocationRun).where(AllocationRun.scenario_id == scenario.id).order_by(AllocationRun.id.desc())
        )
    )


def _setup_page(scenario: Scenario, form, upload_form, status: int = 200):
    return render_template(
        "allocation/setup.html", scenario=scenario, form=form, upload_form=upload_form, runs=_runs(scenario)
    ), status


@bp.route("/allocation")
@requires(Action.READ)
def index():
    scenario = working_scenario()
    if scenario is None:
        flash("Create a plan scenario first: allocation works on a scenario's program funds.", "info")
        return redirect(url_for("scenarios.index"))
    return redirect(url_for("allocation.setup", scenario_id=scenario.id))


@bp.route("/scenarios/<int:scenario_id>/allocation")
@requires(Action.READ)
def setup(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    regions, priorities = _grid()
    form = settings_form(regions, priorities)(formdata=None)
    reopened = db.session.get(AllocationRun, request.args.get("from_run", 0, type=record_id))
    saved = reopened.settings if reopened is not None and reopened.scenario_id == scenario.id else None
    form.fill(AllocationSettings.from_json(saved), default_weights() | (saved or {}).get("weights", {}))
    return _setup_page(scenario, form, ProblemUploadForm(formdata=None))


@bp.route("/scenarios/<int:scenario_id>/allocation/runs", methods=["POST"])
@requires(Action.RUN_ALLOCATION)
@reads_until_write  # a long solve or parse before one write: no lock held meanwhile
def run(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    form = settings_form(*_grid())()
    if not form.validate_on_submit():
        return _setup_page(scenario, form, ProblemUploadForm(formdata=None), 422)
    settings = form.to_settings()
    try:
        new_run = allocation.run_allocation(
            current_user, scenario, build_problem(scenario, settings), settings=settings
        )
    except DomainError as exc:
        return _setup_page(scenario, form, ProblemUploadForm(formdata=None), show_domain_error(form, exc))
    db.session.commit()
    return redirect(url_for("allocation.show", run_id=new_run.id))


@bp.route("/scenarios/<int:scenario_id>/allocation/upload", methods=["POST"])
@requires(Action.RUN_ALLOCATION)
@reads_until_write  # a long solve or parse before one write: no lock held meanwhile
def upload(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    upload_form = ProblemUploadForm()
    regions, priorities = _grid()
    form = settings_form(regions, priorities)(formdata=None)
    form.fill(AllocationSettings(), default_weights())
    if upload_form.validate_on_submit():
        raw = upload_form.problem.data.read(MAX_UPLOAD_BYTES + 1)
        try:
            problem = json.loads(raw) if len(raw) <= MAX_UPLOAD_BYTES else None
        except RecursionError:  # the json module recurses once per level
            upload_form.problem.errors = ["That JSON is nested too deeply to be an allocation problem."]
        except ValueError as exc:  # not UTF-8, not JSON, or a number past int()'s 4,300 digits
            upload_form.problem.errors = [f"That is not JSON: {exc}"]
        else:
            if not isinstance(problem, dict):
                upload_form.problem.errors = ["Upload one allocation-problem/1 JSON object, at most 5 MB."]
            else:
                try:
                    new_run = allocation.run_allocation(current_user, scenario, problem, settings=None)
                except DomainError as exc:
                    db.session.rollback()
                    upload_form.problem.errors = [exc.message]
                else:
                    db.session.commit()
                    return redirect(url_for("allocation.show", run_id=new_run.id))
    return _setup_page(scenario, form, upload_form, 422)


@bp.route("/allocation-runs/<int:run_id>")
@requires(Action.READ)
def show(run_id: int):
    record = db.get_or_404(AllocationRun, run_id)
    return render_template(
        "allocation/run.html",
        run=record,
        matrix=region_priority_matrix(record),
        funds=fund_rows(record),
        conflicts=relaxation(record),
        details=detail_rows(record) if request.args.get("detail") else None,
        plan=allocation.apply_plan(record) if record.is_optimal else None,
        sweep_form=_sweep_form(record),
    )


def _sweep_form(record: AllocationRun) -> SweepForm:
    form = SweepForm(request.args)
    form.fund.choices = options([(f["id"], f.get("label", f["id"])) for f in record.problem.get("funds", [])])
    return form


@bp.route("/allocation-runs/<int:run_id>/<any(problem, result):part>.json")
@requires(Action.READ)
def download(run_id: int, part: str):
    record = db.get_or_404(AllocationRun, run_id)
    body = json.dumps(getattr(record, part), indent=2, sort_keys=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="allocation-run-{record.id}-{part}.json"'},
    )


@bp.route("/allocation-runs/<int:run_id>/rerun", methods=["POST"])
@requires(Action.RUN_ALLOCATION)
@reads_until_write  # a long solve or parse before one write: no lock held meanwhile
def rerun(run_id: int):
    record = db.get_or_404(AllocationRun, run_id)
    try:
        new_run = allocation.rerun(current_user, record)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("allocation.show", run_id=run_id))
    db.session.commit()
    flash(f"Run {new_run.id} solved the same problem again.", "success")
    return redirect(url_for("allocation.show", run_id=new_run.id))


@bp.route("/allocation-runs/<int:run_id>/apply", methods=["POST"])
@requires(Action.RUN_ALLOCATION)
def apply(run_id: int):
    record = db.get_or_404(AllocationRun, run_id)
    try:
        plan = allocation.apply_run(current_user, record)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("allocation.show", run_id=run_id))
    db.session.commit()
    flash(
        f"Applied: {plan.new_count} allocation lines now stand in {record.scenario.name} "
        f"(replacing {plan.replaced_count}).",
        "success",
    )
    return redirect(url_for("budget.lines", scenario=record.scenario_id, source="allocation"))


@bp.route("/allocation-runs/<int:run_id>/sensitivity")
@requires(Action.READ)
def sensitivity_page(run_id: int):
    record = db.get_or_404(AllocationRun, run_id)
    form = _sweep_form(record)
    if "fund" not in request.args:  # the form alone, with its defaults
        return render_template("allocation/sensitivity.html", run=record, form=form, result=None)
    if not form.validate():
        return render_template("allocation/sensitivity.html", run=record, form=form, result=None), 422
    try:
        result = sensitivity(record, form.fund.data, form.low.data / 100, form.high.data / 100)
    except DomainError as exc:
        form.fund.errors = [exc.message]
        return render_template("allocation/sensitivity.html", run=record, form=form, result=None), 422
    return render_template("allocation/sensitivity.html", run=record, form=form, result=result)
