"""Awards: the list, an award's page, entering and editing one, and the out-year view."""

from __future__ import annotations

import datetime as dt

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from forms.programs import AwardFilterForm, AwardForm
from models import Award, db, fiscal_year_of
from services.audit.events import history
from services.execution.actuals_queries import document_actuals
from services.office.reference import fiscal_year_choices, programs_division_id
from services.permissions import Action
from services.programs import awards as award_service
from services.programs.award_queries import list_awards, mortgage
from services.programs.awards import program_accounts
from services.programs.queries import award_totals
from views.access import requires
from views.programs.core import bp
from views.routing import this_page_with
from views.unit_of_work import Saved, form_page

PER_PAGE = 50


@bp.route("/")
@requires(Action.READ)
def index():
    return redirect(url_for("programs.awards"))


@bp.route("/awards")
@requires(Action.READ)
def awards():
    filters = AwardFilterForm(request.args)
    filters.validate()
    chosen = filters.to_filter()
    page = filters.page.data if filters.page.data and not filters.page.errors else 1
    found = list_awards(chosen, page=page, per_page=PER_PAGE)
    return render_template(
        "programs/awards.html",
        filters=filters,
        awards=found.items,
        totals=award_totals(chosen),
        page=page,
        per_page=PER_PAGE,
        total=found.total,
        page_url=lambda number: this_page_with(page=number),
    )


@bp.route("/awards/<int:award_id>")
@requires(Action.READ)
def award(award_id: int):
    record = db.get_or_404(Award, award_id)
    return render_template(
        "programs/award.html",
        award=record,
        lines=award_service.award_lines(record),
        actual=document_actuals(record.number),
        events=history("award", record.id),
    )


def _saved(award: Award, warning: str | None, verb: str) -> Saved:
    return Saved.unless_warned(warning, f"Award {award.number} {verb}.", url_for("programs.award", award_id=award.id))


@bp.route("/awards/new", methods=["GET", "POST"])
@requires(Action.MANAGE_PROGRAMS)
def new_award():
    form = AwardForm()
    if request.method == "GET":
        form.division.data = programs_division_id()
    return form_page(
        form,
        lambda: award_service.create_award(current_user, form.to_input()),
        lambda result: _saved(*result, "added"),
        "programs/award_form.html",
        award=None,
    )


@bp.route("/awards/<int:award_id>/edit", methods=["GET", "POST"])
@requires(Action.MANAGE_PROGRAMS)
def edit_award(award_id: int):
    record = db.get_or_404(Award, award_id)
    form = AwardForm()
    return form_page(
        form,
        lambda: award_service.update_award(current_user, record, form.to_input(), form.expected_version),
        lambda warning: _saved(record, warning, "saved"),
        "programs/award_form.html",
        fill_from=record,
        award=record,
    )


@bp.route("/out-years")
@requires(Action.READ)
def outyears():
    accounts = program_accounts()
    account = request.args.get("account") if request.args.get("account") in accounts else None
    years_planned = [year for year, _ in fiscal_year_choices()]
    # From the current fiscal year unless the person asks for another (or every year, "from=").
    asked = request.args.get("from", type=int) if "from" in request.args else fiscal_year_of(dt.date.today())
    from_year = asked if asked in years_planned else None
    owed = mortgage(from_year=from_year, account_code=account)
    return render_template(
        "programs/outyears.html",
        accounts=accounts,
        account=account,
        years_planned=years_planned,
        from_year=from_year,
        mortgage=owed,
        by_account=owed.matrix("account_code"),
        by_region=owed.matrix("region"),
        by_priority=owed.matrix("priority"),
    )
