"""The two solvers the planner drives through PuLP, and how to read what they say.

HiGHS (in-process, through highspy) is the default; CBC is the fallback. CBC runs as
``COIN_CMD`` on the binary bundled with PuLP: ``PULP_CBC_CMD`` itself is deprecated in
PuLP 3.3 and warns on every use, and its own message says to use ``COIN_CMD``.
"""

from __future__ import annotations

import abc
import enum
import shutil
import time
from dataclasses import dataclass
from typing import Any

import pulp

from planner.deadline import Deadline
from planner.errors import SolverError

try:
    import highspy
except ImportError:  # HiGHS is optional: CBC takes over
    highspy = None

# Variables above which HiGHS's interior point beats its simplex on `targets` models
# (measured at 37,600 cells: 0.3 s against 1.1 s); on `value` models simplex stays ahead.
IPM_ABOVE = 50_000


class Outcome(enum.Enum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"


@dataclass(frozen=True)
class Run:
    outcome: Outcome
    seconds: float  # wall time of prob.solve, including PuLP's hand-over to the solver
    solver_seconds: float  # time inside the solver alone, where it says


class Backend(abc.ABC):
    name: str
    precision: float  # relative error of the solution it reports: slack below this is zero

    @abc.abstractmethod
    def available(self) -> bool: ...

    @abc.abstractmethod
    def solver(self, deadline: Deadline, interior_point: bool) -> pulp.LpSolver: ...

    @abc.abstractmethod
    def dual_sign(self, sense: int) -> int:
        """The factor that turns the solver's duals into d(objective)/d(bound)."""

    @abc.abstractmethod
    def stopped_on_time(self, prob: pulp.LpProblem) -> bool: ...

    def solver_seconds(self, prob: pulp.LpProblem, wall: float) -> float:
        return wall


if highspy is not None:

    class BulkHiGHS(pulp.HiGHS):
        """PuLP's HiGHS, handing the model over in one ``passModel`` call.

        PuLP's own ``buildSolverModel`` makes one Python call per column and per row;
        on the 37,600-cell benchmark (114,000 columns) that took 0.9-1.5 s of CPU
        against 0.35 s for this (measured).
        Solving and reading the answer back are PuLP's own. The time limit is what is
        left of the deadline when HiGHS starts, so the hand-over counts against it.
        """

        def __init__(self, deadline: Deadline, **options: Any) -> None:
            super().__init__(msg=False, **options)
            self.deadline = deadline

        def callSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802 - PuLP's name
            remaining = self.deadline.remaining()
            if remaining is not None:
                lp.solverModel.setOptionValue("time_limit", remaining)
            lp.solverModel.run()

        def buildSolverModel(self, lp: pulp.LpProblem) -> None:  # noqa: N802 - PuLP's name
            infinity = highspy.kHighsInf
            direction = -1 if lp.sense == pulp.LpMaximize else 1  # HiGHS minimises, as in PuLP
            variables = lp.variables()
            for i, var in enumerate(variables):
                var.index = i
            objective = lp.objective or {}
            model = highspy.HighsLp()
            model.num_col_ = len(variables)
            model.col_cost_ = [direction * objective.get(var, 0.0) for var in variables]
            model.col_lower_ = [-infinity if var.lowBound is None else var.lowBound for var in variables]
            model.col_upper_ = [infinity if var.upBound is None else var.upBound for var in variables]
            starts, indices, values, lower, upper = [0], [], [], [], []
            for i, row in enumerate(lp.constraints()):
                if i % 1024 == 0:
                    self.deadline.check()
                row.index = i
                indices += [var.index for var in row]
                values += row.values()
                starts.append(len(indices))
                lower.append(-infinity if row.getLb() is None else row.getLb())
                upper.append(infinity if row.getUb() is None else row.getUb())
            model.num_row_ = len(lower)
            model.row_lower_, model.row_upper_ = lower, upper
            model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
            model.a_matrix_.start_, model.a_matrix_.index_, model.a_matrix_.value_ = starts, indices, values
            if self.mip and any(var.cat == pulp.LpInteger for var in variables):
                model.integrality_ = [
                    highspy.HighsVarType.kInteger if var.cat == pulp.LpInteger else highspy.HighsVarType.kContinuous
                    for var in variables
                ]
            lp.solverModel.passModel(model)


class HighsBackend(Backend):
    name = "HiGHS"
    precision = 1e-9  # in-process: full doubles

    def available(self) -> bool:
        return highspy is not None and bool(pulp.HiGHS(msg=False).available())

    def solver(self, deadline: Deadline, interior_point: bool) -> pulp.LpSolver:
        # Presolve finds little to remove in these models and costs more than it saves.
        options = {"solver": "ipm"} if interior_point else {"presolve": "off"}
        return BulkHiGHS(deadline, **options)

    def dual_sign(self, sense: int) -> int:
        # PuLP hands HiGHS a maximisation as "minimise -objective", so HiGHS's duals
        # are for that negated objective.
        return -1 if sense == pulp.LpMaximize else 1

    def stopped_on_time(self, prob: pulp.LpProblem) -> bool:
        return prob.solverModel.getModelStatus() == highspy.HighsModelStatus.kTimeLimit

    def solver_seconds(self, prob: pulp.LpProblem, wall: float) -> float:
        return float(prob.solverModel.getRunTime())


class CbcBackend(Backend):
    name = "CBC"
    precision = 1e-7  # its solution file keeps 8 significant digits

    def _path(self) -> str:
        # A cbc on PATH wins; otherwise the binary PuLP ships (reading the class
        # attribute does not instantiate the deprecated class).
        return shutil.which("cbc") or pulp.PULP_CBC_CMD.pulp_cbc_path

    def available(self) -> bool:
        return bool(pulp.COIN_CMD(msg=False, path=self._path()).available())

    def solver(self, deadline: Deadline, interior_point: bool) -> pulp.LpSolver:
        return pulp.COIN_CMD(msg=False, path=self._path(), timeLimit=deadline.remaining())

    def dual_sign(self, sense: int) -> int:
        return 1  # CBC reports d(objective)/d(rhs) in the problem's own sense

    def stopped_on_time(self, prob: pulp.LpProblem) -> bool:
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


def run(prob: pulp.LpProblem, backend: Backend, deadline: Deadline) -> Run:
    """Solve and classify the answer by PuLP's named statuses: only a proven optimum is optimal."""
    deadline.check()
    interior_point = prob.sense == pulp.LpMinimize and prob.numVariables() > IPM_ABOVE
    started = time.perf_counter()
    try:
        prob.solve(backend.solver(deadline, interior_point))
    except pulp.PulpSolverError as error:
        raise SolverError(f"{backend.name} failed: {error}") from None
    wall = time.perf_counter() - started
    seconds = backend.solver_seconds(prob, wall)
    if prob.sol_status == pulp.LpSolutionOptimal:
        return Run(Outcome.OPTIMAL, wall, seconds)
    if prob.status == pulp.LpStatusInfeasible:
        return Run(Outcome.INFEASIBLE, wall, seconds)
    if deadline.seconds is not None and backend.stopped_on_time(prob):
        return Run(Outcome.TIME_LIMIT, wall, seconds)
    raise SolverError(f"{backend.name} stopped without an answer: {pulp.LpStatus[prob.status]}")
