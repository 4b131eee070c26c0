"""The demo office's generated extract: deterministic, clean through the real parser and loader,
and showing what the demo needs (deobligations, unmatched documents, money at risk of lapsing)."""

from __future__ import annotations

import sqlalchemy as sa
from helpers import user

from exports.actuals import parse_extract
from models import Appropriation, AuditEvent, Award, TravelRequest, db
from models.actuals import ActualsLoad, ActualTransaction, LoadStatus
from seeding.demo_actuals import AT_RISK, DEMO_TODAY, FILENAME, UNMATCHED, demo_extract, load_demo_actuals
from services.execution import actuals
from services.execution.actuals_queries import unmatched_documents
from services.execution.figures import execution_of


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(ActualTransaction.id)))


def test_the_extract_is_the_same_bytes_every_time(app):
    first = demo_extract()
    assert first == demo_extract()
    assert first.startswith(b"transaction_id,posted_on,account,fiscal_year,object_class,")
    assert 1_000 < first.count(b"\n") < 5_000  # a few thousand rows at most: `make run` stays quick


def test_the_extract_parses_and_previews_clean(app):
    content = demo_extract()
    parsed = parse_extract(content, FILENAME)
    assert parsed.errors == ()
    assert parsed.unknown_columns == ()
    assert max(row.posted_on for row in parsed.rows) <= DEMO_TODAY
    assert any(row.obligation < 0 for row in parsed.rows)  # deobligations
    numbers = set(db.session.scalars(sa.select(Award.number)))
    assert any(row.document_number in numbers for row in parsed.rows)
    references = {trip.reference for trip in db.session.scalars(sa.select(TravelRequest))}
    assert any(row.document_number in references for row in parsed.rows)
    load = actuals.preview_load(user("rm@example.gov"), FILENAME, content)
    assert load.preview["errors"] == []
    assert load.preview["warnings"] == []
    assert load.preview["new"] == len(parsed.rows)


def test_loading_it_is_audited_and_idempotent(app):
    assert _count() == 0  # the test template is seeded without the demo actuals
    written = load_demo_actuals()
    db.session.commit()
    assert written == _count() > 0
    load = db.session.scalars(sa.select(ActualsLoad)).one()
    assert load.status == LoadStatus.COMMITTED
    assert load.created_by.email == "rm@example.gov"
    kinds = set(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.entity == "actuals_load", AuditEvent.entity_id == load.id)
        )
    )
    assert {"actuals.preview", "actuals.commit"} <= kinds
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))

    assert load_demo_actuals() == 0
    db.session.commit()
    assert _count() == written
    assert db.session.scalar(sa.select(sa.func.count(ActualsLoad.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events


def test_two_documents_match_nothing_and_one_appropriation_is_at_risk(app):
    load_demo_actuals()
    db.session.commit()
    assert [document.document_number for document in unmatched_documents()] == sorted(
        document for document, *_ in UNMATCHED
    )
    account, year = AT_RISK
    at_risk = db.session.scalar(
        sa.select(Appropriation).where(Appropriation.account_code == account, Appropriation.fiscal_year == year)
    )
    execution = execution_of(at_risk, None, DEMO_TODAY)
    assert execution.lapse.expires_on.year == DEMO_TODAY.year + 1  # expires this fiscal year (FY2027)
    assert execution.lapse.forecast_unobligated_cents > at_risk.allotted_cents // 2
