"""The JSON API (../shared/contracts/api.md), driven the way a script would drive it.

Every request goes through the test client with a bearer token made by the
real `flask users token` command. Expected values are computed here from what
the API lists (sums of lines, pages, reference codes), never by calling the
code under test.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import ApiToken, FundsControl, User, db
from services.office import accounts, settings

API = "/api/v1"
RM = "rm@example.gov"
ADMIN = "admin@example.gov"
HEAD_IP = "head-ip@example.gov"
STAFF_IP = "staff-ip@example.gov"
VIEWER = "viewer@example.gov"
PLAN = "FY2027 plan"
ENACTED = "FY2026 enacted"
ACTUAL = "FY2025 actual"


# --------------------------------------------------------------------------- fixtures


class Api:
    """A script calling /api/v1 with one bearer token."""

    def __init__(self, client, token: str) -> None:
        self.client, self.token = client, token

    def call(self, method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open(API + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body=None, **kwargs):
        return self.call("POST", path, json=body, **kwargs)

    def patch(self, path: str, body=None, **kwargs):
        return self.call("PATCH", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.call("DELETE", path, **kwargs)


def issue_token(runner, email: str) -> str:
    result = runner.invoke(args=["users", "token", email])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture
def api_as(app, runner):
    """api_as(email) → an Api with a fresh token for that user (one client per user)."""
    callers: dict[str, Api] = {}

    def make(email: str) -> Api:
        if email not in callers:
            callers[email] = Api(app.test_client(), issue_token(runner, email))
        return callers[email]

    return make


@pytest.fixture
def rm(api_as) -> Api:
    return api_as(RM)


# --------------------------------------------------------------------------- helpers


def cents(amount: str) -> int:
    """Money text to cents, exactly: "1234.50" → 123450."""
    value = Decimal(amount) * 100
    assert value == value.to_integral_value(), amount
    return int(value)


def money(cents_value: int) -> str:
    return f"{Decimal(cents_value) / 100:.2f}"


def dollars_text(cents_value: int) -> str:
    """How messages show money: as held, grouped, cents where there are some: $3,255,985 or $3,255,984.50."""
    whole, rest = divmod(abs(cents_value), 100)
    return f"{'-' if cents_value < 0 else ''}${whole:,}" + (f".{rest:02d}" if rest else "")


def assert_error(response, status: int, field: str | None = None) -> dict:
    """The contract's error shape, with `field` named in `fields` when given."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body is not None, response.get_data(as_text=True)
    error = body["error"]
    assert set(error) >= {"code", "message", "fields"}
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["fields"], dict)
    if field is not None:
        assert field in error["fields"], error
    return error


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def all_items(api: Api, path: str, **params) -> list[dict]:
    """Every item of a list, page by page (500 at a time)."""
    items, page = [], 1
    while True:
        body = ok(api.get(path, query_string={**params, "page": page, "per_page": 500}))
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            assert len(items) == body["total"]
            return items
        page += 1


def total_of(api: Api, path: str, **params) -> int:
    return ok(api.get(path, query_string={**params, "per_page": 1}))["total"]


def reference(api: Api, kind: str, key: str = "code") -> dict:
    return {item[key]: item for item in ok(api.get(f"/reference/{kind}"))["items"]}


def scenario(api: Api, name: str) -> dict:
    matches = [s for s in all_items(api, "/scenarios") if s["name"] == name]
    assert len(matches) == 1, name
    return matches[0]


def appropriation(api: Api, account_code: str, fiscal_year: int) -> dict:
    body = ok(api.get("/appropriations", query_string={"account_code": account_code, "fiscal_year": fiscal_year}))
    assert body["total"] == 1, (account_code, fiscal_year)
    return body["items"][0]


def line_body(api: Api, **overrides) -> dict:
    """A valid new line: $10.00 of INCLE FY2027 in the FY2027 plan, International Programs, 25.2."""
    body = {
        "scenario": scenario(api, PLAN)["id"],
        "fiscal_year": 2027,
        "appropriation": appropriation(api, "INCLE", 2027)["id"],
        "division": reference(api, "divisions")["IP"]["id"],
        "object_class": reference(api, "object-classes")["25.2"]["id"],
        "description": "API test line",
        "amount": "10.00",
    }
    body.update(overrides)
    return body


def create_line(api: Api, **overrides) -> dict:
    return ok(api.post("/budget-lines", line_body(api, **overrides)), 201)


def planned_cents(api: Api, scenario_id: int, appropriation_id: int) -> int:
    lines = all_items(api, "/budget-lines", scenario=scenario_id, appropriation=appropriation_id)
    return sum(cents(line["amount"]) for line in lines)


def available_cents(api: Api, scenario_id: int, account_code: str, fiscal_year: int) -> int:
    record = appropriation(api, account_code, fiscal_year)
    return cents(record["allotted"]) - planned_cents(api, scenario_id, record["id"])


def appropriation_body(**overrides) -> dict:
    body = {
        "account_code": "TEST",
        "title": "Test account",
        "category": "foreign_assistance",
        "fiscal_year": 2027,
        "availability_years": 2,
        "enacted": "1000000.00",
        "apportioned": "900000.00",
        "allotted": "800000.00",
    }
    body.update(overrides)
    return body


def readable(record: dict, *drop: str) -> dict:
    return {key: value for key, value in record.items() if key not in drop}


# --------------------------------------------------------------------------- health and sign-in


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer apn_" + "x" * 43},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic cm1AZXhhbXBsZS5nb3Y6ZGVtby1wYXNzd29yZA=="},
    ],
    ids=["none", "garbage", "well-formed-unknown", "empty", "basic"],
)
@pytest.mark.parametrize("path", ["/me", "/appropriations", "/budget-lines", "/scenarios", "/reference/regions"])
def test_reads_without_a_valid_token_are_401(client, path, headers):
    error = assert_error(client.get(API + path, headers=headers), 401)
    assert error["code"] == "unauthorized"


def test_a_valid_token_is_accepted_and_the_next_tokenless_request_is_not(rm, client):
    assert ok(rm.get("/me"))["email"] == RM
    assert_error(client.get(API + "/me"), 401)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/budget-lines"), ("POST", "/appropriations"), ("PATCH", "/budget-lines/1"), ("DELETE", "/scenarios/3")],
)
def test_writes_without_a_token_are_401(client, method, path):
    assert_error(client.open(API + path, method=method, json={"version": 1}), 401)


def test_a_revoked_token_is_401(runner, client):
    token = issue_token(runner, RM)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(API + "/me", headers=headers).status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email == RM))
    record = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)).one()
    accounts.revoke_token(user, record)
    db.session.commit()
    assert_error(client.get(API + "/me", headers=headers), 401)
    assert_error(client.post(API + "/budget-lines", json={}, headers=headers), 401)


def test_a_deactivated_users_token_is_401(api_as):
    staff = api_as(STAFF_IP)
    assert ok(staff.get("/me"))["email"] == STAFF_IP
    user = db.session.scalar(sa.select(User).where(User.email == STAFF_IP))
    user.active = False
    db.session.commit()
    assert_error(staff.get("/me"), 401)
    assert_error(staff.get("/budget-lines"), 401)


@pytest.mark.parametrize(
    ("email", "role", "division"),
    [
        (ADMIN, "admin", "RMP"),
        (RM, "resource_manager", "RMP"),
        (HEAD_IP, "division_head", "IP"),
        ("head-rpa@example.gov", "division_head", "RPA"),
        (STAFF_IP, "staff", "IP"),
        (VIEWER, "viewer", "FO"),
    ],
)
def test_me_describes_the_caller(api_as, email, role, division):
    caller = api_as(email)
    me = ok(caller.get("/me"))
    assert me["email"] == email
    assert me["role"] == role
    assert me["division"] == reference(caller, "divisions")[division]["id"]
    assert isinstance(me["id"], int)
    assert me["name"]


# --------------------------------------------------------------------------- reference data


@pytest.mark.parametrize(
    ("kind", "key", "expected_keys", "must_include"),
    [
        ("regions", "code", {"id", "code", "name"}, {"AF", "EAP", "EUR", "NEA", "SCA", "WHA"}),
        ("countries", "iso3", {"id", "iso3", "name", "region"}, {"THA", "MEX", "NGA"}),
        ("priorities", "code", {"id", "code", "name"}, {"prosecution", "protection", "prevention", "partnership"}),
        ("program-types", "code", {"id", "code", "name"}, {"bilateral", "regional", "cpc"}),
        ("object-classes", "code", {"id", "code", "title"}, {"11.1", "21.0", "25.2", "41.0"}),
        ("divisions", "code", {"id", "code", "name"}, {"FO", "IP", "RPA", "RMP"}),
        ("fiscal-years", "year", {"year", "starts_on", "ends_on"}, {2025, 2026, 2027}),
    ],
)
def test_reference_lists_every_kind(api_as, kind, key, expected_keys, must_include):
    body = ok(api_as(VIEWER).get(f"/reference/{kind}"))
    assert body["total"] == len(body["items"]) > 0
    assert {"page", "per_page"} <= set(body)
    for item in body["items"]:
        assert expected_keys <= set(item), item
    keys = [item[key] for item in body["items"]]
    assert len(keys) == len(set(keys)), f"duplicate {key} in {kind}"
    assert must_include <= set(keys)


def test_fiscal_years_run_october_to_september(rm):
    years = reference(rm, "fiscal-years", key="year")
    assert years[2027]["starts_on"] == "2026-10-01"
    assert years[2027]["ends_on"] == "2027-09-30"


def test_countries_point_at_their_region(rm):
    regions = {region["id"] for region in reference(rm, "regions").values()}
    countries = reference(rm, "countries", key="iso3")
    assert all(country["region"] in regions for country in countries.values())
    assert countries["THA"]["region"] == reference(rm, "regions")["EAP"]["id"]


@pytest.mark.parametrize("kind", ["colours", "region", "users", "../me"])
def test_unknown_reference_kind_is_404_json(rm, kind):
    assert_error(rm.get(f"/reference/{kind}"), 404)


# --------------------------------------------------------------------------- appropriations


def test_appropriations_list_pages(rm):
    first = ok(rm.get("/appropriations", query_string={"per_page": 4, "page": 1}))
    assert (first["page"], first["per_page"], first["total"]) == (1, 4, 9)  # INCLE, ESF, DP × FY2025–2027
    assert len(first["items"]) == 4
    third = ok(rm.get("/appropriations", query_string={"per_page": 4, "page": 3}))
    assert len(third["items"]) == 1
    everything = all_items(rm, "/appropriations")
    assert len({a["id"] for a in everything}) == 9
    assert {(a["account_code"], a["fiscal_year"]) for a in everything} == {
        (code, year) for code in ("INCLE", "ESF", "DP") for year in (2025, 2026, 2027)
    }
    page_ids = [a["id"] for n in (1, 2, 3) for a in ok(rm.get(f"/appropriations?per_page=4&page={n}"))["items"]]
    assert sorted(page_ids) == sorted(a["id"] for a in everything)


def test_appropriations_default_page_size_and_filters(rm):
    body = ok(rm.get("/appropriations"))
    assert (body["page"], body["per_page"]) == (1, 50)
    fy2026 = ok(rm.get("/appropriations?fiscal_year=2026"))
    assert fy2026["total"] == 3
    assert {a["fiscal_year"] for a in fy2026["items"]} == {2026}
    esf = ok(rm.get("/appropriations?account_code=ESF"))
    assert {a["account_code"] for a in esf["items"]} == {"ESF"}
    assert esf["total"] == 3


@pytest.mark.parametrize("path", ["/appropriations", "/budget-lines", "/scenarios", "/audit"])
def test_per_page_is_at_most_500(rm, path):
    assert ok(rm.get(path, query_string={"per_page": 500}))["per_page"] == 500
    assert_error(rm.get(path, query_string={"per_page": 501}), 400, "per_page")
    assert_error(rm.get(path, query_string={"per_page": 0}), 400, "per_page")
    assert_error(rm.get(path, query_string={"page": 0}), 400, "page")
    assert_error(rm.get(path, query_string={"page": "two"}), 400, "page")


def test_get_one_appropriation(rm):
    listed = appropriation(rm, "ESF", 2026)
    record = ok(rm.get(f"/appropriations/{listed['id']}"))
    assert record == listed
    assert record["enacted"] == "25000000.00"
    assert record["apportioned"] == "24500000.00"
    assert record["allotted"] == "23765000.00"
    assert isinstance(record["version"], int)


def test_resource_manager_creates_an_appropriation_that_round_trips(rm):
    original = appropriation(rm, "INCLE", 2027)
    copy = readable(original, "id", "version", "expires_on", "cancels_on") | {"account_code": "INCLE-X"}
    created = ok(rm.post("/appropriations", copy), 201)
    assert created["id"] != original["id"]
    assert created["version"] == 1
    fetched = ok(rm.get(f"/appropriations/{created['id']}"))
    assert fetched == created
    assert readable(fetched, "id", "account_code") == readable(original, "id", "account_code")
    assert total_of(rm, "/appropriations") == 10


def test_post_accepts_the_whole_get_body_including_read_only_fields(rm):
    original = appropriation(rm, "DP", 2026)
    created = ok(rm.post("/appropriations", original | {"account_code": "DP-COPY"}), 201)
    assert created["id"] != original["id"]
    assert readable(created, "id", "account_code") == readable(original, "id", "account_code")


@pytest.mark.parametrize("email", [VIEWER, HEAD_IP, STAFF_IP, ADMIN])
def test_only_the_resource_manager_creates_or_changes_appropriations(api_as, email):
    caller = api_as(email)
    assert_error(caller.post("/appropriations", appropriation_body()), 403)
    record = appropriation(caller, "DP", 2027)
    assert_error(caller.patch(f"/appropriations/{record['id']}", {"version": record["version"], "title": "x"}), 403)
    assert total_of(caller, "/appropriations") == 9
    assert ok(caller.get(f"/appropriations/{record['id']}")) == record


def test_patch_with_the_version_read_changes_and_bumps_the_version(rm):
    record = appropriation(rm, "DP", 2027)
    changed = ok(rm.patch(f"/appropriations/{record['id']}", {"version": record["version"], "allotted": "14000000.50"}))
    assert changed["allotted"] == "14000000.50"
    assert changed["version"] == record["version"] + 1
    assert readable(changed, "allotted", "version") == readable(record, "allotted", "version")
    assert ok(rm.get(f"/appropriations/{record['id']}")) == changed


def test_patch_with_a_stale_version_is_409_and_changes_nothing(rm):
    record = appropriation(rm, "DP", 2027)
    path = f"/appropriations/{record['id']}"
    first = ok(rm.patch(path, {"version": record["version"], "title": "First edit"}))
    assert_error(rm.patch(path, {"version": record["version"], "title": "Second edit", "allotted": "1.00"}), 409)
    assert ok(rm.get(path)) == first


def test_patch_without_a_version_is_422_naming_it(rm):
    record = appropriation(rm, "DP", 2027)
    path = f"/appropriations/{record['id']}"
    assert_error(rm.patch(path, {"title": "No version"}), 422, "version")
    assert_error(rm.patch(path, {"title": "String version", "version": str(record["version"])}), 422, "version")
    assert ok(rm.get(path)) == record


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"enacted": "100.00", "apportioned": "100.01", "allotted": "100.00"}, "apportioned"),
        ({"enacted": "100.00", "apportioned": "100.00", "allotted": "100.01"}, "allotted"),
        ({"enacted": "-1.00", "apportioned": "-1.00", "allotted": "-1.00"}, "enacted"),
        ({"fiscal_year": 1999}, "fiscal_year"),
        ({"fiscal_year": "next year"}, "fiscal_year"),
        ({"availability_years": 0}, "availability_years"),
        ({"availability_years": 11}, "availability_years"),
        ({"category": "military"}, "category"),
        ({"account_code": ""}, "account_code"),
        ({"account_code": "X" * 33}, "account_code"),
        ({"title": ""}, "title"),
        ({"account_code": "ESF", "fiscal_year": 2026}, "account_code"),  # exists already
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_appropriations_are_422_naming_the_field(rm, overrides, field):
    assert_error(rm.post("/appropriations", appropriation_body(**overrides)), 422, field)
    assert total_of(rm, "/appropriations") == 9


@pytest.mark.parametrize(
    "field",
    [
        "account_code",
        "title",
        "fiscal_year",
        "enacted",
        "apportioned",
        "allotted",
        pytest.param(
            "category",
        ),
    ],
)
def test_a_missing_appropriation_field_is_422_naming_it(rm, field):
    body = appropriation_body()
    del body[field]
    assert_error(rm.post("/appropriations", body), 422, field)
    assert total_of(rm, "/appropriations") == 9


@pytest.mark.parametrize(
    "amount",
    [
        "12.345",
        "1e3",
        "1E3",
        "1_000",
        "1,000.00",
        "$1000",
        "12.",
        ".5",
        "",
        "ten",
        "NaN",
        "Infinity",
        12.5,
        12.0,
        True,
        None,
        [1000],
        {"dollars": 1000},
        pytest.param(
            10**20,
        ),
        pytest.param(
            10**30,
        ),
    ],
)
def test_bad_money_is_422_naming_the_field(rm, amount):
    body = appropriation_body(enacted=amount, apportioned="0.00", allotted="0.00")
    assert_error(rm.post("/appropriations", body), 422, "enacted")
    assert total_of(rm, "/appropriations") == 9


@pytest.mark.parametrize(
    ("amount", "shown"),
    [("1234.50", "1234.50"), (1234, "1234.00"), ("1234", "1234.00"), ("0.5", "0.50"), ("9999999999999.99", None)],
)
def test_good_money_is_accepted_exactly(rm, amount, shown):
    body = appropriation_body(enacted=amount, apportioned=amount, allotted=amount)
    created = ok(rm.post("/appropriations", body), 201)
    expected = shown or amount
    assert (created["enacted"], created["apportioned"], created["allotted"]) == (expected, expected, expected)
    assert ok(rm.get(f"/appropriations/{created['id']}"))["enacted"] == expected


# --------------------------------------------------------------------------- status of funds


STATUS_FIELDS = {"enacted", "allotted", "planned", "committed", "obligated", "available", "expires_on", "cancels_on"}


@pytest.mark.parametrize(
    ("account_code", "fiscal_year", "scenario_name"),
    [("INCLE", 2026, ENACTED), ("INCLE", 2027, PLAN), ("DP", 2025, ACTUAL), ("ESF", 2027, ENACTED)],
)
def test_status_of_funds_for_a_chosen_scenario(rm, account_code, fiscal_year, scenario_name):
    record = appropriation(rm, account_code, fiscal_year)
    chosen = scenario(rm, scenario_name)
    status = ok(rm.get(f"/appropriations/{record['id']}/status", query_string={"scenario": chosen["id"]}))
    assert set(status) >= STATUS_FIELDS

    lines = all_items(rm, "/budget-lines", scenario=chosen["id"], appropriation=record["id"])
    planned = sum(cents(line["amount"]) for line in lines)
    committed = sum(cents(line["amount"]) for line in lines if line["stage"] == "committed")
    obligated = sum(cents(line["amount"]) for line in lines if line["stage"] == "obligated")
    assert status["enacted"] == record["enacted"]
    assert status["allotted"] == record["allotted"]
    assert status["committed"] == money(committed)
    assert status["obligated"] == money(obligated)
    assert status["available"] == money(cents(record["allotted"]) - planned)


def test_status_lists_planned_by_scenario(rm):
    record = appropriation(rm, "INCLE", 2026)
    status = ok(rm.get(f"/appropriations/{record['id']}/status"))
    by_scenario: dict[int, int] = defaultdict(int)
    for line in all_items(rm, "/budget-lines", appropriation=record["id"]):
        by_scenario[line["scenario"]] += cents(line["amount"])
    assert by_scenario, "the demo plans INCLE FY2026 somewhere"
    assert {entry["scenario"]: cents(entry["amount"]) for entry in status["planned"]} == by_scenario
    names = {s["id"]: s["name"] for s in all_items(rm, "/scenarios")}
    assert all(entry["name"] == names[entry["scenario"]] for entry in status["planned"])


def test_a_new_line_reduces_available_by_its_amount(rm):
    record = appropriation(rm, "INCLE", 2027)
    plan = scenario(rm, PLAN)
    path = f"/appropriations/{record['id']}/status?scenario={plan['id']}"
    before = cents(ok(rm.get(path))["available"])
    create_line(rm, amount="1234.56")
    after = ok(rm.get(path))
    assert cents(after["available"]) == before - 123456
    assert cents(after["available"]) == cents(record["allotted"]) - planned_cents(rm, plan["id"], record["id"])


@pytest.mark.parametrize(
    ("account_code", "fiscal_year", "expires_on", "cancels_on"),
    [
        # Two-year FY2026 funds: available FY2026–FY2027, cancelled on 30 Sept of the fifth FY after expiry.
        ("INCLE", 2026, "2027-09-30", "2032-09-30"),
        ("ESF", 2026, "2027-09-30", "2032-09-30"),
        ("ESF", 2027, "2028-09-30", "2033-09-30"),
        # One-year funds expire at the end of their own fiscal year.
        ("DP", 2027, "2027-09-30", "2032-09-30"),
        ("DP", 2025, "2025-09-30", "2030-09-30"),
    ],
)
def test_expiry_and_cancellation_dates(rm, account_code, fiscal_year, expires_on, cancels_on):
    record = appropriation(rm, account_code, fiscal_year)
    status = ok(rm.get(f"/appropriations/{record['id']}/status"))
    assert (status["expires_on"], status["cancels_on"]) == (expires_on, cancels_on)
    assert (record["expires_on"], record["cancels_on"]) == (expires_on, cancels_on)


def test_no_year_funds_never_expire(rm):
    created = ok(rm.post("/appropriations", appropriation_body(availability_years=None)), 201)
    status = ok(rm.get(f"/appropriations/{created['id']}/status"))
    assert (status["expires_on"], status["cancels_on"]) == (None, None)
    assert status["available"] == created["allotted"]  # nothing planned on it yet
    assert status["planned"] == []


def test_status_of_missing_records_is_404(rm):
    assert_error(rm.get("/appropriations/999999/status"), 404)
    record = appropriation(rm, "DP", 2027)
    assert_error(rm.get(f"/appropriations/{record['id']}/status?scenario=999999"), 404)


# --------------------------------------------------------------------------- scenarios


def test_scenarios_list_and_filters(rm):
    everything = all_items(rm, "/scenarios")
    assert {s["name"]: (s["status"], s["kind"], s["budget_year"]) for s in everything} == {
        ACTUAL: ("locked", "actual", 2025),
        ENACTED: ("locked", "enacted", 2026),
        PLAN: ("draft", "plan", 2027),
    }
    assert [s["name"] for s in ok(rm.get("/scenarios?budget_year=2027"))["items"]] == [PLAN]
    assert [s["name"] for s in ok(rm.get("/scenarios?kind=enacted"))["items"]] == [ENACTED]
    locked = ok(rm.get("/scenarios?status=locked"))
    assert locked["total"] == 2
    assert {s["name"] for s in locked["items"]} == {ACTUAL, ENACTED}
    assert ok(rm.get("/scenarios?budget_year=2031"))["total"] == 0
    assert ok(rm.get(f"/scenarios/{scenario(rm, PLAN)['id']}"))["based_on"] == scenario(rm, ENACTED)["id"]


def test_create_a_scenario(rm):
    body = {"name": "FY2027 alternative", "budget_year": 2027, "kind": "plan", "description": "What if"}
    created = ok(rm.post("/scenarios", body), 201)
    assert readable(created, "id", "version", "status", "based_on") == body
    assert created["status"] == "draft"
    assert ok(rm.get(f"/scenarios/{created['id']}")) == created
    copy = readable(created, "id", "version", "status") | {"name": "FY2027 alternative 2"}
    assert ok(rm.post("/scenarios", copy), 201)["name"] == "FY2027 alternative 2"
    assert total_of(rm, "/scenarios") == 5


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": PLAN}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"budget_year": 1990}, "budget_year"),
        ({"budget_year": "soon"}, "budget_year"),
        ({"kind": "wish"}, "kind"),
        ({"based_on": 999999}, "based_on"),
    ],
)
def test_invalid_scenarios_are_422_naming_the_field(rm, overrides, field):
    body = {"name": "New scenario", "budget_year": 2027, "kind": "plan"} | overrides
    assert_error(rm.post("/scenarios", body), 422, field)
    assert total_of(rm, "/scenarios") == 3


def test_a_scenario_without_kind_is_422_naming_it(rm):
    assert_error(rm.post("/scenarios", {"name": "No kind", "budget_year": 2027}), 422, "kind")


@pytest.mark.parametrize("email", [VIEWER, HEAD_IP, STAFF_IP, ADMIN])
def test_only_the_resource_manager_changes_scenarios(api_as, email):
    caller = api_as(email)
    plan = scenario(caller, PLAN)
    assert_error(caller.post("/scenarios", {"name": "Mine", "budget_year": 2027, "kind": "plan"}), 403)
    assert_error(caller.patch(f"/scenarios/{plan['id']}", {"version": plan["version"], "name": "Mine"}), 403)
    assert_error(caller.delete(f"/scenarios/{plan['id']}?version={plan['version']}"), 403)
    assert ok(caller.get(f"/scenarios/{plan['id']}")) == plan
    assert total_of(caller, "/scenarios") == 3


def test_patch_a_draft_scenario(rm):
    plan = scenario(rm, PLAN)
    path = f"/scenarios/{plan['id']}"
    changed = ok(rm.patch(path, {"version": plan["version"], "description": "Revised"}))
    assert changed["description"] == "Revised"
    assert changed["version"] == plan["version"] + 1
    assert readable(changed, "description", "version") == readable(plan, "description", "version")
    assert_error(rm.patch(path, {"version": plan["version"], "description": "Stale"}), 409)
    assert_error(rm.patch(path, {"version": changed["version"], "name": ENACTED}), 422, "name")
    assert_error(rm.patch(path, {"description": "No version"}), 422, "version")
    assert ok(rm.get(path)) == changed


@pytest.mark.parametrize("name", [ACTUAL, ENACTED])
def test_a_locked_scenario_refuses_changes(rm, name):
    locked = scenario(rm, name)
    path = f"/scenarios/{locked['id']}"
    lines_before = total_of(rm, "/budget-lines", scenario=locked["id"])
    assert_error(rm.patch(path, {"version": locked["version"], "description": "Sneaky"}), 409)
    assert_error(rm.delete(f"{path}?version={locked['version']}"), 409)
    assert ok(rm.get(path)) == locked
    assert total_of(rm, "/budget-lines", scenario=locked["id"]) == lines_before > 0


def test_delete_a_draft_scenario_and_its_lines(rm):
    created = ok(rm.post("/scenarios", {"name": "Scratch", "budget_year": 2027, "kind": "plan"}), 201)
    awarded = total_of(rm, "/budget-lines", scenario=created["id"], source="award")
    assert awarded == total_of(rm, "/budget-lines", scenario=created["id"]) > 0  # it starts with the awards made
    first = create_line(rm, scenario=created["id"], amount="100.00")
    create_line(rm, scenario=created["id"], amount="200.00")
    lines_elsewhere = total_of(rm, "/budget-lines") - awarded - 2
    assert total_of(rm, "/budget-lines", scenario=created["id"]) == awarded + 2
    path = f"/scenarios/{created['id']}"

    assert_error(rm.delete(path), 422, "version")
    assert_error(rm.delete(f"{path}?version={created['version'] + 1}"), 409)
    response = rm.delete(f"{path}?version={created['version']}")
    assert response.status_code == 204
    assert response.get_data() == b""

    assert_error(rm.get(path), 404)
    assert_error(rm.get(f"/budget-lines/{first['id']}"), 404)
    assert total_of(rm, "/budget-lines", scenario=created["id"]) == 0
    assert total_of(rm, "/budget-lines") == lines_elsewhere
    assert total_of(rm, "/scenarios") == 3


def test_delete_takes_the_version_in_a_json_body_too(rm):
    created = ok(rm.post("/scenarios", {"name": "Scratch", "budget_year": 2027, "kind": "plan"}), 201)
    assert rm.delete(f"/scenarios/{created['id']}", json={"version": created["version"]}).status_code == 204
    assert_error(rm.get(f"/scenarios/{created['id']}"), 404)


# --------------------------------------------------------------------------- totals


def _labeller(api: Api):
    """Dimension name → function(line) → the code the totals rows name it by."""
    by_id = {
        "appropriation": {
            a["id"]: f"{a['account_code']} FY{a['fiscal_year']}" for a in all_items(api, "/appropriations")
        },
        "division": {d["id"]: d["code"] for d in reference(api, "divisions").values()},
        "object_class": {o["id"]: o["code"] for o in reference(api, "object-classes").values()},
        "region": {r["id"]: r["code"] for r in reference(api, "regions").values()},
        "country": {c["id"]: c["iso3"] for c in reference(api, "countries", key="iso3").values()},
        "priority": {p["id"]: p["code"] for p in reference(api, "priorities").values()},
        "program_type": {p["id"]: p["code"] for p in reference(api, "program-types").values()},
        "scenario": {s["id"]: s["name"] for s in all_items(api, "/scenarios")},
    }

    def label(name: str, line: dict):
        value = line[name]
        return by_id[name].get(value) if name in by_id and value is not None else value

    return label


@pytest.mark.parametrize(
    "by",
    [
        "appropriation,object_class",
        "division",
        "region,priority",
        "fiscal_year,stage",
        "country",
        "program_type,source",
        "object_class, appropriation",
    ],
)
@pytest.mark.parametrize("scenario_name", [PLAN, ENACTED])
def test_totals_match_the_sum_of_the_lines(rm, by, scenario_name):
    chosen = scenario(rm, scenario_name)
    dimensions = [name.strip() for name in by.split(",")]
    body = ok(rm.get(f"/scenarios/{chosen['id']}/totals", query_string={"by": by}))
    assert body["by"] == dimensions

    label = _labeller(rm)
    expected: dict[tuple, int] = defaultdict(int)
    lines = all_items(rm, "/budget-lines", scenario=chosen["id"])
    for line in lines:
        expected[tuple(label(name, line) for name in dimensions)] += cents(line["amount"])
    rows = {tuple(row[name] for name in dimensions): cents(row["amount"]) for row in body["rows"]}
    assert len(rows) == len(body["rows"]), "one row per combination"
    assert rows == dict(expected)
    assert sum(rows.values()) == cents(body["total"]) == sum(cents(line["amount"]) for line in lines)


def test_totals_without_dimensions_is_the_grand_total(rm):
    plan = scenario(rm, PLAN)
    body = ok(rm.get(f"/scenarios/{plan['id']}/totals"))
    lines = all_items(rm, "/budget-lines", scenario=plan["id"])
    assert cents(body["total"]) == sum(cents(line["amount"]) for line in lines)


def test_totals_follow_a_new_line(rm):
    plan = scenario(rm, PLAN)
    path = f"/scenarios/{plan['id']}/totals?by=division"
    before = ok(rm.get(path))
    rows_before = {row["division"]: cents(row["amount"]) for row in before["rows"]}
    create_line(rm, amount="1234.50", division=reference(rm, "divisions")["PEMA"]["id"])
    after = ok(rm.get(path))
    assert cents(after["total"]) == cents(before["total"]) + 123450
    rows_after = {row["division"]: cents(row["amount"]) for row in after["rows"]}
    assert rows_after["PEMA"] == rows_before.get("PEMA", 0) + 123450


def test_totals_by_appropriation_tell_fiscal_years_apart(rm):
    plan = scenario(rm, PLAN)
    create_line(rm, appropriation=appropriation(rm, "INCLE", 2026)["id"], fiscal_year=2027, amount="500.00")
    lines = all_items(rm, "/budget-lines", scenario=plan["id"])
    body = ok(rm.get(f"/scenarios/{plan['id']}/totals?by=appropriation"))
    names = [row["appropriation"] for row in body["rows"]]
    assert len(set(names)) == len(names) == len({line["appropriation"] for line in lines})


@pytest.mark.parametrize("by", ["colour", "appropriation,colour", "amount", "id"])
def test_totals_by_an_unknown_dimension_is_400_naming_by(rm, by):
    plan = scenario(rm, PLAN)
    assert_error(rm.get(f"/scenarios/{plan['id']}/totals", query_string={"by": by}), 400, "by")


def test_totals_of_a_missing_scenario_is_404(rm):
    assert_error(rm.get("/scenarios/999999/totals?by=division"), 404)


# --------------------------------------------------------------------------- budget lines: reading


LINE_FILTERS = [
    "scenario",
    "fiscal_year",
    "appropriation",
    "division",
    "object_class",
    "region",
    "country",
    "priority",
    "program_type",
]


@pytest.fixture
def lines_with_imports(rm, runner) -> list[dict]:
    """Every line of the demo office plus 30 scale-test lines (source "import")."""
    result = runner.invoke(args=["seed", "scale", "--lines", "30"])
    assert result.exit_code == 0, result.output
    return all_items(rm, "/budget-lines")


def _sample_line(lines: list[dict]) -> dict:
    """A manual program line with every dimension set."""
    return next(
        line for line in lines if line["source"] == "manual" and all(line[name] is not None for name in LINE_FILTERS)
    )


@pytest.mark.parametrize("name", LINE_FILTERS)
def test_each_line_filter_returns_exactly_the_matching_lines(rm, lines_with_imports, name):
    value = _sample_line(lines_with_imports)[name]
    expected = {line["id"] for line in lines_with_imports if line[name] == value}
    found = all_items(rm, "/budget-lines", **{name: value})
    assert all(line[name] == value for line in found)
    assert {line["id"] for line in found} == expected
    assert 0 < len(expected) < len(lines_with_imports)


@pytest.mark.parametrize(("source", "count"), [("import", 30), ("manual", None)])
def test_the_source_filter(rm, lines_with_imports, source, count):
    expected = {line["id"] for line in lines_with_imports if line["source"] == source}
    if count is not None:
        assert len(expected) == count
    found = all_items(rm, "/budget-lines", source=source)
    assert {line["id"] for line in found} == expected
    assert all(line["source"] == source for line in found)


def test_filters_combine(rm, lines_with_imports):
    sample = _sample_line(lines_with_imports)
    chosen = {name: sample[name] for name in ("scenario", "appropriation", "division", "region")}
    expected = {line["id"] for line in lines_with_imports if all(line[k] == v for k, v in chosen.items())}
    assert {line["id"] for line in all_items(rm, "/budget-lines", **chosen)} == expected
    assert sample["id"] in expected


def test_a_filter_that_matches_nothing_gives_an_empty_page(rm):
    body = ok(rm.get("/budget-lines?scenario=999999"))
    assert (body["items"], body["total"]) == ([], 0)


def test_lines_page_without_overlap(rm):
    total = total_of(rm, "/budget-lines")
    pages = [ok(rm.get(f"/budget-lines?per_page=250&page={n}")) for n in (1, 2, 3)]
    ids = [line["id"] for page in pages for line in page["items"]]
    assert len(ids) == len(set(ids)) == min(total, 750)
    assert all(page["total"] == total for page in pages)


def test_get_one_line(rm):
    listed = ok(rm.get("/budget-lines?per_page=1"))["items"][0]
    assert ok(rm.get(f"/budget-lines/{listed['id']}")) == listed
    assert_error(rm.get("/budget-lines/999999"), 404)


# --------------------------------------------------------------------------- budget lines: writing


def test_create_a_line_round_trips_exactly(rm):
    body = line_body(rm, amount="1234.50", description="Round trip", stage="committed")
    created = ok(rm.post("/budget-lines", body), 201)
    assert created["amount"] == "1234.50"
    assert readable(created, *set(created) - set(body)) == body
    assert created["source"] == "manual"
    assert created["version"] == 1
    fetched = ok(rm.get(f"/budget-lines/{created['id']}"))
    assert fetched == created

    copy = readable(fetched, "id", "version", "source", "source_id", "updated_at")
    second = ok(rm.post("/budget-lines", copy), 201)
    assert second["id"] != created["id"]
    assert readable(second, "id", "updated_at") == readable(created, "id", "updated_at")


def test_a_line_without_optional_fields_gets_defaults(rm):
    body = line_body(rm)
    del body["description"]
    created = ok(rm.post("/budget-lines", body), 201)
    assert created["description"] == ""
    assert created["stage"] == "planned"
    assert (created["region"], created["country"], created["priority"], created["program_type"]) == (None,) * 4


def test_an_integer_amount_is_dollars(rm):
    assert create_line(rm, amount=1234)["amount"] == "1234.00"


@pytest.mark.parametrize("email", [VIEWER, HEAD_IP, STAFF_IP, ADMIN])
def test_only_the_resource_manager_writes_lines(api_as, rm, email):
    line = create_line(rm)
    caller = api_as(email)
    before = total_of(caller, "/budget-lines")
    assert_error(caller.post("/budget-lines", line_body(caller)), 403)
    assert_error(caller.patch(f"/budget-lines/{line['id']}", {"version": 1, "amount": "1.00"}), 403)
    assert_error(caller.delete(f"/budget-lines/{line['id']}?version=1"), 403)
    assert total_of(caller, "/budget-lines") == before
    assert ok(caller.get(f"/budget-lines/{line['id']}")) == line


def test_a_line_in_a_locked_scenario_is_409(rm):
    enacted = scenario(rm, ENACTED)
    before = total_of(rm, "/budget-lines")
    body = line_body(rm, scenario=enacted["id"], fiscal_year=2026, appropriation=appropriation(rm, "DP", 2026)["id"])
    assert_error(rm.post("/budget-lines", body), 409)
    assert total_of(rm, "/budget-lines") == before


def test_lines_of_a_locked_scenario_cannot_be_changed_or_deleted(rm):
    enacted = scenario(rm, ENACTED)
    line = ok(rm.get(f"/budget-lines?scenario={enacted['id']}&per_page=1"))["items"][0]
    path = f"/budget-lines/{line['id']}"
    assert_error(rm.patch(path, {"version": line["version"], "amount": "1.00"}), 409)
    assert_error(rm.delete(f"{path}?version={line['version']}"), 409)
    assert ok(rm.get(path)) == line


def test_moving_a_line_into_a_locked_scenario_is_409(rm):
    line = create_line(rm)
    enacted = scenario(rm, ENACTED)
    body = {"version": line["version"], "scenario": enacted["id"]}
    assert_error(rm.patch(f"/budget-lines/{line['id']}", body), 409)
    assert ok(rm.get(f"/budget-lines/{line['id']}")) == line


def test_overdrawing_an_appropriation_is_refused(rm):
    plan = scenario(rm, PLAN)
    record = appropriation(rm, "INCLE", 2027)
    available = available_cents(rm, plan["id"], "INCLE", 2027)
    assert available > 0
    lines_before = total_of(rm, "/budget-lines")
    status_path = f"/appropriations/{record['id']}/status?scenario={plan['id']}"
    status_before = ok(rm.get(status_path))

    error = assert_error(rm.post("/budget-lines", line_body(rm, amount=money(available + 100_000))), 422, "amount")
    assert f"{dollars_text(available)} available" in error["message"]
    assert total_of(rm, "/budget-lines") == lines_before
    assert ok(rm.get(status_path)) == status_before

    # Exactly what is left is fine, and then not one cent more.
    ok(rm.post("/budget-lines", line_body(rm, amount=money(available))), 201)
    assert ok(rm.get(status_path))["available"] == "0.00"
    assert_error(rm.post("/budget-lines", line_body(rm, amount="0.01")), 422, "amount")
    assert total_of(rm, "/budget-lines") == lines_before + 1


def test_raising_a_line_past_the_allotment_is_refused(rm):
    plan = scenario(rm, PLAN)
    line = create_line(rm, amount="100.00")
    available = available_cents(rm, plan["id"], "INCLE", 2027)
    path = f"/budget-lines/{line['id']}"
    # The line's own $100 is already counted: it may grow by `available`, not more.
    assert_error(rm.patch(path, {"version": line["version"], "amount": money(10_000 + available + 1)}), 422, "amount")
    assert ok(rm.get(path)) == line
    grown = ok(rm.patch(path, {"version": line["version"], "amount": money(10_000 + available)}))
    assert grown["amount"] == money(10_000 + available)
    assert available_cents(rm, plan["id"], "INCLE", 2027) == 0


def test_the_warn_setting_lets_an_overdraft_through(rm):
    plan = scenario(rm, PLAN)
    record = appropriation(rm, "INCLE", 2027)
    available = available_cents(rm, plan["id"], "INCLE", 2027)
    admin = db.session.scalar(sa.select(User).where(User.email == ADMIN))
    settings.set_funds_control(admin, FundsControl.WARN)
    db.session.commit()
    before = total_of(rm, "/budget-lines")
    created = ok(rm.post("/budget-lines", line_body(rm, amount=money(available + 100_000))), 201)
    assert total_of(rm, "/budget-lines") == before + 1
    assert ok(rm.get(f"/budget-lines/{created['id']}"))["amount"] == money(available + 100_000)
    status = ok(rm.get(f"/appropriations/{record['id']}/status?scenario={plan['id']}"))
    assert status["available"] == money(-100_000)


def test_a_patch_saved_under_the_warn_setting_says_so(rm):
    plan = scenario(rm, PLAN)
    line = create_line(rm, amount="100.00")
    available = available_cents(rm, plan["id"], "INCLE", 2027)
    admin = db.session.scalar(sa.select(User).where(User.email == ADMIN))
    settings.set_funds_control(admin, FundsControl.WARN)
    db.session.commit()
    response = rm.patch(
        f"/budget-lines/{line['id']}", {"version": line["version"], "amount": money(10_000 + available + 100_000)}
    )
    assert response.status_code == 200
    assert response.headers["Warning"].startswith('299 - "funds: ')
    assert available_cents(rm, plan["id"], "INCLE", 2027) == -100_000


def test_patch_a_line(rm):
    line = create_line(rm, amount="1234.50")
    path = f"/budget-lines/{line['id']}"
    changed = ok(rm.patch(path, {"version": line["version"], "amount": "2000.05", "description": "Changed"}))
    assert (changed["amount"], changed["description"], changed["version"]) == ("2000.05", "Changed", 2)
    assert readable(changed, "amount", "description", "version", "updated_at") == readable(
        line, "amount", "description", "version", "updated_at"
    )
    assert ok(rm.get(path)) == changed


def test_patch_a_line_with_a_stale_version_is_409_and_changes_nothing(rm):
    line = create_line(rm, amount="1234.50")
    path = f"/budget-lines/{line['id']}"
    current = ok(rm.patch(path, {"version": line["version"], "description": "Theirs"}))
    assert_error(rm.patch(path, {"version": line["version"], "amount": "1.00", "description": "Mine"}), 409)
    assert ok(rm.get(path)) == current
    assert_error(rm.patch(path, {"amount": "1.00"}), 422, "version")
    assert ok(rm.get(path)) == current


def test_delete_a_line(rm):
    line = create_line(rm)
    before = total_of(rm, "/budget-lines")
    path = f"/budget-lines/{line['id']}"
    assert_error(rm.delete(path), 422, "version")
    assert_error(rm.delete(f"{path}?version={line['version'] + 1}"), 409)
    response = rm.delete(f"{path}?version={line['version']}")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_error(rm.get(path), 404)
    assert_error(rm.delete(f"{path}?version={line['version']}"), 404)
    assert total_of(rm, "/budget-lines") == before - 1


def test_the_audit_trail_shows_a_lines_life(rm):
    me = ok(rm.get("/me"))
    line = create_line(rm, amount="1234.50", description="Audited")
    path = f"/budget-lines/{line['id']}"
    changed = ok(rm.patch(path, {"version": line["version"], "amount": "999.99", "description": "Audited, changed"}))
    assert rm.delete(f"{path}?version={changed['version']}").status_code == 204

    events = all_items(rm, "/audit", entity="budget_line", entity_id=line["id"])
    by_action = {event["action"].rsplit(".", 1)[-1]: event for event in events}
    assert len(events) == 3
    assert set(by_action) == {"create", "update", "delete"}
    assert all(event["entity"] == "budget_line" and event["entity_id"] == line["id"] for event in events)
    assert all(event["user"] == me["id"] for event in events)

    assert by_action["create"]["before"] is None
    assert by_action["create"]["after"]["description"] == "Audited"
    assert by_action["update"]["before"]["description"] == "Audited"
    assert by_action["update"]["after"]["description"] == "Audited, changed"
    assert by_action["delete"]["before"]["description"] == "Audited, changed"
    assert by_action["delete"]["after"] is None
    # Newest first.
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    assert events[0]["action"].endswith("delete")


def test_audit_filters_by_user_and_since(rm, api_as):
    me = ok(rm.get("/me"))
    create_line(rm, description="Recent")
    mine = all_items(rm, "/audit", user=me["id"])
    assert mine
    assert all(event["user"] == me["id"] for event in mine)
    latest = mine[0]["at"]
    since = all_items(rm, "/audit", since=latest)
    assert since
    assert all(event["at"] >= latest for event in since)
    assert_error(rm.get("/audit?since=yesterday"), 400, "since")
    assert ok(api_as(VIEWER).get("/audit"))["total"] > 0


@pytest.mark.parametrize("email", [HEAD_IP, STAFF_IP])
def test_division_heads_and_staff_cannot_read_the_audit_trail(api_as, email):
    assert_error(api_as(email).get("/audit"), 403)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"fiscal_year": 2026}, "fiscal_year"),  # before INCLE FY2027 exists
        ({"fiscal_year": 2029}, "fiscal_year"),  # after the two years of availability
        ({"region": "EUR", "country": "THA"}, "country"),  # Thailand is not in Europe
    ],
)
def test_lines_outside_the_rules_are_422(rm, overrides, field):
    resolved = dict(overrides)
    if "region" in resolved:
        resolved["region"] = reference(rm, "regions")[resolved["region"]]["id"]
    if "country" in resolved:
        resolved["country"] = reference(rm, "countries", key="iso3")[resolved["country"]]["id"]
    before = total_of(rm, "/budget-lines")
    assert_error(rm.post("/budget-lines", line_body(rm, **resolved)), 422, field)
    assert total_of(rm, "/budget-lines") == before


# --------------------------------------------------------------------------- CSRF


def test_cookie_session_writes_need_a_csrf_token(client, auth, rm):
    auth.login(RM)
    assert client.get(API + "/me").get_json()["email"] == RM  # reads need none
    body = line_body(rm, description="Via the session")
    before = total_of(rm, "/budget-lines")

    for method, path, payload in [
        ("POST", "/budget-lines", body),
        ("PATCH", "/budget-lines/1", {"version": 1}),
        ("DELETE", "/budget-lines/1?version=1", None),
    ]:
        error = assert_error(client.open(API + path, method=method, json=payload), 400)
        assert "csrf_token" in error["fields"]
    assert total_of(rm, "/budget-lines") == before

    response = client.post(API + "/budget-lines", json=body, headers={"X-CSRFToken": auth.csrf()})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert total_of(rm, "/budget-lines") == before + 1


def test_bearer_token_writes_need_no_csrf_token(rm):
    assert rm.post("/budget-lines", line_body(rm)).status_code == 201


def test_a_bad_bearer_token_does_not_fall_back_to_the_session(client, auth, rm):
    auth.login(RM)
    before = total_of(rm, "/budget-lines")
    response = client.post(API + "/budget-lines", json=line_body(rm), headers={"Authorization": "Bearer junk"})
    assert response.status_code in (400, 401)
    assert total_of(rm, "/budget-lines") == before


# --------------------------------------------------------------------------- bad input: never a 500


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('"a string"', "application/json"),
        ("42", "application/json"),
        ("null", "application/json"),
        ("", "application/json"),
        ("amount=10", "application/x-www-form-urlencoded"),
        ('{"amount": "10.00"}', "text/plain"),
        (b"\xff\xfe\x00garbage", "application/json"),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/budget-lines"),
        ("POST", "/appropriations"),
        ("POST", "/scenarios"),
        ("PATCH", "/budget-lines/1"),
        ("PATCH", "/appropriations/1"),
        ("PATCH", "/scenarios/3"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(rm, method, path, data, content_type):
    assert_error(rm.call(method, path, data=data, content_type=content_type), 400)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fiscal_year", "twenty"),
        ("fiscal_year", None),
        ("fiscal_year", [2027]),
        ("fiscal_year", True),
        ("scenario", 999999),
        ("scenario", "FY2027 plan"),
        ("appropriation", 999999),
        ("appropriation", "INCLE"),
        ("appropriation", {"id": 3}),
        ("division", 999999),
        ("object_class", 999999),
        ("region", 999999),
        ("country", 999999),
        ("priority", 999999),
        ("program_type", 999999),
        ("amount", "12.345"),
        ("amount", "1e3"),
        ("amount", "1_000"),
        ("amount", 12.5),
        ("amount", "1,000.00"),
        ("amount", None),
        ("amount", True),
        ("stage", "spent"),
        ("description", "x" * 501),
        ("description", 5),
        ("owner", "me"),
        pytest.param(
            "amount",
            10**30,
        ),
        pytest.param(
            "appropriation",
            10**20,
        ),
        pytest.param(
            "appropriation",
            3.7,
        ),
        pytest.param(
            "fiscal_year",
            2027.5,
        ),
    ],
)
def test_a_bad_line_field_is_422_naming_it(rm, field, value):
    before = total_of(rm, "/budget-lines")
    assert_error(rm.post("/budget-lines", line_body(rm, **{field: value})), 422, field)
    assert total_of(rm, "/budget-lines") == before


@pytest.mark.parametrize("field", ["scenario", "fiscal_year", "appropriation", "division", "object_class", "amount"])
def test_a_missing_line_field_is_422_naming_it(rm, field):
    body = line_body(rm)
    del body[field]
    assert_error(rm.post("/budget-lines", body), 422, field)


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "12.345"), ("appropriation", 999999), ("fiscal_year", "soon"), ("stage", "spent"), ("id", "x")],
)
def test_a_bad_patch_is_refused_and_changes_nothing(rm, field, value):
    line = create_line(rm)
    path = f"/budget-lines/{line['id']}"
    response = rm.patch(path, {"version": line["version"], field: value})
    if field == "id":  # read-only fields are ignored, as in a round trip
        assert ok(response)["id"] == line["id"]
    else:
        assert_error(response, 422, field)
        assert ok(rm.get(path)) == line


def test_a_line_in_an_unknown_fiscal_year_is_422(rm):
    no_year = ok(rm.post("/appropriations", appropriation_body(availability_years=None)), 201)
    body = line_body(rm, appropriation=no_year["id"], fiscal_year=2040)
    assert_error(rm.post("/budget-lines", body), 422, "fiscal_year")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/budget-lines?scenario=abc", "scenario"),
        ("/budget-lines?fiscal_year=-1", "fiscal_year"),
        ("/budget-lines?appropriation=1.5", "appropriation"),
        ("/budget-lines?division=IP", "division"),
        ("/appropriations?fiscal_year=FY2027", "fiscal_year"),
        ("/scenarios?budget_year=next", "budget_year"),
        ("/audit?entity_id=x", "entity_id"),
        ("/audit?user=rm", "user"),
        ("/budget-lines/1?version=x", None),
        ("/scenarios/3/totals?by=,,colour", "by"),
    ],
)
def test_a_bad_query_parameter_is_400_naming_it(rm, path, field):
    if path.startswith("/budget-lines/1?version"):
        assert_error(rm.delete(path), 400, "version")
    else:
        assert_error(rm.get(path), 400, field)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(
            "/budget-lines?source=bogus",
        ),
        pytest.param(
            "/scenarios?kind=bogus",
        ),
        pytest.param(
            "/scenarios?status=bogus",
        ),
        pytest.param(
            "/budget-lines?scenario=%C2%B2",
        ),
        pytest.param(
            "/budget-lines?scenario=99999999999999999999999",
        ),
        pytest.param(
            "/budget-lines?page=99999999999999999999999",
        ),
        pytest.param(
            "/audit?entity_id=99999999999999999999999",
        ),
        "/budget-lines?sort=-nonsense",
        "/budget-lines?source=",
        "/appropriations/3/status?scenario=",
        "/audit?since=2026-01-01T00:00:00%2B05:00",
        "/scenarios/3/totals?by=",
    ],
)
def test_odd_query_strings_are_never_a_500(rm, path):
    response = rm.get(path)
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert_error(response, response.status_code)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/appropriations/999999"),
        ("PATCH", "/appropriations/999999"),
        ("GET", "/scenarios/999999"),
        ("PATCH", "/scenarios/999999"),
        ("DELETE", "/scenarios/999999?version=1"),
        ("GET", "/budget-lines/999999"),
        ("PATCH", "/budget-lines/999999"),
        ("DELETE", "/budget-lines/999999?version=1"),
        ("GET", "/nothing-here"),
        ("GET", "/budget-lines/abc"),
    ],
)
def test_missing_records_are_404_json(rm, method, path):
    assert_error(rm.call(method, path, json={"version": 1}), 404)


def test_a_method_not_allowed_is_405_json(rm):
    assert_error(rm.call("PUT", "/budget-lines/1", json={}), 405)
    assert_error(rm.delete("/appropriations/1?version=1"), 405)


def test_a_405_says_which_methods_are_allowed(rm):
    allowed = rm.call("TRACE", "/budget-lines/1").headers["Allow"]
    assert {"GET", "PATCH", "DELETE"} <= {method.strip() for method in allowed.split(",")}
    assert "POST" not in allowed


def test_a_version_sent_on_create_is_a_whole_number(rm):
    assert_error(rm.post("/budget-lines", {**line_body(rm), "version": {}}), 422, "version")
    assert ok(rm.post("/budget-lines", {**line_body(rm), "version": 7}), 201)["version"] == 1  # a copy starts anew


def test_the_api_export_refuses_a_malformed_scenario_id(rm):
    plan = scenario(rm, PLAN)["id"]
    assert_error(rm.get(f"/scenarios/{plan}/export.xlsx?enacted=AAA"), 400, "enacted")
    workbook = rm.get(f"/scenarios/{plan}/export.xlsx?enacted=")  # empty: no choice
    workbook.close()
    assert workbook.status_code == 200


def test_moments_are_utc_with_z(rm):
    line = create_line(rm, description="Stamped")
    event = ok(rm.get("/audit?per_page=1"))["items"][0]
    for moment in (line["updated_at"], event["at"]):
        assert moment.endswith("Z"), moment
        assert dt.datetime.fromisoformat(moment).utcoffset() == dt.timedelta(0)
    # an offset in a filter is honoured: the same moment five hours east finds the same events
    east = (dt.datetime.fromisoformat(event["at"]) + dt.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S.%f+05:00")
    assert all_items(rm, "/audit", since=east) == all_items(rm, "/audit", since=event["at"])
