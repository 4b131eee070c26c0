"""The audit trail: written with every change, in the same transaction, and append-only in the database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from helpers import appropriation, plan_scenario, program_line, same_line_with, user

from models import AuditEvent, BudgetLine, db
from services.budget import lines as budget_lines
from services.errors import FundsError


def _events(entity: str, entity_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id)
        )
    )


def test_create_update_delete_write_before_and_after(app):
    rm = user("rm@example.gov")
    incle = appropriation("INCLE", 2027)
    line, _ = budget_lines.create_line(rm, program_line(incle, "1000.25"))
    db.session.commit()
    budget_lines.update_line(rm, line, program_line(incle, "2000"), line.version)
    db.session.commit()
    line_id = line.id
    budget_lines.delete_line(rm, line, line.version)
    db.session.commit()
    events = _events("budget_line", line_id)
    assert [e.action for e in events] == ["budget_line.create", "budget_line.update", "budget_line.delete"]
    assert all(e.user_id == rm.id for e in events)
    amounts = [(e.before and e.before["amount_cents"], e.after and e.after["amount_cents"]) for e in events]
    assert amounts == [(None, 100025), (100025, 200000), (200000, None)]


def test_a_refused_change_leaves_no_event(app):
    incle = appropriation("INCLE", 2027)
    count = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    with pytest.raises(FundsError):
        budget_lines.create_line(user("rm@example.gov"), program_line(incle, "999999999"))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == count


@pytest.mark.parametrize(
    "statement",
    [
        sa.text("UPDATE audit_event SET action = 'forged'"),
        sa.text("DELETE FROM audit_event"),
    ],
)
def test_database_refuses_update_and_delete(app, statement):
    before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    assert before > 0
    with pytest.raises(sa.exc.DatabaseError) as refused:
        db.session.execute(statement)
    assert "append-only" in str(refused.value)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == before
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "forged")) == 0


def test_record_pages_show_their_history(client, auth):
    auth.login("rm@example.gov")
    line = db.session.scalar(sa.select(BudgetLine).where(BudgetLine.scenario_id == plan_scenario().id).limit(1))
    budget_lines.update_line(user("rm@example.gov"), line, same_line_with(line, "4321"), line.version)
    db.session.commit()
    page = client.get(f"/lines/{line.id}").get_data(as_text=True)
    assert "budget_line.update" in page
    assert "$4,321" in page
