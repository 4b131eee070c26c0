"""The programs API: awards, funding notices, proposals and proposal selection, driven as a script would.

Every call carries a bearer token. Expected values are worked out here from
what the test sent (and, for selection, by hand: see `notice_with_proposals`),
never read back from the code under test.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers import database_fingerprint, user

from models import SelectionRun, db
from services.office import accounts
from services.programs import selection as selection_service

API = "/api/v1"
RM = "rm@example.gov"
HEAD_IP = "head-ip@example.gov"
STAFF_IP = "staff-ip@example.gov"
HEAD_RPA = "head-rpa@example.gov"  # a division head, but of Reports and Political Affairs
VIEWER = "viewer@example.gov"
# What GET returns beyond what POST takes: id, version and the computed fields.
COMPUTED = {
    "awards": {"id", "version", "lines", "proposal"},
    "funding-notices": {"id", "version", "status", "proposal_count"},
    "proposals": {"id", "version", "merit", "spread"},
}


def less_computed(collection: str, record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in COMPUTED[collection]}


class Api:
    def __init__(self, client, token: str) -> None:
        self.client, self.token = client, token

    def call(self, method: str, path: str, **kwargs):
        return self.client.open(API + path, method=method, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)

    def get(self, path: str, **params):
        return self.call("GET", path, query_string=params)

    def post(self, path: str, body=None):
        return self.call("POST", path, json=body)

    def patch(self, path: str, body):
        return self.call("PATCH", path, json=body)


@pytest.fixture
def api_as(app):
    def make(email: str) -> Api:
        token = accounts.issue_token(None, user(email), "programs api test")
        db.session.commit()
        return Api(app.test_client(), token)

    return make


@pytest.fixture
def rm(api_as) -> Api:
    return api_as(RM)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()["error"]
    assert set(body) == {"code", "message", "fields"}
    assert body["message"]
    if field is not None:
        assert field in body["fields"], body
    return body


class Refs:
    """Reference ids by code, read from the API as a script would."""

    def __init__(self, api: Api) -> None:
        def by(kind: str, key: str = "code") -> dict:
            return {item[key]: item["id"] for item in ok(api.get(f"/reference/{kind}"))["items"]}

        self.region = by("regions")
        self.priority = by("priorities")
        self.program_type = by("program-types")
        self.division = by("divisions")
        self.country = by("countries", "iso3")


@pytest.fixture
def refs(rm) -> Refs:
    return Refs(rm)


def award_body(refs: Refs, number: str, **changes) -> dict:
    """A pending WHA award in Colombia, funded FY2028–FY2029 from INCLE (years with no appropriation yet)."""
    body = {
        "number": number,
        "title": "Shelter and reintegration services",
        "partner": "Winrock International",
        "division": refs.division["IP"],
        "program_type": refs.program_type["bilateral"],
        "region": refs.region["WHA"],
        "country": refs.country["COL"],
        "priority": refs.priority["protection"],
        "starts_on": "2027-10-01",
        "ends_on": "2029-09-30",
        "total": "900000.00",
        "obligated": "0.00",
        "expended": "0.00",
        "status": "pending",
        "monitoring_notes": "Quarterly site visits.",
        "funding": [
            {"fiscal_year": 2028, "account_code": "INCLE", "amount": "500000.00"},
            {"fiscal_year": 2029, "account_code": "INCLE", "amount": "400000.00"},
        ],
    }
    return {**body, **changes}


def total_of(api: Api, path: str, **params) -> int:
    return ok(api.get(path, per_page=1, **params))["total"]


# --------------------------------------------------------------------------- awards


def test_create_an_award_and_read_it_back(rm, refs):
    sent = award_body(refs, "T-API-1", total=900000, funding=[
        {"fiscal_year": 2028, "account_code": "INCLE", "amount": 500000},
        {"fiscal_year": 2029, "account_code": "INCLE", "amount": "400000.5"},
    ])  # fmt: skip
    sent["total"] = "900000.50"

    created = ok(rm.post("/awards", sent), 201)

    assert created["version"] == 1
    assert created["proposal"] is None
    assert created["total"] == "900000.50"
    assert created["funding"] == [
        {"fiscal_year": 2028, "account_code": "INCLE", "amount": "500000.00"},
        {"fiscal_year": 2029, "account_code": "INCLE", "amount": "400000.50"},
    ]
    assert created["lines"] == {"count": 0, "total": "0.00"}  # no FY2028 or FY2029 appropriation yet
    for name in ("number", "title", "partner", "division", "region", "country", "priority", "status", "starts_on"):
        assert created[name] == sent[name], name
    assert ok(rm.get(f"/awards/{created['id']}")) == created


def test_an_award_funded_in_the_plan_year_reaches_the_draft_plans(rm, refs):
    drafts = [s for s in ok(rm.get("/scenarios", budget_year=2027, per_page=500))["items"] if s["status"] == "draft"]
    assert drafts  # the demo office plans FY2027 in a draft

    created = ok(
        rm.post(
            "/awards",
            award_body(
                refs,
                "T-API-PLAN",
                starts_on="2026-10-01",
                ends_on="2028-09-30",
                total="150000.00",
                funding=[
                    {"fiscal_year": 2027, "account_code": "INCLE", "amount": "100000.00"},
                    {"fiscal_year": 2028, "account_code": "INCLE", "amount": "50000.00"},
                ],
            ),
        ),
        201,
    )

    # One line of FY2027's $100,000 in each draft FY2027 scenario; FY2028 has no appropriation yet.
    assert created["lines"] == {"count": len(drafts), "total": f"{100000 * len(drafts)}.00"}


def test_awards_list_filters_and_pages(rm, refs):
    wha, eap = refs.region["WHA"], refs.region["EAP"]
    before = {
        "wha": total_of(rm, "/awards", region=wha),
        "wha_active": total_of(rm, "/awards", region=wha, status="active"),
        "eap_prevention": total_of(rm, "/awards", region=eap, priority=refs.priority["prevention"]),
        "fy2030": total_of(rm, "/awards", funded_in=2030),
        "research": total_of(rm, "/awards", program_type=refs.program_type["research"]),
    }
    ok(rm.post("/awards", award_body(refs, "T-LIST-1")), 201)
    ok(rm.post("/awards", award_body(refs, "T-LIST-2", status="active", obligated="500000.00")), 201)
    ok(
        rm.post(
            "/awards",
            award_body(
                refs,
                "T-LIST-3",
                region=eap,
                country=refs.country["PHL"],
                priority=refs.priority["prevention"],
                program_type=refs.program_type["research"],
                ends_on="2030-09-30",
                funding=[
                    {"fiscal_year": 2028, "account_code": "INCLE", "amount": "300000.00"},
                    {"fiscal_year": 2030, "account_code": "ESF", "amount": "600000.00"},
                ],
            ),
        ),
        201,
    )

    assert total_of(rm, "/awards", region=wha) == before["wha"] + 2
    assert total_of(rm, "/awards", region="WHA") == before["wha"] + 2  # a code works as well as an id
    assert total_of(rm, "/awards", region=wha, status="active") == before["wha_active"] + 1
    assert total_of(rm, "/awards", region=eap, priority="prevention") == before["eap_prevention"] + 1
    assert total_of(rm, "/awards", fiscal_year=2030) == before["fy2030"] + 1
    assert total_of(rm, "/awards", program_type="research") == before["research"] + 1
    actives = ok(rm.get("/awards", region=wha, status="active", per_page=500))["items"]
    assert {(a["region"], a["status"]) for a in actives} == {(wha, "active")}
    assert "T-LIST-2" in {a["number"] for a in actives}
    assert ok(rm.get("/awards", region=999_999))["total"] == 0  # no such region: nothing matches

    everything = total_of(rm, "/awards")
    seen: list[str] = []
    for page in range(1, everything // 7 + 2):
        body = ok(rm.get("/awards", page=page, per_page=7))
        assert (body["page"], body["per_page"], body["total"]) == (page, 7, everything)
        seen += [a["number"] for a in body["items"]]
    assert len(seen) == everything
    assert len(set(seen)) == everything
    assert {"T-LIST-1", "T-LIST-2", "T-LIST-3"} <= set(seen)

    error(rm.get("/awards", per_page=501), 400, "per_page")
    error(rm.get("/awards", status="signed"), 400, "status")


def test_a_copy_of_an_award_round_trips(rm):
    original = ok(rm.get("/awards", status="closed", per_page=1))["items"][0]
    assert original["obligated"] != "0.00"

    copy_body = less_computed("awards", original) | {"number": original["number"] + "-COPY"}
    copy = ok(rm.post("/awards", copy_body), 201)

    assert copy["id"] != original["id"]
    assert copy["number"] == original["number"] + "-COPY"
    assert copy["proposal"] is None
    same = {k for k in original if k not in {"id", "number", "proposal", "lines"}}
    assert {k: copy[k] for k in same} == {k: original[k] for k in same}
    assert ok(rm.get(f"/awards/{original['id']}")) == original  # the original is untouched


def test_a_stale_version_is_a_conflict_and_changes_nothing(rm, refs):
    award = ok(rm.post("/awards", award_body(refs, "T-STALE")), 201)

    first = ok(rm.patch(f"/awards/{award['id']}", {"version": 1, "title": "Legal aid for survivors"}))
    assert (first["title"], first["version"]) == ("Legal aid for survivors", 2)
    assert first["funding"] == award["funding"]  # a PATCH changes only what it sends

    error(rm.patch(f"/awards/{award['id']}", {"version": 1, "title": "Someone else's title"}), 409)
    error(rm.patch(f"/awards/{award['id']}", {"title": "No version"}), 422, "version")

    assert ok(rm.get(f"/awards/{award['id']}")) == first


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"total": 12.345}, "total"),
        ({"total": "12.345"}, "total"),
        ({"total": "1e6"}, "total"),
        ({"total": 1e6}, "total"),
        ({"total": "900,000.00"}, "total"),
        ({"obligated": True}, "obligated"),
        (
            {
                "funding": [
                    {"fiscal_year": 2028, "account_code": "INCLE", "amount": 500000.5},
                    {"fiscal_year": 2029, "account_code": "INCLE", "amount": "399999.50"},
                ]
            },
            "funding.0.amount",
        ),
    ],
    ids=str,
)
def test_money_that_is_not_a_decimal_string_or_whole_dollars_is_refused(rm, refs, change, field):
    before = total_of(rm, "/awards")

    error(rm.post("/awards", award_body(refs, "T-MONEY") | change), 422, field)

    assert total_of(rm, "/awards") == before
    existing = ok(rm.post("/awards", award_body(refs, "T-MONEY-OK")), 201)
    error(rm.patch(f"/awards/{existing['id']}", {"version": 1, **change}), 422, field)
    assert ok(rm.get(f"/awards/{existing['id']}")) == existing


def test_a_funding_schedule_that_does_not_add_up_is_refused(rm, refs):
    before = total_of(rm, "/awards")
    body = award_body(refs, "T-SHORT", funding=[
        {"fiscal_year": 2028, "account_code": "INCLE", "amount": "500000.00"},
        {"fiscal_year": 2029, "account_code": "INCLE", "amount": "300000.00"},
    ])  # fmt: skip

    refused = error(rm.post("/awards", body), 422, "funding")

    assert "$800,000" in refused["fields"]["funding"]  # what the schedule adds up to
    assert "$900,000" in refused["fields"]["funding"]  # against the award's total
    assert total_of(rm, "/awards") == before

    award = ok(rm.post("/awards", award_body(refs, "T-SCHEDULE")), 201)
    half_row = {"version": 1, "funding": [{"fiscal_year": 2028, "account_code": "INCLE"}]}
    error(rm.patch(f"/awards/{award['id']}", half_row), 422, "funding.0.amount")  # a row sent is a whole row
    error(rm.patch(f"/awards/{award['id']}", {"version": 1, "total": "950000.00"}), 422, "funding")
    assert ok(rm.get(f"/awards/{award['id']}")) == award


def test_reads_are_for_everyone_writes_for_programs_people(api_as, refs):
    viewer, head_rpa = api_as(VIEWER), api_as(HEAD_RPA)
    award_id = ok(viewer.get("/awards", per_page=1))["items"][0]["id"]
    notice_id = ok(head_rpa.get("/funding-notices", status="open", per_page=1))["items"][0]["id"]
    proposal = ok(head_rpa.get("/proposals", notice=notice_id, per_page=1))["items"][0]
    assert ok(head_rpa.get(f"/awards/{award_id}"))["id"] == award_id
    before = database_fingerprint()

    for method, path, body in [
        ("POST", "/awards", award_body(refs, "T-RPA")),
        ("PATCH", f"/awards/{award_id}", {"version": 1, "title": "Renamed"}),
        ("POST", "/funding-notices", {"number": "N-RPA"}),
        ("PATCH", f"/funding-notices/{notice_id}", {"version": 1, "title": "Renamed"}),
        ("POST", f"/funding-notices/{notice_id}/selection", None),
        ("POST", "/proposals", {"notice": notice_id}),
        ("PATCH", f"/proposals/{proposal['id']}", {"version": proposal["version"], "decision": "force_in"}),
    ]:
        for who in (head_rpa, viewer):
            error(who.call(method, path, json=body), 403)

    assert database_fingerprint() == before
    for email in (HEAD_IP, STAFF_IP):
        ok(api_as(email).post("/awards", award_body(refs, f"T-{email[:7]}")), 201)


# --------------------------------------------------------------------------- notices, proposals, selection


def notice_body(number: str, **changes) -> dict:
    """$1,000,000 of FY2028 INCLE; at least one award in WHA; EAP no more than 60% of the notice."""
    body = {
        "number": number,
        "title": "Protection of survivors",
        "fiscal_year": 2028,
        "account_code": "INCLE",
        "amount": "1000000.00",
        "program_types": ["bilateral"],
        "regions": [],
        "priorities": [],
        "rules": [
            {"code": "wha-one", "label": "at least 1 award in WHA", "where": {"region": ["WHA"]}, "min_count": 1},
            {"code": "eap-cap", "label": "no more than 60% in EAP", "where": {"region": ["EAP"]}, "max_share": "0.6"},
        ],
        "description": "A small notice the tests can solve by hand.",
    }
    return body | changes


# number → (region, country, cost, reviewers' scores). Merit: A 90, B 75, C 70, D 62.
PROPOSALS = {
    "A": ("EAP", "PHL", "600000", ["90"]),
    "B": ("WHA", "COL", "500000", ["70.00", 80]),
    "C": ("AF", "GHA", "400000", ["70"]),
    "D": ("WHA", None, "300000", ["61.5", "62.5"]),
}


def notice_with_proposals(api: Api, refs: Refs, number: str) -> tuple[dict, dict[str, dict]]:
    """The notice and its four proposals, made through the API.

    Within $1,000,000: A+C (160) breaks "at least 1 award in WHA"; the best that
    keeps it is A+D (152, $900,000) over B+C (145) and B+D (137); A+B is over
    budget. With A forced out, B+C (145, $900,000) beats B+D (137) and C+D (132),
    and B+C+D is over budget.
    """
    notice = ok(api.post("/funding-notices", notice_body(number)), 201)
    proposals = {}
    for key, (region, country, cost, scores) in PROPOSALS.items():
        proposals[key] = ok(
            api.post(
                "/proposals",
                {
                    "notice": notice["id"],
                    "number": key,
                    "applicant": f"Applicant {key}",
                    "title": f"Proposal {key}",
                    "region": refs.region[region],
                    "country": refs.country[country] if country else None,
                    "priority": refs.priority["protection"],
                    "program_type": refs.program_type["bilateral"],
                    "cost": cost,
                    "out_years": [{"fiscal_year": 2029, "amount": "100000.00"}],
                    "months": 24,
                    "scores": [
                        {"reviewer": f"Reviewer {i}", "score": score, "comment": ""} for i, score in enumerate(scores)
                    ],
                },
            ),
            201,
        )
    return notice, proposals


def test_a_notice_with_rules_round_trips(rm):
    notice = ok(rm.post("/funding-notices", notice_body("N-TRIP")), 201)

    assert (notice["status"], notice["proposal_count"], notice["amount"]) == ("open", 0, "1000000.00")
    assert notice["rules"][1] == {
        "code": "eap-cap",
        "label": "no more than 60% in EAP",
        "where": {"region": ["EAP"]},
        "min_amount": None,
        "max_amount": None,
        "min_count": None,
        "max_count": None,
        "min_share": None,
        "max_share": "0.60",
    }
    copy_body = less_computed("funding-notices", notice) | {"number": "N-TRIP-2"}
    copy = ok(rm.post("/funding-notices", copy_body), 201)
    assert {k: v for k, v in copy.items() if k not in {"id", "number"}} == {
        k: v for k, v in notice.items() if k not in {"id", "number"}
    }
    listed = ok(rm.get("/funding-notices", fiscal_year=2028, account_code="INCLE", status="open", per_page=500))
    assert {"N-TRIP", "N-TRIP-2"} <= {n["number"] for n in listed["items"]}
    assert all(n["fiscal_year"] == 2028 and n["account_code"] == "INCLE" for n in listed["items"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "1e6"}, "amount"),
        ({"regions": ["WHA", "ATLANTIS"]}, "regions"),
        ({"rules": [{"code": "x", "where": {"region": ["ATLANTIS"]}, "min_count": 1}]}, "rules[0].where"),
        ({"rules": [{"code": "x", "where": {"region": ["WHA"]}, "min_share": 0.3}]}, "rules.0.min_share"),
        ({"rules": [{"code": "x", "where": {"region": ["WHA"]}, "max_share": "1.5"}]}, "rules.0.max_share"),
        ({"rules": [{"code": "x", "where": {"region": ["WHA"]}}]}, "rules[0]"),
    ],
    ids=str,
)
def test_a_notice_that_is_not_valid_is_refused(rm, change, field):
    before = total_of(rm, "/funding-notices")
    error(rm.post("/funding-notices", notice_body("N-BAD") | change), 422, field)
    assert total_of(rm, "/funding-notices") == before


def test_proposals_carry_scores_merit_and_round_trip(rm, refs):
    notice, proposals = notice_with_proposals(rm, refs, "N-PROP")
    b = proposals["B"]

    assert [s["score"] for s in b["scores"]] == ["70.00", "80.00"]
    assert (b["merit"], b["spread"], b["decision"]) == ("75.00", "10.00", "none")
    assert (proposals["D"]["merit"], proposals["D"]["spread"]) == ("62.00", "1.00")
    assert b["out_years"] == [{"fiscal_year": 2029, "amount": "100000.00"}]
    assert ok(rm.get(f"/funding-notices/{notice['id']}"))["proposal_count"] == 4

    copy_body = less_computed("proposals", b) | {"number": "B2", "decision": "force_in"}
    copy = ok(rm.post("/proposals", copy_body), 201)
    assert copy["decision"] == "force_in"
    same = {k for k in b if k not in {"id", "version", "number", "decision"}}
    assert {k: copy[k] for k in same} == {k: b[k] for k in same}

    wha = ok(rm.get("/proposals", notice=notice["id"], region="WHA"))["items"]
    assert sorted(p["number"] for p in wha) == ["B", "B2", "D"]
    forced = ok(rm.get("/proposals", notice=notice["id"], decision="force_in"))["items"]
    assert [p["number"] for p in forced] == ["B2"]

    rescored = ok(
        rm.patch(f"/proposals/{b['id']}", {"version": b["version"], "scores": [{"reviewer": "Solo", "score": "88.25"}]})
    )
    assert (rescored["merit"], rescored["spread"], len(rescored["scores"])) == ("88.25", "0.00", 1)
    error(rm.patch(f"/proposals/{b['id']}", {"version": b["version"] + 5, "title": "Stale"}), 409)
    error(rm.patch(f"/proposals/{b['id']}", {"version": rescored["version"], "cost": 12.345}), 422, "cost")
    twice = [{"fiscal_year": 2029, "amount": 1}, {"fiscal_year": 2029, "amount": 2}]
    error(rm.patch(f"/proposals/{b['id']}", {"version": rescored["version"], "out_years": twice}), 422, "out_years")
    error(rm.post("/proposals", less_computed("proposals", b) | {"notice": 999_999}), 422, "notice")
    assert ok(rm.get(f"/proposals/{b['id']}")) == rescored


def test_selection_picks_the_best_set_within_the_rules_and_decisions(api_as, refs):
    head = api_as(HEAD_IP)
    notice, proposals = notice_with_proposals(head, refs, "N-SELECT")

    first = ok(head.post(f"/funding-notices/{notice['id']}/selection"), 201)
    assert (first["notice"], first["status"]) == (notice["id"], "optimal")
    assert first["problem"]["format"] == "selection-problem/1"
    assert first["result"]["format"] == "selection-result/1"
    assert set(first["result"]["selected"]) == {"A", "D"}
    assert sorted(first["selected_proposals"]) == sorted([proposals["A"]["id"], proposals["D"]["id"]])
    assert Decimal(first["result"]["total_cost"]) == 900_000
    assert first["created_at"]

    a = proposals["A"]
    forced = ok(head.patch(f"/proposals/{a['id']}", {"version": a["version"], "decision": "force_out"}))
    assert forced["decision"] == "force_out"

    second = ok(head.post(f"/funding-notices/{notice['id']}/selection", {"time_limit_s": 10}), 201)
    assert second["id"] != first["id"]
    assert second["status"] == "optimal"
    assert set(second["result"]["selected"]) == {"B", "C"}
    assert Decimal(second["result"]["objective"]) == 145
    assert second["problem"]["exclude"] == ["A"]
    assert {u["id"]: u["reason"] for u in second["result"]["unfunded"]}["A"] == "exclude"

    error(head.post(f"/funding-notices/{notice['id']}/selection", {"time_limit_s": 0}), 422, "time_limit_s")
    error(head.post(f"/funding-notices/{notice['id']}/selection", {"seconds": 5}), 422, "seconds")


def test_a_conflicting_rule_set_is_an_infeasible_run_with_its_conflicts(rm, refs):
    notice, _ = notice_with_proposals(rm, refs, "N-CONFLICT")
    # WHA needs $700,000 (B and D: $800,000) and AF or EAP two awards (A and C: $1,000,000): $1.8M > $1M.
    rules = [
        {"code": "wha-floor", "where": {"region": ["WHA"]}, "min_amount": 700000},
        {"code": "af-eap-two", "where": {"region": ["AF", "EAP"]}, "min_count": 2},
    ]
    ok(rm.patch(f"/funding-notices/{notice['id']}", {"version": notice["version"], "rules": rules}))

    run = ok(rm.post(f"/funding-notices/{notice['id']}/selection"), 201)

    assert run["status"] == "infeasible"
    assert run["result"]["selected"] == []
    conflicts = run["result"]["conflicts"]
    assert conflicts
    assert {c["id"] for c in conflicts} <= {"budget", "wha-floor", "af-eap-two"}


def test_selection_needs_scored_proposals_and_an_open_notice(rm, refs):
    empty = ok(rm.post("/funding-notices", notice_body("N-EMPTY")), 201)
    error(rm.post(f"/funding-notices/{empty['id']}/selection"), 422, "proposals")

    notice, proposals = notice_with_proposals(rm, refs, "N-AWARDED")
    run = ok(rm.post(f"/funding-notices/{notice['id']}/selection"), 201)
    selection_service.make_awards(user(RM), db.session.get(SelectionRun, run["id"]), dt.date(2027, 10, 1))
    db.session.commit()
    awarded = ok(rm.get(f"/funding-notices/{notice['id']}"))
    assert awarded["status"] == "awarded"
    before = database_fingerprint()

    error(rm.post(f"/funding-notices/{notice['id']}/selection"), 409)
    error(rm.patch(f"/funding-notices/{notice['id']}", {"version": awarded["version"], "title": "Late"}), 409)
    error(rm.post("/proposals", less_computed("proposals", proposals["B"]) | {"number": "LATE"}), 409)

    assert database_fingerprint() == before
    made = ok(rm.get("/awards", q="N-AWARDED", per_page=500))["items"]
    assert sorted(a["proposal"] for a in made) == sorted([proposals["A"]["id"], proposals["D"]["id"]])
