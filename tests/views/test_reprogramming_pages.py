"""The reprogramming pages: drafting through the form, the review page and its step buttons, the year's
list with its cumulative moves, and the notification package as a page and as a workbook.

The demo's FY2027 plan holds, on INCLE FY2027, Prosecution in AF $1,667,056.44 (all of it planned and
movable) and Protection in WHA $5,778,684.61. Moving $1,500,000 between them needs the committees' notice
twice over: it augments Protection in WHA by more than 10% of its base ($577,868.46, less than $1,000,000)
and reduces Prosecution in AF by 90% of its base.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
from helpers import (
    DEMO_USER,
    appropriation,
    csrf_from,
    database_fingerprint,
    plan_scenario,
    priority_id,
    region_id,
    user,
)
from libreoffice import recalculated

from models import BudgetLine, Country, LineSource, Reprogramming, ReprogrammingStatus, db
from services.reprogramming import workflow
from services.reprogramming.drafts import MoveInput, ReprogrammingInput, create_reprogramming
from services.reprogramming.workflow import StepInput

RM = "rm@example.gov"
JUSTIFICATION = "Shelters in Central America lost their second donor; prosecution in AF slipped a year."


# ---- helpers ---------------------------------------------------------------------------------


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _rows(page: str, testid: str) -> list[list[str]]:
    """The text of every row (header, body, footer) of the table with this data-testid."""
    match = re.search(rf'<table[^>]*data-testid="{testid}"[^>]*>(.*?)</table>', page, re.S)
    assert match, f"no table {testid} on the page"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S)
    return [[_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def _flashes(page: str) -> list[str]:
    return [_text(message) for message in re.findall(r'<p class="usa-alert__text">(.*?)</p>', page, re.S)]


def _group(region: str, priority: str) -> dict[str, int]:
    return {"region": region_id(region), "priority": priority_id(priority)}


def _fields(amount: str = "1,500,000", **overrides) -> dict[str, str]:
    """The draft form: $1,500,000 of INCLE FY2027 from Prosecution in AF to Protection in WHA."""
    fields = {
        "scenario": str(plan_scenario().id),
        "appropriation": str(appropriation("INCLE", 2027).id),
        "kind": "augment",
        "justification": JUSTIFICATION,
        "moves-0-from_-region": str(region_id("AF")),
        "moves-0-from_-priority": str(priority_id("prosecution")),
        "moves-0-to-region": str(region_id("WHA")),
        "moves-0-to-priority": str(priority_id("protection")),
        "moves-0-amount": amount,
    }
    return fields | overrides


def _draft(amount: str = "1500000", source=("AF", "prosecution"), target=("WHA", "protection")) -> Reprogramming:
    record = create_reprogramming(
        user(RM),
        ReprogrammingInput(
            scenario_id=plan_scenario().id,
            appropriation_id=appropriation("INCLE", 2027).id,
            justification=JUSTIFICATION,
            moves=(MoveInput(from_=_group(*source), to=_group(*target), amount=Decimal(amount)),),
        ),
    )
    db.session.commit()
    return record


def _step(client, record: Reprogramming, action: str, **data) -> str:
    """Press the step's button on the review page; the page it lands on."""
    path = f"/reprogrammings/{record.id}"
    page = client.get(path).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(f"{path}/{action}", data={"csrf_token": csrf_from(page), "version": version, **data})
    assert response.status_code == 302
    assert response.headers["Location"] == path
    return client.get(path).get_data(as_text=True)


def _status(record: Reprogramming) -> ReprogrammingStatus:
    return db.session.get(Reprogramming, record.id).status


@pytest.fixture
def rm(client, auth):
    auth.login(RM)
    return client


# ---- drafting --------------------------------------------------------------------------------


def test_a_resource_manager_drafts_through_the_form_and_sees_the_decision_explained(rm):
    form = rm.get("/reprogrammings/new").get_data(as_text=True)
    assert form.count('name="moves-') >= 3 * 13  # three moves: six selects a side, and an amount
    response = rm.post("/reprogrammings/new", data={"csrf_token": csrf_from(form), **_fields()})
    assert response.status_code == 302
    record = db.session.scalar(sa.select(Reprogramming).order_by(Reprogramming.id.desc()).limit(1))
    assert response.headers["Location"] == f"/reprogrammings/{record.id}"
    assert (record.status, record.total_cents, record.notification_required) == ("draft", 150_000_000, True)

    page = rm.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Reprogramming {record.id} drafted." in " ".join(_flashes(page))
    assert "A notification is needed" in page
    reasons = _text(re.search(r'<ul class="reasons">(.*?)</ul>', page, re.S).group(1))
    assert "augments Protection in WHA by $1,500,000, more than 10% of its base of $5,778,684.61" in reasons
    assert "reduces Prosecution in AF by $1,500,000, 10% or more of its base of $1,667,056.44" in reasons
    assert _rows(page, "moves")[1][:5] == [
        "Prosecution in AF",
        "Protection in WHA",
        "$1,500,000",
        "$1,667,056.44",
        "$5,778,684.61",
    ]
    assert _rows(page, "effect")[1:] == [
        ["Prosecution in AF", "$1,667,056.44", "-$1,500,000", "$167,056.44"],
        ["Protection in WHA", "$5,778,684.61", "$1,500,000", "$7,278,684.61"],
    ]
    today = dt.date.today()
    held = today + dt.timedelta(days=15)
    earliest = _text(re.search(r'data-testid="earliest-obligation">(.*?)</dd>', page, re.S).group(1))
    assert earliest.startswith(f"{held.day} {held:%B %Y}: If notified today")
    assert "Check the moves and the decision below, then submit it for review." in _text(page)
    assert JUSTIFICATION in page


def test_bad_input_is_shown_beside_its_field_with_422_and_writes_nothing(rm):
    form = rm.get("/reprogrammings/new").get_data(as_text=True)
    csrf = csrf_from(form)
    before = database_fingerprint()
    kenya = db.session.scalar(sa.select(Country).where(Country.name == "Kenya"))
    cases = {
        "more than the group holds": (_fields(amount="2,000,000"), "would take its lines below zero"),
        "no moves at all": (
            {key: value for key, value in _fields().items() if not key.startswith("moves-")},
            "moves-error",
        ),
        "an amount without groups": (
            {key: value for key, value in _fields().items() if "from_" not in key},
            "Fill this in, or clear the whole row.",
        ),
        "the same group on both sides": (
            _fields(
                **{"moves-0-to-region": str(region_id("AF")), "moves-0-to-priority": str(priority_id("prosecution"))}
            ),
            "The from and to groups share lines",
        ),
        "a country outside its region": (
            _fields(**{"moves-0-to-country": str(kenya.id)}),
            "Kenya is not in the region named with it.",
        ),
        "a garbled amount": (_fields(amount="1e6"), 'aria-invalid="true"'),
        "no justification": (_fields(justification=""), 'id="justification-error-message"'),
    }
    for case, (fields, shown) in cases.items():
        response = rm.post("/reprogrammings/new", data={"csrf_token": csrf, **fields})
        assert response.status_code == 422, case
        assert shown in response.get_data(as_text=True), case
    assert database_fingerprint() == before


def test_a_draft_is_edited_and_judged_again_and_only_a_draft(rm):
    record = _draft("400000", source=("EAP", "protection"))
    assert not record.notification_required
    form = rm.get(f"/reprogrammings/{record.id}/edit").get_data(as_text=True)
    region = re.search(r'<select[^>]*name="moves-0-from_-region"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert f'<option selected value="{region_id("EAP")}">' in region
    assert 'value="400000.00"' in form
    response = rm.post(
        f"/reprogrammings/{record.id}/edit",
        data={"csrf_token": csrf_from(form), "version": str(record.version), **_fields()},
    )
    assert response.status_code == 302
    edited = db.session.get(Reprogramming, record.id)
    assert (edited.total_cents, edited.notification_required) == (150_000_000, True)

    _step(rm, record, "submit")
    response = rm.get(f"/reprogrammings/{record.id}/edit")
    assert response.status_code == 302
    page = rm.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Reprogramming {record.id} is in review: only a draft is changed." in _flashes(page)


# ---- the workflow's buttons ------------------------------------------------------------------


def test_each_step_through_its_button_from_draft_to_executed(rm):
    record = _draft()
    page = _step(rm, record, "submit")
    assert _status(record) == ReprogrammingStatus.IN_REVIEW
    assert f"Reprogramming {record.id} submitted." in _flashes(page)
    assert "Send the notification to the committees, then record the day it went." in _text(page)

    # Executing before the notice is refused, and the refusal is flashed.
    page = _step(rm, record, "execute")
    assert _status(record) == ReprogrammingStatus.IN_REVIEW
    assert any("It needs a notification under 22 U.S.C. 2706" in message for message in _flashes(page))

    tomorrow = dt.date.today() + dt.timedelta(days=1)
    page = _step(rm, record, "notify", notified_on=tomorrow.isoformat())
    assert _status(record) == ReprogrammingStatus.IN_REVIEW
    assert "Record a notification once it is sent." in _flashes(page)
    page = _step(rm, record, "notify")
    assert "Give the day the notice was sent." in _flashes(page)
    page = _step(rm, record, "notify", notified_on="not a date")
    assert _status(record) == ReprogrammingStatus.IN_REVIEW
    assert any(message.startswith("Notified on:") for message in _flashes(page))

    notified_on = dt.date.today() - dt.timedelta(days=20)
    page = _step(rm, record, "notify", notified_on=notified_on.isoformat())
    assert _status(record) == ReprogrammingStatus.NOTIFIED
    assert f"{notified_on.day} {notified_on:%B %Y}" in page

    page = _step(rm, record, "clear")
    assert _status(record) == ReprogrammingStatus.CLEARED
    assert "Cleared, and the notice's hold has ended: execute it." in _text(page)

    page = _step(rm, record, "execute")
    assert _status(record) == ReprogrammingStatus.EXECUTED
    assert f"Reprogramming {record.id} executed." in _flashes(page)
    assert 'data-testid="steps"' not in page
    written = db.session.scalars(
        sa.select(BudgetLine).where(BudgetLine.source == LineSource.REPROGRAMMING, BudgetLine.source_id == record.id)
    ).all()
    assert sum(line.amount_cents for line in written) == 150_000_000

    listed = rm.get("/reprogrammings/?fiscal_year=2027").get_data(as_text=True)
    today = dt.date.today().isoformat()
    assert _rows(listed, "reprogrammings")[1] == [
        f"Reprogramming {record.id}",
        "INCLE FY2027",
        "FY2027 plan",
        "$1,500,000",
        "Executed",
        "Yes",
        notified_on.isoformat(),
        today,
        today,
    ]
    cumulative = {row[1]: row for row in _rows(listed, "cumulative")[1:]}
    assert cumulative["Protection in WHA"][2:5] == ["$1,500,000", "$0", "$7,278,684.61"]
    assert cumulative["Protection in WHA"][5].startswith("Crosses the threshold: augments Protection in WHA")


def test_a_stale_button_is_refused_and_changes_nothing(rm):
    record = _draft()
    page = rm.get(f"/reprogrammings/{record.id}").get_data(as_text=True)
    workflow.take_step(user(RM), record, "submit", StepInput())  # someone else, meanwhile
    db.session.commit()
    response = rm.post(
        f"/reprogrammings/{record.id}/withdraw",
        data={"csrf_token": csrf_from(page), "version": str(record.version - 1)},
    )
    assert response.status_code == 302
    assert _status(record) == ReprogrammingStatus.IN_REVIEW
    assert any(
        "changed since you opened it" in message
        for message in _flashes(rm.get(f"/reprogrammings/{record.id}").get_data(as_text=True))
    )


def test_executing_with_a_waiver_and_withdrawing_with_a_comment(rm):
    urgent = _draft()
    page = rm.get(f"/reprogrammings/{urgent.id}").get_data(as_text=True)
    assert "Waive the notice" in page  # it needs notice, and the settings allow a waiver
    page = _step(rm, urgent, "execute", waiver="A cholera outbreak in the shelters: they must reopen this week.")
    assert _status(urgent) == ReprogrammingStatus.EXECUTED
    assert "Notice waived because" in page
    assert "A cholera outbreak in the shelters" in page

    small = _draft("100000", source=("EAP", "protection"), target=("AF", "protection"))
    page = rm.get(f"/reprogrammings/{small.id}").get_data(as_text=True)
    assert "No notification is needed" in page
    assert "Waive the notice" not in page  # nothing to waive
    page = _step(rm, small, "withdraw", comment="The shelters found another donor.")
    assert _status(small) == ReprogrammingStatus.WITHDRAWN
    assert "Withdrawn: nothing more happens to it." in _text(page)


def test_small_moves_that_together_cross_the_threshold_are_flagged(rm):
    rm_user = user(RM)
    for source in ("EAP", "AF"):  # $400,000 each: less than 10% of every base named
        record = _draft("400000", source=(source, "protection"), target=("WHA", "protection"))
        assert not record.notification_required
        workflow.take_step(rm_user, record, "execute", StepInput())
        db.session.commit()
    listed = rm.get("/reprogrammings/").get_data(as_text=True)  # the plan's year, by default
    assert "Reprogramming, FY2027" in listed
    rows = {row[1]: row for row in _rows(listed, "cumulative")[1:]}
    assert rows["Protection in WHA"][2:4] == ["$800,000", "$0"]
    assert rows["Protection in WHA"][5] == (
        "Crosses the threshold: augments Protection in WHA by $800,000, more than 10% of its base of "
        "$5,778,684.61 (the year's moves together)"
    )
    assert rows["Protection in EAP"][5] == "Within the threshold"
    assert re.search(r'<tr class="is-off-plan"><td>INCLE FY2027</td><td>Protection in WHA</td>', listed)

    # A third, drafted: alone it needs no notice; its review page says where the year's moves together cross.
    third = _draft("300000", source=("EAP", "protection"), target=("WHA", "protection"))
    assert not third.notification_required
    page = rm.get(f"/reprogrammings/{third.id}").get_data(as_text=True)
    assert "No notification is needed" in page
    together = _text(re.search(r'data-testid="together">(.*?)</div></div>', page, re.S).group(1))
    assert "augments Protection in WHA by $1,100,000, more than 10% of its base of $5,778,684.61" in together


# ---- who sees what ---------------------------------------------------------------------------


def test_everyone_reads_and_only_a_resource_manager_sees_the_buttons(client, auth):
    record = _draft()
    for role, email in DEMO_USER.items():
        auth.login(email)
        home = client.get("/").get_data(as_text=True)
        assert "<span>Reprogramming</span>" in home, role
        listed = client.get("/reprogrammings/").get_data(as_text=True)
        page = client.get(f"/reprogrammings/{record.id}").get_data(as_text=True)
        assert client.get(f"/reprogrammings/{record.id}/notification").status_code == 200
        writer = role.value == "resource_manager"
        assert ("Draft a reprogramming" in listed) == writer, role
        assert ("Submit for review</button>" in page) == writer, role
        assert (f'href="/reprogrammings/{record.id}/edit"' in page) == writer, role
        assert "A notification is needed" in page, role
        auth.logout()


# ---- the notification package ----------------------------------------------------------------


def test_the_package_page_shows_the_figures_the_committees_receive(rm):
    record = _draft()
    page = rm.get(f"/reprogrammings/{record.id}/notification").get_data(as_text=True)
    assert "Notified under 22 U.S.C. 2706." in _text(page)
    assert _rows(page, "package-from")[1:] == [
        ["Prosecution in AF", "$1,667,056.44", "-$1,500,000", "-90.0%", "$167,056.44"],
        ["Total from", "", "-$1,500,000", "", ""],
    ]
    assert _rows(page, "package-to")[1:] == [
        ["Protection in WHA", "$5,778,684.61", "$1,500,000", "26.0%", "$7,278,684.61"],
        ["Total to", "", "$1,500,000", "", ""],
    ]
    assert "Net change: $0" in _text(page)
    assert JUSTIFICATION in page
    assert "Augments Protection in WHA by $1,500,000" in page


def _workbook(client, record) -> tuple[bytes, str]:
    response = client.get(f"/reprogrammings/{record.id}/notification.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return response.data, response.headers["Content-Disposition"]


def _two_moves() -> Reprogramming:
    """$1,500,000 from Prosecution in AF and $250,000.50 from Prevention in EAP, both to Protection in WHA."""
    record = create_reprogramming(
        user(RM),
        ReprogrammingInput(
            scenario_id=plan_scenario().id,
            appropriation_id=appropriation("INCLE", 2027).id,
            justification='=HYPERLINK("http://example.com")',  # text, never a formula
            moves=(
                MoveInput(from_=_group("AF", "prosecution"), to=_group("WHA", "protection"), amount=Decimal(1_500_000)),
                MoveInput(
                    from_=_group("EAP", "prevention"), to=_group("WHA", "protection"), amount=Decimal("250000.50")
                ),
            ),
        ),
    )
    db.session.commit()
    return record


def test_the_workbook_has_the_rows_and_its_totals_are_formulas(rm):
    record = _two_moves()
    content, disposition = _workbook(rm, record)
    assert f"filename=Reprogramming-{record.id}-INCLE-FY2027-notification.xlsx" in disposition
    ws = openpyxl.load_workbook(io.BytesIO(content))["Notification"]
    cells = {cell.coordinate: cell for row in ws.iter_rows() for cell in row if cell.value is not None}
    assert cells["A2"].value == "Notified under 22 U.S.C. 2706"
    assert [cells[f"{column}6"].value for column in "ABC"] == ["Prosecution in AF", 1667056.44, -1500000]
    assert [cells[f"{column}7"].value for column in "ABC"] == ["Prevention in EAP", 1683936.5, -250000.5]
    assert cells["C8"].value == "=SUM(C6:C7)"
    assert cells["D6"].value == '=IF(B6=0,"new",C6/B6)'
    assert (cells["B6"].number_format, cells["C8"].number_format, cells["D6"].number_format) == (
        "#,##0.00",
        "#,##0.00",
        "0.0%",
    )
    assert [cells[f"{column}11"].value for column in "AB"] == ["Protection in WHA", 5778684.61]
    assert cells["C13"].value == "=SUM(C11:C12)"
    assert cells["C15"].value == "=C8+C13"
    justification = next(cell for cell in cells.values() if cell.value == '=HYPERLINK("http://example.com")')
    assert justification.data_type == "s"


def test_the_workbook_recalculated_by_libreoffice_gives_the_totals(rm, tmp_path):
    record = _two_moves()
    content, _ = _workbook(rm, record)
    ws = recalculated(content, tmp_path)["Notification"]
    assert ws["C8"].value == pytest.approx(-1750000.5)  # total from
    assert ws["C13"].value == pytest.approx(1750000.5)  # total to
    assert ws["C15"].value == 0  # net
    assert ws["D6"].value == pytest.approx(-1500000 / 1667056.44)
    assert ws["E11"].value == pytest.approx(5778684.61 + 1500000)
