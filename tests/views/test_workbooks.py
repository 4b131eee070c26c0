"""Scenario pages and API: clone, lock, compare, the workbook download and the import round trip."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import sqlalchemy as sa
from helpers import bearer, csrf_from, import_own_export, own_export, plan_scenario
from openpyxl import load_workbook

from models import BudgetLine, ImportBatch, Scenario, ScenarioStatus, db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_viewers_download_the_workbook(client):
    response = client.get(f"/api/v1/scenarios/{plan_scenario().id}/export.xlsx", headers=bearer("viewer@example.gov"))
    assert response.status_code == 200
    assert response.mimetype == XLSX
    content = response.get_data()
    response.close()
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    assert "Detail" in workbook.sheetnames
    assert "Summary" in "".join(workbook.sheetnames)


def test_an_account_code_with_a_character_no_cell_holds_still_exports(client):
    """Found by the API fuzz: a control character in an account code reached a SUMIFS formula (a 500).
    The formula's criterion is cleaned as the cell is, so the account's row sums its own lines."""
    headers = bearer("rm@example.gov")
    plan = plan_scenario()
    body = {
        "account_code": "X\x01Y",
        "title": "Odd code",
        "category": "operations",
        "fiscal_year": 2027,
        "availability_years": 1,
        "enacted": "100.00",
        "apportioned": "100.00",
        "allotted": "100.00",
    }
    made = client.post("/api/v1/appropriations", json=body, headers=headers)
    assert made.status_code == 201, made.get_json()
    line = db.session.scalar(sa.select(BudgetLine).where(BudgetLine.scenario_id == plan.id))
    added = client.post(
        "/api/v1/budget-lines",
        json={
            "scenario": plan.id,
            "appropriation": made.get_json()["id"],
            "fiscal_year": 2027,
            "object_class": line.object_class_id,
            "division": line.division_id,
            "description": "On the odd account",
            "amount": "42.50",
        },
        headers=headers,
    )
    assert added.status_code == 201, added.get_json()
    response = client.get(f"/api/v1/scenarios/{plan.id}/export.xlsx", headers=headers)
    assert response.status_code == 200
    content = response.get_data()
    response.close()
    detail = load_workbook(io.BytesIO(content), read_only=True)["Detail"]
    assert any("XY FY2027" in row for row in detail.iter_rows(values_only=True))


def test_import_round_trip_through_the_api(client):
    plan = plan_scenario()
    headers = bearer("rm@example.gov")
    lines = list(
        db.session.scalars(sa.select(BudgetLine).where(BudgetLine.scenario_id == plan.id).order_by(BudgetLine.id))
    )

    def edit(workbook):
        sheet = workbook["Detail"]
        header = [cell.value for cell in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            if row[header.index("Line id")].value == lines[0].id:
                row[header.index("Amount")].value = Decimal("777.77")

    content = own_export(plan, edit)
    response = client.post(
        f"/api/v1/scenarios/{plan.id}/imports",
        headers=headers,
        data={"file": (io.BytesIO(content), "edited.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    preview = response.get_json()
    assert (len(preview["added"]), len(preview["changed"]), len(preview["removed"]), preview["errors"]) == (0, 1, 0, [])
    assert db.session.get(BudgetLine, lines[0].id).amount_cents == lines[0].amount_cents  # nothing written yet
    committed = client.post(f"/api/v1/imports/{preview['id']}/commit", headers=headers)
    assert committed.status_code == 200
    assert db.session.get(BudgetLine, lines[0].id).amount_cents == 77_777
    again = client.post(f"/api/v1/imports/{preview['id']}/commit", headers=headers)
    assert again.status_code == 409


def test_a_hostile_upload_is_a_clear_422_and_writes_nothing(client):
    plan = plan_scenario()
    count = db.session.scalar(sa.select(sa.func.count(ImportBatch.id)))
    for content in (b"%PDF-1.7 not a workbook", b"", b"PK\x03\x04truncated"):
        response = client.post(
            f"/api/v1/scenarios/{plan.id}/imports",
            headers=bearer("rm@example.gov"),
            data={"file": (io.BytesIO(content), "bad.xlsx")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"]["file"]
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == count


def test_upload_preview_commit_through_pages(client, auth):
    plan = plan_scenario()
    auth.login("rm@example.gov")
    page = client.get(f"/scenarios/{plan.id}").get_data(as_text=True)
    content = own_export(plan, lambda workbook: workbook["Detail"].delete_rows(2))
    response = client.post(
        f"/scenarios/{plan.id}/imports",
        content_type="multipart/form-data",
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(content), "edited.xlsx")},
    )
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>1</strong> removed" in preview
    batch = db.session.scalar(sa.select(ImportBatch).order_by(ImportBatch.id.desc()))
    removed_id = batch.preview["removed"][0]["id"]
    response = client.post(f"/imports/{batch.id}/commit", data={"csrf_token": csrf_from(preview)})
    assert response.status_code == 302
    assert db.session.get(BudgetLine, removed_id) is None


def test_clone_and_compare_through_the_api(client):
    plan = plan_scenario()
    headers = bearer("rm@example.gov")
    response = client.post(f"/api/v1/scenarios/{plan.id}/clone", json={"name": "Full-year CR"}, headers=headers)
    assert response.status_code == 201
    copy = response.get_json()
    duplicate = client.post(f"/api/v1/scenarios/{plan.id}/clone", json={"name": "Full-year CR"}, headers=headers)
    assert duplicate.status_code == 422
    compared = client.get(f"/api/v1/scenarios/{plan.id}/compare/{copy['id']}?by=appropriation", headers=headers)
    assert compared.status_code == 200
    body = compared.get_json()
    assert all(row["difference"] == "0.00" for row in body["rows"])
    assert body["total"]["a"] == body["total"]["b"]
    bad = client.get(f"/api/v1/scenarios/{plan.id}/compare/{copy['id']}?by=colour", headers=headers)
    assert bad.status_code == 422


def test_lock_from_the_page(client, auth):
    plan = plan_scenario()
    auth.login("rm@example.gov")
    page = client.get(f"/scenarios/{plan.id}").get_data(as_text=True)
    response = client.post(f"/scenarios/{plan.id}/lock", data={"csrf_token": csrf_from(page), "version": plan.version})
    assert response.status_code == 302
    assert db.session.get(Scenario, plan.id).status == ScenarioStatus.LOCKED


def test_cli_writes_the_workbook(runner, tmp_path):
    out = tmp_path / "submission.xlsx"
    result = runner.invoke(args=["export", "submission", "--scenario", str(plan_scenario().id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = load_workbook(out, read_only=True)
    assert "Detail" in written.sheetnames
    written.close()  # a read-only workbook keeps its file open until closed
    missing = runner.invoke(args=["export", "submission", "--scenario", "999999", "--out", str(out)])
    assert missing.exit_code == 2
    assert missing.output.strip().count("\n") == 0


def test_the_scenario_page_offers_the_moves_its_status_allows(client, auth):
    plan = plan_scenario()
    auth.login("rm@example.gov")
    expected = {
        ScenarioStatus.DRAFT: {"Lock", "Mark as submitted"},
        ScenarioStatus.LOCKED: {"Unlock", "Mark as submitted"},
        ScenarioStatus.SUBMITTED: set(),
    }
    for status, buttons in expected.items():
        plan.status = status
        db.session.commit()
        page = client.get(f"/scenarios/{plan.id}").get_data(as_text=True)
        move_form = rf'action="/scenarios/{plan.id}/(?:lock|unlock|submit)">.*?>([^<>]+)</button>'
        offered = set(re.findall(move_form, page, re.S))
        assert offered == buttons, status


def test_a_preview_whose_scenario_was_locked_since_says_so_instead_of_offering_the_commit(client, auth):
    plan = plan_scenario()
    auth.login("rm@example.gov")
    batch = import_own_export(plan, lambda workbook: workbook["Detail"].delete_rows(2))
    assert "Commit this change" in client.get(f"/imports/{batch.id}").get_data(as_text=True)  # one row removed
    plan.status = ScenarioStatus.LOCKED
    db.session.commit()
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "Commit this change" not in page
    assert f"The scenario {plan.name} is locked; unlock it to import." in page
