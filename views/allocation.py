"""Allocation: set up a run from a plan scenario, solve, inspect, apply, and see sensitivity."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.allocation import ProblemUploadForm, SweepForm, settings_form
from forms.fields import options
from models import AllocationRun, Job, JobKind, JobState, Scenario, db
from services.allocation import jobs as allocation_jobs
from services.allocation import runs as allocation
from services.allocation.jobs import sweeps_of
from services.allocation.problems import AllocationSettings, allocation_setup, default_weights
from services.allocation.results import (
    Sensitivity,
    detail_rows,
    fund_rows,
    list_runs,
    region_priority_matrix,
    relaxation,
    targets_summary,
)
from services.budget.dashboard import working_scenario
from services.errors import ValidationError
from services.office.reference import allocation_grid
from services.permissions import Action
from views.access import requires
from views.jobs import started
from views.routing import record_id
from views.transactions import reads_until_write
from views.unit_of_work import Saved, button_action, form_page

bp = Blueprint("allocation", __name__)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _setup_page(scenario: Scenario, form, upload_form, status: int = 200, settings: AllocationSettings | None = None):
    return render_template(
        "allocation/setup.html",
        scenario=scenario,
        form=form,
        upload_form=upload_form,
        runs=list_runs(scenario),
        setup=allocation_setup(scenario, settings or AllocationSettings()),  # the money and rules a run would use
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
    form = settings_form(*allocation_grid())(formdata=None)
    reopened = db.session.get(AllocationRun, request.args.get("from_run", 0, type=record_id))
    saved = reopened.settings if reopened is not None and reopened.scenario_id == scenario.id else None
    settings = AllocationSettings.from_json(saved)
    form.fill(settings, default_weights() | (saved or {}).get("weights", {}))
    return _setup_page(scenario, form, ProblemUploadForm(formdata=None), settings=settings)


@bp.route("/scenarios/<int:scenario_id>/allocation/runs", methods=["POST"])
@requires(Action.RUN_ALLOCATION)
@reads_until_write  # a long solve or parse before one write: no lock held meanwhile
def run(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    form = settings_form(*allocation_grid())()
    most_cells = current_app.config["JOBS_ALLOCATION_CELLS"]
    return form_page(
        form,
        lambda: allocation_jobs.run_or_queue(current_user, scenario, form.to_settings(), most_cells),
        lambda made: started(made, at_once=False) if isinstance(made, Job) else _solved(made),
        lambda status: _setup_page(scenario, form, ProblemUploadForm(formdata=None), status),
    )


@bp.route("/scenarios/<int:scenario_id>/allocation/upload", methods=["POST"])
@requires(Action.RUN_ALLOCATION)
@reads_until_write  # a long solve or parse before one write: no lock held meanwhile
def upload(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    upload_form = ProblemUploadForm()
    form = settings_form(*allocation_grid())(formdata=None)
    form.fill(AllocationSettings(), default_weights())
    return form_page(
        upload_form,
        lambda: allocation.run_allocation(current_user, scenario, _uploaded_problem(upload_form), settings=None),
        _solved,
        lambda status: _setup_page(scenario, form, upload_form, status),
    )


def _solved(run: AllocationRun) -> Saved:
    return Saved(None, url_for("allocation.show", run_id=run.id))  # the run's page says how it went


def _uploaded_problem(upload_form: ProblemUploadForm) -> dict:
    """The uploaded file as a JSON object, or a ValidationError on the upload field."""
    raw = upload_form.problem.data.read(MAX_UPLOAD_BYTES + 1)
    try:
        problem = json.loads(raw) if len(raw) <= MAX_UPLOAD_BYTES else None
    except RecursionError:  # the json module recurses once per level
        problem, why = None, "That JSON is nested too deeply to be an allocation problem."
    except ValueError as exc:  # not UTF-8, not JSON, or a number past int()'s 4,300 digits
        problem, why = None, f"That is not JSON: {exc}"
    else:
        why = "Upload one allocation-problem/1 JSON object, at most 5 MB."
    if not isinstance(problem, dict):
        raise ValidationError(why, fields={"problem": why})
    return problem


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
        targets=targets_summary(record),
        details=detail_rows(record) if request.args.get("detail") else None,
        plan=allocation.apply_plan(record) if record.is_optimal else None,
        sweep_form=_sweep_form(record, formdata=None),
    )


def _sweep_form(record: AllocationRun, **kwargs) -> SweepForm:
    form = SweepForm(**kwargs)
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
    new_run = button_action(url_for("allocation.show", run_id=run_id), lambda: allocation.rerun(current_user, record))
    flash(f"Run {new_run.id} solved the same problem again.", "success")
    return redirect(url_for("allocation.show", run_id=new_run.id))


@bp.route("/allocation-runs/<int:run_id>/apply", methods=["POST"])
@requires(Action.RUN_ALLOCATION)
def apply(run_id: int):
    record = db.get_or_404(AllocationRun, run_id)
    plan = button_action(url_for("allocation.show", run_id=run_id), lambda: allocation.apply_run(current_user, record))
    flash(
        f"Applied: {plan.new_count} allocation lines now stand in {record.scenario.name} "
        f"(replacing {plan.replaced_count}).",
        "success",
    )
    return redirect(url_for("budget.lines", scenario=record.scenario_id, source="allocation"))


@bp.route("/allocation-runs/<int:run_id>/sensitivity")
@requires(Action.READ)
def sensitivity_page(run_id: int):
    """The sweep form, and a finished sweep's curves (`?job=`): sweeps are background jobs."""
    record = db.get_or_404(AllocationRun, run_id)
    job = db.session.get(Job, request.args.get("job", 0, type=record_id))
    if job is not None and (
        job.kind != JobKind.ALLOCATION_SWEEP or job.params.get("run_id") != record.id
    ):  # not its sweep
        job = None
    if job is not None and job.state != JobState.SUCCEEDED:
        return redirect(url_for("jobs.show", job_id=job.id))
    return render_template(
        "allocation/sensitivity.html",
        run=record,
        form=_sweep_form(record, formdata=None),
        job=job,
        sweeps=sweeps_of(record),
        result=Sensitivity.from_json(job.result) if job is not None else None,
    )


@bp.route("/allocation-runs/<int:run_id>/sensitivity", methods=["POST"])
@requires(Action.RUN_ALLOCATION)
def start_sweep(run_id: int):
    record = db.get_or_404(AllocationRun, run_id)
    form = _sweep_form(record)
    at_once = allocation_jobs.sweep_solves(record) <= current_app.config["JOBS_SWEEP_SOLVES"]
    return form_page(
        form,
        lambda: allocation_jobs.start_sweep(
            current_user, record, form.fund.data, form.low.data / 100, form.high.data / 100
        ),
        lambda job: started(job, at_once=at_once),
        "allocation/sensitivity.html",
        run=record,
        sweeps=sweeps_of(record),
        job=None,
        result=None,
    )
