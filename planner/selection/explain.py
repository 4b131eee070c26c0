"""Why the selection is what it is: limits at their edge, what kept each proposal out, notes.

Everything here is exact (Decimal dollars, whole counts) and reads the selection alone,
so it costs no solve and means the same for every solver and status.

What kept a proposal out (``reason``): the first limit that adding it to the selection
would break, trying the ``max_amount`` and ``max_count`` rules that cover it in the order
of the rules, then the budget. Only upper limits can stop an addition (a proposal adds
cost and count, which never breaks a floor), so a floor that pulls money elsewhere shows
up as the budget. At a proven optimum one of them always breaks: a proposal that scores
above the lowest selected one scores above zero, so if adding it broke nothing, adding it
would raise the total score and the selection would not be optimal. Only a selection that
is not proven (status ``time_limit``, or ``options.gap`` above zero) can leave a proposal
out for nothing; its reason is then ``time_limit`` or ``gap``. A rule is named before the
budget because it is the narrower limit: the budget is nearly always full as well.

A limit is binding (``binding``) when the selection is at its edge by one proposal:
adding any of the unfunded proposals it covers would break an upper limit (budget,
``max_amount``, ``max_count``); dropping any of the funded proposals it covers, must_fund
ones apart, would break a floor (``min_amount``, ``min_count``). Excluded proposals count
for neither. This is the discrete counterpart of "holds with equality": a MIP has no
shadow prices to weigh it by.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from planner.money import dollars
from planner.selection.problem import Limit, SelectionProblem
from planner.selection.result import SelectionBinding, SelectionConflict, Status, Unfunded

ONE = Decimal(1)


class Selection:
    """A set of proposals and what it puts against each limit (exact)."""

    def __init__(self, problem: SelectionProblem, chosen: Sequence[int]) -> None:
        self.problem = problem
        self.chosen = frozenset(chosen)
        self.costs = [proposal.cost for proposal in problem.proposals]
        self.activity = [limit.activity(self.costs, self.chosen) for limit in problem.limits]
        self.excluded = frozenset(problem.index[i] for i in problem.exclude)
        self.must = frozenset(problem.index[i] for i in problem.must_fund)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for i, p in enumerate(self.problem.proposals) if i in self.chosen)

    @property
    def score(self) -> Decimal:
        return sum((self.problem.proposals[i].score for i in self.chosen), Decimal(0))

    @property
    def cost(self) -> Decimal:
        return sum((self.costs[i] for i in self.chosen), Decimal(0))

    def step(self, limit: Limit, i: int) -> Decimal:
        """What proposal ``i`` puts against ``limit``."""
        return self.costs[i] if limit.amount else ONE

    def breaks_if_added(self, k: int, i: int) -> bool:
        limit = self.problem.limits[k]
        return limit.upper and self.activity[k] + self.step(limit, i) > limit.bound

    def breaks_if_dropped(self, k: int, i: int) -> bool:
        limit = self.problem.limits[k]
        return not limit.upper and self.activity[k] - self.step(limit, i) < limit.bound

    def shortfalls(self) -> list[Decimal]:
        return [limit.shortfall(a) for limit, a in zip(self.problem.limits, self.activity, strict=True)]


def unfunded(selection: Selection, status: Status) -> list[Unfunded]:
    """Every proposal left out that scores above the lowest selected one, best first.

    When none is selected, every proposal that scores above zero: those that would have
    added to the total score.
    """
    problem = selection.problem
    proposals = problem.proposals
    lowest = min((proposals[i].score for i in selection.chosen), default=Decimal(0))
    # Upper limits in the order a reason is sought: the rules', then the budget (limits[0]).
    order = [k for k, limit in enumerate(problem.limits) if limit.upper and limit.kind == "rule"] + [0]
    covers = {k: frozenset(problem.limits[k].members) for k in order}
    fallback = "time_limit" if status == "time_limit" else "gap"
    found = []
    for i, proposal in enumerate(proposals):
        if i in selection.chosen or proposal.score <= lowest:
            continue
        if i in selection.excluded:
            reason = "exclude"
        else:
            reason = next(
                (problem.limits[k].id for k in order if i in covers[k] and selection.breaks_if_added(k, i)),
                fallback,
            )
        found.append((i, Unfunded(proposal.id, proposal.score, reason)))
    found.sort(key=lambda item: (-item[1].score, item[0]))
    return [item for _, item in found]


def binding(selection: Selection) -> list[SelectionBinding]:
    problem = selection.problem
    found = []
    for k, limit in enumerate(problem.limits):
        if limit.upper:
            edge = [
                i
                for i in limit.members
                if i not in selection.chosen and i not in selection.excluded and selection.breaks_if_added(k, i)
            ]
        else:
            edge = [
                i
                for i in limit.members
                if i in selection.chosen and i not in selection.must and selection.breaks_if_dropped(k, i)
            ]
        if edge:
            value = selection.activity[k]
            found.append(
                SelectionBinding(
                    limit.id, limit.kind, limit.label, limit.side, limit.bound, value, _explanation(limit, value, edge)
                )
            )
    return found


def _explanation(limit: Limit, value: Decimal, edge: list[int]) -> str:
    plural = "" if len(edge) == 1 else "s"
    if limit.upper:
        others = f"{len(edge):,} unfunded proposal{plural} it covers"
        if limit.amount:
            room = limit.describe(limit.bound - value)
            return (
                f"The selection puts {limit.describe(value)} against it, of {limit.describe(limit.bound)}: "
                f"the {room} left is too little for {others}."
            )
        return f"The selection funds {value} of the proposals it covers, its maximum: {others} cannot be added."
    without = f"it would break without any one of {len(edge):,} funded proposal{plural} it covers"
    if limit.amount:
        floor = limit.describe(limit.bound)
        return f"The selection puts {limit.describe(value)} against a floor of {floor}: {without}."
    return f"The selection funds {value} of the proposals it covers, its minimum: {without}."


def conflicts(selection: Selection) -> list[SelectionConflict]:
    """The limits a relaxed selection breaks, and by how much (exact)."""
    found = []
    for limit, short in zip(selection.problem.limits, selection.shortfalls(), strict=True):
        if short > 0:
            unit = "dollars" if limit.amount else "proposals"
            found.append(SelectionConflict(limit.id, limit.kind, limit.label, limit.side, short, unit))
    return found


def relaxation_message(found: Sequence[SelectionConflict], proven: bool) -> str:
    money = sum((c.relaxed_by for c in found if c.unit == "dollars"), Decimal(0))
    count = sum((c.relaxed_by for c in found if c.unit == "proposals"), Decimal(0))
    parts = [dollars(money)] if money else []
    parts += [f"{count} proposal{'' if count == 1 else 's'}"] if count else []
    least = "The least relaxation" if proven else "A relaxation (the time ran out before it was proven the least)"
    return f"{least} that makes it feasible moves {len(found)} limit(s) by {' and '.join(parts)} in all; see conflicts."


def input_notes(problem: SelectionProblem) -> list[str]:
    """Things in the input that are allowed but probably not meant, or that explain an infeasibility."""
    index = problem.index
    must = [index[i] for i in problem.must_fund]
    excluded = frozenset(index[i] for i in problem.exclude)
    costs = [proposal.cost for proposal in problem.proposals]
    notes = [
        f"Rule {rule.id} covers no proposal; check its where."
        for rule in problem.rules
        if not problem.covered_by(rule.where)
    ]
    for limit in problem.limits:
        if limit.upper:
            forced = limit.activity(costs, frozenset(must))
            if forced > limit.bound:
                notes.append(
                    f"The must_fund proposals alone put {limit.describe(forced)} against "
                    f"{_name(limit)}, above its {limit.describe(limit.bound)}."
                )
        else:
            fundable = limit.activity(costs, frozenset(i for i in limit.members if i not in excluded))
            if fundable < limit.bound:
                notes.append(
                    f"{_name(limit).capitalize()} needs {limit.describe(limit.bound)}, but the proposals it "
                    f"covers that are not excluded come to {limit.describe(fundable)}."
                )
    return notes


def _name(limit: Limit) -> str:
    return "the budget" if limit.kind == "budget" else f"rule {limit.id} ({limit.side})"
