"""Two people edit the same line from the same version: exactly one wins, nothing is lost."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from helpers import Auth, csrf_from, plan_scenario, same_line_with, user

from models import BudgetLine, db
from models.base import transactions_write_locked
from services.budget import lines as budget_lines
from services.errors import ConflictError


def _plan_line() -> BudgetLine:
    return db.session.scalar(
        sa.select(BudgetLine)
        .where(BudgetLine.scenario_id == plan_scenario().id)
        .order_by(BudgetLine.amount_cents.desc())
    )


def test_two_forms_from_the_same_version(app):
    line = _plan_line()
    line_id, original, read_version = line.id, line.amount_cents, line.version
    first, second = app.test_client(), app.test_client()
    forms = []
    for client in (first, second):
        Auth(client).login("rm@example.gov")
        page = client.get(f"/lines/{line_id}/edit").get_data(as_text=True)
        forms.append(page)
    assert f'name="version" type="hidden" value="{read_version}"' in forms[0]

    def post(client, page, amount):
        data = {
            "csrf_token": csrf_from(page),
            "version": str(read_version),
            "scenario": line.scenario_id,
            "fiscal_year": line.fiscal_year,
            "appropriation": line.appropriation_id,
            "division": line.division_id,
            "object_class": line.object_class_id,
            "region": line.region_id or "",
            "country": line.country_id or "",
            "priority": line.priority_id or "",
            "program_type": line.program_type_id or "",
            "description": line.description,
            "amount": amount,
            "stage": line.stage.value,
        }
        return client.post(f"/lines/{line_id}/edit", data=data)

    won = post(first, forms[0], "100")
    lost = post(second, forms[1], "200")
    assert won.status_code == 302
    assert lost.status_code == 409
    assert "changed by someone else" in lost.get_data(as_text=True)
    saved = db.session.get(BudgetLine, line_id)
    assert saved.amount_cents == 100_00 != original
    assert saved.version == read_version + 1
    # The loser's page still shows what they typed, so nothing they entered is lost.
    assert 'value="200"' in lost.get_data(as_text=True)


def test_simultaneous_service_updates_one_wins(app):
    """Both read version 1 before either writes (a real race, on separate connections)."""
    line_id, read_version = _plan_line().id, _plan_line().version
    rm_id = user("rm@example.gov").id
    db.session.commit()
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, str] = {}

    def edit(name: str, amount: str) -> None:
        with app.app_context():
            with transactions_write_locked(False):  # as on the edit page: a read, then the form is posted
                read_version = db.session.get(BudgetLine, line_id).version
                db.session.rollback()
            barrier.wait()
            actor = db.session.get(type(user("rm@example.gov")), rm_id)
            line = db.session.get(BudgetLine, line_id)
            try:
                budget_lines.update_line(actor, line, same_line_with(line, amount), read_version)
                db.session.commit()
                outcomes[name] = "saved"
            except ConflictError:
                db.session.rollback()
                outcomes[name] = "conflict"
            except sa.exc.OperationalError:  # SQLite: the loser may also see the writer's lock
                db.session.rollback()
                outcomes[name] = "conflict"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=edit, args=(name, amount)) for name, amount in (("a", "111"), ("b", "222"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    saved = db.session.get(BudgetLine, line_id)
    assert saved.amount_cents == {"a": 111_00, "b": 222_00}[winner]
    assert saved.version == read_version + 1
