"""The execution page's breakdowns show names and the office's highlight, and the API the same cents."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest
import sqlalchemy as sa
from execution_data import breakdown_example
from helpers import api_cents, bearer

from models import User, db
from money import format_dollars
from services.office.settings import office_settings, save_office_settings

API = "/api/v1"
AS_OF = "2026-12-15"
TABLES = {
    "by_division": ("execution-by-division", "By division"),
    "by_object_class": ("execution-by-object-class", "By object class"),
    "by_region": ("execution-by-region", "By region (program funds, through awards)"),
    "by_priority": ("execution-by-priority", "By priority (program funds, through awards)"),
}


@pytest.fixture
def token(app) -> dict[str, str]:
    return bearer("viewer@example.gov")


def _page(client, funds, scenario) -> str:
    page = client.get(f"/appropriations/{funds.id}/execution", query_string={"scenario": scenario.id, "as_of": AS_OF})
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _table(html: str, table_id: str) -> str:
    return html.split(f'id="{table_id}"')[1].split("</table>")[0]


def _row(table: str, name: str) -> str:
    return table.split(f'<th scope="row">{name}</th>')[1].split("</tr>")[0]


def test_the_api_answers_the_breakdowns_hand_computed(app, client, token):
    funds, scenario = breakdown_example()
    body = client.get(
        f"{API}/appropriations/{funds.id}/execution",
        query_string={"scenario": scenario.id, "as_of": AS_OF},
        headers=token,
    ).get_json()
    africa = body["by_region"][0]
    assert {key: value for key, value in africa.items() if key != "id"} == {
        "name": "Africa",
        "planned": "1200.00",
        "planned_to_date": "300.00",
        "obligated": "400.00",
        "expended": "50.00",
        "variance": "100.00",
    }
    assert body["by_region"][-1] == {
        "id": None,
        "name": "Not through an award",
        "planned": "0.00",
        "planned_to_date": "0.00",
        "obligated": "22.00",
        "expended": "17.00",
        "variance": "22.00",
    }
    assert [row["name"] for row in body["by_division"]] == [
        "International Programs",
        "Reports and Political Affairs",
        "Office-wide",
    ]
    assert body["by_division"][0]["planned_to_date"] == "300.03"
    for field in TABLES:  # each table adds up to the appropriation's figures and the month table's plan to date
        rows = body[field]
        assert sum(api_cents(row["planned"]) for row in rows) == api_cents(body["planned"]) == 180_010
        assert sum(api_cents(row["obligated"]) for row in rows) == api_cents(body["obligated"]) == 52_200
        assert sum(api_cents(row["expended"]) for row in rows) == api_cents(body["expended"]) == 6_700
        assert sum(api_cents(row["planned_to_date"]) for row in rows) == 45_003
        assert sum(api_cents(month["planned"]) for month in body["months"][:3]) == 45_003


def test_the_page_shows_names_not_codes_and_the_apis_cents(app, client, auth, token):
    funds, scenario = breakdown_example()
    body = client.get(
        f"{API}/appropriations/{funds.id}/execution",
        query_string={"scenario": scenario.id, "as_of": AS_OF},
        headers=token,
    ).get_json()
    auth.login("viewer@example.gov")
    html = _page(client, funds, scenario)
    for field, (table_id, heading) in TABLES.items():
        assert f"<h2>{heading}</h2>" in html
        table = _table(html, table_id)
        assert "<caption>" in table
        for answer in body[field]:
            cells = re.findall(r'<td class="money[^"]*">([^<]*)', _row(table, answer["name"]))
            assert cells[:4] == [
                format_dollars(api_cents(answer[name]))
                for name in ("planned", "planned_to_date", "obligated", "expended")
            ], (field, answer["name"])
            assert cells[5].strip() == format_dollars(api_cents(answer["variance"]))
        total = re.findall(r'<td class="money[^"]*">([^<]*)', _row(table, "Total"))
        assert total[:4] == [format_dollars(cents) for cents in (180_010, 45_003, 52_200, 6_700)]
    assert "41.0 Grants, subsidies, and contributions" in _table(html, "execution-by-object-class")
    assert ">International Programs<" in _table(html, "execution-by-division")
    assert ">Prosecution<" in _table(html, "execution-by-priority")
    for code in (">IP<", ">RPA<", ">AF<", ">EAP<", ">41.0<", ">prosecution<"):
        assert code not in html


def test_the_highlight_follows_the_offices_threshold(app, client, auth):
    funds, scenario = breakdown_example()
    # As of 2026-12-15: International Programs is $114.97 (38.3%) ahead of plan, Reports and
    # Political Affairs $50.00 (33.3%) behind.
    auth.login("viewer@example.gov")
    html = _table(_page(client, funds, scenario), "execution-by-division")
    assert "is-off-plan" in _row(html, "International Programs")
    assert "is-off-plan" in _row(html, "Reports and Political Affairs")
    assert "(beyond 10%)" in _row(html, "Reports and Political Affairs")

    admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.gov"))
    save_office_settings(admin, replace(office_settings(), variance_threshold_percent=Decimal("35")))
    db.session.commit()
    html = _table(_page(client, funds, scenario), "execution-by-division")
    assert "is-off-plan" in _row(html, "International Programs")
    assert "(beyond 35%)" in _row(html, "International Programs")
    assert "is-off-plan" not in _row(html, "Reports and Political Affairs")
    assert "38.3%" in _row(html, "International Programs")
    assert "-33.3%" in _row(html, "Reports and Political Affairs")
