"""Funding notices and their proposals: reviewers' scores and the panel's force in / force out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.programs import ActionForm, DecisionForm, NoticeForm, ProposalForm, ScoresForm
from models import FundingNotice, Proposal, ProposalDecision, SelectionRun, db
from services.audit.events import history
from services.permissions import Action
from services.programs import notices as notice_service
from services.programs.notice_rules import describe, names_by_dimension
from services.programs.queries import PROPOSAL_SORTS, list_notices, notice_awards, notice_proposals
from services.programs.selection import is_current, latest_run
from services.programs.selection_results import cents
from views.access import requires
from views.programs.core import bp
from views.unit_of_work import Saved, button_action, form_page


@bp.route("/notices")
@requires(Action.READ)
def notices():
    return render_template("programs/notices.html", notices=list_notices())


@bp.route("/notices/<int:notice_id>")
@requires(Action.READ)
def notice(notice_id: int):
    record = db.get_or_404(FundingNotice, notice_id)
    sort = request.args.get("sort", "number")
    sort = sort if sort.lstrip("-") in PROPOSAL_SORTS else "number"
    run = latest_run(record)
    names = names_by_dimension()
    return render_template(
        "programs/notice.html",
        notice=record,
        names=names,
        rules=[describe(rule, names) for rule in record.rules],
        rows=notice_proposals(record, sort),
        sort=sort,
        sort_url=lambda key: url_for("programs.notice", notice_id=record.id, sort=key) + "#proposals",
        run=run,
        run_cost=cents(run.result.get("total_cost")) if run else None,
        run_current=run is not None and record.is_open and is_current(run),
        awards=notice_awards(record),
        run_form=ActionForm(),
        events=history("funding_notice", record.id),
    )


@bp.route("/notices/new", methods=["GET", "POST"])
@requires(Action.MANAGE_PROGRAMS)
def new_notice():
    form = NoticeForm()
    return form_page(
        form,
        lambda: notice_service.create_notice(current_user, form.to_input()),
        lambda added: Saved(f"Notice {added.number} added.", url_for("programs.notice", notice_id=added.id)),
        "programs/notice_form.html",
        notice=None,
    )


@bp.route("/notices/<int:notice_id>/edit", methods=["GET", "POST"])
@requires(Action.MANAGE_PROGRAMS)
def edit_notice(notice_id: int):
    record = db.get_or_404(FundingNotice, notice_id)
    form = NoticeForm()
    return form_page(
        form,
        lambda: notice_service.update_notice(current_user, record, form.to_input(), form.expected_version),
        lambda _: Saved(f"Notice {record.number} saved.", url_for("programs.notice", notice_id=record.id)),
        "programs/notice_form.html",
        fill_from=record,
        notice=record,
    )


@bp.route("/notices/<int:notice_id>/proposals/new", methods=["GET", "POST"])
@requires(Action.MANAGE_PROGRAMS)
def new_proposal(notice_id: int):
    record = db.get_or_404(FundingNotice, notice_id)
    form = ProposalForm(notice=record)
    return form_page(
        form,
        lambda: notice_service.create_proposal(current_user, record, form.to_input()),
        lambda added: Saved(
            f"Proposal {added.number} added. Enter the reviewers' scores next.",
            url_for("programs.proposal", proposal_id=added.id),
        ),
        "programs/proposal_form.html",
        notice=record,
        proposal=None,
    )


@bp.route("/proposals/<int:proposal_id>")
@requires(Action.READ)
def proposal(proposal_id: int):
    record = db.get_or_404(Proposal, proposal_id)
    return render_template(
        "programs/proposal.html",
        proposal=record,
        notice=record.notice,
        problem=notice_service.eligibility_problem(record.notice, record),
        events=history("proposal", record.id),
    )


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@requires(Action.MANAGE_PROGRAMS)
def edit_proposal(proposal_id: int):
    record = db.get_or_404(Proposal, proposal_id)
    form = ProposalForm(notice=record.notice)
    return form_page(
        form,
        lambda: notice_service.update_proposal(current_user, record, form.to_input(), form.expected_version),
        lambda _: Saved(f"Proposal {record.number} saved.", url_for("programs.proposal", proposal_id=record.id)),
        "programs/proposal_form.html",
        fill_from=record,
        notice=record.notice,
        proposal=record,
    )


@bp.route("/proposals/<int:proposal_id>/scores", methods=["GET", "POST"])
@requires(Action.MANAGE_PROGRAMS)
def scores(proposal_id: int):
    record = db.get_or_404(Proposal, proposal_id)
    form = ScoresForm()
    return form_page(
        form,
        lambda: notice_service.set_scores(current_user, record, form.to_input(), form.expected_version),
        lambda _: Saved(
            f"Scores for {record.number} saved: merit {record.merit or '—'}.",
            url_for("programs.proposal", proposal_id=record.id),
        ),
        "programs/scores.html",
        fill_from=record,
        proposal=record,
    )


@bp.route("/proposals/<int:proposal_id>/decision", methods=["POST"])
@requires(Action.MANAGE_PROGRAMS)
def decide(proposal_id: int):
    record = db.get_or_404(Proposal, proposal_id)
    form = DecisionForm()
    valid = form.validate_on_submit()
    back = _back(form, record)
    if not valid:
        flash("Choose force in, force out or let the optimiser decide.", "error")
        return redirect(back)
    decision = ProposalDecision(form.decision.data)
    button_action(back, lambda: notice_service.set_decision(current_user, record, decision, form.expected_version))
    flash(f"{record.number}: {decision.label.lower()}. Run the selection again to see the effect.", "success")
    return redirect(back)


def _back(form: DecisionForm, proposal: Proposal) -> str:
    """The page the decision was made on: the proposal, its notice, or one of its runs (call after validating)."""
    if form.back.data == "run" and form.run.data and not form.run.errors:
        run = db.session.get(SelectionRun, form.run.data)
        if run is not None and run.notice_id == proposal.notice_id:
            return url_for("programs.selection_run", selection_run_id=run.id)
    if form.back.data == "notice":
        return url_for("programs.notice", notice_id=proposal.notice_id) + "#proposals"
    return url_for("programs.proposal", proposal_id=proposal.id)
