"""The programs pages: awards and their funding schedules, the out-year view, funding notices with
rules typed as text, reviewers' scores, force in / force out, selection runs and making awards.

Notices and proposals are built through the services so that the selection is small enough to
solve by hand: budget $1,000,000 and four proposals

    P1 $600,000 merit 90    P2 $400,000 merit 80    P3 $500,000 merit 70    P4 $300,000 merit 60

Pairs within the budget: P1+P2 = 170, P1+P4 = 150, P2+P3 = 150, P2+P4 = 140, P3+P4 = 130 (no three
fit). The best is P1+P2; with P1 forced out it is P2+P3.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from helpers import csrf_from, database_fingerprint, fill_the_plan, plan_scenario, selection_run_id, user

from models import (
    Appropriation,
    Award,
    AwardStatus,
    Division,
    FundingNotice,
    NoticeStatus,
    Priority,
    ProgramType,
    Proposal,
    ProposalDecision,
    Region,
    SelectionRun,
    db,
)
from money import format_dollars
from services.programs import awards as award_service
from services.programs import notices as notice_service
from services.programs import selection
from services.programs.award_queries import mortgage
from services.programs.awards import AwardInput, FundingInput
from services.programs.notices import NoticeInput, OutYearInput, ProposalInput, ScoreInput

NOTICE = "NOFO-TEST-1"


# ---- helpers ---------------------------------------------------------------------------------


def _id(model, code: str) -> int:
    return db.session.scalar(sa.select(model.id).where(model.code == code))


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _table(page: str, testid: str) -> list[list[str]]:
    """The text of every row (header, body, footer) of the table with this data-testid."""
    match = re.search(rf'<table[^>]*data-testid="{testid}"[^>]*>(.*?)</table>', page, re.S)
    assert match, f"no table {testid} on the page"
    return _rows(match.group(1))


def _body(page: str, testid: str) -> list[list[str]]:
    """The body rows only (no header, no totals)."""
    match = re.search(rf'<table[^>]*data-testid="{testid}"[^>]*>.*?<tbody>(.*?)</tbody>', page, re.S)
    assert match, f"no table {testid} on the page"
    return _rows(match.group(1))


def _rows(fragment: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S)
    return [[_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def _row(page: str, testid: str, first: str) -> list[str]:
    found = [row for row in _table(page, testid) if row and row[0] == first]
    assert found, f"no row {first!r} in {testid}"
    return found[0]


def _award_fields(**overrides) -> dict:
    fields = {
        "number": "AW-TEST-1",
        "title": "Shelter network for survivors",
        "partner": "Harbor Alliance",
        "division": str(_id(Division, "IP")),
        "program_type": str(_id(ProgramType, "bilateral")),
        "region": str(_id(Region, "EAP")),
        "country": "",
        "priority": str(_id(Priority, "protection")),
        "starts_on": "2027-10-01",
        "ends_on": "2030-06-30",
        "total": "900,000",
        "obligated": "",
        "expended": "",
        "status": "pending",
        "monitoring_notes": "",
    }
    schedule = overrides.pop(
        "schedule", [(2028, "INCLE", "300000"), (2029, "INCLE", "350000"), (2030, "ESF", "250000")]
    )
    for i, (year, account, amount) in enumerate(schedule):
        fields |= {
            f"funding-{i}-fiscal_year": str(year),
            f"funding-{i}-account_code": account,
            f"funding-{i}-amount": amount,
        }
    return fields | overrides


def _service_award(number: str = "AW-SVC-1") -> Award:
    award, _ = award_service.create_award(
        user("rm@example.gov"),
        AwardInput(
            number=number,
            title="Labor inspection training",
            partner="Inspectorate Partners",
            division_id=_id(Division, "IP"),
            program_type_id=_id(ProgramType, "bilateral"),
            region_id=_id(Region, "AF"),
            priority_id=_id(Priority, "prosecution"),
            starts_on=dt.date(2027, 10, 1),
            ends_on=dt.date(2029, 9, 30),
            total=Decimal(500000),
            funding=(FundingInput(2028, "INCLE", Decimal(200000)), FundingInput(2029, "INCLE", Decimal(300000))),
        ),
    )
    db.session.commit()
    return award


def _notice(rules=()) -> FundingNotice:
    """A FY2028 INCLE notice of $1,000,000 with P1–P4 above, each scored by one reviewer."""
    rm = user("rm@example.gov")
    notice = notice_service.create_notice(
        rm,
        NoticeInput(
            number=NOTICE, title="Test notice", fiscal_year=2028, account_code="INCLE", amount=Decimal(1_000_000)
        ),
    )
    for number, cost, merit, region in (
        ("P1", 600_000, 90, "AF"),
        ("P2", 400_000, 80, "EAP"),
        ("P3", 500_000, 70, "WHA"),
        ("P4", 300_000, 60, "AF"),
    ):
        proposal = notice_service.create_proposal(
            rm,
            notice,
            ProposalInput(
                number=number,
                applicant=f"Applicant {number}",
                title=f"Project {number}",
                region_id=_id(Region, region),
                priority_id=_id(Priority, "protection"),
                program_type_id=_id(ProgramType, "bilateral"),
                cost=Decimal(cost),
                out_years=(OutYearInput(2029, Decimal(200_000)),) if number == "P1" else (),
            ),
        )
        notice_service.set_scores(rm, proposal, [ScoreInput("Reviewer A", Decimal(merit))], proposal.version)
    db.session.commit()
    return notice


def _proposal(notice: FundingNotice, number: str) -> Proposal:
    return db.session.scalar(sa.select(Proposal).where(Proposal.notice_id == notice.id, Proposal.number == number))


@pytest.fixture
def rm(client, auth):
    auth.login("rm@example.gov")
    return client


# ---- reading -------------------------------------------------------------------------------


def test_every_programs_page_renders_for_a_reader_without_write_buttons(client, auth):
    award = _service_award()
    notice = _notice()
    run = selection.run_selection(user("rm@example.gov"), notice)
    db.session.commit()
    auth.login("viewer@example.gov")
    for path in (
        "/programs/awards",
        f"/programs/awards/{award.id}",
        "/programs/out-years",
        "/programs/out-years?account=INCLE",
        "/programs/notices",
        f"/programs/notices/{notice.id}",
        f"/programs/notices/{notice.id}?sort=-merit",
        f"/programs/proposals/{_proposal(notice, 'P1').id}",
        f"/programs/selection-runs/{run.id}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        for button in ("Add an award", "Edit", "Force out", "Force in", "Run the selection", "Make awards</button>"):
            assert button not in page, (path, button)
    assert 'href="/programs/awards"' in client.get("/").get_data(as_text=True)  # in the top navigation


def test_garbled_numbers_in_the_address_or_a_form_are_not_a_server_error(rm):
    notice = _notice()
    # A page number past any OFFSET the database takes shows the first page.
    listed = rm.get("/programs/awards?page=99999999999999999999")
    assert listed.status_code == 200
    assert "Awards, page 1<" in listed.get_data(as_text=True)
    # A decision sent back to a run id no database integer holds is refused, and nothing changes.
    p1 = _proposal(notice, "P1")
    page = rm.get(f"/programs/proposals/{p1.id}").get_data(as_text=True)
    response = rm.post(
        f"/programs/proposals/{p1.id}/decision",
        data={
            "csrf_token": csrf_from(page),
            "version": str(p1.version),
            "decision": "force_in",
            "back": "run",
            "run": "99999999999999999999",
        },
    )
    assert response.status_code == 302
    assert db.session.get(Proposal, p1.id).decision == ProposalDecision.NONE


def test_notice_proposals_sort_by_merit(rm):
    notice = _notice()
    page = rm.get(f"/programs/notices/{notice.id}?sort=-merit").get_data(as_text=True)
    numbers = [row[0] for row in _body(page, "proposals")]
    assert numbers == ["P1", "P2", "P3", "P4"]
    page = rm.get(f"/programs/notices/{notice.id}?sort=merit").get_data(as_text=True)
    assert [row[0] for row in _body(page, "proposals")] == ["P4", "P3", "P2", "P1"]


# ---- awards --------------------------------------------------------------------------------


def test_an_rm_enters_a_three_year_award_and_sees_it_in_the_list_and_the_out_years(rm):
    before = mortgage().by_year_and_account()
    form = rm.get("/programs/awards/new").get_data(as_text=True)
    response = rm.post("/programs/awards/new", data={"csrf_token": csrf_from(form), **_award_fields()})
    assert response.status_code == 302
    award = db.session.scalar(sa.select(Award).where(Award.number == "AW-TEST-1"))
    assert award.status == AwardStatus.PENDING
    assert [(r.fiscal_year, r.account_code, r.amount_cents) for r in award.funding] == [
        (2028, "INCLE", 30_000_000),
        (2029, "INCLE", 35_000_000),
        (2030, "ESF", 25_000_000),
    ]

    page = rm.get(response.headers["Location"]).get_data(as_text=True)
    assert _row(page, "funding-schedule", "FY2029")[1:] == ["INCLE", "$350,000"]
    assert _table(page, "funding-schedule")[-1] == ["Scheduled", "$900,000"]

    listed = rm.get("/programs/awards?text=AW-TEST-1").get_data(as_text=True)
    assert "<strong>1</strong> award ·" in listed
    assert 'data-testid="awards-total">$900,000<' in listed
    assert _row(listed, "awards", "AW-TEST-1")[1] == "Shelter network for survivors"

    outyears = rm.get("/programs/out-years").get_data(as_text=True)
    header = _table(outyears, "mortgage-by-account")[0]
    for year, account, added in ((2028, "INCLE", 30_000_000), (2029, "INCLE", 35_000_000), (2030, "ESF", 25_000_000)):
        cell = _row(outyears, "mortgage-by-account", f"FY{year}")[header.index(account)]
        assert cell == format_dollars(before.get((year, account), 0) + added)
    assert 'id="chart-mortgage-account"' in outyears
    only_esf = rm.get("/programs/out-years?account=ESF").get_data(as_text=True)
    assert _table(only_esf, "mortgage-by-account")[0] == ["Fiscal year", "ESF", "Total"]
    later = rm.get("/programs/out-years?from=2029").get_data(as_text=True)
    assert _body(later, "mortgage-by-account")[0][0] == "FY2029"


def test_a_schedule_that_does_not_add_up_is_a_field_error_and_saves_nothing(rm):
    form = rm.get("/programs/awards/new").get_data(as_text=True)
    before = database_fingerprint()
    short = _award_fields(schedule=[(2028, "INCLE", "300000"), (2029, "INCLE", "300000")])
    response = rm.post("/programs/awards/new", data={"csrf_token": csrf_from(form), **short})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-testid="funding-rows-error"' in page
    assert "adds up to $600,000, but the award&#39;s total is $900,000" in page
    assert database_fingerprint() == before


def test_a_half_filled_schedule_row_is_an_error_on_that_row(rm):
    form = rm.get("/programs/awards/new").get_data(as_text=True)
    fields = _award_fields() | {"funding-3-amount": "5000"}  # an amount without a year or account
    response = rm.post("/programs/awards/new", data={"csrf_token": csrf_from(form), **fields})
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("Fill this in, or clear the whole row.") == 2
    assert db.session.scalar(sa.select(Award).where(Award.number == "AW-TEST-1")) is None


def test_a_stale_edit_shows_the_conflict_and_changes_nothing(rm):
    award = _service_award()
    award_id = award.id
    form = rm.get(f"/programs/awards/{award_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    # Someone else saves a new title meanwhile.
    award_service.update_award(
        user("head-ip@example.gov"),
        award,
        AwardInput(**{**_input_of(award).__dict__, "title": "Their title"}),
        award.version,
    )
    db.session.commit()
    fields = _award_fields(
        number="AW-SVC-1",
        title="My title",
        total="500000",
        ends_on="2029-09-30",
        schedule=[(2028, "INCLE", "200000"), (2029, "INCLE", "300000")],
    )
    response = rm.post(
        f"/programs/awards/{award_id}/edit", data={"csrf_token": csrf_from(form), "version": version, **fields}
    )
    assert response.status_code == 409
    assert "changed by someone else" in html.unescape(response.get_data(as_text=True))
    assert db.session.get(Award, award_id).title == "Their title"


def test_an_edit_saves_the_new_schedule_and_records_it(rm):
    award_id = _service_award().id
    form = rm.get(f"/programs/awards/{award_id}/edit").get_data(as_text=True)
    assert 'name="funding-1-amount" type="text" value="300000.00"' in form
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    fields = _award_fields(
        number="AW-SVC-1",
        title="Labor inspection training, extended",
        total="650,000",
        ends_on="2030-09-30",
        schedule=[(2028, "INCLE", "200000"), (2029, "INCLE", "300000"), (2030, "INCLE", "150000")],
    )
    response = rm.post(
        f"/programs/awards/{award_id}/edit", data={"csrf_token": csrf_from(form), "version": version, **fields}
    )
    assert response.status_code == 302
    page = rm.get(f"/programs/awards/{award_id}").get_data(as_text=True)
    assert _row(page, "funding-schedule", "FY2030")[1:] == ["INCLE", "$150,000"]
    assert 'data-testid="award-total">$650,000<' in page
    assert "award.update" in page


def _input_of(award: Award) -> AwardInput:
    return AwardInput(
        number=award.number,
        title=award.title,
        partner=award.partner,
        division_id=award.division_id,
        program_type_id=award.program_type_id,
        region_id=award.region_id,
        priority_id=award.priority_id,
        starts_on=award.starts_on,
        ends_on=award.ends_on,
        total=Decimal(award.total_cents) / 100,
        funding=tuple(
            FundingInput(r.fiscal_year, r.account_code, Decimal(r.amount_cents) / 100) for r in award.funding
        ),
    )


def test_another_divisions_head_reads_programs_but_is_refused_every_write(client, auth):
    award = _service_award()
    notice = _notice()
    run = selection.run_selection(user("rm@example.gov"), notice)
    db.session.commit()
    p1 = _proposal(notice, "P1")
    auth.login("head-rpa@example.gov")
    assert client.get(f"/programs/awards/{award.id}").status_code == 200
    assert client.get("/programs/awards/new").status_code == 403
    token = auth.csrf()
    before = database_fingerprint()
    for path, data in (
        ("/programs/awards/new", _award_fields()),
        (f"/programs/awards/{award.id}/edit", _award_fields(version=str(award.version))),
        (
            f"/programs/proposals/{p1.id}/decision",
            {"decision": "force_out", "back": "proposal", "version": str(p1.version)},
        ),
        (f"/programs/proposals/{p1.id}/scores", {"scores-0-reviewer": "X", "scores-0-score": "1"}),
        (f"/programs/notices/{notice.id}/selection", {}),
        (f"/programs/selection-runs/{run.id}/award", {"starts_on": "2027-10-01"}),
    ):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    assert database_fingerprint() == before


# ---- notices, proposals, scores -------------------------------------------------------------


def test_a_notice_with_rules_typed_as_text(rm):
    form = rm.get("/programs/notices/new").get_data(as_text=True)
    rules = "at least 2 awards in WHA\nno more than $6,000,000 in EAP\n\nat least 30% protection"
    response = rm.post(
        "/programs/notices/new",
        data={
            "csrf_token": csrf_from(form),
            "number": "NOFO-TEXT",
            "title": "Rules as text",
            "fiscal_year": "2028",
            "account_code": "INCLE",
            "amount": "20,000,000",
            "regions": ["WHA", "EAP", "AF"],
            "priorities": ["protection", "prevention"],
            "rules": rules,
        },
    )
    assert response.status_code == 302
    notice = db.session.scalar(sa.select(FundingNotice).where(FundingNotice.number == "NOFO-TEXT"))
    assert sorted(notice.regions) == ["AF", "EAP", "WHA"]
    assert notice.program_types == []
    shape = [
        (r.where, r.min_count, r.max_amount_cents, r.min_share_bp, r.min_amount_cents, r.max_count)
        for r in notice.rules
    ]
    assert shape == [
        ({"region": ["WHA"]}, 2, None, None, None, None),
        ({"region": ["EAP"]}, None, 600_000_000, None, None, None),
        ({"priority": ["protection"]}, None, None, 3000, None, None),
    ]
    page = rm.get(f"/programs/notices/{notice.id}").get_data(as_text=True)
    assert "at least 2 awards in WHA" in page
    assert "no more than $6,000,000 in EAP" in page
    assert "at least 30% in Protection" in page  # the priority's name, not its code
    assert "(min-count-wha)" not in page  # nor the rule's internal code
    # The edit page gives the rules back as lines that read the same way.
    edit = rm.get(f"/programs/notices/{notice.id}/edit").get_data(as_text=True)
    assert "at least 30% in protection" in edit


def test_a_rule_line_that_cannot_be_read_is_a_field_error_on_the_rules(rm):
    form = rm.get("/programs/notices/new").get_data(as_text=True)
    before = database_fingerprint()
    response = rm.post(
        "/programs/notices/new",
        data={
            "csrf_token": csrf_from(form),
            "number": "NOFO-BAD",
            "title": "Bad rules",
            "fiscal_year": "2028",
            "account_code": "INCLE",
            "amount": "1000000",
            "rules": "at least 2 awards in WHA\nplenty of money for everyone",
        },
    )
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    error = re.search(r'id="rules-error-message"[^>]*>([^<]*)<', page)
    assert error
    assert error.group(1).startswith("Line 2:")
    assert database_fingerprint() == before


def test_scores_give_the_mean_and_spread_shown_on_the_proposal(rm):
    notice = _notice()
    p4 = _proposal(notice, "P4")
    form = rm.get(f"/programs/proposals/{p4.id}/scores").get_data(as_text=True)
    assert 'value="Reviewer A"' in form  # the existing score, to keep or change
    data = {
        "csrf_token": csrf_from(form),
        "version": re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1),
        "scores-0-reviewer": "Reviewer A",
        "scores-0-score": "80",
        "scores-1-reviewer": "Reviewer B",
        "scores-1-score": "90",
        "scores-2-reviewer": "Reviewer C",
        "scores-2-score": "85.5",
        "scores-2-comment": "Strong partner",
    }
    response = rm.post(f"/programs/proposals/{p4.id}/scores", data=data)
    assert response.status_code == 302
    page = rm.get(f"/programs/proposals/{p4.id}").get_data(as_text=True)
    # (80 + 90 + 85.5) / 3 = 85.1666… → 85.17; spread 90 − 80 = 10.
    assert re.search(r'data-testid="merit">85\.17<', page)
    assert re.search(r'data-testid="spread">10(\.00)?<', page)
    assert _table(page, "scores")[-1][:2] == ["Mean of 3", "85.17"]


def test_a_score_above_100_is_refused_on_its_row(rm):
    notice = _notice()
    p4 = _proposal(notice, "P4")
    form = rm.get(f"/programs/proposals/{p4.id}/scores").get_data(as_text=True)
    data = {"csrf_token": csrf_from(form), "scores-0-reviewer": "Reviewer A", "scores-0-score": "101"}
    response = rm.post(f"/programs/proposals/{p4.id}/scores", data=data)
    assert response.status_code == 422
    assert db.session.get(Proposal, p4.id).merit == Decimal(60)


def test_a_proposal_entered_on_the_page_keeps_its_out_year_costs(rm):
    notice = _notice()
    form = rm.get(f"/programs/notices/{notice.id}/proposals/new").get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(form),
        "number": "P5",
        "applicant": "New applicant",
        "title": "New project",
        "region": str(_id(Region, "AF")),
        "country": "",
        "priority": str(_id(Priority, "prevention")),
        "program_type": str(_id(ProgramType, "bilateral")),
        "cost": "250,000",
        "months": "36",
        "out_years-0-fiscal_year": "2029",
        "out_years-0-amount": "125000",
        "out_years-1-fiscal_year": "2030",
        "out_years-1-amount": "100000",
    }
    response = rm.post(f"/programs/notices/{notice.id}/proposals/new", data=data)
    assert response.status_code == 302
    p5 = _proposal(notice, "P5")
    assert p5.cost_cents == 25_000_000
    assert p5.out_year_cents == {"2029": 12_500_000, "2030": 10_000_000}


# ---- selection -----------------------------------------------------------------------------


def _run_page(client, notice: FundingNotice) -> tuple[int, str]:
    response = client.post(f"/programs/notices/{notice.id}/selection", data={"csrf_token": _token(client, notice)})
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return run_id, client.get(f"/programs/selection-runs/{run_id}").get_data(as_text=True)


def _token(client, notice: FundingNotice) -> str:
    return csrf_from(client.get(f"/programs/notices/{notice.id}").get_data(as_text=True))


def _selected(page: str) -> list[str]:
    return [row[0] for row in _body(page, "selected")]


def test_force_out_a_proposal_then_rerun_and_it_is_not_selected(rm):
    notice = _notice()
    first_id, first = _run_page(rm, notice)
    assert _selected(first) == ["P1", "P2"]
    assert 'data-testid="total-cost">$1,000,000<' in first

    p1 = _proposal(notice, "P1")
    response = rm.post(
        f"/programs/proposals/{p1.id}/decision",
        data={
            "csrf_token": csrf_from(first),
            "decision": "force_out",
            "back": "run",
            "run": first_id,
            "version": p1.version,
        },
    )
    assert response.headers["Location"].endswith(f"/programs/selection-runs/{first_id}")
    assert db.session.get(Proposal, p1.id).decision == ProposalDecision.FORCE_OUT
    stale = rm.get(f"/programs/selection-runs/{first_id}").get_data(as_text=True)
    assert "have changed since this run" in _text(stale)
    assert "Make awards</button>" not in stale

    second_id, second = _run_page(rm, notice)
    assert _selected(second) == ["P2", "P3"]
    assert db.session.get(SelectionRun, second_id).selected == ["P2", "P3"]
    # P1 outscores the lowest selected (P3, 70): it is listed with what kept it out.
    assert _row(second, "unfunded", "P1")[6].startswith("Excluded")


def test_an_infeasible_rule_set_shows_its_conflicts(rm):
    notice = _notice()
    form = rm.get(f"/programs/notices/{notice.id}/edit").get_data(as_text=True)
    response = rm.post(
        f"/programs/notices/{notice.id}/edit",
        data={
            "csrf_token": csrf_from(form),
            "version": re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1),
            "number": NOTICE,
            "title": "Test notice",
            "fiscal_year": "2028",
            "account_code": "INCLE",
            "amount": "1,000,000",
            "rules": "at least 3 awards in AF",  # only P1 and P4 are in Africa
        },
    )
    assert response.status_code == 302
    _, page = _run_page(rm, notice)
    conflict = _table(page, "conflicts")[1]
    assert conflict[2] == "1 proposal"
    assert "The rules cannot all hold" in _text(page)
    assert "Make awards</button>" not in page


def test_make_awards_from_an_optimal_run(rm):
    notice = _notice()
    run_id, page = _run_page(rm, notice)
    assert "Make awards</button>" in page
    # Making room in full plans is offered, and on unless the person unticks it.
    assert re.search(r'<input[^>]*checked[^>]*name="make_room"|<input[^>]*name="make_room"[^>]*checked', page)
    response = rm.post(
        f"/programs/selection-runs/{run_id}/award",
        data={"csrf_token": csrf_from(page), "starts_on": "2027-10-01", "make_room": "y"},
    )
    assert response.status_code == 302
    listed = rm.get(response.headers["Location"]).get_data(as_text=True)
    numbers = [row[0] for row in _body(listed, "awards")]
    assert numbers == [f"{NOTICE}-P1", f"{NOTICE}-P2"]
    assert all(row[7] == "Pending" for row in _body(listed, "awards"))
    # P1: $600,000 in FY2028 and its $200,000 out-year in FY2029; P2: $400,000.
    assert 'data-testid="awards-total">$1,200,000<' in listed
    assert db.session.get(FundingNotice, notice.id).status == NoticeStatus.AWARDED
    notice_page = rm.get(f"/programs/notices/{notice.id}").get_data(as_text=True)
    assert re.search(r'data-testid="notice-status">Awarded<', notice_page)
    again = rm.get(f"/programs/selection-runs/{run_id}").get_data(as_text=True)
    assert "has already been awarded" in _text(again)
    assert "Make awards</button>" not in again


def test_ip_staff_may_force_proposals_but_not_make_awards(client, auth):
    notice = _notice()
    run = selection.run_selection(user("rm@example.gov"), notice)
    db.session.commit()
    auth.login("staff-ip@example.gov")
    page = client.get(f"/programs/selection-runs/{run.id}").get_data(as_text=True)
    assert "Make awards</button>" not in page
    assert "Force out" in page
    response = client.post(
        f"/programs/selection-runs/{run.id}/award", data={"csrf_token": csrf_from(page), "starts_on": "2027-10-01"}
    )
    assert response.status_code == 403
    assert db.session.get(FundingNotice, notice.id).status == NoticeStatus.OPEN


def test_the_selection_says_what_the_awards_total_and_which_plan_lines_give_way(client, auth):
    run = db.session.get(SelectionRun, selection_run_id())
    funds = db.session.scalar(
        sa.select(Appropriation).where(
            Appropriation.account_code == run.notice.account_code, Appropriation.fiscal_year == run.notice.fiscal_year
        )
    )
    fill_the_plan(plan_scenario(), funds, dt.date.today())  # the plan spends every program dollar already
    chosen = db.session.scalars(
        sa.select(Proposal).where(Proposal.notice_id == run.notice_id, Proposal.number.in_(run.selected))
    ).all()
    first_year = sum(p.cost_cents for p in chosen)
    out_years = sum(int(cents) for p in chosen for cents in p.out_year_cents.values())
    auth.login("rm@example.gov")
    html = " ".join(client.get(f"/programs/selection-runs/{run.id}").get_data(as_text=True).split())
    assert out_years > 0  # the demo's proposals run past their first year
    assert f"{format_dollars(first_year + out_years)}</span>: {format_dollars(first_year)} this year" in html
    assert "as the out-year mortgage on later years' funds" in html
    # The lines that would give way are listed before the button.
    rooms = selection.room_for_awards(run.notice, list(chosen))
    assert rooms
    for room in rooms:
        assert f"{room.plan.name} lacks {format_dollars(room.shortfall_cents)}" in html
        for giving_way in room.lines:
            assert html.index(f'href="/lines/{giving_way.line.id}"') < html.index("Make awards</button>")
