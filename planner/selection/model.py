"""The selection MIP the solver sees, and the stages that solve it (in the worker process).

One binary variable per proposal: a must_fund proposal's is fixed at 1, an excluded one
has none. Every limit (the budget, each side of each rule) is one row over the proposals
it covers: costs for amounts, ones for counts. Money is in units of ``scale`` dollars, a
power of ten that brings the largest amount near 1e4 (as the allocation model does), so
the solvers' tolerances mean the same thing at any size.

The objective is lexicographic: the most total score, then the least total cost. It is
solved exactly in two stages, with scores as integers (score * 10**decimals, so that
totals compare exactly):

``score``: maximise S(x), the integer total score. The solver may stop within
    ``SCORE_GAP`` (0.99) of its bound: the incumbent's S is then the optimum S*, since
    S_inc >= bound - 0.99 >= S* - 0.99 and both are integers. HiGHS sees that the
    objective only takes integer values and prunes with that, which makes the proofs
    fast. (A tie-break term -0.25 * cost/cost(everything) in this stage, which is also
    exact, made the objective fractional: measured on six 2,000-proposal problems it was
    slower on five, 8-13 s against 1.3 s on the worst; on 20,000 it was a wash.)
``cost``: add S(x) >= S* and minimise cost(x), stopping within 0.49 of the smallest
    step in which two totals of money can differ (a cent when an amount has cents). The
    selection of the ``score`` stage starts it, so it always has an incumbent.

A single weighted objective cannot be exact here: telling $1 apart on a total of
$10^9 next to scores near 10^6 needs more digits than a double has.

When ``score`` proves the problem infeasible, the elastic model gives every limit a
slack: ``relax_dollars`` minimises the dollars relaxed (budget and amount rules alike),
then ``relax_count``, holding those dollars (within 0.49 of a step), minimises the
proposals relaxed (count rules). must_fund and exclude are never relaxed: with every
limit relaxable, funding exactly the must_fund proposals is always feasible.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pulp

from planner.deadline import Deadline, OutOfTime
from planner.errors import SolverError
from planner.selection.problem import SelectionProblem
from planner.solvers import Backend, HighsBackend, Outcome, choose_backend

try:
    import highspy
except ImportError:  # HiGHS is optional: CBC takes over
    highspy = None

if highspy is not None:
    from planner.pulp_highs import BulkHiGHS

Stage = Literal["score", "cost", "relax_dollars", "relax_count"]
SCORE_GAP = 0.99  # within this of the bound, the score stage's incumbent has the best (integer) score
STEP_GAP = 0.49  # of the smallest step of money: closer than that is the same amount


@dataclass(frozen=True)
class Row:
    """``sum(coefficient * x) <= bound`` (upper) or ``>= bound``, over the proposals it covers."""

    members: tuple[int, ...]
    amount: bool  # coefficients are costs (model units) or ones (proposals)
    upper: bool
    bound: float


@dataclass(frozen=True)
class Spec:
    """The numbers the worker needs, and nothing else: it pickles small and fast."""

    costs: tuple[float, ...]  # model units
    scores: tuple[int, ...]  # exact integers
    must: frozenset[int]
    excluded: frozenset[int]
    rows: tuple[Row, ...]  # one per SelectionProblem.limits, in that order
    money_step: float  # model units: the least two different totals of money can differ by
    gap: float  # the relative gap asked for (options.gap)


@dataclass(frozen=True)
class Event:
    """What the worker tells the parent: a stage's end, or (outcome None) an improving solution."""

    stage: Stage
    outcome: Outcome | None
    chosen: tuple[int, ...] | None  # indices of the selected proposals; None when there is no solution
    bound: float | None = None  # the solver's best bound on the stage's objective; None where it does not say
    seconds: float = 0.0


Send = Callable[[Event], None]


def choose_scale(problem: SelectionProblem) -> int:
    """A power of ten that brings the largest amount in the problem down to about 1e4."""
    amounts = [proposal.cost for proposal in problem.proposals] + [problem.budget]
    amounts += [limit.bound for limit in problem.limits if limit.amount]
    largest = max(amounts)
    return 10 ** max(0, largest.adjusted() - 4) if largest > 0 else 1


def make_spec(problem: SelectionProblem) -> Spec:
    scale = choose_scale(problem)
    index = problem.index
    rows = tuple(
        Row(limit.members, limit.amount, limit.upper, float(limit.bound / scale if limit.amount else limit.bound))
        for limit in problem.limits
    )
    return Spec(
        costs=tuple(float(proposal.cost / scale) for proposal in problem.proposals),
        scores=tuple(problem.score_units()),
        must=frozenset(index[i] for i in problem.must_fund),
        excluded=frozenset(index[i] for i in problem.exclude),
        rows=rows,
        money_step=float(Decimal(10) ** -problem.money_decimals / scale),
        gap=float(problem.options.gap),
    )


class _Model:
    """The proposals' variables and the limits' rows, shared by both stages of a model."""

    def __init__(self, name: str, sense: int, spec: Spec) -> None:
        self.spec = spec
        self.prob = pulp.LpProblem(name, sense)
        self.rows: list[pulp.LpConstraint] = []
        self.x = {
            i: self.prob.add_variable(f"x_{i:06d}", lowBound=1 if i in spec.must else 0, upBound=1, cat=pulp.LpInteger)
            for i in range(len(spec.costs))
            if i not in spec.excluded
        }

    def row(self, row: Row) -> list[tuple[pulp.LpVariable, float]]:
        terms = []
        for i in row.members:
            coefficient = self.spec.costs[i] if row.amount else 1.0
            if i in self.x and coefficient:
                terms.append((self.x[i], coefficient))
        return terms

    def add_row(self, name: str, terms: list[tuple[pulp.LpVariable, float]], upper: bool, bound: float) -> None:
        sense = pulp.LpConstraintLE if upper else pulp.LpConstraintGE
        self.rows.append(pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, name, bound))
        self.prob.addConstraint(self.rows[-1])

    def next_stage(self, name: str, sense: int) -> None:
        """A new problem over the same variables and rows, for the next stage.

        New rather than changed: PuLP leaves behind the dummy variable it adds to a problem
        with an empty objective, and CBC refuses the column it then writes.
        """
        self.prob = pulp.LpProblem(name, sense)
        for row in self.rows:
            self.prob.addConstraint(row)

    def chosen(self) -> tuple[int, ...]:
        return tuple(i for i, var in self.x.items() if (var.varValue or 0.0) > 0.5)

    def chosen_from(self, value: Callable[[pulp.LpVariable], float]) -> tuple[int, ...]:
        """The selection in a solution the solver hands over while it runs."""
        return tuple(i for i, var in self.x.items() if value(var) > 0.5)


class SelectionModel(_Model):
    def __init__(self, spec: Spec) -> None:
        super().__init__("selection", pulp.LpMaximize, spec)
        for k, row in enumerate(spec.rows):
            self.add_row(f"limit_{k:04d}", self.row(row), row.upper, row.bound)
        self.score = [(var, float(spec.scores[i])) for i, var in self.x.items() if spec.scores[i]]
        self.prob.setObjective(pulp.LpAffineExpression(self.score))

    def fix_score(self, chosen: tuple[int, ...]) -> None:
        """Turn the model into the ``cost`` stage: keep the score of ``chosen``, spend the least."""
        best = sum(self.spec.scores[i] for i in chosen)
        self.next_stage("selection_cost", pulp.LpMinimize)
        self.add_row("score", self.score, upper=False, bound=best - 0.5)  # integers: >= best
        costs = [(var, self.spec.costs[i]) for i, var in self.x.items() if self.spec.costs[i]]
        self.prob.setObjective(pulp.LpAffineExpression(costs))


class ElasticModel(_Model):
    def __init__(self, spec: Spec) -> None:
        super().__init__("elastic", pulp.LpMinimize, spec)
        self.dollars: list[pulp.LpVariable] = []
        self.counts: list[pulp.LpVariable] = []
        for k, row in enumerate(spec.rows):
            slack = self.prob.add_variable(f"relax_{k:04d}", lowBound=0)
            self.add_row(f"limit_{k:04d}", [*self.row(row), (slack, -1.0 if row.upper else 1.0)], row.upper, row.bound)
            (self.dollars if row.amount else self.counts).append(slack)
        self.prob.setObjective(pulp.LpAffineExpression([(slack, 1.0) for slack in self.dollars]))

    def hold_dollars(self) -> None:
        """Turn the model into the ``relax_count`` stage: keep the dollars relaxed, relax the fewest proposals."""
        relaxed = sum(slack.varValue or 0.0 for slack in self.dollars)
        terms = [(slack, 1.0) for slack in self.dollars]
        self.next_stage("elastic_count", pulp.LpMinimize)
        self.add_row("dollars", terms, upper=True, bound=relaxed + STEP_GAP * self.spec.money_step)
        self.prob.setObjective(pulp.LpAffineExpression([(slack, 1.0) for slack in self.counts]))


def solve_stages(spec: Spec, solver: str, ends_at: float | None, send: Send, tmp_dir: str | None = None) -> None:
    """Run the stages in order, telling ``send`` about each one's end and each improving solution.

    ``ends_at`` is a ``time.monotonic()`` reading (the same clock in every process on one
    machine), so the parent and the worker share one deadline.
    """
    deadline = Deadline(None if ends_at is None else max(ends_at - time.monotonic(), 0.0))
    runner = _Runner(choose_backend(solver), deadline, spec, send, tmp_dir)
    try:
        model = SelectionModel(spec)
    except OutOfTime:
        send(Event("score", Outcome.TIME_LIMIT, None))
        return
    score = runner.run("score", model, gap_abs=SCORE_GAP, warm=False)
    if score.outcome is Outcome.OPTIMAL:
        assert score.chosen is not None
        model.fix_score(score.chosen)
        runner.run("cost", model, gap_abs=STEP_GAP * spec.money_step, warm=True)
    elif score.outcome is Outcome.INFEASIBLE:
        elastic = ElasticModel(spec)
        relax = runner.run("relax_dollars", elastic, gap_abs=STEP_GAP * spec.money_step, warm=False, gap_rel=0.0)
        if relax.outcome is Outcome.OPTIMAL:
            elastic.hold_dollars()
            runner.run("relax_count", elastic, gap_abs=STEP_GAP, warm=True, gap_rel=0.0)


class _Runner:
    def __init__(self, backend: Backend, deadline: Deadline, spec: Spec, send: Send, tmp_dir: str | None) -> None:
        self.backend = backend
        self.deadline = deadline
        self.spec = spec
        self.send = send
        self.tmp_dir = tmp_dir

    def run(self, stage: Stage, model: _Model, *, gap_abs: float, warm: bool, gap_rel: float | None = None) -> Event:
        """Solve one stage and send its end. Only a solution the solver proved is OPTIMAL."""
        started = time.perf_counter()
        gap_rel = self.spec.gap if gap_rel is None else gap_rel

        def improved(value: Callable[[pulp.LpVariable], float], bound: float) -> None:
            self.send(Event(stage, None, model.chosen_from(value), bound))

        try:
            self.deadline.check()
            solver = self._solver(gap_rel, gap_abs, warm, improved)
            model.prob.solve(solver)
        except OutOfTime:
            event = Event(stage, Outcome.TIME_LIMIT, None, seconds=time.perf_counter() - started)
            self.send(event)
            return event
        except pulp.PulpSolverError as error:
            raise SolverError(f"{self.backend.name} failed: {error}") from None
        outcome = self._outcome(model.prob)
        has_solution = model.prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
        event = Event(
            stage,
            outcome,
            model.chosen() if has_solution else None,
            self._bound(model.prob) if has_solution else None,
            time.perf_counter() - started,
        )
        self.send(event)
        return event

    def _solver(self, gap_rel: float, gap_abs: float, warm: bool, improved: Callable[..., None]) -> pulp.LpSolver:
        if isinstance(self.backend, HighsBackend):
            return MipHiGHS(self.deadline, gap_rel=gap_rel, gap_abs=gap_abs, warm=warm, improved=improved)
        path = self.backend.solver(self.deadline, False).path
        solver = pulp.COIN_CMD(
            msg=False,
            path=path,
            timeLimit=self.deadline.remaining(),
            gapRel=gap_rel,
            gapAbs=gap_abs,
            warmStart=warm,
        )
        if self.tmp_dir is not None:
            solver.tmpDir = self.tmp_dir  # the parent removes it, whatever happens to CBC
        return solver

    def _outcome(self, prob: pulp.LpProblem) -> Outcome:
        if prob.sol_status == pulp.LpSolutionOptimal:
            return Outcome.OPTIMAL
        if prob.status == pulp.LpStatusInfeasible:
            return Outcome.INFEASIBLE
        if self.deadline.seconds is not None and self.backend.stopped_on_time(prob):
            return Outcome.TIME_LIMIT
        raise SolverError(f"{self.backend.name} stopped without an answer: {pulp.LpStatus[prob.status]}")

    def _bound(self, prob: pulp.LpProblem) -> float | None:
        if isinstance(self.backend, HighsBackend):
            return _sense(prob) * float(prob.solverModel.getInfo().mip_dual_bound)
        return None  # CBC's bound does not come back through PuLP


def _sense(prob: pulp.LpProblem) -> int:
    """HiGHS minimises: PuLP hands it a maximisation as "minimise -objective"."""
    return -1 if prob.sense == pulp.LpMaximize else 1


if highspy is not None:

    class MipHiGHS(BulkHiGHS):
        """The planner's HiGHS for MIPs: presolve on, the gaps asked for, a warm start from
        the variables' current values, and every improving solution reported as it comes."""

        def __init__(
            self, deadline: Deadline, *, gap_rel: float, gap_abs: float, warm: bool, improved: Callable[..., None]
        ) -> None:
            super().__init__(deadline, mip_rel_gap=gap_rel, mip_abs_gap=gap_abs)
            self.warm = warm
            self.improved = improved

        def callSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802 - PuLP's name
            highs = lp.solverModel
            if self.warm:
                start = highspy.HighsSolution()
                start.col_value = [var.varValue or 0.0 for var in lp.variables()]
                start.value_valid = True
                highs.setSolution(start)
            sense = _sense(lp)
            column = {var.name: var.index for var in lp.variables()}  # a variable in no row has none

            def report(event: Any) -> None:
                solution = event.data_out.mip_solution

                def value(var: pulp.LpVariable) -> float:
                    return float(solution[column[var.name]]) if var.name in column else 0.0

                with contextlib.suppress(Exception):  # a lost report must not stop the solve
                    self.improved(value, sense * float(event.data_out.mip_dual_bound))

            highs.cbMipImprovingSolution.subscribe(report)
            super().callSolver(lp)
