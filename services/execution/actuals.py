"""Loading the financial system's actuals extract: a preview first, then one commit.

The preview reads the whole file (exports.actuals), maps its codes to records and compares each
row with the transactions already loaded; it writes nothing but the `ActualsLoad` itself, with
its counts, errors and warnings (contracts/execution.md). The commit reads the stored file again
and writes every new row or none, under the one lock on each appropriation it touches.

Idempotence: a transaction is keyed by the financial system's `transaction_id` (unique in the
table). Loading the same rows again counts them unchanged and writes nothing. Two commits at
once: a preview is stale once another load commits after it (409), and the check runs under
the appropriations' lock. Two loads touching no appropriation in common may commit at the same
moment on PostgreSQL; should they share a transaction id, the unique constraint refuses the
second (its IntegrityError is answered as a 409, "upload the file again"), so each transaction
is written once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from exports.actuals import ExtractRow, ParsedExtract, parse_extract
from exports.errors import ImportRejected
from exports.limits import ACTUALS_LIMITS
from models import Appropriation, Division, ObjectClass, User, db
from models.actuals import ActualsLoad, ActualTransaction, LoadStatus
from models.base import small_page_cache, utcnow
from money import to_cents
from services.audit.events import record_event
from services.errors import ConflictError, ValidationError
from services.funds.control import lock_appropriations
from services.jobs.lifecycle import Progress, step

_CHUNK = 5_000  # ids per IN (...) and rows per INSERT


@dataclass(frozen=True)
class _Lookups:
    appropriations: dict[tuple[str, int], tuple[int, dt.date | None, dt.date | None]]
    object_classes: dict[str, int]
    divisions: dict[str, int]

    @classmethod
    def load(cls) -> _Lookups:
        return cls(
            appropriations={
                (a.account_code, a.fiscal_year): (a.id, a.expires_on, a.cancels_on)
                for a in db.session.scalars(sa.select(Appropriation))
            },
            object_classes=dict(db.session.execute(sa.select(ObjectClass.code, ObjectClass.id)).tuples().all()),
            divisions=dict(db.session.execute(sa.select(Division.code, Division.id)).tuples().all()),
        )


@dataclass(frozen=True, slots=True)
class _Resolved:
    """A row with its codes as ids: the values of an ActualTransaction."""

    row: int
    transaction_id: str
    posted_on: dt.date
    appropriation_id: int
    object_class_id: int
    division_id: int | None
    document_number: str | None
    obligation_cents: int
    expenditure_cents: int
    description: str

    def content(self) -> tuple:
        return (
            self.posted_on,
            self.appropriation_id,
            self.object_class_id,
            self.division_id,
            self.document_number,
            self.obligation_cents,
            self.expenditure_cents,
            self.description,
        )

    def values(self, load_id: int) -> dict:
        return {
            "transaction_id": self.transaction_id,
            "posted_on": self.posted_on,
            "appropriation_id": self.appropriation_id,
            "object_class_id": self.object_class_id,
            "division_id": self.division_id,
            "document_number": self.document_number,
            "obligation_cents": self.obligation_cents,
            "expenditure_cents": self.expenditure_cents,
            "description": self.description,
            "load_id": load_id,
            "source_row": self.row,
        }


@dataclass
class _Outcome:
    rows: int = 0
    new: list[_Resolved] | None = None
    unchanged: int = 0
    errors: list[dict] | None = None
    warnings: list[dict] | None = None

    def __post_init__(self) -> None:
        self.new, self.errors, self.warnings = [], [], []


def _problem(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


def _resolve(row: ExtractRow, lookups: _Lookups, outcome: _Outcome) -> _Resolved | None:
    before = len(outcome.errors)
    found = lookups.appropriations.get((row.account, row.fiscal_year))
    if found is None:
        outcome.errors.append(
            _problem(row.row, "account", f"No appropriation {row.account} FY{row.fiscal_year} in Apportion.")
        )
    object_class = lookups.object_classes.get(row.object_class)
    if object_class is None:
        outcome.errors.append(_problem(row.row, "object_class", f"Unknown object class {row.object_class!r}."))
    division = lookups.divisions.get(row.division) if row.division else None
    if row.division and division is None:
        outcome.errors.append(_problem(row.row, "division", f"Unknown division {row.division!r}."))
    if found is not None:
        _, expires_on, cancels_on = found
        label = f"{row.account} FY{row.fiscal_year}"
        if cancels_on is not None and row.posted_on > cancels_on:
            outcome.errors.append(
                _problem(
                    row.row,
                    "posted_on",
                    f"{label} was cancelled on {cancels_on.isoformat()}: nothing can be posted to it after.",
                )
            )
        elif expires_on is not None and row.posted_on > expires_on and row.obligation > 0:
            outcome.warnings.append(
                _problem(
                    row.row,
                    "obligation",
                    f"A new obligation on {label} after it expired on {expires_on.isoformat()}: an expired "
                    "account accepts only adjustments to existing obligations.",
                )
            )
    if len(outcome.errors) != before:
        return None
    return _Resolved(
        row=row.row,
        transaction_id=row.transaction_id,
        posted_on=row.posted_on,
        appropriation_id=found[0],
        object_class_id=object_class,
        division_id=division,
        document_number=row.document_number or None,
        obligation_cents=to_cents(row.obligation),
        expenditure_cents=to_cents(row.expenditure),
        description=row.description,
    )


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _loaded(transaction_ids: list[str]) -> dict[str, tuple[tuple, dt.datetime | None]]:
    """{transaction id: (its content, when its load was committed)} of those already loaded."""
    found: dict[str, tuple[tuple, dt.datetime | None]] = {}
    for chunk in _chunks(transaction_ids):
        for record in db.session.execute(
            sa.select(
                ActualTransaction.transaction_id,
                ActualTransaction.posted_on,
                ActualTransaction.appropriation_id,
                ActualTransaction.object_class_id,
                ActualTransaction.division_id,
                ActualTransaction.document_number,
                ActualTransaction.obligation_cents,
                ActualTransaction.expenditure_cents,
                ActualTransaction.description,
                ActualsLoad.committed_at,
            )
            .join(ActualsLoad, ActualsLoad.id == ActualTransaction.load_id)
            .where(ActualTransaction.transaction_id.in_(chunk))
        ):
            found[record[0]] = (tuple(record[1:-1]), record[-1])
    return found


def _classify(parsed: ParsedExtract) -> _Outcome:
    """Every row: an error, unchanged, or new (with any warning)."""
    outcome = _Outcome()
    outcome.errors.extend(problem.as_json() for problem in parsed.errors)
    lookups = _Lookups.load()
    first_row: dict[str, int] = {}
    resolved: list[_Resolved] = []
    for row in parsed.rows:
        earlier = first_row.setdefault(row.transaction_id, row.row)
        if earlier != row.row:
            outcome.errors.append(
                _problem(
                    row.row, "transaction_id", f"Transaction {row.transaction_id} is in the file twice (row {earlier})."
                )
            )
            continue
        values = _resolve(row, lookups, outcome)
        if values is not None:
            resolved.append(values)
    outcome.rows = parsed.read
    for chunk in _chunks(resolved):  # what is loaded already, a chunk at a time: bounded memory on a reload
        loaded = _loaded([values.transaction_id for values in chunk])
        for values in chunk:
            before = loaded.get(values.transaction_id)
            if before is None:
                outcome.new.append(values)
            elif before[0] == values.content():
                outcome.unchanged += 1
            else:
                when = before[1].date().isoformat() if before[1] else "an earlier load"
                outcome.errors.append(
                    _problem(
                        values.row,
                        "transaction_id",
                        f"Transaction {values.transaction_id} changed since it was loaded on {when}: the financial "
                        "system posts a new transaction for a correction.",
                    )
                )
    outcome.errors.sort(key=lambda problem: problem["row"])
    outcome.errors, outcome.warnings = _listed(outcome.errors, "errors"), _listed(outcome.warnings, "warnings")
    return outcome


def _listed(problems: list[dict], kind: str) -> list[dict]:
    """At most ACTUALS_LIMITS.max_errors problems, then one saying how many more there are: the
    person has enough to fix, and a preview of 200,000 bad rows stays small."""
    limit = ACTUALS_LIMITS.max_errors
    if len(problems) <= limit:
        return problems
    more = len(problems) - limit
    return [*problems[:limit], _problem(problems[limit]["row"], "", f"And {more:,} more {kind} from this row on.")]


def _parsed(filename: str, content: bytes, reading: Callable[[float], None] | None = None) -> ParsedExtract:
    try:
        return parse_extract(content, filename, progress=reading)
    except ImportRejected as exc:
        raise ValidationError(exc.message, fields={"file": exc.message}) from exc


def last_committed_id() -> int | None:
    return db.session.scalar(sa.select(sa.func.max(ActualsLoad.id)).where(ActualsLoad.status == LoadStatus.COMMITTED))


def preview_load(actor: User, filename: str, content: bytes, progress: Progress | None = None) -> ActualsLoad:
    """Read and check the extract; store the preview (errors included). Raises ValidationError for a
    file that cannot be used at all. A job passes its `progress`, told before anything is written."""
    with small_page_cache(db.session):
        return _preview_load(actor, filename, content, progress)


def _preview_load(actor: User, filename: str, content: bytes, progress: Progress | None) -> ActualsLoad:
    reading = step(progress, 5, 80, f"Reading the extract ({len(content) / 2**20:.1f} MB)")
    parsed = _parsed(filename, content, reading)
    if progress is not None:
        progress(80, f"Checking {parsed.read:,} rows against the office's records")
    after_load_id = last_committed_id()  # read before the comparison: a later commit makes this stale
    outcome = _classify(parsed)
    preview = {
        "rows": outcome.rows,
        "new": len(outcome.new),
        "unchanged": outcome.unchanged,
        "errors": outcome.errors,
        "warnings": outcome.warnings,
        "unknown_columns": list(parsed.unknown_columns),
    }
    del parsed, outcome  # the rows are counted: let them go before the preview is stored
    if progress is not None:
        progress(90, "Saving the preview")  # the last chance to stop: nothing is written before it
    load = ActualsLoad(
        filename=(filename or "extract.csv")[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        content=bytes(content),
        after_load_id=after_load_id,
        preview=preview,
        created_by_id=actor.id,
    )
    db.session.add(load)
    db.session.flush()
    record_event(
        actor,
        "actuals.preview",
        "actuals_load",
        load.id,
        after={key: (len(value) if isinstance(value, list) else value) for key, value in preview.items()},
    )
    db.session.flush()
    return load


def commit_refusal(load: ActualsLoad) -> ConflictError | None:
    """Why commit_load refuses the load as it stands, or None (staleness is checked under the lock)."""
    if load.status != LoadStatus.PREVIEW:
        return ConflictError(f"Load {load.id} was committed already.")
    if not load.is_clean:
        return ConflictError(
            f"Load {load.id} has errors: fix them in the extract and upload it again. Nothing was written.",
            fields={"file": "The preview has errors."},
        )
    return None


def stale_refusal(load: ActualsLoad) -> ConflictError | None:
    """The refusal of a preview another load was committed after (what the page shows), or None."""
    if load.status == LoadStatus.PREVIEW and last_committed_id() != load.after_load_id:
        return _stale(load)
    return None


def _stale(load: ActualsLoad) -> ConflictError:
    return ConflictError(
        f"Another load was committed after load {load.id} was previewed: upload the file again to see a new preview."
    )


def commit_load(actor: User, load: ActualsLoad) -> int:
    """Write every new row of a clean, current preview, or none; the number written."""
    with small_page_cache(db.session):
        return _commit_load(actor, load)


def _commit_load(actor: User, load: ActualsLoad) -> int:
    if (refusal := commit_refusal(load)) is not None:
        raise refusal
    parsed = _parsed(load.filename, load.content)
    named = {(row.account, row.fiscal_year) for row in parsed.rows}
    appropriations = _Lookups.load().appropriations
    touched = {appropriations[key][0] for key in named if key in appropriations}
    lock_appropriations(touched)  # before the staleness check and the first write
    if last_committed_id() != load.after_load_id:
        raise _stale(load)
    # Claimed before the rows are classified: on SQLite, updating the load's row copies the whole
    # stored file, and done now that copy does not sit on top of 200,000 rows in memory. Anything
    # refused below is rolled back with the rest of the unit of work.
    expected = int(load.preview.get("new", 0))
    claimed = db.session.execute(
        sa.update(ActualsLoad)
        .where(ActualsLoad.id == load.id, ActualsLoad.status == LoadStatus.PREVIEW)
        .values(status=LoadStatus.COMMITTED, committed_at=utcnow(), written=expected)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ConflictError(f"Load {load.id} was committed by someone else a moment ago.")
    db.session.expire(load, ["status", "committed_at", "written"])
    outcome = _classify(parsed)
    del parsed  # the rows to write are in outcome.new: the rest goes before the inserts
    if outcome.errors or len(outcome.new) != expected:  # reference data changed since the preview
        reason = outcome.errors[0]["message"] if outcome.errors else f"{len(outcome.new):,} new rows, not {expected:,}"
        raise ConflictError(f"Load {load.id} no longer checks clean ({reason}): upload the file again.")
    try:
        for chunk in _chunks(outcome.new):
            db.session.execute(sa.insert(ActualTransaction), [values.values(load.id) for values in chunk])
    except sa.exc.IntegrityError:
        # another load wrote one of these transactions at the same moment (the unique transaction id)
        raise _stale(load) from None
    record_event(
        actor,
        "actuals.commit",
        "actuals_load",
        load.id,
        after={"written": len(outcome.new), "unchanged": outcome.unchanged, "appropriations": sorted(touched)},
    )
    db.session.flush()
    return len(outcome.new)
