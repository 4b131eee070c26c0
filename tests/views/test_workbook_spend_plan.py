"""The workbook's Spend plan sheet agrees to the cent with the execution API, month by month."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import sqlalchemy as sa
from helpers import bearer, plan_scenario
from openpyxl import load_workbook

from models import Appropriation, BudgetLine, db

HEADER_ROW = 4


def _cents(value: object) -> int:
    if isinstance(value, str):
        assert re.fullmatch(r"-?[0-9]+\.[0-9]{2}", value), value
        return int(value.replace(".", ""))
    assert isinstance(value, int | float), f"not a number: {value!r}"
    return int(Decimal(repr(value)).quantize(Decimal("0.01")) * 100)


def test_the_spend_plan_sheet_agrees_with_the_execution_api_to_the_cent(client):
    plan = plan_scenario()
    headers = bearer("viewer@example.gov")
    response = client.get(f"/api/v1/scenarios/{plan.id}/export.xlsx", headers=headers)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()))
    response.close()
    assert workbook.sheetnames.index("Spend plan") == workbook.sheetnames.index("Detail") - 1
    ws = workbook["Spend plan"]
    as_of = re.search(r"as of ([0-9]{4}-[0-9]{2}-[0-9]{2})", ws["A2"].value).group(1)

    # The columns: every appropriation the scenario plans on, by fiscal year then account (by SQL, not the writer).
    planned_on = db.session.scalars(
        sa.select(Appropriation)
        .where(Appropriation.id.in_(sa.select(BudgetLine.appropriation_id).where(BudgetLine.scenario_id == plan.id)))
        .order_by(Appropriation.fiscal_year, Appropriation.account_code)
    ).all()
    assert len(planned_on) >= 2
    header = [cell.value for cell in ws[HEADER_ROW]]
    assert header == ["Month", *(funds.label for funds in planned_on), "Total"]

    rows = list(ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert rows[-1][0] == "Total"
    month_rows = {row[0]: row for row in rows[:-1]}
    assert len(month_rows) >= 12
    assert list(month_rows) == sorted(month_rows)
    seen_months: set[str] = set()
    for column, funds in enumerate(planned_on, start=1):
        answer = client.get(
            f"/api/v1/appropriations/{funds.id}/execution",
            query_string={"scenario": plan.id, "as_of": as_of},
            headers=headers,
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        months = {month["month"]: _cents(month["planned"]) for month in answer.get_json()["months"]}
        seen_months |= set(months)
        for month, row in month_rows.items():
            assert _cents(row[column]) == months.get(month, 0), (funds.label, month)
    assert seen_months == set(month_rows)  # the union of the appropriations' months, nothing else

    total_column = len(planned_on) + 2
    last_month_row = HEADER_ROW + len(month_rows)
    for offset, row in enumerate(rows[:-1]):
        sheet_row = HEADER_ROW + 1 + offset
        assert row[total_column - 1] == f"=SUM(B{sheet_row}:{ws.cell(1, total_column - 1).column_letter}{sheet_row})"
    for column in range(2, total_column + 1):
        letter = ws.cell(1, column).column_letter
        assert rows[-1][column - 1] == f"=SUM({letter}{HEADER_ROW + 1}:{letter}{last_month_row})"
