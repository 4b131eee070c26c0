"""Proposal selection: run it for a notice, inspect a run, and turn an optimal run into awards."""

from __future__ import annotations

import datetime as dt

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from forms.programs import ActionForm, MakeAwardsForm
from models import FundingNotice, Job, SelectionRun, db
from services.permissions import Action
from services.programs import selection, selection_jobs
from services.programs.selection_results import run_summary
from views.access import requires
from views.jobs import started
from views.programs.core import bp
from views.transactions import reads_until_write
from views.unit_of_work import button_action


@bp.route("/notices/<int:notice_id>/selection", methods=["POST"])
@requires(Action.MANAGE_PROGRAMS)
@reads_until_write  # a long solve or parse before one write: no lock held meanwhile
def run_selection(notice_id: int):
    notice = db.get_or_404(FundingNotice, notice_id)
    most = current_app.config["JOBS_SELECTION_PROPOSALS"]
    made = button_action(
        url_for("programs.notice", notice_id=notice.id),
        lambda: selection_jobs.run_or_queue(current_user, notice, most),
    )
    if isinstance(made, Job):  # a notice of many proposals: solved by a consumer, its progress on the job's page
        return redirect(started(made, at_once=False).url)
    return redirect(url_for("programs.selection_run", selection_run_id=made.id))


@bp.route("/selection-runs/<int:selection_run_id>")
@requires(Action.READ)
def selection_run(selection_run_id: int):
    run = db.get_or_404(SelectionRun, selection_run_id)
    summary = run_summary(run)
    return render_template(
        "programs/selection_run.html",
        run=run,
        notice=run.notice,
        summary=summary,
        rooms=selection.room_for_awards(run.notice, summary.chosen_proposals) if not summary.blockers else [],
        run_form=ActionForm(),
        awards_form=MakeAwardsForm(data={"starts_on": _next_month()}),
    )


def _next_month() -> dt.date:
    today = dt.date.today()
    return dt.date(today.year + today.month // 12, today.month % 12 + 1, 1)


@bp.route("/selection-runs/<int:selection_run_id>/award", methods=["POST"])
@requires(Action.AWARD_SELECTION)
def award_selection(selection_run_id: int):
    run = db.get_or_404(SelectionRun, selection_run_id)
    form = MakeAwardsForm()
    back = url_for("programs.selection_run", selection_run_id=run.id)
    if not form.validate_on_submit():
        flash("Give the date the awards start.", "error")
        return redirect(back)
    awards, warnings = button_action(
        back,
        lambda: selection.make_awards(current_user, run, form.starts_on.data, make_room_in_plans=form.make_room.data),
    )
    flash(f"{len(awards)} pending award(s) made from notice {run.notice.number}.", "success")
    for warning in warnings:
        flash(warning, "warning")
    return redirect(url_for("programs.awards", text=run.notice.number))
