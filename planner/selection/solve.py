"""``select(problem) -> SelectionResult``: which proposals to fund, each in full or not at all.

The stages (selection_model.py) run in a worker process (selection_worker.py) that is
killed at the deadline plus half a second, whatever the solver is doing; the best
selection it reported by then stands, as ``time_limit``. The status is ``optimal`` only
when the solver proved both stages: the most total score, then the least cost among
selections with that score. With ``options.gap`` above zero, "proved" means within that
relative gap, as the solver reports it.

When no selection keeps every limit, ``conflicts`` is the least relaxation: the fewest
dollars first (budget and amount rules, dollar for dollar), then the fewest proposals
(count rules). The budget and every side of every rule may be relaxed; must_fund and
exclude may not (they are decisions about named proposals, not limits), and with
everything else relaxable they never need to be. Each conflict's ``relaxed_by`` is
computed exactly from the relaxed selection, not read from the solver's floats.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

from planner.deadline import Deadline
from planner.money import dollars
from planner.selection.explain import Selection, binding, conflicts, input_notes, relaxation_message, unfunded
from planner.selection.model import Event, make_spec
from planner.selection.problem import SelectionProblem
from planner.selection.result import SelectionResult, Status
from planner.selection.worker import Progress, run_stages
from planner.solvers import Backend, HighsBackend, Outcome, choose_backend


def select(
    problem: SelectionProblem,
    solver: str | None = None,
    *,
    time_limit: float | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> SelectionResult:
    """Choose the proposals to fund with ``solver`` ("highs", "cbc", or None for the best available).

    ``time_limit`` (seconds) overrides ``problem.options.time_limit_s`` and covers the whole
    call. Returns a SelectionResult whose status is optimal, infeasible or time_limit;
    raises SolverError only when the solver itself fails. ``on_event`` hears each stage's end
    and each improving solution as the solver reports them (a progress bar); what it raises
    stops the solve and goes on to the caller.
    """
    deadline = Deadline(time_limit if time_limit is not None else problem.options.time_limit_s)
    backend = choose_backend(solver)
    solver_name = "highs" if isinstance(backend, HighsBackend) else "cbc"
    progress = run_stages(make_spec(problem), solver_name, deadline, on_event=on_event)
    timings = {stage: event.seconds for stage, event in progress.ended.items()}
    if progress.outcome("score") is Outcome.INFEASIBLE:
        return _infeasible(problem, progress, backend, deadline, timings)
    return _selected(problem, progress, backend, deadline, timings)


def _selected(
    problem: SelectionProblem, progress: Progress, backend: Backend, deadline: Deadline, timings: dict[str, float]
) -> SelectionResult:
    score, cost = progress.outcome("score"), progress.outcome("cost")
    proven = score is Outcome.OPTIMAL and cost is Outcome.OPTIMAL
    status: Status = "optimal" if proven else "time_limit"
    best = progress.best.get("cost") or progress.best.get("score")
    notes = input_notes(problem)
    if best is None or best.chosen is None:
        message = (
            f"The time limit of {deadline.seconds:g} s ran out before any selection was found. "
            "Allow more time (options.time_limit_s or --time-limit)."
        )
        return SelectionResult(
            status="time_limit",
            objective=None,
            messages=(*notes, message),
            solver=backend.name,
            seconds=deadline.elapsed(),
            timings=timings,
        )
    selection = Selection(problem, best.chosen)
    bound = _score_bound(problem, selection, progress, score is Outcome.OPTIMAL)
    gap = None if bound is None else float((bound - selection.score) / bound) if bound > 0 else 0.0
    messages = [*notes, _summary(selection)]
    if not proven:
        messages.append(_stopped(deadline, score is Outcome.OPTIMAL, bound, gap))
    elif problem.options.gap > 0:
        messages.append(
            f"Optimal within the requested gap of {problem.options.gap:%}: "
            "a selection with a higher total score may exist."
        )
    messages += _breaches(selection)
    return SelectionResult(
        status=status,
        objective=selection.score,
        selected=selection.ids,
        total_cost=selection.cost,
        gap=gap,
        binding=tuple(binding(selection)),
        unfunded=tuple(unfunded(selection, status)),
        messages=tuple(messages),
        solver=backend.name,
        seconds=deadline.elapsed(),
        timings=timings,
    )


def _infeasible(
    problem: SelectionProblem, progress: Progress, backend: Backend, deadline: Deadline, timings: dict[str, float]
) -> SelectionResult:
    messages = [*input_notes(problem), "No selection keeps every limit."]
    best = progress.best.get("relax_count") or progress.best.get("relax_dollars")
    found = []
    if best is None or best.chosen is None:
        messages.append("The time limit ran out before a relaxation was found.")
    else:
        found = conflicts(Selection(problem, best.chosen))
        proven = progress.outcome("relax_dollars") is Outcome.OPTIMAL
        proven = proven and progress.outcome("relax_count") is Outcome.OPTIMAL
        messages.append(relaxation_message(found, proven))
    return SelectionResult(
        status="infeasible",
        objective=None,
        conflicts=tuple(found),
        messages=tuple(messages),
        solver=backend.name,
        seconds=deadline.elapsed(),
        timings=timings,
    )


def _summary(selection: Selection) -> str:
    problem = selection.problem
    return (
        f"Selected {len(selection.chosen)} of {len(problem.proposals)} proposals for {dollars(selection.cost)} "
        f"of the {dollars(problem.budget)} budget, with a total score of {selection.score}."
    )


def _score_bound(problem: SelectionProblem, selection: Selection, progress: Progress, proven: bool) -> Decimal | None:
    """The best total score possible, as far as the solver has shown; None when it does not say.

    The score stage's bound is on the total score in whole score units (selection_model.py).
    """
    if proven and problem.options.gap == 0:
        return selection.score
    raw = progress.bounds.get("score")
    if raw is None or not math.isfinite(raw):  # HiGHS's first solutions can come before any bound
        return None
    units = math.floor(raw + 1e-6)
    return max(Decimal(units).scaleb(-problem.score_decimals), selection.score)


def _stopped(deadline: Deadline, score_proven: bool, bound: Decimal | None, gap: float | None) -> str:
    limit = (
        "The time limit ran out" if deadline.seconds is None else f"The time limit of {deadline.seconds:g} s ran out"
    )
    if score_proven:
        return (
            f"{limit} after the total score was proven the best possible, but before this selection "
            "was proven the cheapest of those with that score."
        )
    found = f"{limit} before an optimum was proven; this is the best selection found"
    if bound is None or gap is None:
        return f"{found}."
    return f"{found} (no selection scores above {bound}: this one is within {gap:.3%})."


def _breaches(selection: Selection) -> list[str]:
    """Limits the selection breaks, checked exactly (the solver works to a tolerance): never expected."""
    found = []
    for limit, short in zip(selection.problem.limits, selection.shortfalls(), strict=True):
        if short > Decimal(0):
            miss = limit.describe(short)
            found.append(f"Checked exactly, the selection misses {limit.label} ({limit.side}) by {miss}.")
    return found
