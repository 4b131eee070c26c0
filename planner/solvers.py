"""The two solvers the planner drives, and how to read what they say.

HiGHS (in-process, through highspy) is the default; CBC is the fallback. CBC runs as
``COIN_CMD`` on the binary bundled with PuLP: ``PULP_CBC_CMD`` itself is deprecated in
PuLP 3.3 and warns on every use, and its own message says to use ``COIN_CMD``.

The allocation's linear programs (planner.lp) go to HiGHS in one ``passModel`` call and to
CBC as the PuLP model made from them; the selection's MIPs are PuLP models (``solver``).
"""

from __future__ import annotations

import abc
import enum
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from planner import highs_process
from planner.deadline import Deadline
from planner.errors import SolverError
from planner.lp import INF, LinearProgram, Solution

if TYPE_CHECKING:
    import pulp

# highspy and PuLP are imported where they are used: a cold `python -m planner solve`
# imports highspy in its HiGHS child (highs_process) and never PuLP, which only CBC and
# the selection's MIPs need.

# Variables above which HiGHS's interior point beats its simplex on `targets` models
# (measured at 37,600 cells: 0.3 s against 1.1 s); on `value` models simplex stays ahead.
IPM_ABOVE = 50_000


class Outcome(enum.Enum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"


class Run(NamedTuple):
    outcome: Outcome
    seconds: float  # wall time of the solve, including the hand-over to the solver
    solver_seconds: float  # time inside the solver alone, where it says
    solution: Solution | None = None  # when optimal


class Answer(NamedTuple):
    """What a solver said of a linear program, before ``run`` classifies it."""

    outcome: Outcome | None  # OPTIMAL or INFEASIBLE; None otherwise
    stopped_on_time: bool
    status: str  # the solver's own word, for an error message
    solution: Solution | None
    solver_seconds: float | None = None


class Backend(abc.ABC):
    name: str
    precision: float  # relative error of the solution it reports: slack below this is zero

    @abc.abstractmethod
    def available(self) -> bool: ...

    @abc.abstractmethod
    def solver(self, deadline: Deadline, interior_point: bool) -> pulp.LpSolver: ...

    @abc.abstractmethod
    def solve_lp(self, lp: LinearProgram, deadline: Deadline, interior_point: bool) -> Answer:
        """Solve in this process."""

    def submit(self, lp: LinearProgram, deadline: Deadline, interior_point: bool) -> Callable[[], Answer]:
        """Start solving; the function returned waits for the answer. Here, at once."""
        answer = self.solve_lp(lp, deadline, interior_point)
        return lambda: answer

    @abc.abstractmethod
    def dual_sign(self, maximise: bool) -> int:
        """The factor that turns the solver's duals into d(objective)/d(bound)."""

    @abc.abstractmethod
    def stopped_on_time(self, prob: pulp.LpProblem) -> bool: ...

    def solver_seconds(self, prob: pulp.LpProblem, wall: float) -> float:
        return wall


class HighsBackend(Backend):
    name = "HiGHS"
    precision = 1e-9  # in-process: full doubles

    def available(self) -> bool:
        if highs_process.running() is not None:
            return True  # started only where highspy is found; a broken one fails the solve, saying why
        try:
            self.load()
        except ImportError:  # HiGHS is optional: CBC takes over
            return False
        return True

    @staticmethod
    def load() -> None:
        import highspy  # noqa: F401 - the import is the check, and it warms the module cache

    def solver(self, deadline: Deadline, interior_point: bool) -> pulp.LpSolver:
        from planner.pulp_highs import BulkHiGHS

        # Presolve finds little to remove in these models and costs more than it saves.
        options = {"solver": "ipm"} if interior_point else {"presolve": "off"}
        return BulkHiGHS(deadline, **options)

    def submit(self, lp: LinearProgram, deadline: Deadline, interior_point: bool) -> Callable[[], Answer]:
        child = highs_process.running()
        if child is not None:  # the command's: HiGHS solves in its own process meanwhile
            return child.submit(lp, deadline, interior_point)
        return super().submit(lp, deadline, interior_point)

    def solve_lp(self, lp: LinearProgram, deadline: Deadline, interior_point: bool) -> Answer:
        import highspy
        import numpy as np  # highspy's own dependency: its arrays

        # The columns in PuLP's order (by name) and "minimise -objective" for a maximisation,
        # as PuLP handed them over: the same model, so the same vertex and the same duals.
        # (The order the columns were made in is faster, each group's pieces side by side: at
        # 203,040 cells HiGHS took 3.3 s of CPU on it against 8.6 s on this one; but where
        # optima tie it picks another one, so allocations and conflicts would change.)
        order = np.array(sorted(range(lp.num_columns), key=lp.column_names.__getitem__), dtype=np.int32)
        position = np.empty_like(order)
        position[order] = np.arange(len(order), dtype=np.int32)
        direction = -1.0 if lp.maximise else 1.0
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        if interior_point:
            highs.setOptionValue("solver", "ipm")
        else:  # presolve finds little to remove in these models and costs more than it saves
            highs.setOptionValue("presolve", "off")
        deadline.check()
        highs.passModel(
            lp.num_columns,
            len(lp.row_names),
            len(lp.indices),
            int(highspy.MatrixFormat.kRowwise),
            int(highspy.ObjSense.kMinimize),
            0.0,
            np.array(lp.cost)[order] * direction,
            np.array(lp.lower)[order],
            np.array(lp.upper)[order],
            np.array(lp.row_lower),
            np.array(lp.row_upper),
            np.array(lp.starts, dtype=np.int32),
            position[np.array(lp.indices, dtype=np.int32)],
            np.array(lp.values),
            np.zeros(lp.num_columns, dtype=np.int32),  # every column continuous
        )
        remaining = deadline.remaining()
        if remaining is not None:
            highs.setOptionValue("time_limit", remaining)
        highs.run()
        status = highs.getModelStatus()
        seconds = float(highs.getRunTime())
        if status == highspy.HighsModelStatus.kTimeLimit:
            return Answer(None, True, str(status), None, seconds)
        if status != highspy.HighsModelStatus.kOptimal:
            infeasible = status in (
                highspy.HighsModelStatus.kInfeasible,
                highspy.HighsModelStatus.kUnboundedOrInfeasible,
            )
            return Answer(Outcome.INFEASIBLE if infeasible else None, False, str(status), None, seconds)
        solved = highs.getSolution()
        solution = Solution(
            values=np.asarray(solved.col_value)[position].tolist(),
            row_duals=list(solved.row_dual),
            reduced_costs=np.asarray(solved.col_dual)[position].tolist(),
        )
        return Answer(Outcome.OPTIMAL, False, str(status), solution, seconds)

    def dual_sign(self, maximise: bool) -> int:
        # A maximisation goes to HiGHS as "minimise -objective" (solve_lp, as PuLP does),
        # so HiGHS's duals are for that negated objective.
        return -1 if maximise else 1

    def stopped_on_time(self, prob: pulp.LpProblem) -> bool:
        import highspy

        return prob.solverModel.getModelStatus() == highspy.HighsModelStatus.kTimeLimit

    def solver_seconds(self, prob: pulp.LpProblem, wall: float) -> float:
        return float(prob.solverModel.getRunTime())


class CbcBackend(Backend):
    name = "CBC"
    precision = 1e-7  # its solution file keeps 8 significant digits

    def _path(self) -> str:
        import shutil

        import pulp

        # A cbc on PATH wins; otherwise the binary PuLP ships (reading the class
        # attribute does not instantiate the deprecated class).
        return shutil.which("cbc") or pulp.PULP_CBC_CMD.pulp_cbc_path

    def available(self) -> bool:
        import pulp

        return bool(pulp.COIN_CMD(msg=False, path=self._path()).available())

    def solver(self, deadline: Deadline, interior_point: bool) -> pulp.LpSolver:
        import pulp

        return pulp.COIN_CMD(msg=False, path=self._path(), timeLimit=deadline.remaining())

    def solve_lp(self, lp: LinearProgram, deadline: Deadline, interior_point: bool) -> Answer:
        import pulp

        prob, variables = pulp_model(lp)
        try:
            prob.solve(self.solver(deadline, interior_point))
        except pulp.PulpSolverError as error:
            raise SolverError(f"{self.name} failed: {error}") from None
        status = pulp.LpStatus[prob.status]
        if prob.sol_status == pulp.LpSolutionOptimal:
            solution = Solution(
                values=[var.varValue or 0.0 for var in variables],
                row_duals=[row.pi for row in prob.constraints()],
                reduced_costs=[var.dj for var in variables],
            )
            return Answer(Outcome.OPTIMAL, False, status, solution)
        if prob.status == pulp.LpStatusInfeasible:
            return Answer(Outcome.INFEASIBLE, False, status, None)
        return Answer(None, self.stopped_on_time(prob), status, None)

    def dual_sign(self, maximise: bool) -> int:
        return 1  # CBC reports d(objective)/d(rhs) in the problem's own sense

    def stopped_on_time(self, prob: pulp.LpProblem) -> bool:
        import pulp

        # CBC's "Stopped on time" reads as not solved, or as a solution without proof.
        return prob.status == pulp.LpStatusNotSolved or prob.sol_status == pulp.LpSolutionIntegerFeasible


BACKENDS: dict[str, type[Backend]] = {"highs": HighsBackend, "cbc": CbcBackend}


def choose_backend(name: str | None = None) -> Backend:
    """``None``: HiGHS when highspy is installed, else CBC. ``"highs"`` or ``"cbc"``: that one."""
    if name is None:
        highs = HighsBackend()
        return highs if highs.available() else CbcBackend()
    if name not in BACKENDS:
        raise ValueError(f"solver must be one of {', '.join(BACKENDS)}, not {name!r}")
    backend = BACKENDS[name]()
    if not backend.available():
        raise SolverError(f"{backend.name} is not available on this machine")
    return backend


def pulp_model(lp: LinearProgram) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """The PuLP model of ``lp``, with its names (what CBC is given), and its columns' variables."""
    import pulp

    prob = pulp.LpProblem(lp.name, pulp.LpMaximize if lp.maximise else pulp.LpMinimize)
    columns = [
        prob.add_variable(name, lowBound=lower, upBound=None if upper == INF else upper)
        for name, lower, upper in zip(lp.column_names, lp.lower, lp.upper, strict=True)
    ]
    senses = {">=": pulp.LpConstraintGE, "<=": pulp.LpConstraintLE, "==": pulp.LpConstraintEQ}
    for i, name in enumerate(lp.row_names):
        sense = lp.sense_of(i)
        expression = pulp.LpAffineExpression([(columns[j], value) for j, value in lp.row_terms(i)])
        rhs = lp.row_upper[i] if sense == "<=" else lp.row_lower[i]
        prob.addConstraint(pulp.LpConstraint(expression, senses[sense], name, rhs))
    prob.setObjective(pulp.LpAffineExpression([(columns[j], cost) for j, cost in enumerate(lp.cost) if cost]))
    return prob, columns


def run(lp: LinearProgram, backend: Backend, deadline: Deadline, meanwhile: Callable[[], object] | None = None) -> Run:
    """Solve and classify the answer: only a proven optimum is optimal.

    ``meanwhile``: work that does not need the solution, done while HiGHS solves in its
    own process (``python -m planner``'s), or after the solve where it solves in this one.
    """
    deadline.check()
    if not any(lp.cost):  # an objective with no column in it: PuLP adds this one, and so do we
        lp.cost[lp.column("__dummy", 0.0, 0.0)] = 1.0
    interior_point = not lp.maximise and lp.num_columns > IPM_ABOVE
    started = time.perf_counter()
    answer_of = backend.submit(lp, deadline, interior_point)
    try:
        if meanwhile is not None:
            meanwhile()
    finally:
        answer = answer_of()  # always read: a child's answer left in the pipe would block the next
    wall = time.perf_counter() - started
    seconds = wall if answer.solver_seconds is None else answer.solver_seconds
    if answer.outcome is not None:
        return Run(answer.outcome, wall, seconds, answer.solution)
    if deadline.seconds is not None and answer.stopped_on_time:
        return Run(Outcome.TIME_LIMIT, wall, seconds)
    raise SolverError(f"{backend.name} stopped without an answer: {answer.status}")
