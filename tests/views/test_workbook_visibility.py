"""The submission workbook shows a division head or staff member their own division's requests only."""

from __future__ import annotations

import io
from contextlib import closing

import pytest
import sqlalchemy as sa
from helpers import plan_scenario
from openpyxl import load_workbook

from models import Division, RequestStatus, StaffingRequest, TravelRequest, db


def _workbook_text(client, scenario_id: int, sheets: tuple[str, ...] | None = None) -> str:
    response = client.get(f"/scenarios/{scenario_id}/export.xlsx")
    assert response.status_code == 200
    data = response.data
    response.close()  # the spooled file behind send_file
    with closing(load_workbook(io.BytesIO(data), read_only=True)) as workbook:
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            if sheets is None or sheet.title in sheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )


def _staffing_kinds(division_code: str, scenario_id: int, *, other: bool) -> set[str]:
    """Kinds of approved staffing (rows of the Staffing sheet) of a division, or of every other one."""
    division_id = db.session.scalar(sa.select(Division.id).where(Division.code == division_code))
    inside = StaffingRequest.division_id != division_id if other else StaffingRequest.division_id == division_id
    found = db.session.scalars(
        sa.select(StaffingRequest).where(
            StaffingRequest.scenario_id == scenario_id, StaffingRequest.status == RequestStatus.APPROVED, inside
        )
    )
    return {record.kind.label for record in found}


def _traces(division_code: str, scenario_id: int, *, other: bool) -> set[str]:
    """What would reveal a division's requests in the workbook: the ids as lines name them, titles, travelers."""
    division = db.session.scalar(sa.select(Division).where(Division.code == division_code))
    traces = set()
    for model, kind in ((TravelRequest, "Travel"), (StaffingRequest, "Staffing")):
        inside = model.division_id != division.id if other else model.division_id == division.id
        for record in db.session.scalars(
            sa.select(model).where(
                model.scenario_id == scenario_id,
                inside,
                model.status.in_([RequestStatus.APPROVED, RequestStatus.SUBMITTED]),
            )
        ):
            if record.status == RequestStatus.APPROVED:  # its budget lines name it in Detail
                traces.add(f"{kind} request {record.id}:")
            if kind == "Travel":  # the Travel sheet lists submitted and approved trips
                traces.add(record.title)
    return traces


@pytest.mark.parametrize("email", ["head-ip@example.gov", "staff-ip@example.gov"])
def test_a_division_sees_only_its_own_requests_in_the_workbook(client, auth, email):
    plan = plan_scenario()
    others = _traces("IP", plan.id, other=True)
    own = _traces("IP", plan.id, other=False)
    assert others, "the demo has other divisions' requests in the plan"
    others -= own  # a title two divisions share would reveal nothing
    auth.login(email)
    text = _workbook_text(client, plan.id)
    assert [trace for trace in others if trace in text] == []
    assert "request of another division" in text  # their lines stay, so totals still add up
    assert any(trace in text for trace in own)  # and the division's own requests are there
    other_kinds = _staffing_kinds("IP", plan.id, other=True) - _staffing_kinds("IP", plan.id, other=False)
    assert other_kinds, "the demo has other divisions' approved staffing"
    staffing = _workbook_text(client, plan.id, ("Staffing",))
    assert [kind for kind in other_kinds if kind in staffing] == []  # nor their positions in the Staffing sheet


@pytest.mark.parametrize("email", ["rm@example.gov", "viewer@example.gov"])
def test_resource_managers_and_viewers_see_every_division(client, auth, email):
    plan = plan_scenario()
    auth.login(email)
    text = _workbook_text(client, plan.id)
    missing = [trace for trace in _traces("IP", plan.id, other=True) if trace not in text]
    assert missing == []
    assert "request of another division" not in text
    staffing = _workbook_text(client, plan.id, ("Staffing",))
    assert [kind for kind in _staffing_kinds("IP", plan.id, other=True) if kind not in staffing] == []
