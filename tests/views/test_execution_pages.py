"""The office's execution page, the award pipeline and the dashboard's lapse flag, as a reader sees them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from execution_data import execution_example

from models import ActualTransaction, OfficeSetting, db
from models.reference import fiscal_year_of


def _text(response) -> str:
    """The page's HTML with its runs of white space as single spaces, as a reader sees the words."""
    return " ".join(response.get_data(as_text=True).split())


def _set_lapse_threshold(cents: int) -> None:
    db.session.merge(OfficeSetting(key="lapse_threshold", value=str(cents)))
    db.session.commit()


def test_the_office_page_lists_the_account_with_its_forecast_and_flag(client, auth):
    _, scenario = execution_example()
    _set_lapse_threshold(5_000)
    auth.login("viewer@example.gov")
    html = _text(client.get(f"/execution/?scenario={scenario.id}&as_of=2027-06-30"))
    assert (
        "TEST FY2027 expires on 2027-09-30: at the pace of the last three months, $66 will be left unobligated"
        " (more than the office's $50)" in html
    )
    row = html[html.index("TEST FY2027</a></th>") :]
    row = row[: row.index("</tr>")]
    for figure in ("$1,000<", "$1,200.05<", "$842<", "$200<", "$642<", "$158<", "$66 ", "at risk"):
        assert figure in row


def test_an_expired_account_says_when_it_cancels(client, auth):
    _, scenario = execution_example()
    auth.login("viewer@example.gov")
    html = _text(client.get(f"/execution/?scenario={scenario.id}&as_of=2027-10-01"))
    expired = html[html.index('id="expired-accounts"') :]
    assert "$78<" in expired  # left for adjustments: $1,000.00 allotted less $922.00 obligated
    assert "$592<" in expired  # still to pay: $922.00 obligated less $330.00 expended
    assert "2032-09-30 (in 1826 days)" in expired


def _expiring_this_year_with_a_cent_obligated_today() -> None:
    """$1,000.00 allotted, expiring at the end of today's fiscal year, one cent obligated today: a cent
    in the three months' window is at most five cents over the year left, so between $999.90 and
    $1,000.00 is forecast to lapse."""
    funds, _ = execution_example()
    today = dt.date.today()
    funds.account_code, funds.fiscal_year = "LAPSE", fiscal_year_of(today)
    transaction = db.session.scalar(sa.select(ActualTransaction).where(ActualTransaction.transaction_id == "EXEC-T1"))
    transaction.posted_on, transaction.obligation_cents = today, 1
    db.session.execute(
        sa.delete(ActualTransaction).where(ActualTransaction.transaction_id.in_(["EXEC-T2", "EXEC-T3", "EXEC-T4"]))
    )
    db.session.commit()


def test_the_dashboard_flags_an_account_at_risk_of_lapsing(client, auth):
    _expiring_this_year_with_a_cent_obligated_today()
    label = f"LAPSE FY{fiscal_year_of(dt.date.today())}"
    auth.login("rm@example.gov")
    _set_lapse_threshold(99_990)
    assert f"{label} is at risk of lapsing" in _text(client.get("/"))
    _set_lapse_threshold(100_000)
    assert f"{label} is at risk of lapsing" not in _text(client.get("/"))


def test_the_pipeline_page_flags_awards_and_names_them(client, auth):
    auth.login("viewer@example.gov")
    html = _text(client.get("/execution/pipeline?as_of=2027-06-30"))
    assert "0 of 0 awards flagged." in html
    assert "No award has actuals yet" in html


def test_an_expired_accounts_own_page_says_it_is_open_only_to_adjustments(client, auth):
    funds, scenario = execution_example()
    auth.login("viewer@example.gov")
    html = _text(client.get(f"/appropriations/{funds.id}/execution?scenario={scenario.id}&as_of=2027-10-01"))
    assert (
        "open only to adjustments of existing obligations: $78 left to adjust, $592 still to pay;"
        " cancelled on 2032-09-30"
    ) in html
    before = _text(client.get(f"/appropriations/{funds.id}/execution?scenario={scenario.id}&as_of=2027-09-30"))
    assert "open only to adjustments" not in before


def test_a_scenario_that_does_not_exist_is_not_found_and_a_bad_date_is_said(client, auth):
    funds, _ = execution_example()
    auth.login("viewer@example.gov")
    for page in (
        "/execution/",
        f"/appropriations/{funds.id}/execution",
        f"/appropriations/{funds.id}/spending-profiles",
    ):
        assert client.get(f"{page}?scenario=999999").status_code == 404
    html = _text(client.get(f"/appropriations/{funds.id}/execution?as_of=2027-02-30"))
    assert "“2027-02-30” is not a date (YYYY-MM-DD) in the years Apportion holds: showing today." in html
    assert f'value="{dt.date.today().isoformat()}"' in html
