"""Importing an edited submission workbook: a preview first, then one transaction.

The preview maps the file's codes to records, compares each row with the
scenario (by the hidden line id and version), and lists rows added, changed
(old → new) and removed, and every error by sheet, row and column. Nothing
is written until a clean preview is committed; the commit refuses if the
scenario changed since the preview. A file already committed once changes
nothing the second time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from exports.importer import ImportedRow, ImportRejected, parse_submission
from models import (
    Appropriation,
    AuditEvent,
    BudgetLine,
    Country,
    Division,
    FiscalYear,
    ImportBatch,
    ImportStatus,
    LineSource,
    LineStage,
    ObjectClass,
    Priority,
    ProgramType,
    Region,
    Scenario,
    User,
    db,
)
from models.base import utcnow
from money import from_cents, to_cents
from services.audit.events import record_event
from services.errors import ConflictError, DomainError, ValidationError, WorkflowError
from services.funds.control import ensure_not_overdrawn, lock_appropriations
from services.jobs.lifecycle import Progress, step
from services.office.settings import funds_control
from services.scenarios.submission import object_class_name

SHEET = "Detail"
FIELDS = (
    "fiscal_year",
    "appropriation_id",
    "division_id",
    "object_class_id",
    "region_id",
    "country_id",
    "priority_id",
    "program_type_id",
    "description",
    "stage",
    "amount_cents",
)


def fingerprint(scenario: Scenario) -> str:
    """A digest of every line's id and version: any change to the scenario changes it."""
    digest = hashlib.sha256()
    for line_id, version in db.session.execute(
        sa.select(BudgetLine.id, BudgetLine.version)
        .where(BudgetLine.scenario_id == scenario.id)
        .order_by(BudgetLine.id)
    ):
        digest.update(f"{line_id}:{version};".encode())
    return digest.hexdigest()


@dataclass
class _Lookups:
    appropriations: dict[str, int]
    divisions: dict[str, int]
    object_classes: dict[str, int]
    regions: dict[str, int]
    countries: dict[str, tuple[int, int]]  # iso3 → (id, region id)
    priorities: dict[str, int]
    program_types: dict[str, int]
    fiscal_years: set[int]

    @classmethod
    def load(cls) -> _Lookups:
        """Each key by its code and by the name the workbook shows (Detail holds names; codes still import)."""

        def codes_and_names(model, name_column):
            found: dict[str, int] = {}
            for code, name, record_id in db.session.execute(sa.select(model.code, name_column, model.id)):
                found.setdefault(name, record_id)
                found[code] = record_id  # a code wins over another record's name
            return found

        object_classes: dict[str, int] = {}
        for code, title, record_id in db.session.execute(
            sa.select(ObjectClass.code, ObjectClass.title, ObjectClass.id)
        ):
            object_classes[object_class_name(code, title)] = record_id
            object_classes[code] = record_id
        return cls(
            appropriations={a.label: a.id for a in db.session.scalars(sa.select(Appropriation))},
            divisions=codes_and_names(Division, Division.name),
            object_classes=object_classes,
            regions=codes_and_names(Region, Region.name),
            countries={
                iso3: (cid, rid)
                for iso3, cid, rid in db.session.execute(sa.select(Country.iso3, Country.id, Country.region_id))
            },
            priorities=codes_and_names(Priority, Priority.name),
            program_types=codes_and_names(ProgramType, ProgramType.name),
            fiscal_years=set(db.session.scalars(sa.select(FiscalYear.year))),
        )


def _resolve(row: ImportedRow, lookups: _Lookups, errors: list[dict]) -> dict | None:
    """The row as line fields by id, or None (with errors) when a code is unknown."""

    def error(column: str, message: str) -> None:
        errors.append({"sheet": SHEET, "row": row.sheet_row, "column": column, "message": message})

    before = len(errors)
    values: dict = {
        "fiscal_year": row.fiscal_year,
        "description": row.description or "",
        "amount_cents": to_cents(row.amount),
    }
    if row.fiscal_year not in lookups.fiscal_years:
        error("Fiscal year", f"FY{row.fiscal_year} is not a fiscal year Apportion knows.")
    for column, field, table, code in (
        ("Appropriation", "appropriation_id", lookups.appropriations, row.appropriation),
        ("Division", "division_id", lookups.divisions, row.division),
        ("Object class", "object_class_id", lookups.object_classes, row.object_class),
    ):
        values[field] = table.get(code)
        if values[field] is None:
            error(column, f"Unknown {column.lower()} {code!r}.")
    for column, field, table, code in (
        ("Region", "region_id", lookups.regions, row.region),
        ("Priority", "priority_id", lookups.priorities, row.priority),
        ("Program type", "program_type_id", lookups.program_types, row.program_type),
    ):
        values[field] = table.get(code) if code else None
        if code and values[field] is None:
            error(column, f"Unknown {column.lower()} {code!r}.")
    country = lookups.countries.get(row.country) if row.country else None
    if row.country and country is None:
        error("Country", f"Unknown country {row.country!r} (use the ISO alpha-3 code).")
    values["country_id"] = country[0] if country else None
    if country and values["region_id"] and country[1] != values["region_id"]:
        error("Country", f"{row.country} is not in region {row.region}.")
    stage = row.stage or LineStage.PLANNED.value
    if stage not in {s.value for s in LineStage}:
        error("Stage", f"Unknown stage {stage!r}: use planned, committed or obligated.")
    values["stage"] = stage
    return values if len(errors) == before else None


def _shown(values: dict) -> dict:
    """A line's fields for the preview (JSON-safe, amounts as dollars)."""
    shown = {key: value for key, value in values.items() if key != "amount_cents"}
    shown["amount"] = f"{from_cents(values['amount_cents']):.2f}"
    return shown


def _current(line: BudgetLine) -> dict:
    values = {field: getattr(line, field) for field in FIELDS}
    values["stage"] = line.stage.value
    return values


def preview_import(
    actor: User, scenario: Scenario, filename: str, content: bytes, progress: Progress | None = None
) -> ImportBatch:
    """Parse and compare; store the preview (errors included). Raises ValidationError for an unreadable file.
    A job passes its `progress`, told before anything is written (where a cancelled job stops)."""
    reading = step(progress, 5, 80, f"Reading the workbook ({len(content) / 2**20:.1f} MB)")
    try:
        parsed = parse_submission(content, progress=reading)
    except ImportRejected as exc:
        raise ValidationError(exc.message, fields={"file": exc.message}) from exc
    if progress is not None:
        progress(80, f"Comparing {len(parsed.rows):,} rows with the scenario")
    file_sha256 = hashlib.sha256(content).hexdigest()
    errors = [{"sheet": e.sheet, "row": e.row, "column": e.column, "message": e.message} for e in parsed.errors]
    if not scenario.is_editable:
        errors.append(
            {
                "sheet": SHEET,
                "row": 0,
                "column": "",
                "message": f"The scenario {scenario.name} is {scenario.status.value}: unlock it to import.",
            }
        )
    preview: dict = {"added": [], "changed": [], "removed": [], "errors": errors, "messages": []}
    already = db.session.scalar(
        sa.select(ImportBatch)
        .where(
            ImportBatch.scenario_id == scenario.id,
            ImportBatch.file_sha256 == file_sha256,
            ImportBatch.status == ImportStatus.COMMITTED,
        )
        .limit(1)
    )
    if already is not None:
        preview["messages"].append(
            f"This file was imported already (import {already.id}, "
            f"{already.committed_at:%Y-%m-%d %H:%M} UTC): nothing to change."
        )
    else:
        _compare(scenario, parsed.rows, preview)
    if progress is not None:
        progress(90, "Saving the preview")  # the last chance to stop: nothing is written before it
    batch = ImportBatch(
        scenario_id=scenario.id,
        filename=filename[:255],
        file_sha256=file_sha256,
        fingerprint=fingerprint(scenario),
        preview=preview,
        created_by_id=actor.id,
    )
    db.session.add(batch)
    db.session.flush()
    record_event(
        actor,
        "import.preview",
        "import_batch",
        batch.id,
        after={
            "scenario_id": scenario.id,
            "added": len(preview["added"]),
            "changed": len(preview["changed"]),
            "removed": len(preview["removed"]),
            "errors": len(errors),
        },
    )
    return batch


def _compare(scenario: Scenario, rows: tuple[ImportedRow, ...], preview: dict) -> None:
    lookups = _Lookups.load()
    lines = {
        line.id: line for line in db.session.scalars(sa.select(BudgetLine).where(BudgetLine.scenario_id == scenario.id))
    }
    seen: set[int] = set()
    for row in rows:
        values = _resolve(row, lookups, preview["errors"])
        if row.line_id is None:
            if values is not None:
                preview["added"].append({"row": row.sheet_row, "new": _shown(values)})
            continue
        line = lines.get(row.line_id)
        if line is None or row.line_id in seen:
            preview["errors"].append(
                {
                    "sheet": SHEET,
                    "row": row.sheet_row,
                    "column": "Line id",
                    "message": f"Line {row.line_id} is not in {scenario.name} (or appears twice).",
                }
            )
            continue
        seen.add(row.line_id)
        if row.version != line.version:
            preview["errors"].append(
                {
                    "sheet": SHEET,
                    "row": row.sheet_row,
                    "column": "Version",
                    "message": f"Line {row.line_id} was changed in Apportion since the export "
                    f"(version {row.version} → {line.version}): export again.",
                }
            )
            continue
        if values is None:
            continue
        current = _current(line)
        changes = {field: [current[field], values[field]] for field in FIELDS if current[field] != values[field]}
        if changes:
            preview["changed"].append(
                {
                    "row": row.sheet_row,
                    "id": line.id,
                    "version": line.version,
                    "old": _shown(current),
                    "new": _shown(values),
                    "fields": sorted(changes),
                }
            )
    for line_id in sorted(set(lines) - seen):
        preview["removed"].append({"id": line_id, "old": _shown(_current(lines[line_id]))})


def _line_values(shown: dict) -> dict:
    values = {key: value for key, value in shown.items() if key != "amount"}
    values["amount_cents"] = to_cents(Decimal(shown["amount"]))
    values["stage"] = LineStage(shown["stage"])
    return values


def _appropriations_touched(batch: ImportBatch) -> set[int]:
    preview = batch.preview
    touched = {int(row["new"]["appropriation_id"]) for row in preview["added"] + preview["changed"]}
    line_ids = [row["id"] for row in preview["changed"] + preview["removed"]]
    if line_ids:
        touched |= set(db.session.scalars(sa.select(BudgetLine.appropriation_id).where(BudgetLine.id.in_(line_ids))))
    return touched


def commit_refusal(batch: ImportBatch) -> DomainError | None:
    """Why commit_import refuses the batch as it stands, or None. (Whether the scenario changed since
    the preview is checked by the commit itself, under the lock.)"""
    scenario = batch.scenario
    if batch.status != ImportStatus.PREVIEW:
        return WorkflowError(f"Import {batch.id} was committed already.")
    if not batch.is_clean:
        return ValidationError(
            "Fix the errors in the file and upload it again: nothing was written.",
            fields={"file": "The preview has errors."},
        )
    if not scenario.is_editable:
        return WorkflowError(f"The scenario {scenario.name} is {scenario.status.value}; unlock it to import.")
    return None


@dataclass(frozen=True)
class CommitOffer:
    """What the preview page offers: the commit, or the reasons it does not."""

    can_commit: bool
    reasons: tuple[str, ...]


def commit_offer(batch: ImportBatch) -> CommitOffer:
    if (refusal := commit_refusal(batch)) is not None:
        return CommitOffer(False, (refusal.message,))
    if not batch.change_count:
        return CommitOffer(False, ("Nothing to change.",))  # committing would only mark the file as imported
    return CommitOffer(True, ())


def commit_import(actor: User, batch: ImportBatch) -> dict[str, int]:
    """Apply a clean preview in one transaction (the caller commits once)."""
    if (refusal := commit_refusal(batch)) is not None:
        raise refusal
    scenario = batch.scenario
    lock_appropriations(_appropriations_touched(batch))  # before the check and the first write
    if fingerprint(scenario) != batch.fingerprint:
        raise ConflictError(f"{scenario.name} changed since this preview. Upload the file again to see a new one.")
    claimed = db.session.execute(
        sa.update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.PREVIEW)
        .values(status=ImportStatus.COMMITTED, committed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ConflictError(f"Import {batch.id} was committed by someone else a moment ago.")
    db.session.expire(batch, ["status", "committed_at"])
    events: list[AuditEvent] = []
    touched: set[int] = set()
    for added in batch.preview["added"]:
        line = BudgetLine(
            scenario_id=scenario.id,
            source=LineSource.IMPORT,
            source_id=batch.id,
            created_by_id=actor.id,
            **_line_values(added["new"]),
        )
        db.session.add(line)
        db.session.flush()
        touched.add(line.appropriation_id)
        events.append(
            AuditEvent(
                user_id=actor.id,
                action="budget_line.create",
                entity="budget_line",
                entity_id=line.id,
                after=added["new"],
                reason=f"import {batch.id}",
            )
        )
    for changed in batch.preview["changed"]:
        line = db.session.get(BudgetLine, changed["id"])
        touched |= {line.appropriation_id}
        for field, value in _line_values(changed["new"]).items():
            setattr(line, field, value)
        touched.add(line.appropriation_id)
        events.append(
            AuditEvent(
                user_id=actor.id,
                action="budget_line.update",
                entity="budget_line",
                entity_id=line.id,
                before=changed["old"],
                after=changed["new"],
                reason=f"import {batch.id}",
            )
        )
    removed_ids = [removed["id"] for removed in batch.preview["removed"]]
    if removed_ids:
        db.session.execute(sa.delete(BudgetLine).where(BudgetLine.id.in_(removed_ids)))
        events.extend(
            AuditEvent(
                user_id=actor.id,
                action="budget_line.delete",
                entity="budget_line",
                entity_id=removed["id"],
                before=removed["old"],
                reason=f"import {batch.id}",
            )
            for removed in batch.preview["removed"]
        )
    db.session.add_all(events)
    db.session.flush()
    warnings = [
        ensure_not_overdrawn(scenario, db.session.get(Appropriation, appropriation_id), funds_control())
        for appropriation_id in sorted(touched)
    ]
    counts = {part: len(batch.preview[part]) for part in ("added", "changed", "removed")}
    record_event(
        actor,
        "import.commit",
        "import_batch",
        batch.id,
        after={"scenario_id": scenario.id, **counts},
        reason=" ".join(filter(None, warnings)),
    )
    db.session.flush()
    return counts
