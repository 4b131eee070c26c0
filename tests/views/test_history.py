"""A record's history renders every kind of audit event (issue 12, item 3).

The FY2027 plan's page answered 500 for everyone once making awards had
lowered its lines: the scenario.make_room event holds an amount per line, and
the history table gave that mapping to the money filter.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import sqlalchemy as sa
from flask import render_template_string
from helpers import Auth, allocation_run_id, plan_scenario, selection_run_id, user

from models import AllocationRun, AuditEvent, SelectionRun, db
from services.allocation.runs import apply_run
from services.programs.selection import make_awards

SERVICES = Path(__file__).resolve().parents[2] / "services"
_ACTION = re.compile(r'record_event\(\s*[^,]+,\s*f?"([a-z_{}]+\.[a-z_]+)"')
_HISTORY = '{% from "_history.html" import history_table %}{{ history_table(events) }}'


def _apply_then_make_room():
    """An allocation fills the plan; making awards then lowers its planned program lines."""
    rm = user("rm@example.gov")
    apply_run(rm, db.session.get(AllocationRun, allocation_run_id(plan_scenario())))
    db.session.commit()
    make_awards(rm, db.session.get(SelectionRun, selection_run_id()), dt.date(2026, 11, 1))
    db.session.commit()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "scenario.make_room"))
    assert event is not None, "making awards did not need to make room: the test no longer covers it"
    return event


def test_the_plan_page_shows_the_lines_that_made_room_for_awards(app, client):
    event = _apply_then_make_room()
    line_id, before_cents = next(iter(event.before["amount_cents"].items()))
    after_cents = event.after["amount_cents"][line_id]
    for email in ("viewer@example.gov", "rm@example.gov"):
        Auth(client).login(email)
        page = client.get(f"/scenarios/{plan_scenario().id}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "scenario.make_room" in text
        assert f"amount_cents ({line_id})</strong>: ${before_cents // 100:,} → ${after_cents // 100:,}" in text
        Auth(client).logout()


def _actions_in_the_code() -> set[str]:
    actions = set()
    for source in SERVICES.rglob("*.py"):
        for action in _ACTION.findall(source.read_text()):
            kinds = ("travel", "staffing") if action.startswith("{kind}") else ("",)
            actions |= {action.replace("{kind}", kind) for kind in kinds}
    return actions


def _raw_data(html: str) -> bool:
    """A Python mapping or list printed as it is (quotes escaped or not)."""
    return any(mark in html for mark in ("{'", "['", "{&#39;", "[&#39;", "{&#34;", "[&#34;"))


def test_every_audit_event_the_office_writes_renders_in_a_history(app):
    _apply_then_make_room()
    events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
    written = {event.action for event in events}
    # The demo, an applied allocation, a selection and its awards write these at least.
    assert {"scenario.make_room", "allocation_run.apply", "award.create", "funding_notice.award"} <= written
    with app.test_request_context():
        for event in events:
            html = render_template_string(_HISTORY, events=[event])
            assert event.action in html
            # Shown as text a person reads, never a raw mapping or list.
            assert not _raw_data(html), event.action
        # Every event kind named in the services or written above, with the shapes they write: a mapping per
        # line, a list of scores, counts, a removed line (before only) and a new one (after only).
        shapes = [
            ({"amount_cents": {"7": 500_00}}, {"amount_cents": {"7": 300_00}}),
            ({"scores": [{"reviewer": "A", "score": "80"}]}, {"scores": []}),
            ({"status": "open"}, {"status": "awarded", "run_id": 3, "awards": ["AW-1", "AW-2"]}),
            (None, {"tables": ["GS 2026"], "rows": 150}),
            ({"amount_cents": 100_00, "description": "x"}, None),
        ]
        for action in sorted(_actions_in_the_code() | written):
            for before, after in shapes:
                event = AuditEvent(action=action, entity="scenario", entity_id=1, before=before, after=after)
                event.at = dt.datetime(2026, 12, 1, 12, 0)
                html = render_template_string(_HISTORY, events=[event])
                assert action in html
                assert not _raw_data(html), action


def test_the_audit_trail_speaks_words_links_records_and_filters_by_person_and_date(client, auth):
    auth.login("rm@example.gov")
    created = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "travel_request.create").order_by(AuditEvent.id).limit(1)
    )
    html = client.get(f"/audit/?entity=travel_request&entity_id={created.entity_id}").get_data(as_text=True)
    assert "Travel request created" in html
    assert "travel_request.create" not in html
    assert f'<a href="/requests/travel/{created.entity_id}">Travel request {created.entity_id}</a>' in html

    day = created.at.date()
    by_person = client.get(f"/audit/?user={created.user_id}&from={day}&to={day}").get_data(as_text=True)
    count = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.user_id == created.user_id,
            AuditEvent.at >= dt.datetime.combine(day, dt.time()),
            AuditEvent.at < dt.datetime.combine(day + dt.timedelta(days=1), dt.time()),
        )
    )
    assert f"<p>{count:,} events</p>" in by_person
    assert "<p>0 events</p>" in client.get(f"/audit/?user={created.user_id}&to={day - dt.timedelta(days=1)}").get_data(
        as_text=True
    )
