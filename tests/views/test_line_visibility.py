"""A line that another division's request wrote keeps its amount but not its description (the
request's title and traveler) for a division head or staff member, on the line pages and in the API,
as in the submission workbook; resource managers and viewers read it whole."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from helpers import Auth, user
from markupsafe import escape

from models import BudgetLine, Division, LineSource, db
from money import format_dollars
from services.office.accounts import issue_token

HIDDEN = "Travel request of another division"


def _other_divisions_trip_line() -> BudgetLine:
    """A committed travel line of International Programs (a demo request was approved)."""
    ip = db.session.scalar(sa.select(Division.id).where(Division.code == "IP"))
    line = db.session.scalar(
        sa.select(BudgetLine)
        .where(BudgetLine.source == LineSource.TRAVEL, BudgetLine.division_id == ip)
        .order_by(BudgetLine.id)
        .limit(1)
    )
    assert line is not None
    assert line.description
    return line


@pytest.mark.parametrize(
    ("email", "sees"),
    [
        ("head-rpa@example.gov", False),
        ("rm@example.gov", True),
        ("viewer@example.gov", True),
        ("head-ip@example.gov", True),
    ],
)
def test_a_request_lines_description_is_for_those_who_see_the_request(client, email, sees):
    line = _other_divisions_trip_line()
    token = issue_token(None, user(email), "visibility test")
    Auth(client).login(email)

    page = client.get(f"/lines/{line.id}").get_data(as_text=True)
    listed = client.get(f"/lines?scenario={line.scenario_id}&source=travel&per_page=200").get_data(as_text=True)
    shown = client.get(f"/api/v1/budget-lines/{line.id}", headers={"Authorization": f"Bearer {token}"}).get_json()

    assert format_dollars(line.amount_cents) in page  # the amount always shows: totals add up
    assert shown["amount"] is not None
    described = str(escape(line.description))  # as the page writes it
    assert (described in page) is sees
    assert (HIDDEN in page) is not sees
    assert (described in listed) is sees
    assert shown["description"] == (line.description if sees else HIDDEN)
