"""A saved selection run as people read it: what was chosen, what kept the others out,
which limits bind, what conflicts, and whether the run can be turned into awards now."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from models import Proposal, SelectionRun, db
from money import format_dollars, to_cents
from services.programs.selection import award_refusal

SIDES = {
    "min_amount": "at least (dollars)",
    "max_amount": "at most (dollars)",
    "min_count": "at least (proposals)",
    "max_count": "at most (proposals)",
}
_REASONS = {
    "budget": "The budget: the money left is too little for it.",
    "exclude": "Excluded: forced out by the panel.",
    "time_limit": "Nothing: the time limit ran out before the selection was proven best. Rerun.",
    "gap": "Nothing: it lies within the optimality gap the run allowed.",
}


def cents(amount: int | float | str | None) -> int | None:
    """A whole or decimal dollar amount from the run's JSON, in cents."""
    return None if amount is None else to_cents(Decimal(str(amount)))


@dataclass(frozen=True)
class RunProposal:
    number: str
    label: str
    cost_cents: int  # as the run saw it
    merit: Decimal  # as the run saw it
    region: str
    priority: str
    proposal: Proposal | None  # as it is now, for its decision and version
    reason: str = ""  # for an unfunded one: what kept it out


@dataclass(frozen=True)
class RunLimit:
    label: str
    side: str
    limit: str
    value: str
    explanation: str


@dataclass(frozen=True)
class RunConflict:
    label: str
    side: str
    relaxed_by: str  # with its unit: "$250,000" or "1 proposal"


@dataclass(frozen=True)
class RunSummary:
    run: SelectionRun
    budget_cents: int
    total_cost_cents: int | None
    selected: list[RunProposal]
    unfunded: list[RunProposal]
    binding: list[RunLimit]
    conflicts: list[RunConflict]
    messages: list[str]
    blockers: list[str]  # why it can't be awarded now; empty when it can

    @property
    def chosen_proposals(self) -> list[Proposal]:
        """The selected proposals as they are now (those still there)."""
        return [row.proposal for row in self.selected if row.proposal is not None]

    @property
    def out_year_cents(self) -> dict[int, int]:
        """The selected proposals' later years' costs by fiscal year: what awards add beyond the budget."""
        years: dict[int, int] = {}
        for row in self.selected:
            for year, amount in (row.proposal.out_year_cents if row.proposal else {}).items():
                years[int(year)] = years.get(int(year), 0) + int(amount)
        return dict(sorted(years.items()))

    @property
    def awards_total_cents(self) -> int | None:
        """What the awards will total: this year's cost and the later years'."""
        if self.total_cost_cents is None:
            return None
        return self.total_cost_cents + sum(self.out_year_cents.values())

    @property
    def merit_label(self) -> str | None:
        """The selection's total merit as pages show a score: "2,156.85"; None when it has none."""
        objective = self.run.result.get("objective")
        return None if objective is None else f"{Decimal(str(objective)):,.2f}"

    @property
    def left_cents(self) -> int | None:
        return None if self.total_cost_cents is None else self.budget_cents - self.total_cost_cents

    @property
    def gap_label(self) -> str | None:
        """How far from proven best a run stopped by its time limit was: "1.25%", or None when unknown."""
        gap = self.run.result.get("gap")
        if gap is None:
            return None
        return f"{(Decimal(str(gap)) * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def _quantity(side: str, value) -> str:
    if value is None:
        return "—"
    if side.endswith("_amount"):
        return format_dollars(cents(value))
    count = Decimal(str(value)).normalize()
    return f"{count:f} proposal{'' if count == 1 else 's'}"


def award_blockers(run: SelectionRun) -> list[str]:
    """Why `make_awards` would refuse this run now (its own checks, said before the click)."""
    refusal = award_refusal(run)
    return [] if refusal is None else [refusal.message]


def run_summary(run: SelectionRun) -> RunSummary:
    problem, result = run.problem, run.result
    sent = {p["id"]: p for p in problem.get("proposals", [])}
    now = {
        p.number: p
        for p in db.session.scalars(
            sa.select(Proposal).where(Proposal.notice_id == run.notice_id, Proposal.number.in_(list(sent)))
        )
    }
    rule_labels = {rule["id"]: rule.get("label") or rule["id"] for rule in problem.get("rules", [])}

    def line(number: str, reason: str = "") -> RunProposal:
        data = sent.get(number, {})
        key = data.get("key", {})
        return RunProposal(
            number=number,
            label=data.get("label", ""),
            cost_cents=cents(data.get("cost", 0)),
            merit=Decimal(str(data.get("score", 0))).quantize(Decimal("0.01")),
            region=key.get("region", ""),
            priority=key.get("priority", ""),
            proposal=now.get(number),
            reason=reason,
        )

    def why(reason: str) -> str:
        if reason in _REASONS:
            return _REASONS[reason]
        return f"Rule {rule_labels.get(reason, reason)}: funding it too would break the rule's upper limit."

    return RunSummary(
        run=run,
        budget_cents=cents(problem.get("budget", 0)),
        total_cost_cents=cents(result.get("total_cost")),
        selected=[line(number) for number in result.get("selected", [])],
        unfunded=[line(u["id"], why(u["reason"])) for u in result.get("unfunded", [])],
        binding=[
            RunLimit(
                b["label"],
                SIDES.get(b["side"], b["side"]),
                _quantity(b["side"], b["limit"]),
                _quantity(b["side"], b["value"]),
                b["explanation"],
            )
            for b in result.get("binding", [])
        ],
        conflicts=[
            RunConflict(
                c["label"],
                SIDES.get(c["side"], c["side"]),
                _quantity("x_amount" if c.get("unit") == "dollars" else "x_count", c["relaxed_by"]),
            )
            for c in result.get("conflicts", [])
        ],
        messages=list(result.get("messages", [])),
        blockers=award_blockers(run),
    )
