"""Helpers shared by the tests: signing in, CSRF tokens, demo records, database fingerprints."""

from __future__ import annotations

import datetime as dt
import io
import re
import socket
from decimal import Decimal

import sqlalchemy as sa
from openpyxl import load_workbook

from exports.submission import write_submission
from jobs.worker import perform
from models import (
    AllocationRun,
    Appropriation,
    Award,
    BudgetLine,
    CityPairFare,
    Division,
    FundingNotice,
    ImportBatch,
    NoticeStatus,
    ObjectClass,
    Priority,
    Proposal,
    Region,
    Reprogramming,
    RequestStatus,
    Role,
    Scenario,
    SelectionRun,
    TravelPurpose,
    TravelRequest,
    User,
    db,
)
from services.allocation import jobs as allocation_jobs
from services.allocation import runs as allocation
from services.allocation.problems import AllocationSettings, build_problem
from services.budget.lines import LineInput
from services.execution import actuals
from services.funds.control import status_of
from services.office import accounts
from services.programs import selection
from services.reprogramming.drafts import MoveInput, ReprogrammingInput, create_reprogramming
from services.scenarios import imports
from services.scenarios.submission import build_workbook

DEMO_PASSWORD = "demo-password"


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def bearer(email: str) -> dict[str, str]:
    """A new API token of the user, as the Authorization header a script sends (committed)."""
    token = accounts.issue_token(None, user(email), "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def api_cents(text: str) -> int:
    """An API money string ("1234.50": two places, no exponent) in cents; anything else fails the test."""
    assert re.fullmatch(r"-?[0-9]+\.[0-9]{2}", text), text
    return int(text.replace(".", ""))


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Auth:
    """Sign in and out through the real login form."""

    def __init__(self, client) -> None:
        self.client = client

    def login(self, email: str = "rm@example.gov", password: str = DEMO_PASSWORD):
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def csrf(self, path: str = "/profile") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf()})


DEMO_USER = {
    Role.ADMIN: "admin@example.gov",
    Role.RESOURCE_MANAGER: "rm@example.gov",
    Role.DIVISION_HEAD: "head-ip@example.gov",
    Role.STAFF: "staff-ip@example.gov",
    Role.VIEWER: "viewer@example.gov",
}


def database_fingerprint() -> dict[str, tuple]:
    """Row counts and version sums of every table: any write changes it."""
    fingerprint = {}
    for table in db.metadata.sorted_tables:
        columns = [sa.func.count()]
        if "version" in table.c:
            columns.append(sa.func.coalesce(sa.func.sum(table.c.version), 0))
        fingerprint[table.name] = tuple(db.session.execute(sa.select(*columns).select_from(table)).one())
    db.session.rollback()
    return fingerprint


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on now (for a server a test starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def url_values(rm_token_id: int) -> dict[str, object]:
    plan = db.session.scalar(sa.select(Scenario).where(Scenario.name == "FY2027 plan"))
    return {
        "line_id": db.session.scalar(sa.select(BudgetLine.id).where(BudgetLine.scenario_id == plan.id).limit(1)),
        "appropriation_id": db.session.scalar(sa.select(Appropriation.id).limit(1)),
        "scenario_id": plan.id,
        "user_id": user("staff-ip@example.gov").id,
        "token_id": rm_token_id,
        "kind": "regions",
        "request_id": draft_travel_request_id(),
        "a_id": plan.based_on_id,
        "b_id": plan.id,
        "batch_id": import_batch_id(plan),
        "purpose_id": db.session.scalar(sa.select(TravelPurpose.id).limit(1)),
        "division_id": user("staff-ip@example.gov").division_id,
        "object_class_id": db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "41.0")),
        "fare_id": db.session.scalar(sa.select(CityPairFare.id).limit(1)),
        "run_id": allocation_run_id(plan),
        "part": "result",
        "award_id": db.session.scalar(sa.select(Award.id).order_by(Award.id).limit(1)),
        "notice_id": demo_notice_id(),
        "proposal_id": db.session.scalar(
            sa.select(Proposal.id).where(Proposal.notice_id == demo_notice_id()).order_by(Proposal.id).limit(1)
        ),
        "selection_run_id": selection_run_id(),
        "filename": "app.css",
        "load_id": actuals_load_id(),
        "job_id": finished_sweep_id(allocation_run_id(plan)),
        "reprogramming_id": draft_reprogramming_id(),
    }


def draft_reprogramming_id() -> int:
    """A draft reprogramming in the FY2027 plan: $250,000 of INCLE FY2027 from Prosecution in AF to Protection
    in WHA (the demo plans both)."""
    existing = db.session.scalar(sa.select(Reprogramming.id).order_by(Reprogramming.id).limit(1))
    if existing is not None:
        return existing
    return create_reprogramming(
        user("rm@example.gov"),
        ReprogrammingInput(
            scenario_id=plan_scenario().id,
            appropriation_id=appropriation("INCLE", 2027).id,
            justification="A shelter network in Central America needs a second year of support.",
            moves=(
                MoveInput(
                    from_={"region": region_id("AF"), "priority": priority_id("prosecution")},
                    to={"region": region_id("WHA"), "priority": priority_id("protection")},
                    amount=Decimal("250000"),
                ),
            ),
        ),
    ).id


def region_id(code: str) -> int:
    return db.session.scalar(sa.select(Region.id).where(Region.code == code))


def priority_id(code: str) -> int:
    return db.session.scalar(sa.select(Priority.id).where(Priority.code == code))


def finished_sweep_id(run_id: int) -> int:
    """A sweep job that has run (at once, in this process): its page shows the result link."""
    run = db.session.get(AllocationRun, run_id)
    fund = run.problem["funds"][0]["id"]
    job = allocation_jobs.start_sweep(user("rm@example.gov"), run, fund, Decimal("0.9"), Decimal("1.1"))
    db.session.commit()
    perform(job.id)
    return job.id


def actuals_load_id() -> int:
    """A previewed (uncommitted) actuals load."""
    content = (
        b"transaction_id,posted_on,account,fiscal_year,object_class,obligation,expenditure\n"
        b"H-1,2026-11-03,DP,2027,21.0,1,0\n"
    )
    load = actuals.preview_load(user("rm@example.gov"), "extract.csv", content)
    db.session.commit()
    return load.id


def concrete_requests(app, values):
    """(endpoint, method, path) for every route, its arguments filled in from `values`."""
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<any\(([a-z_]+)[^>]*\):[a-z_]+>", r"\1", rule.rule)  # the first choice of any(...)
        path = re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def plan_scenario() -> Scenario:
    return db.session.scalar(sa.select(Scenario).where(Scenario.name == "FY2027 plan"))


def appropriation(code: str, year: int) -> Appropriation:
    return db.session.scalar(
        sa.select(Appropriation).where(Appropriation.account_code == code, Appropriation.fiscal_year == year)
    )


def program_line(funds: Appropriation, amount: str) -> LineInput:
    """A new object class 41.0 line for International Programs in the FY2027 plan."""
    return LineInput(
        scenario_id=plan_scenario().id,
        fiscal_year=2027,
        appropriation_id=funds.id,
        division_id=db.session.scalar(sa.select(Division.id).where(Division.code == "IP")),
        object_class_id=db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "41.0")),
        amount=Decimal(amount),
    )


def same_line_with(line: BudgetLine, amount: str) -> LineInput:
    """An existing line's fields with another amount."""
    return LineInput(
        scenario_id=line.scenario_id,
        fiscal_year=line.fiscal_year,
        appropriation_id=line.appropriation_id,
        division_id=line.division_id,
        object_class_id=line.object_class_id,
        amount=Decimal(amount),
        region_id=line.region_id,
        country_id=line.country_id,
        priority_id=line.priority_id,
        program_type_id=line.program_type_id,
        description=line.description,
        stage=line.stage,
    )


def allocation_run_id(scenario: Scenario) -> int:
    """A saved (optimal) allocation run on the scenario, made once per test database."""

    existing = db.session.scalar(sa.select(AllocationRun.id).where(AllocationRun.scenario_id == scenario.id).limit(1))
    if existing is not None:
        return existing
    settings = AllocationSettings()
    run = allocation.run_allocation(
        user("rm@example.gov"), scenario, build_problem(scenario, settings), settings=settings
    )
    db.session.commit()
    return run.id


def demo_notice_id() -> int:
    """The demo office's open funding notice."""
    return db.session.scalar(
        sa.select(FundingNotice.id).where(FundingNotice.status == NoticeStatus.OPEN).order_by(FundingNotice.id).limit(1)
    )


def selection_run_id() -> int:
    """A saved selection run on the demo notice, made once per test database."""
    notice = db.session.get(FundingNotice, demo_notice_id())
    existing = db.session.scalar(sa.select(SelectionRun.id).where(SelectionRun.notice_id == notice.id).limit(1))
    if existing is not None:
        return existing
    run = selection.run_selection(user("rm@example.gov"), notice)
    db.session.commit()
    return run.id


def draft_travel_request_id() -> int:
    """A draft travel request that staff-ip@ wrote for themselves (International Programs)."""

    return db.session.scalar(
        sa.select(TravelRequest.id)
        .where(
            TravelRequest.status == RequestStatus.DRAFT, TravelRequest.created_by_id == user("staff-ip@example.gov").id
        )
        .order_by(TravelRequest.id)
        .limit(1)
    )


def import_batch_id(scenario: Scenario) -> int:
    """A previewed (uncommitted) import of the scenario's own export."""
    existing = db.session.scalar(sa.select(ImportBatch.id).where(ImportBatch.scenario_id == scenario.id).limit(1))
    if existing is not None:
        return existing
    return import_own_export(scenario).id


def own_export(scenario: Scenario, edit=None) -> bytes:
    """The scenario's submission workbook, optionally edited by `edit(openpyxl workbook)`."""
    manager = user("rm@example.gov")
    buffer = io.BytesIO()
    write_submission(build_workbook(scenario, manager, "test"), buffer)
    content = buffer.getvalue()
    if edit is None:
        return content
    workbook = load_workbook(io.BytesIO(content))
    edit(workbook)
    edited = io.BytesIO()
    workbook.save(edited)
    return edited.getvalue()


def import_own_export(scenario: Scenario, edit=None):
    """Preview an import of the scenario's own (optionally edited) export."""
    batch = imports.preview_import(user("rm@example.gov"), scenario, "export.xlsx", own_export(scenario, edit))
    db.session.commit()
    return batch


def settings_sent(page: str) -> dict:
    """The Allocation page's settings as the browser sends them: every input as shown, boxes ticked as shown,
    the objective selected."""
    form = page[page.index('class="usa-form usa-form--large allocation-settings"') :]
    form = form[: form.index("</form>")]
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'\bname="([^"]+)"', tag)
        if not name:
            continue
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data[name.group(1)] = "y"
        else:
            value = re.search(r'\bvalue="([^"]*)"', tag)
            data[name.group(1)] = value.group(1) if value else ""
    selected = re.search(r'<select[^>]*name="objective".*?<option[^>]*selected[^>]*value="([^"]*)"', form, re.S)
    selected = selected or re.search(
        r'<select[^>]*name="objective".*?<option[^>]*value="([^"]*)"[^>]*selected', form, re.S
    )
    data["objective"] = selected.group(1)
    return data


def fill_the_plan(plan: Scenario, funds: Appropriation, today: dt.date) -> int:
    """A planned program line (IP, 41.0, GLOBAL partnership) that spends whatever the plan has left of
    `funds`; returns how much that was. Awards from a notice on `funds` then need room in the plan."""
    left = status_of(funds, plan, today).available_cents
    db.session.add(
        BudgetLine(
            scenario_id=plan.id,
            fiscal_year=funds.fiscal_year,
            appropriation_id=funds.id,
            division_id=db.session.scalar(sa.select(Division.id).where(Division.code == "IP")),
            object_class_id=db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "41.0")),
            region_id=db.session.scalar(sa.select(Region.id).where(Region.code == "GLOBAL")),
            priority_id=db.session.scalar(sa.select(Priority.id).where(Priority.code == "partnership")),
            description="Everything else",
            amount_cents=left,
        )
    )
    db.session.commit()
    return left
