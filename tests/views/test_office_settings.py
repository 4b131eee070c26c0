"""The office settings page: funds control and the execution thresholds, saved once and audited."""

from decimal import Decimal

import sqlalchemy as sa

from models import AuditEvent, FundsControl, db
from services.office.settings import office_settings
from tests.helpers import csrf_from, database_fingerprint


def _form(page: str, **changes) -> dict:
    return {
        "csrf_token": csrf_from(page),
        "funds_control": "refuse",
        "variance_threshold_percent": "10",
        "lapse_threshold": "100000",
        "pipeline_months_threshold": "12",
        "reprogramming_citation": "22 U.S.C. 2706",
        "reprogramming_notice_amount": "1,000,000.00",
        "reprogramming_notice_percent": "10",
        "reprogramming_notice_threshold": "lesser",
        "reprogramming_hold_days": "15",
        "reprogramming_last_days": "15",
        "reprogramming_waiver": "y",
    } | changes


def test_an_administrator_sets_the_execution_thresholds(client, auth):
    auth.login("admin@example.gov")
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Flag awards whose pipeline is longer than" in page

    saved = client.post(
        "/admin/settings",
        data=_form(page, variance_threshold_percent="7.5", lapse_threshold="250,000.00", funds_control="warn"),
        follow_redirects=True,
    )

    assert "Settings saved." in saved.get_data(as_text=True)
    now = office_settings()
    assert now.variance_threshold_percent == Decimal("7.5")
    assert now.lapse_threshold == Decimal("250000")
    assert now.funds_control == FundsControl.WARN
    assert now.pipeline_months_threshold == Decimal(12)  # unchanged, so not written
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "setting.update"))
    assert event.before == {
        "variance_threshold_percent": "10",
        "lapse_threshold": "50000000",
        "funds_control": "refuse",
    }
    assert event.after == {"variance_threshold_percent": "7.5", "lapse_threshold": "25000000", "funds_control": "warn"}


def test_a_bad_threshold_is_named_and_nothing_is_saved(client, auth):
    auth.login("admin@example.gov")
    page = client.get("/admin/settings").get_data(as_text=True)
    before = database_fingerprint()

    refused = client.post("/admin/settings", data=_form(page, pipeline_months_threshold="0", lapse_threshold="-5"))

    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="pipeline_months_threshold-error-message"' in html
    assert 'id="lapse_threshold-error-message"' in html
    assert database_fingerprint() == before
