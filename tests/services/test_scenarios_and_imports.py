"""Scenarios: clone, lock and compare; the workbook round trip through import preview and commit."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from helpers import import_own_export, own_export, plan_scenario, user

from models import SCENARIO_MOVES, BudgetLine, Division, ImportStatus, Scenario, ScenarioStatus, db
from services.errors import ConflictError, ValidationError, WorkflowError
from services.scenarios import imports
from services.scenarios import records as scenario_service
from services.scenarios.compare import compare


def _lines(scenario: Scenario) -> list[BudgetLine]:
    return list(
        db.session.scalars(sa.select(BudgetLine).where(BudgetLine.scenario_id == scenario.id).order_by(BudgetLine.id))
    )


def _content(line: BudgetLine) -> tuple:
    return (
        line.fiscal_year,
        line.appropriation_id,
        line.division_id,
        line.object_class_id,
        line.region_id or 0,
        line.country_id or 0,
        line.priority_id or 0,
        line.program_type_id or 0,
        line.description,
        line.amount_cents,
    )


def test_clone_copies_every_line(app):
    plan = plan_scenario()
    copy = scenario_service.clone_scenario(user("rm@example.gov"), plan, "FY2027 plan, 10% cut")
    db.session.commit()
    assert sorted(map(_content, _lines(copy))) == sorted(map(_content, _lines(plan)))
    assert copy.based_on_id == plan.id
    assert copy.status == ScenarioStatus.DRAFT
    with pytest.raises(ValidationError):
        scenario_service.clone_scenario(user("rm@example.gov"), plan, "FY2027 plan, 10% cut")


def test_lock_unlock_submit(app):
    plan = plan_scenario()
    manager = user("rm@example.gov")
    scenario_service.set_status(manager, plan, ScenarioStatus.LOCKED)
    assert plan.status == ScenarioStatus.LOCKED
    with pytest.raises(WorkflowError):
        scenario_service.set_status(manager, plan, ScenarioStatus.LOCKED)
    scenario_service.set_status(manager, plan, ScenarioStatus.DRAFT)
    scenario_service.set_status(manager, plan, ScenarioStatus.SUBMITTED)
    with pytest.raises(WorkflowError):
        scenario_service.set_status(manager, plan, ScenarioStatus.DRAFT)


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (ScenarioStatus.DRAFT, ["lock", "submit"]),
        (ScenarioStatus.LOCKED, ["unlock", "submit"]),
        (ScenarioStatus.SUBMITTED, []),
    ],
)
def test_a_scenario_offers_exactly_the_moves_the_service_accepts(app, status, offered):
    manager = user("rm@example.gov")
    plan = plan_scenario()
    plan.status = status
    db.session.commit()
    assert [move.name for move in plan.allowed_moves] == offered
    for move in SCENARIO_MOVES.values():
        if move.name in offered:
            scenario_service.set_status(manager, plan, move.target)
            assert plan.status == move.target
        else:
            with pytest.raises(WorkflowError):
                scenario_service.set_status(manager, plan, move.target)
        db.session.rollback()
        assert plan.status == status


def test_compare_matches_sums_of_lines(app):
    plan = plan_scenario()
    enacted = plan.based_on
    comparison = compare(enacted, plan, ["object_class"])
    for row in comparison.rows:
        code = row.key[0]
        assert row.a_cents == sum(line.amount_cents for line in _lines(enacted) if line.object_class.code == code)
        assert row.b_cents == sum(line.amount_cents for line in _lines(plan) if line.object_class.code == code)
        if row.a_cents:
            assert row.percent == (Decimal(row.b_cents - row.a_cents) / row.a_cents).quantize(Decimal("0.0001"))
    assert comparison.total.b_cents == sum(line.amount_cents for line in _lines(plan))


def _edit(changed_id: int, removed_id: int):
    def edit(workbook):
        sheet = workbook["Detail"]
        header = [cell.value for cell in sheet[1]]
        column = {name: index + 1 for index, name in enumerate(header)}
        for row in range(2, sheet.max_row + 1):
            line_id = sheet.cell(row, column["Line id"]).value
            if line_id == changed_id:
                sheet.cell(row, column["Amount"]).value = Decimal("4321.50")
            if line_id == removed_id:
                sheet.delete_rows(row)
                break
        template = [sheet.cell(2, index).value for index in range(1, len(header) + 1)]
        new_row = dict(zip(header, template, strict=True)) | {
            "Line id": None,
            "Version": None,
            "Description": "Added in Excel",
            "Amount": Decimal("1000"),
        }
        sheet.append([new_row[name] for name in header])

    return edit


def test_round_trip_export_edit_import_commit(app):
    plan = plan_scenario()
    lines = _lines(plan)
    changed, removed = lines[0], lines[1]
    batch = import_own_export(plan, _edit(changed.id, removed.id))
    preview = batch.preview
    assert preview["errors"] == []
    assert [c["id"] for c in preview["changed"]] == [changed.id]
    assert preview["changed"][0]["new"]["amount"] == "4321.50"
    assert [r["id"] for r in preview["removed"]] == [removed.id]
    assert [a["new"]["description"] for a in preview["added"]] == ["Added in Excel"]
    before = len(lines)
    assert len(_lines(plan)) == before  # a preview writes nothing
    imports.commit_import(user("rm@example.gov"), batch)
    db.session.commit()
    after = _lines(plan)
    assert len(after) == before  # one removed, one added
    assert db.session.get(BudgetLine, changed.id).amount_cents == 432_150
    assert db.session.get(BudgetLine, removed.id) is None
    assert batch.status == ImportStatus.COMMITTED


def test_a_second_import_of_the_same_file_changes_nothing(app):
    plan = plan_scenario()
    lines = _lines(plan)
    content = own_export(plan, _edit(lines[0].id, lines[1].id))
    first = imports.preview_import(user("rm@example.gov"), plan, "edited.xlsx", content)
    imports.commit_import(user("rm@example.gov"), first)
    db.session.commit()
    snapshot = sorted(map(_content, _lines(plan)))
    again = imports.preview_import(user("rm@example.gov"), plan, "edited.xlsx", content)
    assert again.change_count == 0
    assert "imported already" in again.preview["messages"][0]
    assert sorted(map(_content, _lines(plan))) == snapshot


def test_a_scenario_changed_since_the_preview_refuses_the_commit(app):
    plan = plan_scenario()
    lines = _lines(plan)
    batch = import_own_export(plan, _edit(lines[0].id, lines[1].id))
    lines[5].amount_cents += 100
    db.session.commit()
    with pytest.raises(ConflictError):
        imports.commit_import(user("rm@example.gov"), batch)
    db.session.rollback()
    assert db.session.get(BudgetLine, lines[1].id) is not None


def test_a_locked_scenario_shows_an_error_and_cannot_be_committed(app):
    plan = plan_scenario()
    plan.status = ScenarioStatus.LOCKED
    db.session.commit()
    batch = import_own_export(plan)
    assert any("locked" in e["message"] for e in batch.preview["errors"])
    with pytest.raises(ValidationError):
        imports.commit_import(user("rm@example.gov"), batch)


def test_text_that_looks_like_a_formula_survives_the_round_trip(app):
    plan = plan_scenario()
    line = _lines(plan)[0]
    line.description = '=HYPERLINK("http://example.com","click") +1 @SUM(A1)'
    db.session.commit()
    batch = import_own_export(plan)
    assert batch.preview["errors"] == []
    assert batch.change_count == 0  # the description came back as the same text, not a formula


def test_a_formula_typed_where_a_value_belongs_is_an_error(app):
    plan = plan_scenario()

    def edit(workbook):
        sheet = workbook["Detail"]
        header = [cell.value for cell in sheet[1]]
        sheet.cell(2, header.index("Amount") + 1).value = "=1000*2"

    batch = import_own_export(plan, edit)
    errors = batch.preview["errors"]
    assert [(e["sheet"], e["row"], e["column"]) for e in errors] == [("Detail", 2, "Amount")]


def test_an_unknown_fiscal_year_is_an_error_not_a_crash(app):
    plan = plan_scenario()

    def edit(workbook):
        sheet = workbook["Detail"]
        header = [cell.value for cell in sheet[1]]
        sheet.cell(2, header.index("Fiscal year") + 1).value = 2099

    batch = import_own_export(plan, edit)
    assert [(e["row"], e["column"]) for e in batch.preview["errors"]] == [(2, "Fiscal year")]


def test_the_preview_offers_the_commit_only_where_the_commit_goes_through(app):
    plan = plan_scenario()
    lines = _lines(plan)
    assert imports.commit_offer(import_own_export(plan)) == imports.CommitOffer(False, ("Nothing to change.",))
    batch = import_own_export(plan, _edit(lines[0].id, lines[1].id))
    assert imports.commit_offer(batch) == imports.CommitOffer(True, ())

    plan.status = ScenarioStatus.LOCKED  # since the preview
    db.session.commit()
    locked = f"The scenario {plan.name} is locked; unlock it to import."
    assert imports.commit_offer(batch) == imports.CommitOffer(False, (locked,))
    with pytest.raises(WorkflowError, match=locked):
        imports.commit_import(user("rm@example.gov"), batch)
    db.session.rollback()

    plan.status = ScenarioStatus.DRAFT
    db.session.commit()
    imports.commit_import(user("rm@example.gov"), batch)
    db.session.commit()
    done = f"Import {batch.id} was committed already."
    assert imports.commit_offer(batch) == imports.CommitOffer(False, (done,))
    with pytest.raises(WorkflowError, match=done):
        imports.commit_import(user("rm@example.gov"), batch)


def test_a_preview_with_errors_offers_no_commit_and_says_why(app):
    plan = plan_scenario()
    plan.status = ScenarioStatus.LOCKED
    db.session.commit()
    batch = import_own_export(plan)
    assert batch.preview["errors"]
    fix = "Fix the errors in the file and upload it again: nothing was written."
    assert imports.commit_offer(batch) == imports.CommitOffer(False, (fix,))


def test_detail_holds_names_and_a_row_keyed_by_codes_or_other_names_imports(app):
    """Detail shows names; the import takes a name or a code for each key, and a changed name moves the line."""
    plan = plan_scenario()
    line = next(line for line in _lines(plan) if line.region_id and line.priority_id and line.program_type_id)
    other = db.session.scalar(sa.select(Division).where(Division.id != line.division_id).limit(1))
    seen = {}

    def edit(workbook):
        sheet = workbook["Detail"]
        header = [cell.value for cell in sheet[1]]
        row = next(n for n in range(2, sheet.max_row + 1) if sheet.cell(n, 1).value == line.id)
        cell = {name: sheet.cell(row, index + 1) for index, name in enumerate(header)}
        seen.update({name: c.value for name, c in cell.items()})
        cell["Object class"].value = line.object_class.code  # codes, as before names
        cell["Region"].value = line.region.code
        cell["Priority"].value = line.priority.code
        cell["Program type"].value = line.program_type.code
        cell["Division"].value = other.name  # a different division, by name

    batch = import_own_export(plan, edit)
    assert seen["Division"] == line.division.name
    assert seen["Object class"] == f"{line.object_class.code} {line.object_class.title}"
    assert (seen["Region"], seen["Priority"], seen["Program type"]) == (
        line.region.name,
        line.priority.name,
        line.program_type.name,
    )
    assert batch.preview["errors"] == []
    assert [c["id"] for c in batch.preview["changed"]] == [line.id]
    assert batch.preview["changed"][0]["new"]["division_id"] == other.id
    assert batch.preview["added"] == batch.preview["removed"] == []
