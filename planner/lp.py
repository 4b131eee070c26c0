"""A linear program as plain lists: columns, rows, objective; and its solution.

The allocation models (model.py, elastic.py) are written here rather than as PuLP
variables and expressions: they have one column per piece of every cell, and PuLP's
per-variable objects cost more than the solve itself (measured at 3,760 cells: 55 ms
to build them and 15 ms to read them back, against 15 ms in HiGHS; at 200,000 cells,
half a minute). HiGHS takes the lists in one ``passModel`` call; CBC gets a PuLP model
made from them (solvers.py), the same one PuLP was given before, names and all.

Columns are handed over sorted by name, as PuLP does, so that the solver sees the very
model it saw when PuLP built it and comes to the same vertex.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from typing import NamedTuple

INF = math.inf


class LinearProgram:
    def __init__(self, name: str, maximise: bool) -> None:
        self.name = name
        self.maximise = maximise
        self.column_names: list[str] = []
        self.lower: list[float] = []
        self.upper: list[float] = []  # INF: no bound
        self.cost: list[float] = []
        self.row_names: list[str] = []
        self.row_lower: list[float] = []  # -INF: no bound
        self.row_upper: list[float] = []
        self.starts: list[int] = [0]  # row i's terms are indices/values[starts[i]:starts[i + 1]]
        self.indices: list[int] = []
        self.values: list[float] = []

    @property
    def num_columns(self) -> int:
        return len(self.lower)

    def column(self, name: str, lower: float = 0.0, upper: float = INF) -> int:
        self.column_names.append(name)
        self.lower.append(lower)
        self.upper.append(upper)
        self.cost.append(0.0)
        return len(self.lower) - 1

    def columns(self, names: list[str], upper: list[float]) -> range:
        """Columns from 0 to ``upper`` each, at once: a cell's pieces."""
        first = len(self.lower)
        self.column_names += names
        self.lower += [0.0] * len(names)
        self.upper += upper
        self.cost += [0.0] * len(names)
        return range(first, len(self.lower))

    def row(self, name: str, terms: list[tuple[int, float]], sense: str, rhs: float) -> int:
        """``sum(value * column) <sense> rhs`` with sense ``>=``, ``<=`` or ``==``."""
        self.indices += [j for j, _ in terms]
        self.values += [value for _, value in terms]
        self.starts.append(len(self.indices))
        self.row_names.append(name)
        self.row_lower.append(-INF if sense == "<=" else rhs)
        self.row_upper.append(INF if sense == ">=" else rhs)
        return len(self.row_names) - 1

    def row_terms(self, i: int) -> zip:
        start, end = self.starts[i], self.starts[i + 1]
        return zip(self.indices[start:end], self.values[start:end], strict=True)

    def set_objective(self, terms: Iterable[tuple[int, float]]) -> None:
        for j, value in terms:
            self.cost[j] = value

    def sense_of(self, i: int) -> str:
        if self.row_lower[i] == self.row_upper[i]:
            return "=="
        return "<=" if self.row_lower[i] == -INF else ">="

    # To another process (the command's HiGHS child, planner/highs_process.py): the numbers as
    # arrays, pickled as bytes and read by NumPy without a Python object per number (2.6 ms of
    # a 3,760-cell hand-over's 4.6, measured).
    _FLOATS = ("lower", "upper", "cost", "row_lower", "row_upper", "values")
    _INTS = ("starts", "indices")

    def packed(self) -> tuple:
        return (
            self.name,
            self.maximise,
            self.column_names,
            self.row_names,
            *(array("d", getattr(self, name)) for name in self._FLOATS),
            *(array("i", getattr(self, name)) for name in self._INTS),
        )

    @classmethod
    def unpacked(cls, packed: tuple) -> LinearProgram:
        """The program ``packed`` made, its numbers in arrays where lists were: for reading only."""
        name, maximise, column_names, row_names, *numbers = packed
        lp = cls(name, maximise)
        lp.column_names, lp.row_names = column_names, row_names
        for field, values in zip(cls._FLOATS + cls._INTS, numbers, strict=True):
            setattr(lp, field, values)
        return lp


class Solution(NamedTuple):
    """Values and duals by column and row index, as the solver reports them."""

    values: list[float]
    row_duals: list[float | None]
    reduced_costs: list[float | None]

    def value(self, terms: Iterable[tuple[int, float]], constant: float = 0.0) -> float:
        """``constant + sum(value * column)``, summed in the order given (as PuLP does)."""
        total = constant
        values = self.values
        for j, coefficient in terms:
            total += values[j] * coefficient
        return total
