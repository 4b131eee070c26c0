"""Administrators keep the travel purposes, the city-pair fares and the pay table."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from helpers import csrf_from

from models import AuditEvent, CityPairFare, PayRate, StaffingKind, TravelPurpose, db
from services.requests import costing

HEADER = "pay_plan,grade,step,year,annual,locality,source\n"


@pytest.fixture
def admin(client, auth):
    auth.login("admin@example.gov")
    return client


def _page(admin) -> str:
    return admin.get("/admin/reference").get_data(as_text=True)


def _upload(admin, text: str):
    return admin.post(
        "/admin/reference/pay-table",
        content_type="multipart/form-data",
        data={"csrf_token": csrf_from(_page(admin)), "file": (io.BytesIO(text.encode()), "pay.csv")},
    )


def test_a_loaded_pay_table_prices_new_staffing_estimates(admin):
    csv_text = HEADER + "".join(
        f'GS,13,{step},2027,"{150_000 + step * 1000:,}",DC,OPM 2027 (test)\n' for step in range(1, 11)
    )
    response = _upload(admin, csv_text)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(PayRate.id)).where(PayRate.year == 2027)) == 10
    estimate = costing.estimate_staffing(
        costing.StaffingInput(
            kind=StaffingKind.CIVIL_SERVICE,
            pay_plan="GS",
            grade=13,
            step=1,
            annual_rate=None,
            fte=Decimal(1),
            start_date=dt.date(2027, 10, 1),
            end_date=None,
        )
    )
    assert estimate.annual_pay == Decimal("151000.00")  # the 2027 table's GS-13 step 1, a full fiscal year


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("grade,step\n1,1\n", "missing"),
        (HEADER + "GS,16,1,2027,100000,DC,x\n", "grades run 1 to 15"),
        (HEADER + "GS,13,1,2027,1e5,DC,x\n", "at most two decimal places"),
        (HEADER + "XX,1,1,2027,100,DC,x\n", "GS or FS"),
        (HEADER + f"GS,{'9' * 5000},1,2027,100,DC,x\n", "a whole number"),  # past int()'s 4,300 digits: was a 500
        (HEADER + "GS,13,1,2027,100,DC,x\nGS,13,1,2027,200,DC,x\n", "appear twice"),
    ],
)
def test_a_bad_pay_table_changes_nothing(admin, text, message):
    before = db.session.scalar(sa.select(sa.func.count(PayRate.id)))
    response = _upload(admin, text)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(PayRate.id))) == before


def test_fares_and_purposes_are_kept_with_an_audit_trail(admin):
    response = admin.post(
        "/admin/reference/fares",
        data={
            "csrf_token": csrf_from(_page(admin)),
            "origin": "Washington",
            "destination": "Tashkent",
            "fare": "2,150",
        },
    )
    assert response.status_code == 302
    fare = db.session.scalar(sa.select(CityPairFare).where(CityPairFare.destination == "Tashkent"))
    assert fare.fare_cents == 215_000
    estimate = costing.estimate_travel(
        [costing.LegInput("washington", "Tashkent", "UZB", dt.date(2027, 4, 1), dt.date(2027, 4, 3))], None, Decimal(0)
    )
    assert estimate.airfare == Decimal("2150.00")
    purpose = db.session.scalar(sa.select(TravelPurpose).limit(1))
    admin.post(f"/admin/reference/purposes/{purpose.id}/retire", data={"csrf_token": csrf_from(_page(admin))})
    assert db.session.get(TravelPurpose, purpose.id).active is False
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"city_pair_fare.create", "travel_purpose.update"} <= actions


def test_an_administrator_grants_and_withdraws_the_right_to_manage_programs(admin, client, auth):
    """Division rights are data on the division: granted here, a division's head may then record awards;
    the last division that manages programs keeps the right."""
    from models import Division

    rpa = db.session.scalar(sa.select(Division).where(Division.code == "RPA"))
    ip = db.session.scalar(sa.select(Division).where(Division.code == "IP"))
    assert not rpa.manages_programs
    assert ip.manages_programs
    granted = admin.post(f"/admin/reference/divisions/{rpa.id}/grant", data={"csrf_token": csrf_from(_page(admin))})
    assert granted.status_code == 302
    db.session.expire_all()
    assert rpa.manages_programs
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity == "division", AuditEvent.entity_id == rpa.id)
    ).all()
    assert [event.action for event in events] == ["division.update"]

    auth.logout()
    auth.login("head-rpa@example.gov")
    assert client.get("/programs/awards/new").status_code == 200  # the right, read from the division
    auth.logout()
    auth.login("admin@example.gov")

    for division in (rpa, ip):  # withdraw from both: the second refusal keeps one division with the right
        admin.post(f"/admin/reference/divisions/{division.id}/withdraw", data={"csrf_token": csrf_from(_page(admin))})
    db.session.expire_all()
    assert not rpa.manages_programs
    assert ip.manages_programs
    assert "the only division that manages programs" in _page(admin)
