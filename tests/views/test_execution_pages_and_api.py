"""The execution API answers the contract's shape, and the page shows the same cents."""

from __future__ import annotations

import re

import pytest
from execution_data import execution_example
from helpers import api_cents, bearer

from money import format_dollars

API = "/api/v1"
FIELDS = [
    "appropriation",
    "scenario",
    "as_of",
    "allotted",
    "planned",
    "obligated",
    "expended",
    "unliquidated",
    "unobligated",
    "months",
    "lapse",
    "by_division",  # the contract's fields, then ours
    "by_object_class",
    "by_region",
    "by_priority",
]


@pytest.fixture
def token(app) -> dict[str, str]:
    return bearer("viewer@example.gov")


def test_the_answer_has_the_contracts_shape_and_figures(app, client, token):
    funds, scenario = execution_example()
    answer = client.get(
        f"{API}/appropriations/{funds.id}/execution",
        query_string={"scenario": scenario.id, "as_of": "2027-06-30"},
        headers=token,
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert set(body) == set(FIELDS)
    assert (body["appropriation"], body["scenario"], body["as_of"]) == (funds.id, scenario.id, "2027-06-30")
    assert [body[name] for name in FIELDS[3:9]] == ["1000.00", "1200.05", "842.00", "200.00", "642.00", "158.00"]
    assert body["lapse"] == {"expires_on": "2027-09-30", "forecast_unobligated": "66.00"}
    assert [month["month"] for month in body["months"]][::11] == ["2026-10", "2027-09"]
    assert body["months"][0] == {"month": "2026-10", "planned": "100.01", "obligated": "500.00", "expended": "0.00"}
    assert sum(api_cents(month["planned"]) for month in body["months"]) == api_cents(body["planned"])


def test_as_of_defaults_to_today_and_the_scenario_to_the_appropriations(app, client, token):
    funds, scenario = execution_example()
    body = client.get(f"{API}/appropriations/{funds.id}/execution", headers=token).get_json()
    assert body["scenario"] == scenario.id
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", body["as_of"])


@pytest.mark.parametrize(
    ("as_of", "status"), [("2027-02-30", 400), ("20270630", 400), ("junk", 400), ("2300-01-01", 422)]
)
def test_a_bad_as_of_is_refused_naming_it(app, client, token, as_of, status):
    funds, _ = execution_example()
    answer = client.get(f"{API}/appropriations/{funds.id}/execution?as_of={as_of}", headers=token)
    assert answer.status_code == status
    assert "as_of" in answer.get_json()["error"]["fields"]


def test_the_page_shows_the_apis_cents(app, client, auth, token):
    funds, scenario = execution_example()
    query = {"scenario": scenario.id, "as_of": "2027-06-30"}
    body = client.get(f"{API}/appropriations/{funds.id}/execution", query_string=query, headers=token).get_json()
    auth.login("viewer@example.gov")
    page = client.get(f"/appropriations/{funds.id}/execution", query_string=query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    totals = html.split('id="execution-totals"')[1].split("</dl>")[0]
    for name in ("allotted", "planned", "obligated", "expended", "unliquidated", "unobligated"):
        assert f">{format_dollars(api_cents(body[name]))}<" in totals, name
    assert f">{format_dollars(api_cents(body['lapse']['forecast_unobligated']))}<" in totals
    table = html.split('id="execution-months"')[1].split("</table>")[0]
    for month in body["months"]:
        row = table.split(f'<th scope="row">{month["month"]}</th>')[1].split("</tr>")[0]
        cells = re.findall(r'<td class="money[^"]*">([^<]*)', row)
        assert cells[:3] == [format_dollars(api_cents(month[name])) for name in ("planned", "obligated", "expended")]
    assert 'class="chart__marker"' in html
    assert "As of 2027-06-30" in html
    assert "is-off-plan" in table  # October obligated $500.00 against $100.01 planned


def test_the_appropriation_page_links_to_its_execution(app, client, auth):
    funds, _ = execution_example()
    auth.login("viewer@example.gov")
    html = client.get(f"/appropriations/{funds.id}").get_data(as_text=True)
    assert f"/appropriations/{funds.id}/execution" in html
