"""The budget lines a request becomes when approved, and the division's allowance it draws on.

A division's plan carries allowance lines (its travel budget on 21.0, its
personnel budget on 11.x and 12.1). Approving a request writes committed lines
(source travel or staffing) and draws the same amount down from the matching
allowance lines, largest first, so that the scenario never counts the money
twice; only what the allowance does not cover adds to the appropriation.
Cancelling removes the request's lines and gives the draws back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from models import (
    Appropriation,
    BudgetLine,
    LineSource,
    LineStage,
    ObjectClass,
    Scenario,
    StaffingRequest,
    TravelRequest,
    User,
    db,
    fiscal_year_of,
)
from money import parse_money, to_cents
from services.audit.events import record_event
from services.errors import ValidationError

REQUEST_SOURCES = (LineSource.TRAVEL, LineSource.STAFFING)
TRAVEL_OBJECT_CLASS = "21.0"


@dataclass(frozen=True)
class PlannedLine:
    fiscal_year: int
    appropriation_id: int
    object_class_id: int
    amount_cents: int
    description: str
    draws: tuple[tuple[int, int], ...]  # (allowance line id, cents)

    @property
    def drawn_cents(self) -> int:
        return sum(cents for _, cents in self.draws)


def object_class_id(code: str) -> int:
    found = db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == code))
    if found is None:
        raise ValidationError(f"Object class {code} is not in the reference data.", fields={"object_class": code})
    return found


def allowance_lines(
    scenario: Scenario, division_id: int, appropriation_id: int, object_class_ids: list[int], fiscal_year: int
) -> list[BudgetLine]:
    return list(
        db.session.scalars(
            sa.select(BudgetLine)
            .where(
                BudgetLine.scenario_id == scenario.id,
                BudgetLine.division_id == division_id,
                BudgetLine.appropriation_id == appropriation_id,
                BudgetLine.object_class_id.in_(object_class_ids),
                BudgetLine.fiscal_year == fiscal_year,
                BudgetLine.source.not_in(REQUEST_SOURCES),
            )
            .order_by(BudgetLine.amount_cents.desc(), BudgetLine.id)
        )
    )


@dataclass(frozen=True)
class Allowance:
    """What a division has left of its budget for one kind of spending, and what a request would leave."""

    remaining_cents: int
    request_cents: int

    @property
    def after_cents(self) -> int:
        return self.remaining_cents - self.request_cents

    @property
    def beyond_cents(self) -> int:
        """What the request needs beyond the division's budget (0 when it fits): the appropriation's
        unplanned balance must cover it."""
        return max(0, -self.after_cents)


def travel_allowance(request: TravelRequest) -> Allowance:
    fiscal_year = _travel_fiscal_year(request)
    remaining = sum(
        line.amount_cents
        for line in allowance_lines(
            request.scenario,
            request.division_id,
            request.appropriation_id,
            [object_class_id(TRAVEL_OBJECT_CLASS)],
            fiscal_year,
        )
    )
    return Allowance(remaining, request.total_cents if request.status != "approved" else 0)


def staffing_allowance(request: StaffingRequest) -> Allowance:
    first = (request.estimate.get("by_fiscal_year") or [{}])[0]
    codes = [code for code in (first.get("pay_object_class"), first.get("benefits_object_class")) if code]
    if not codes:
        return Allowance(0, request.total_cents)
    remaining = sum(
        line.amount_cents
        for line in allowance_lines(
            request.scenario,
            request.division_id,
            request.appropriation_id,
            [object_class_id(c) for c in codes],
            first["fiscal_year"],
        )
    )
    first_year = _cents(first.get("total", "0"))
    return Allowance(remaining, first_year if request.status != "approved" else 0)


def _cents(text: str) -> int:
    return to_cents(parse_money(text))


def _travel_fiscal_year(request: TravelRequest) -> int:
    departs = request.departs_on or dt.date.today()
    return fiscal_year_of(departs)


def _draw(lines: list[BudgetLine], cents: int, taken: dict[int, int]) -> tuple[tuple[int, int], ...]:
    """Take up to `cents` from the allowance lines, largest first (minding earlier draws)."""
    draws = []
    for line in lines:
        if cents <= 0:
            break
        free = line.amount_cents - taken.get(line.id, 0)
        take = min(free, cents)
        if take > 0:
            draws.append((line.id, take))
            taken[line.id] = taken.get(line.id, 0) + take
            cents -= take
    return tuple(draws)


def _appropriation_for(account: Appropriation, fiscal_year: int) -> Appropriation | None:
    """The appropriation of the same account available in `fiscal_year` (its own, or a multi-year one)."""
    candidates = db.session.scalars(
        sa.select(Appropriation)
        .where(Appropriation.account_code == account.account_code, Appropriation.fiscal_year <= fiscal_year)
        .order_by(Appropriation.fiscal_year.desc())
    )
    for candidate in candidates:
        years = candidate.availability_years
        if years is None or fiscal_year < candidate.fiscal_year + years:
            return candidate
    return None


def appropriations_charged(request: TravelRequest | StaffingRequest) -> list[int]:
    """The appropriations an approval may charge or draw allowances from: its account's, every year."""
    return list(
        db.session.scalars(
            sa.select(Appropriation.id).where(Appropriation.account_code == request.appropriation.account_code)
        )
    )


def planned_lines(request: TravelRequest | StaffingRequest) -> list[PlannedLine]:
    taken: dict[int, int] = {}
    if isinstance(request, TravelRequest):
        fiscal_year = _travel_fiscal_year(request)
        appropriation = request.appropriation
        years = appropriation.availability_years
        if fiscal_year < appropriation.fiscal_year or (
            years is not None and fiscal_year >= appropriation.fiscal_year + years
        ):
            raise ValidationError(
                f"The trip falls in FY{fiscal_year}, outside {appropriation.label}'s period of "
                "availability. Choose the appropriation for that year.",
                fields={"appropriation": "Not available in the trip's fiscal year."},
            )
        travel = object_class_id(TRAVEL_OBJECT_CLASS)
        allowance = allowance_lines(request.scenario, request.division_id, appropriation.id, [travel], fiscal_year)
        return [
            PlannedLine(
                fiscal_year,
                appropriation.id,
                travel,
                request.total_cents,
                f"Travel request {request.id}: {request.title} ({request.traveler.name})",
                _draw(allowance, request.total_cents, taken),
            )
        ]
    lines = []
    for year in request.estimate.get("by_fiscal_year", []):
        appropriation = _appropriation_for(request.appropriation, year["fiscal_year"])
        if appropriation is None:
            continue  # no appropriation for that year yet: the request page says so
        for code, amount in (
            (year["pay_object_class"], year["pay"]),
            (year.get("benefits_object_class"), year.get("benefits", "0")),
        ):
            cents = _cents(amount) if code else 0
            if cents <= 0:
                continue
            oc = object_class_id(code)
            allowance = allowance_lines(
                request.scenario, request.division_id, appropriation.id, [oc], year["fiscal_year"]
            )
            lines.append(
                PlannedLine(
                    year["fiscal_year"],
                    appropriation.id,
                    oc,
                    cents,
                    f"Staffing request {request.id}: {request.title} ({code})",
                    _draw(allowance, cents, taken),
                )
            )
    return lines


def unfunded_years(request: StaffingRequest) -> list[int]:
    """Fiscal years of the estimate with no appropriation of the account to charge yet."""
    return [
        year["fiscal_year"]
        for year in request.estimate.get("by_fiscal_year", [])
        if _cents(year["total"]) > 0 and _appropriation_for(request.appropriation, year["fiscal_year"]) is None
    ]


def write_lines(actor: User, request: TravelRequest | StaffingRequest, lines: list[PlannedLine]) -> None:
    source = LineSource.TRAVEL if isinstance(request, TravelRequest) else LineSource.STAFFING
    country = request.legs[0].country if isinstance(request, TravelRequest) and request.legs else None
    draws: dict[str, int] = {}
    for planned in lines:
        for line_id, cents in planned.draws:
            allowance = db.session.get(BudgetLine, line_id)
            allowance.amount_cents -= cents
            draws[str(line_id)] = draws.get(str(line_id), 0) + cents
        db.session.add(
            BudgetLine(
                scenario_id=request.scenario_id,
                fiscal_year=planned.fiscal_year,
                appropriation_id=planned.appropriation_id,
                division_id=request.division_id,
                object_class_id=planned.object_class_id,
                amount_cents=planned.amount_cents,
                description=planned.description[:500],
                stage=LineStage.COMMITTED,
                source=source,
                source_id=request.id,
                country_id=country.id if country else None,
                region_id=country.region_id if country else None,
                created_by_id=actor.id,
            )
        )
    request.draws = draws
    db.session.flush()


def request_lines(request: TravelRequest | StaffingRequest) -> list[BudgetLine]:
    source = LineSource.TRAVEL if isinstance(request, TravelRequest) else LineSource.STAFFING
    return list(
        db.session.scalars(
            sa.select(BudgetLine)
            .where(BudgetLine.source == source, BudgetLine.source_id == request.id)
            .order_by(BudgetLine.fiscal_year, BudgetLine.id)
        )
    )


def remove_lines(actor: User, request: TravelRequest | StaffingRequest) -> None:
    removed = request_lines(request)
    for line in removed:
        db.session.delete(line)
    restored = []
    for line_id, cents in (request.draws or {}).items():
        allowance = db.session.get(BudgetLine, int(line_id))
        if allowance is not None:
            allowance.amount_cents += cents
            restored.append(line_id)
    request.draws = {}
    db.session.flush()
    record_event(
        actor,
        f"{request.kind_name}_request.lines_removed",
        f"{request.kind_name}_request",
        request.id,
        after={"removed_lines": [line.id for line in removed], "restored_allowances": restored},
    )
