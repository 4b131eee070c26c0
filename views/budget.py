"""Budget lines and appropriations (with their status of funds)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.budget import BudgetLineForm, DeleteForm, LineFilterForm
from forms.funds import AppropriationForm
from models import Appropriation, BudgetLine, Scenario, db
from services.audit.events import history
from services.budget import lines as budget_lines
from services.budget.dashboard import working_scenario
from services.budget.queries import list_appropriations, list_lines, list_scenarios
from services.execution.breakdown import execution_with_breakdown
from services.funds import appropriations as appropriation_service
from services.funds.control import default_scenario_for, planned_and_available, status_of, status_table
from services.permissions import Action
from views.access import requires
from views.page_cache import kept_whole
from views.routing import as_of_arg, record_id, scenario_arg, this_page_with
from views.unit_of_work import Saved, button_action, form_page

bp = Blueprint("budget", __name__)
PER_PAGE_CHOICES = (25, 50, 100, 200)


@bp.route("/lines")
@requires(Action.READ)
@kept_whole
def lines():
    filters = LineFilterForm(request.args)
    # One scenario's lines by default: a total across scenarios would add plans to actuals.
    if "scenario" not in request.args:
        working = working_scenario()
        filters.scenario.data = working.id if working is not None else None
    filters.validate()
    per_page = request.args.get("per_page", 50, type=int)
    per_page = per_page if per_page in PER_PAGE_CHOICES else 50
    sort = filters.sort.data if not filters.sort.errors else "id"
    number = (filters.page.data or 1) if not filters.page.errors else 1
    seek = {name: request.args.get(name, type=record_id) for name in ("after", "before")}
    page = list_lines(filters.to_filter(), sort=sort, page=number, per_page=per_page, **seek)
    return render_template(
        "budget/lines.html",
        filters=filters,
        page=page,
        sort=sort,
        sort_url=lambda key: this_page_with(sort=key, page=1, after=None, before=None),
        page_url=lambda n: this_page_with(page=n, **_seek_to(page, n)),
    )


def _seek_to(page, number: int) -> dict:
    """The seek a link to page `number` carries: from this page to the next or previous one, in id order."""
    return {
        "after": page.next_after if number == page.page + 1 else None,
        "before": page.previous_before if number == page.page - 1 else None,
    }


@bp.route("/lines/new", methods=["GET", "POST"])
@requires(Action.EDIT_BUDGET)
def new_line():
    form = BudgetLineForm()
    if request.method == "GET":
        scenario = db.session.get(Scenario, request.args.get("scenario", type=record_id) or 0) or working_scenario()
        if scenario is not None:
            form.scenario.data, form.fiscal_year.data = scenario.id, scenario.budget_year
        form.appropriation.data = request.args.get("appropriation", type=record_id)
    return form_page(
        form,
        lambda: budget_lines.create_line(current_user, form.to_input()),
        _line_added,
        "budget/line_form.html",
        line=None,
    )


def _line_added(result: tuple[BudgetLine, str | None]) -> Saved:
    line, warning = result
    return Saved.unless_warned(
        warning,
        f"Budget line {line.id} added.",
        url_for("budget.lines", scenario=line.scenario_id, appropriation=line.appropriation_id),
    )


@bp.route("/lines/<int:line_id>")
@requires(Action.READ)
def line(line_id: int):
    line = db.get_or_404(BudgetLine, line_id)
    return render_template(
        "budget/line.html",
        line=line,
        events=history("budget_line", line.id),
        delete_form=DeleteForm(data={"version": line.version}),
    )


@bp.route("/lines/<int:line_id>/edit", methods=["GET", "POST"])
@requires(Action.EDIT_BUDGET)
def edit_line(line_id: int):
    line = db.get_or_404(BudgetLine, line_id)
    form = BudgetLineForm()
    return form_page(
        form,
        lambda: budget_lines.update_line(current_user, line, form.to_input(), form.expected_version),
        lambda warning: Saved.unless_warned(
            warning, f"Budget line {line.id} saved.", url_for("budget.line", line_id=line.id)
        ),
        "budget/line_form.html",
        fill_from=line,
        line=line,
    )


@bp.route("/lines/<int:line_id>/delete", methods=["POST"])
@requires(Action.EDIT_BUDGET)
def delete_line(line_id: int):
    line = db.get_or_404(BudgetLine, line_id)
    scenario_id = line.scenario_id
    button_action(
        url_for("budget.line", line_id=line_id),
        lambda: budget_lines.delete_line(current_user, line, DeleteForm().expected_version),
    )
    flash(f"Budget line {line_id} deleted.", "success")
    return redirect(url_for("budget.lines", scenario=scenario_id))


@bp.route("/appropriations")
@requires(Action.READ)
@kept_whole
def appropriations():
    scenario_id = request.args.get("scenario", type=record_id)
    scenario = db.session.get(Scenario, scenario_id) if scenario_id else None
    records = list_appropriations()
    if scenario is None:
        # Without a chosen scenario each appropriation shows its own working scenario.
        table = [status_of(a, default_scenario_for(a), dt.date.today()) for a in records]
    else:
        table = status_table(scenario, dt.date.today(), records)
    return render_template("budget/appropriations.html", table=table, scenario=scenario, scenarios=list_scenarios())


def _appropriation_in_scenario(appropriation_id: int) -> tuple[Appropriation, Scenario | None]:
    """The appropriation, and the scenario asked for (?scenario=) or else its working scenario."""
    record = db.get_or_404(Appropriation, appropriation_id)
    return record, scenario_arg(lambda: default_scenario_for(record))


@bp.route("/appropriations/<int:appropriation_id>")
@requires(Action.READ)
def appropriation(appropriation_id: int):
    record, scenario = _appropriation_in_scenario(appropriation_id)
    return render_template(
        "budget/appropriation.html",
        appropriation=record,
        status=status_of(record, scenario, dt.date.today()),
        planned=planned_and_available(record),
        events=history("appropriation", record.id),
    )


@bp.route("/appropriations/<int:appropriation_id>/execution")
@requires(Action.READ)
def appropriation_execution(appropriation_id: int):
    record, scenario = _appropriation_in_scenario(appropriation_id)
    as_of = as_of_arg()
    return render_template(
        "budget/execution.html",
        appropriation=record,
        execution=execution_with_breakdown(record, scenario, as_of),
        scenarios=list_scenarios(),
    )


@bp.route("/appropriations/new", methods=["GET", "POST"])
@requires(Action.EDIT_APPROPRIATIONS)
def new_appropriation():
    form = AppropriationForm()
    return form_page(
        form,
        lambda: appropriation_service.create_appropriation(current_user, form.to_input()),
        lambda added: Saved(f"{added.label} added.", url_for("budget.appropriation", appropriation_id=added.id)),
        "budget/appropriation_form.html",
        appropriation=None,
    )


@bp.route("/appropriations/<int:appropriation_id>/edit", methods=["GET", "POST"])
@requires(Action.EDIT_APPROPRIATIONS)
def edit_appropriation(appropriation_id: int):
    record = db.get_or_404(Appropriation, appropriation_id)
    form = AppropriationForm()
    return form_page(
        form,
        lambda: appropriation_service.update_appropriation(
            current_user, record, form.to_input(), form.expected_version
        ),
        lambda _: Saved(f"{record.label} saved.", url_for("budget.appropriation", appropriation_id=record.id)),
        "budget/appropriation_form.html",
        fill_from=record,
        appropriation=record,
    )
