"""The reprogramming API a script relies on (issue 17): drafting with each move judged, the steps to
execution, and bad input refused with the field named and nothing written.

The moves are between countries of INCLE FY2026 (two-year funds, expiring 30 September 2027) in the
FY2027 plan, whose only lines these tests write, so every base is known: Protection in Argentina
$10,000,000, in Barbados $5,000,000 and in Paraguay $20,000,000.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa
from helpers import api_cents, appropriation, bearer, database_fingerprint, plan_scenario, priority_id, user

from models import (
    BudgetLine,
    Country,
    Division,
    LineSource,
    ObjectClass,
    Reprogramming,
    Scenario,
    ScenarioStatus,
    db,
)
from services.office.settings import office_settings, save_office_settings
from services.reprogramming.queries import cumulative_moves

API = "/api/v1"
BASES = {"ARG": 1_000_000_000, "BRB": 500_000_000, "PRY": 2_000_000_000}  # cents


def country(iso3: str) -> int:
    return db.session.scalar(sa.select(Country.id).where(Country.iso3 == iso3))


@pytest.fixture
def office(app):
    funds = appropriation("INCLE", 2026)
    for iso3, cents in BASES.items():
        db.session.add(
            BudgetLine(
                scenario_id=plan_scenario().id,
                fiscal_year=2027,
                appropriation_id=funds.id,
                division_id=db.session.scalar(sa.select(Division.id).where(Division.code == "IP")),
                object_class_id=db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "41.0")),
                region_id=db.session.get(Country, country(iso3)).region_id,
                country_id=country(iso3),
                priority_id=priority_id("protection"),
                description=f"Shelters, {iso3}",
                amount_cents=cents,
            )
        )
    db.session.commit()
    return {"funds": funds.id, "rm": bearer("rm@example.gov")}


def body(office: dict, source: str, target: str, amount: str, **more) -> dict:
    return {
        "scenario": plan_scenario().id,
        "appropriation": office["funds"],
        "justification": "Shelter capacity follows the caseload.",
        "moves": [{"from": {"country": country(source)}, "to": {"country": country(target)}, "amount": amount}],
        **more,
    }


def draft(client, office, source, target, amount) -> dict:
    answer = client.post(f"{API}/reprogrammings", json=body(office, source, target, amount), headers=office["rm"])
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def step(client, office, record: dict, action: str, **sent):
    return client.post(
        f"{API}/reprogrammings/{record['id']}/{action}",
        json={"version": record["version"], **sent},
        headers=office["rm"],
    )


def test_a_draft_answers_the_contract(client, office):
    record = draft(client, office, "PRY", "ARG", "1000000.01")

    assert record["status"] == "draft"
    assert record["notification_required"] is True
    (move,) = record["moves"]
    assert (api_cents(move["from_base"]), api_cents(move["to_base"])) == (BASES["PRY"], BASES["ARG"])
    assert move["notification_required"] is True
    assert move["reasons"] == ["augments Argentina by $1,000,000.01, more than $1,000,000"]
    assert move["from"] == {"country": country("PRY")}
    assert move["amount"] == "1000000.01"
    assert client.get(f"{API}/reprogrammings/{record['id']}", headers=office["rm"]).get_json() == record


@pytest.mark.parametrize(
    ("source", "target", "amount", "reasons"),
    [
        ("PRY", "ARG", "1000000.00", []),  # exactly $1,000,000 (and exactly 10% of $10,000,000)
        ("PRY", "BRB", "500000.00", []),  # exactly 10% of $5,000,000
        ("PRY", "BRB", "500000.01", ["augments Barbados by $500,000.01, more than 10% of its base of $5,000,000"]),
        ("ARG", "PRY", "999000.00", []),  # a reduction of 9.99%
        ("ARG", "PRY", "1000000.00", ["reduces Argentina by $1,000,000, 10% or more of its base of $10,000,000"]),
        ("PRY", "LCA", "10.00", ["creates Saint Lucia: it has no money in the plan"]),
        (
            "BRB",
            "PRY",
            "5000000.00",
            [
                "augments Paraguay by $5,000,000, more than $1,000,000",  # 10% of $20,000,000 is $2,000,000
                "eliminates Barbados: it moves all of its $5,000,000",
            ],
        ),
    ],
)
def test_each_threshold_computed_by_hand(client, office, source, target, amount, reasons):
    (move,) = draft(client, office, source, target, amount)["moves"]
    assert move["reasons"] == reasons
    assert move["notification_required"] is bool(reasons)


def test_from_draft_to_executed_with_a_notification_between(client, office):
    record = draft(client, office, "PRY", "ARG", "1000000.01")
    refused = step(client, office, record, "execute")
    assert refused.status_code == 409
    assert "needs a notification under 22 U.S.C. 2706" in refused.get_json()["error"]["message"]

    record = step(client, office, record, "submit").get_json()
    assert record["status"] == "in_review"
    sent = dt.date.today() - dt.timedelta(days=20)
    record = step(client, office, record, "notify", notified_on=sent.isoformat()).get_json()
    assert (record["status"], record["notified_on"]) == ("notified", sent.isoformat())
    assert step(client, office, record, "execute").status_code == 409  # not cleared yet
    record = step(client, office, record, "clear").get_json()
    held = sent + dt.timedelta(days=15)
    assert record["earliest_obligation"] == dt.date.today().isoformat()  # the hold ended five days ago
    assert record["earliest_obligation_reason"].endswith(f"the 15-day hold ends {held.day} {held:%B %Y}.")
    executed = step(client, office, record, "execute")

    assert executed.status_code == 200, executed.get_json()
    assert executed.get_json()["status"] == "executed"
    assert _country_total("PRY") == BASES["PRY"] - 100_000_001
    assert _country_total("ARG") == BASES["ARG"] + 100_000_001
    written = db.session.scalars(sa.select(BudgetLine).where(BudgetLine.source == LineSource.REPROGRAMMING)).all()
    assert [(line.source_id, line.country_id, line.amount_cents) for line in written] == [
        (record["id"], country("ARG"), 100_000_001)
    ]
    again = step(client, office, executed.get_json(), "execute")
    assert again.status_code == 409


def test_executing_waits_for_the_hold_unless_waived(client, office):
    record = draft(client, office, "PRY", "ARG", "1500000.00")
    record = step(client, office, record, "submit").get_json()
    record = step(client, office, record, "notify", notified_on=dt.date.today().isoformat()).get_json()
    record = step(client, office, record, "clear").get_json()
    held = step(client, office, record, "execute")
    assert held.status_code == 409
    ends = dt.date.today() + dt.timedelta(days=15)
    assert f"held until {ends.day} {ends:%B %Y}" in held.get_json()["error"]["message"]

    waived = step(client, office, record, "execute", waiver="Flooding has displaced the shelters' residents.")
    assert waived.status_code == 200
    assert waived.get_json()["waiver_reason"] == "Flooding has displaced the shelters' residents."


def test_no_waiver_where_the_settings_allow_none(client, office):
    save_office_settings(user("admin@example.gov"), replace(office_settings(), reprogramming_waiver=False))
    db.session.commit()
    record = step(client, office, draft(client, office, "PRY", "ARG", "1500000.00"), "submit").get_json()
    refused = step(client, office, record, "execute", waiver="Urgent.")
    assert refused.status_code == 422
    assert "waiver" in refused.get_json()["error"]["fields"]


def test_a_move_needing_no_notice_is_executed_at_once(client, office):
    record = draft(client, office, "PRY", "ARG", "250000.00")
    assert record["notification_required"] is False
    assert record["earliest_obligation"] == dt.date.today().isoformat()
    assert step(client, office, record, "execute").get_json()["status"] == "executed"
    assert _country_total("ARG") == BASES["ARG"] + 25_000_000


def test_small_moves_add_up_in_the_base_and_together_are_flagged(client, office):
    first = draft(client, office, "PRY", "ARG", "600000.00")
    assert step(client, office, first, "execute").status_code == 200
    second = draft(client, office, "PRY", "ARG", "600000.00")
    (move,) = second["moves"]
    assert api_cents(move["to_base"]) == BASES["ARG"] + 60_000_000  # the executed move is in the base
    assert move["notification_required"] is False  # $600,000 is not more than $1,000,000
    assert move["cumulative_reasons"] == [
        "augments Argentina by $1,200,000, more than $1,000,000 (the year's moves together)"
    ]
    assert step(client, office, second, "execute").status_code == 200

    year = {row.label: row for row in cumulative_moves(2027)}
    assert year["Argentina"].reasons == (
        "augments Argentina by $1,200,000, more than $1,000,000 (the year's moves together)",
    )
    assert year["Argentina"].plan_base_cents == BASES["ARG"]
    assert not year["Paraguay"].flagged  # $1,200,000 of $20,000,000: 6%


def test_executing_refuses_once_a_line_it_takes_from_has_changed(client, office):
    record = draft(client, office, "PRY", "ARG", "250000.00")
    line = db.session.scalar(
        sa.select(BudgetLine).where(
            BudgetLine.country_id == country("PRY"), BudgetLine.appropriation_id == office["funds"]
        )
    )
    line.amount_cents -= 100
    db.session.commit()
    before = database_fingerprint()

    refused = step(client, office, record, "execute")

    assert refused.status_code == 409
    assert "changed since this reprogramming was judged" in refused.get_json()["error"]["message"]
    assert database_fingerprint() == before


def test_a_step_on_a_version_no_longer_current_is_refused(client, office):
    record = draft(client, office, "PRY", "ARG", "250000.00")
    stale = step(client, office, record | {"version": record["version"] + 5}, "submit")
    assert stale.status_code == 409
    withdrawn = step(client, office, record, "withdraw", comment="Overtaken by the supplemental.")
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert step(client, office, withdrawn.get_json(), "execute").status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda sent: sent["moves"][0].update(amount="0.00"), "moves[0].amount"),
        (lambda sent: sent["moves"][0].update(amount="20000000.01"), "moves[0]"),  # Paraguay below zero
        (lambda sent: sent["moves"][0]["from"].update(appropriation=1), "moves.0.from.appropriation.key"),
        (lambda sent: sent["moves"][0]["to"].update(country=country("PRY")), "moves[0]"),  # the same group
        (lambda sent: sent["moves"][0]["to"].update(country=2**40), "moves[0].to.country"),
        (lambda sent: sent.update(moves=[]), "moves"),
        (lambda sent: sent.update(justification=" "), "justification"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(client, office, change, field):
    sent = body(office, "PRY", "ARG", "250000.00")
    change(sent)
    before = database_fingerprint()

    answer = client.post(f"{API}/reprogrammings", json=sent, headers=office["rm"])

    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["error"]["fields"]
    assert database_fingerprint() == before


def test_a_locked_scenario_is_refused(client, office):
    locked = db.session.scalar(sa.select(Scenario).where(Scenario.status == ScenarioStatus.LOCKED))
    before = database_fingerprint()
    answer = client.post(
        f"{API}/reprogrammings", json=body(office, "PRY", "ARG", "250000.00", scenario=locked.id), headers=office["rm"]
    )
    assert answer.status_code == 422
    assert "scenario" in answer.get_json()["error"]["fields"]
    assert database_fingerprint() == before


def test_everyone_reads_and_only_a_resource_manager_drafts(client, office):
    draft(client, office, "PRY", "ARG", "250000.00")
    viewer = bearer("viewer@example.gov")
    listed = client.get(f"{API}/reprogrammings?year=2027", headers=viewer).get_json()
    assert [item["status"] for item in listed["items"]] == ["draft"]
    refused = client.post(f"{API}/reprogrammings", json=body(office, "PRY", "ARG", "1.00"), headers=viewer)
    assert refused.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reprogramming)) == 1


def _country_total(iso3: str) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.sum(BudgetLine.amount_cents)).where(
            BudgetLine.appropriation_id == appropriation("INCLE", 2026).id, BudgetLine.country_id == country(iso3)
        )
    )
