"""The request workflow: guards, atomic transitions, budget lines, allowances, audit."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa
from helpers import appropriation, plan_scenario, user
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from models import (
    AuditEvent,
    BudgetLine,
    LineSource,
    RequestStatus,
    Role,
    StaffingRequest,
    TravelPurpose,
    TravelRequest,
    db,
)
from services.errors import ConflictError, FundsError, PermissionDenied, ValidationError
from services.requests import drafts as request_service
from services.requests import workflow
from services.requests.drafts import LegData, TravelData
from services.requests.workflow import Transition

EMAILS = [
    "admin@example.gov",
    "rm@example.gov",
    "head-ip@example.gov",
    "head-rpa@example.gov",
    "staff-ip@example.gov",
    "viewer@example.gov",
]


def draft_trip(
    email: str = "staff-ip@example.gov",
    city: str = "Bangkok",
    country: str = "THA",
    nights: int = 4,
    appropriation_code: str = "DP",
) -> TravelRequest:
    author = user(email)
    data = TravelData(
        title=f"Visit to {city}",
        purpose_id=db.session.scalar(sa.select(TravelPurpose.id).limit(1)),
        traveler_id=author.id,
        appropriation_id=appropriation(appropriation_code, 2027).id,
        scenario_id=plan_scenario().id,
        legs=[LegData("Washington", city, country, dt.date(2027, 3, 2), dt.date(2027, 3, 2) + dt.timedelta(nights))],
        airfare=Decimal("1800"),
    )
    request = request_service.create_travel(author, data)
    db.session.commit()
    return request


def submitted_trip(**kwargs) -> TravelRequest:
    request = draft_trip(**kwargs)
    head = "head-ip@example.gov" if request.division.code == "IP" else "head-rpa@example.gov"
    workflow.transition(user(head), request, Transition.SUBMIT)
    db.session.commit()
    return request


def scenario_total(appropriation_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(
            BudgetLine.scenario_id == plan_scenario().id, BudgetLine.appropriation_id == appropriation_id
        )
    )


def test_the_estimate_is_computed_not_typed(app):
    request = draft_trip()
    # 4 nights × $259 + M&IE 2 × 0.75 × $118 + 3 × $118 + $1,800 airfare (the contract's worked example).
    assert request.total_cents == (4 * 259 + 2 * 88.5 + 3 * 118 + 1800) * 100
    assert request.status == RequestStatus.DRAFT


def test_staff_cannot_submit_and_heads_submit_only_their_division(app):
    request = draft_trip()
    with pytest.raises(PermissionDenied):
        workflow.transition(user("staff-ip@example.gov"), request, Transition.SUBMIT)
    with pytest.raises(PermissionDenied):
        workflow.transition(user("head-rpa@example.gov"), request, Transition.SUBMIT)
    workflow.transition(user("head-ip@example.gov"), request, Transition.SUBMIT)
    assert request.status == RequestStatus.SUBMITTED


def test_approval_writes_a_committed_line_drawn_from_the_travel_allowance(app):
    request = submitted_trip()
    dp = appropriation("DP", 2027)
    before_total = scenario_total(dp.id)
    workflow.transition(user("rm@example.gov"), request, Transition.APPROVE)
    db.session.commit()
    lines = db.session.scalars(
        sa.select(BudgetLine).where(BudgetLine.source == LineSource.TRAVEL, BudgetLine.source_id == request.id)
    ).all()
    assert [(line.amount_cents, line.object_class.code, line.stage.value) for line in lines] == [
        (request.total_cents, "21.0", "committed")
    ]
    drawn = sum(request.draws.values())
    assert drawn == request.total_cents  # IP's FY2027 travel allowance covers the trip
    assert scenario_total(dp.id) == before_total  # moved from planned to committed, not counted twice
    workflow.transition(user("rm@example.gov"), request, Transition.CANCEL, "Postponed")
    db.session.commit()
    assert (
        db.session.scalar(
            sa.select(sa.func.count(BudgetLine.id)).where(
                BudgetLine.source == LineSource.TRAVEL, BudgetLine.source_id == request.id
            )
        )
        == 0
    )
    assert scenario_total(dp.id) == before_total
    assert request.status == RequestStatus.CANCELLED


def test_decisions_need_a_reason_and_returned_requests_go_back_to_draft(app):
    request = submitted_trip()
    with pytest.raises(ValidationError):
        workflow.transition(user("rm@example.gov"), request, Transition.RETURN, "  ")
    workflow.transition(user("rm@example.gov"), request, Transition.RETURN, "Add the agenda")
    db.session.commit()
    assert request.status == RequestStatus.RETURNED
    assert workflow.can_edit(user("staff-ip@example.gov"), request)
    data = TravelData(
        title="Visit to Bangkok, with agenda",
        purpose_id=request.purpose_id,
        traveler_id=request.traveler_id,
        appropriation_id=request.appropriation_id,
        scenario_id=request.scenario_id,
        airfare=Decimal("1800"),
        legs=[LegData("Washington", "Bangkok", "THA", dt.date(2027, 3, 2), dt.date(2027, 3, 6))],
    )
    request_service.update_travel(user("staff-ip@example.gov"), request, data, request.version)
    db.session.commit()
    assert request.status == RequestStatus.DRAFT
    workflow.transition(user("head-ip@example.gov"), request, Transition.SUBMIT)
    assert request.status == RequestStatus.SUBMITTED


def test_approval_that_would_overdraw_is_refused_with_the_numbers(app):
    request = submitted_trip(appropriation_code="INCLE", city="Nairobi", country="KEN", nights=30)
    incle = appropriation("INCLE", 2027)
    incle.allotted_cents = scenario_total(incle.id) + 100  # $1 left unplanned, no travel allowance on INCLE
    db.session.commit()
    with pytest.raises(FundsError) as refused:
        workflow.transition(user("rm@example.gov"), request, Transition.APPROVE)
    assert "would overdraw INCLE FY2027" in refused.value.message
    assert "$1 available" in refused.value.message
    db.session.rollback()
    assert db.session.get(TravelRequest, request.id).status == RequestStatus.SUBMITTED


def test_ten_simultaneous_approvals_one_wins(app):
    request_id = submitted_trip().id
    manager_id = user("rm@example.gov").id
    db.session.commit()
    barrier = threading.Barrier(10, timeout=60)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve() -> None:
        with app.app_context():
            try:
                barrier.wait()
                actor = db.session.get(type(user("rm@example.gov")), manager_id)
                request = db.session.get(TravelRequest, request_id)
                workflow.transition(actor, request, Transition.APPROVE)
                db.session.commit()
                outcome = "approved"
            except ConflictError:
                db.session.rollback()
                outcome = "already decided"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=approve) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already decided"] * 9 + ["approved"]
    events = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "travel_request.approve", AuditEvent.entity_id == request_id
        )
    )
    assert events == 1
    lines = db.session.scalar(
        sa.select(sa.func.count(BudgetLine.id)).where(
            BudgetLine.source == LineSource.TRAVEL, BudgetLine.source_id == request_id
        )
    )
    assert lines == 1


class Workflow(RuleBasedStateMachine):
    """Random people take random actions on a few requests; the invariants always hold."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TravelRequest] = []
        self.successes = 0
        dp = appropriation("DP", 2027)
        self.dp_id = dp.id
        self.baseline_total = scenario_total(dp.id)
        self.baseline_extra = self._beyond_allowances()
        self.baseline_events = self._transition_events()

    @staticmethod
    def _transition_events() -> int:
        actions = [f"travel_request.{t.value}" for t in Transition]
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.in_(actions)))

    @rule(
        author=st.sampled_from(["staff-ip@example.gov", "head-ip@example.gov", "head-rpa@example.gov"]),
        place=st.sampled_from([("Bangkok", "THA"), ("Nairobi", "KEN"), ("Lima", "PER")]),
        nights=st.integers(1, 6),
    )
    def draft(self, author, place, nights):
        self.requests.append(draft_trip(author, place[0], place[1], nights))

    @rule(data=st.data(), email=st.sampled_from(EMAILS), action=st.sampled_from(list(Transition)))
    def act(self, data, email, action):
        if not self.requests:
            return
        request = data.draw(st.sampled_from(self.requests))
        try:
            workflow.transition(user(email), request, action, "Because.")
            db.session.commit()
            self.successes += 1
        except (PermissionDenied, ConflictError, ValidationError, FundsError):
            db.session.rollback()

    @invariant()
    def approvals_come_from_resource_managers(self):
        for request in db.session.scalars(
            sa.select(TravelRequest).where(TravelRequest.status == RequestStatus.APPROVED)
        ):
            assert request.decided_by is not None
            assert request.decided_by.role == Role.RESOURCE_MANAGER

    @invariant()
    def lines_exist_exactly_for_approved_requests(self):
        with_lines = set(
            db.session.scalars(sa.select(BudgetLine.source_id).where(BudgetLine.source == LineSource.TRAVEL))
        )
        approved = set(
            db.session.scalars(sa.select(TravelRequest.id).where(TravelRequest.status == RequestStatus.APPROVED))
        )
        assert with_lines == approved

    def _beyond_allowances(self) -> int:
        """What approved trips on DP add to the scenario beyond the allowances they drew on."""
        return sum(
            r.total_cents - sum(r.draws.values())
            for r in db.session.scalars(
                sa.select(TravelRequest).where(
                    TravelRequest.status == RequestStatus.APPROVED, TravelRequest.appropriation_id == self.dp_id
                )
            )
        )

    @invariant()
    def money_is_never_counted_twice(self):
        added = self._beyond_allowances() - self.baseline_extra
        assert scenario_total(self.dp_id) == self.baseline_total + added

    @invariant()
    def every_transition_is_audited(self):
        assert self._transition_events() - self.baseline_events == self.successes


def test_workflow_state_machine(app):
    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=8,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


def test_staffing_approval_splits_by_fiscal_year(app):
    request = db.session.scalar(
        sa.select(StaffingRequest)
        .where(StaffingRequest.status == RequestStatus.SUBMITTED)
        .order_by(StaffingRequest.id)
        .limit(1)
    )
    workflow.transition(user("rm@example.gov"), request, Transition.APPROVE)
    db.session.commit()
    lines = db.session.scalars(
        sa.select(BudgetLine).where(BudgetLine.source == LineSource.STAFFING, BudgetLine.source_id == request.id)
    ).all()
    years = {year["fiscal_year"]: year for year in request.estimate["by_fiscal_year"]}
    # Only FY2027 has a Diplomatic Programs appropriation in the demo office: later years wait for theirs.
    assert {line.fiscal_year for line in lines} == {2027}
    expected = Decimal(years[2027]["total"])
    assert Decimal(sum(line.amount_cents for line in lines)) / 100 == expected
    assert {line.object_class.code for line in lines} == {
        years[2027]["pay_object_class"],
        years[2027]["benefits_object_class"],
    } - {None}
