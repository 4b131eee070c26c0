"""The budget lines pages: filters, sorting, pages, totals, and the editor."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from helpers import appropriation, csrf_from, plan_scenario

from models import AuditEvent, BudgetLine, Directive, Division, ObjectClass, Region, Scenario, db
from money import format_dollars


def _lines(**where) -> list[BudgetLine]:
    query = sa.select(BudgetLine)
    for name, value in where.items():
        query = query.where(getattr(BudgetLine, name) == value)
    return list(db.session.scalars(query))


def _summary(page: str) -> tuple[int, str]:
    match = re.search(
        r'<strong>([\d,]+)</strong> lines? ·\s*total <strong class="money" data-testid="lines-total">'
        r"([^<]+)</strong>",
        page,
    )
    assert match, "no totals summary on the page"
    return int(match.group(1).replace(",", "")), match.group(2)


def _line_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td><a href="/lines/(\d+)">', page)]


def _form(page: str, **fields) -> dict:
    return {"csrf_token": csrf_from(page), **fields}


@pytest.fixture
def rm(client, auth):
    auth.login("rm@example.gov")
    return client


def test_filters_count_and_total_every_matching_line(rm):
    plan = plan_scenario()
    incle = appropriation("INCLE", 2027)
    africa = db.session.scalar(sa.select(Region).where(Region.code == "AF"))
    expected = _lines(scenario_id=plan.id, appropriation_id=incle.id, region_id=africa.id)
    assert len(expected) > 1
    page = rm.get(f"/lines?scenario={plan.id}&appropriation={incle.id}&region={africa.id}&per_page=25")
    count, total = _summary(page.get_data(as_text=True))
    assert count == len(expected)
    assert total == format_dollars(sum(line.amount_cents for line in expected))
    shown = _line_ids(page.get_data(as_text=True))
    assert set(shown) <= {line.id for line in expected}


def test_sorting_by_amount_descending_and_paging(rm):
    plan = plan_scenario()
    lines = sorted(_lines(scenario_id=plan.id), key=lambda line: (-line.amount_cents, -line.id))
    first = rm.get(f"/lines?scenario={plan.id}&sort=-amount&per_page=25").get_data(as_text=True)
    second = rm.get(f"/lines?scenario={plan.id}&sort=-amount&per_page=25&page=2").get_data(as_text=True)
    assert _line_ids(first) == [line.id for line in lines[:25]]
    assert _line_ids(second) == [line.id for line in lines[25:50]]
    assert 'aria-sort="descending"' in first


def test_unknown_filter_values_are_ignored_with_a_message(rm):
    response = rm.get("/lines?scenario=abc&region=999999&sort=nonsense")
    assert response.status_code == 200
    count, _ = _summary(response.get_data(as_text=True))
    assert count == db.session.scalar(sa.select(sa.func.count(BudgetLine.id)))


def _new_line_fields(**changes) -> dict:
    plan = plan_scenario()
    fields = {
        "scenario": plan.id,
        "fiscal_year": 2027,
        "appropriation": appropriation("INCLE", 2027).id,
        "division": db.session.scalar(sa.select(Division.id).where(Division.code == "IP")),
        "object_class": db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "41.0")),
        "region": "",
        "country": "",
        "priority": "",
        "program_type": "",
        "description": "Test line",
        "amount": "1000",
        "stage": "planned",
    }
    fields.update(changes)
    return fields


@pytest.mark.parametrize("amount", ["12.345", "1e3", "1_000", "abc", "-5", "1,23", ""])
def test_strict_money_field_refuses_and_changes_nothing(rm, amount):
    count = db.session.scalar(sa.select(sa.func.count(BudgetLine.id)))
    page = rm.get("/lines/new").get_data(as_text=True)
    response = rm.post("/lines/new", data=_form(page, **_new_line_fields(amount=amount)))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "amount-error-message" in html or "usa-error-message" in html
    assert db.session.scalar(sa.select(sa.func.count(BudgetLine.id))) == count


def test_add_a_line_then_edit_then_delete(rm):
    page = rm.get("/lines/new").get_data(as_text=True)
    response = rm.post("/lines/new", data=_form(page, **_new_line_fields(amount="125,000.50")))
    assert response.status_code == 302
    line = db.session.scalar(sa.select(BudgetLine).order_by(BudgetLine.id.desc()).limit(1))
    assert line.amount_cents == 12_500_050
    assert line.created_by.email == "rm@example.gov"

    edit = rm.get(f"/lines/{line.id}/edit").get_data(as_text=True)
    assert 'value="125000.50"' in edit
    response = rm.post(
        f"/lines/{line.id}/edit", data=_form(edit, version=str(line.version), **_new_line_fields(amount="99.99"))
    )
    assert response.status_code == 302
    db.session.refresh(line)
    assert line.amount_cents == 9999

    line_id, version = line.id, line.version
    shown = rm.get(f"/lines/{line_id}").get_data(as_text=True)
    response = rm.post(f"/lines/{line_id}/delete", data=_form(shown, version=str(version)))
    assert response.status_code == 302
    assert db.session.get(BudgetLine, line_id) is None
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity_id == line_id, AuditEvent.entity == "budget_line")
    )
    assert list(actions) == ["budget_line.create", "budget_line.update", "budget_line.delete"]


def test_lines_of_a_locked_scenario_cannot_change(rm):
    locked = db.session.scalar(sa.select(Scenario).where(Scenario.name == "FY2026 enacted"))
    line = _lines(scenario_id=locked.id)[0]
    page = rm.get(f"/lines/{line.id}").get_data(as_text=True)
    assert "its lines can't change" in page
    response = rm.post(f"/lines/{line.id}/delete", data=_form(page, version=str(line.version)), follow_redirects=True)
    assert "locked" in response.get_data(as_text=True)
    assert db.session.get(BudgetLine, line.id) is not None


def test_overdrawing_line_is_refused_with_the_numbers(rm):
    page = rm.get("/lines/new").get_data(as_text=True)
    response = rm.post("/lines/new", data=_form(page, **_new_line_fields(amount="999999999")))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "would be overdrawn" in html
    assert "$999,999,999" in html


def test_dashboard_shows_the_plan_matrix_and_chart(rm):
    page = rm.get("/").get_data(as_text=True)
    assert "FY2027 plan" in page
    assert "<svg" in page
    plan = plan_scenario()
    africa = db.session.scalar(sa.select(Region).where(Region.code == "AF"))
    africa_total = sum(
        line.amount_cents for line in _lines(scenario_id=plan.id, region_id=africa.id) if line.priority_id is not None
    )
    assert format_dollars(africa_total) in page


def test_a_directive_reads_once(client, auth):
    auth.login("viewer@example.gov")
    directive = db.session.scalar(sa.select(Directive).where(Directive.min_cents.is_not(None)).limit(1))
    html = client.get(f"/appropriations/{directive.appropriation_id}").get_data(as_text=True)
    assert directive.label in html
    assert f"{directive.label} (not less than" not in html
