"""The allocation problem (``allocation-problem/1``): immutable records and their parser.

``parse_problem`` is the only way in: it checks everything the contract says and raises
``InvalidProblem(field, message)`` naming the first offending field.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from planner.collector import collector_paused
from planner.errors import InvalidProblem
from planner.fields import REQUIRED, TOO_LARGE, Obj, as_text, read_json_file

if TYPE_CHECKING:
    from pathlib import Path

FORMAT = "allocation-problem/1"

Objective = Literal["value", "targets"]
Spend = Literal["all", "up_to"]
Key = tuple[tuple[str, str], ...]  # (dimension, value) pairs in the order given
Filter = tuple[tuple[str, frozenset[str]], ...]  # (dimension, accepted values)


# NamedTuples, not frozen dataclasses: a problem has thousands of cells and segments,
# which a dataclass takes two to three times as long to make; and a cold `planner solve`
# need not import dataclasses (and inspect) before it hands the model to HiGHS.


class Segment(NamedTuple):
    """Value per dollar (``weight``) up to a cumulative amount (``upto``; None = no end)."""

    upto: Decimal | None
    weight: Decimal


class Cell(NamedTuple):
    """One cell of the grid to fund: its key, bounds, value segments and target."""

    key: Key
    min: Decimal = Decimal(0)
    max: Decimal | None = None
    value: tuple[Segment, ...] = ()
    target: Decimal | None = None
    penalty: Decimal = Decimal(1)

    @property  # not cached: a join costs less than functools' cached_property (a lock) the first time
    def id(self) -> str:
        return "/".join([value for _, value in self.key])  # a list joins faster than a generator


class Fund(NamedTuple):
    """Money to allocate, and the cells it may pay for."""

    id: str
    label: str
    available: Decimal
    spend: Spend = "up_to"
    eligible: Filter = ()


class Rule(NamedTuple):
    """Bounds on what the (cell, fund) pairs its ``where`` matches receive."""

    id: str
    label: str
    where: Filter = ()
    funds: frozenset[str] | None = None  # where.fund; None means every fund
    min: Decimal | None = None
    max: Decimal | None = None
    min_share: Decimal | None = None
    max_share: Decimal | None = None


class Options(NamedTuple):
    """How to solve: the time limit, in seconds (None: no limit)."""

    time_limit_s: float | None = None


class Problem(NamedTuple):
    """An allocation-problem/1 document, checked."""

    objective: Objective
    cells: tuple[Cell, ...]
    funds: tuple[Fund, ...]
    rules: tuple[Rule, ...] = ()
    options: Options = Options()
    name: str = ""

    def fund(self, fund_id: str) -> Fund:
        for fund in self.funds:
            if fund.id == fund_id:
                return fund
        raise KeyError(fund_id)

    def with_available(self, fund_id: str, available: Decimal) -> Problem:
        """A copy with one fund's ``available`` changed (for sensitivity sweeps)."""
        self.fund(fund_id)
        funds = tuple(fund._replace(available=available) if fund.id == fund_id else fund for fund in self.funds)
        return self._replace(funds=funds)


def _closed(properties: dict, required: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


_AMOUNT = {"type": "number", "minimum": 0}
_FILTER = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
_SHARE = {"type": "number", "minimum": 0, "maximum": 1}
# The shape of an allocation-problem/1 document as JSON Schema, for the API document; parse_problem
# checks the rest (unique keys and ids, weights that do not increase, bounds in order).
JSON_SCHEMA = _closed(
    {
        "format": {"type": "string", "enum": [FORMAT]},
        "name": {"type": "string"},
        "objective": {"type": "string", "enum": ["value", "targets"]},
        "cells": {
            "type": "array",
            "minItems": 1,
            "items": _closed(
                {
                    "key": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"}},
                    "min": _AMOUNT,
                    "max": _AMOUNT,
                    "value": {
                        "type": "array",
                        "items": _closed({"upto": {**_AMOUNT, "nullable": True}, "weight": _AMOUNT}, ("weight",)),
                    },
                    "target": _AMOUNT,
                    "penalty": _AMOUNT,
                },
                ("key",),
            ),
        },
        "funds": {
            "type": "array",
            "minItems": 1,
            "items": _closed(
                {
                    "id": {"type": "string", "minLength": 1},
                    "label": {"type": "string"},
                    "available": _AMOUNT,
                    "spend": {"type": "string", "enum": ["all", "up_to"]},
                    "eligible": _FILTER,
                },
                ("id", "available"),
            ),
        },
        "rules": {
            "type": "array",
            "items": _closed(
                {
                    "id": {"type": "string", "minLength": 1},
                    "label": {"type": "string"},
                    "where": _FILTER,
                    "min": _AMOUNT,
                    "max": _AMOUNT,
                    "min_share": _SHARE,
                    "max_share": _SHARE,
                },
                ("id",),
            ),
        },
        "options": _closed({"time_limit_s": {"type": "number", "minimum": 0}}),  # more than zero: parse_problem
    },
    ("format", "objective", "cells", "funds"),
)


def load_problem(path: str | Path) -> Problem:
    return parse_problem(read_json_file(path))


def parse_problem(data: Any) -> Problem:
    with collector_paused():
        return _parse_problem(data)


def _parse_problem(data: Any) -> Problem:
    top = Obj(data, "", frozenset({"format", "name", "objective", "cells", "funds", "rules", "options"}))
    if top.raw("format") != FORMAT:
        raise InvalidProblem("format", f"must be '{FORMAT}'")
    name = top.raw("name", "")
    if not isinstance(name, str):
        raise InvalidProblem("name", "must be a string")
    objective = top.choice("objective", ("value", "targets"), REQUIRED)
    cells = tuple(
        _parse_cell(item, f"cells[{i}]") for i, item in enumerate(top.list("cells", REQUIRED, allow_empty=False))
    )
    _check_unique_keys(cells)
    funds = tuple(
        _parse_fund(item, f"funds[{i}]") for i, item in enumerate(top.list("funds", REQUIRED, allow_empty=False))
    )
    _check_unique_ids([fund.id for fund in funds], "funds")
    fund_ids = frozenset(fund.id for fund in funds)
    rules = tuple(_parse_rule(item, f"rules[{i}]", fund_ids) for i, item in enumerate(top.list("rules", [])))
    _check_unique_ids([rule.id for rule in rules], "rules")
    options = _parse_options(top.raw("options", {}), "options")
    return Problem(objective, cells, funds, rules, options, name)


_CELL_FIELDS = frozenset({"key", "min", "max", "value", "target", "penalty"})
_NOT_QUICK: Any = object()
_ZERO, _ONE = Decimal(0), Decimal(1)
_INT_LIMIT = int(TOO_LARGE)  # ints compared with ints: a tenth of the cost of int against Decimal


def _parse_cell(data: Any, path: str) -> Cell:
    # Most cells are plain: read them quickly, and leave anything else to the careful
    # reader below, which names what is wrong. Both give the same Cell for a valid one.
    cell = _quick_cell(data)
    return cell if cell is not None else _checked_cell(data, path)


def _quick_amount(value: Any) -> Any:
    """A non-negative number as Decimal, as ``as_decimal`` reads it; None stays None;
    _NOT_QUICK for anything that needs a closer look."""
    kind = type(value)
    if kind is int:
        return Decimal(value) if 0 <= value < _INT_LIMIT else _NOT_QUICK
    if kind is Decimal:
        return value if value.is_finite() and _ZERO <= value < TOO_LARGE else _NOT_QUICK
    return None if value is None else _NOT_QUICK


def _quick_cell(data: Any) -> Cell | None:
    if type(data) is not dict or not _CELL_FIELDS.issuperset(data):
        return None
    key = data.get("key")
    if type(key) is not dict or not key or "fund" in key:
        return None
    for value in key.values():
        if type(value) is not str or not value.strip():
            return None
    get = data.get
    low, high = _quick_amount(get("min")), _quick_amount(get("max"))
    target, penalty = _quick_amount(get("target")), _quick_amount(get("penalty"))
    if low is _NOT_QUICK or high is _NOT_QUICK or target is _NOT_QUICK or penalty is _NOT_QUICK:
        return None  # by identity: ``in`` would ask each Decimal, which asks the numbers ABCs
    if low is None:
        low = _ZERO
    if high is not None and high < low:
        return None
    segments = get("value")
    value: tuple[Segment, ...] = ()
    if segments is not None:
        if type(segments) is not list:
            return None
        read: list[Segment] = []
        previous: Decimal | None = _ZERO
        last_weight = None
        for item in segments:
            if type(item) is not dict or not _SEGMENT_FIELDS.issuperset(item) or previous is None:
                return None
            upto, weight = _quick_amount(item.get("upto")), _quick_amount(item.get("weight"))
            if upto is _NOT_QUICK or weight is _NOT_QUICK or weight is None:
                return None
            if (upto is not None and upto <= previous) or (last_weight is not None and weight > last_weight):
                return None
            read.append(Segment(upto, weight))
            previous, last_weight = upto, weight
        value = tuple(read)
    return Cell(tuple(key.items()), low, high, value, target, _ONE if penalty is None else penalty)


def _checked_cell(data: Any, path: str) -> Cell:
    obj = Obj(data, path, frozenset({"key", "min", "max", "value", "target", "penalty"}))
    key = _parse_key(obj.raw("key", REQUIRED), obj.field("key"))
    low = obj.money("min", Decimal(0))
    high = obj.money("max")
    if high is not None and high < low:
        raise InvalidProblem(obj.field("max"), f"must not be less than min ({low})")
    value = _parse_segments(obj.list("value", []), obj.field("value"))
    return Cell(key, low, high, value, obj.money("target"), obj.number("penalty", Decimal(1)))


def _parse_key(data: Any, path: str) -> Key:
    if not isinstance(data, Mapping) or not data:
        raise InvalidProblem(path, "must be an object of dimension: value, with at least one dimension")
    if "fund" in data:
        raise InvalidProblem(f"{path}.fund", "'fund' is reserved: rules use it for fund ids")
    return tuple((dimension, as_text(value, f"{path}.{dimension}")) for dimension, value in data.items())


_SEGMENT_FIELDS = frozenset({"upto", "weight"})


def _parse_segments(items: list[Any], path: str) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    previous: Decimal | None = Decimal(0)
    for i, item in enumerate(items):
        obj = Obj(item, f"{path}[{i}]", _SEGMENT_FIELDS)
        if previous is None:
            raise InvalidProblem(f"{path}[{i - 1}].upto", "only the last segment may have no end (null)")
        upto = obj.money("upto")
        if upto is not None and upto <= previous:
            raise InvalidProblem(obj.field("upto"), f"must be greater than the previous upto ({previous})")
        weight = obj.number("weight", REQUIRED)
        if segments and weight > segments[-1].weight:
            raise InvalidProblem(path, "weights must not increase")
        segments.append(Segment(upto, weight))
        previous = upto
    return tuple(segments)


def _parse_fund(data: Any, path: str) -> Fund:
    obj = Obj(data, path, frozenset({"id", "label", "available", "spend", "eligible"}))
    fund_id = obj.text("id", REQUIRED)
    eligible = obj.filter("eligible")
    if "fund" in eligible:
        raise InvalidProblem(obj.field("eligible.fund"), "'fund' is not a cell dimension")
    return Fund(
        fund_id,
        obj.text("label", fund_id),
        obj.money("available", REQUIRED),
        obj.choice("spend", ("all", "up_to"), "up_to"),
        tuple(eligible.items()),
    )


def _parse_rule(data: Any, path: str, fund_ids: frozenset[str]) -> Rule:
    obj = Obj(data, path, frozenset({"id", "label", "where", "min", "max", "min_share", "max_share"}))
    rule_id = obj.text("id", REQUIRED)
    where = obj.filter("where")
    funds = where.pop("fund", None)
    for fund_id in sorted(funds or ()):
        if fund_id not in fund_ids:
            raise InvalidProblem(obj.field("where.fund"), f"no fund has the id '{fund_id}'")
    low, high = obj.money("min"), obj.money("max")
    low_share, high_share = obj.share("min_share"), obj.share("max_share")
    if low is None and high is None and low_share is None and high_share is None:
        raise InvalidProblem(path, "must set at least one of min, max, min_share, max_share")
    if low is not None and high is not None and high < low:
        raise InvalidProblem(obj.field("max"), f"must not be less than min ({low})")
    if low_share is not None and high_share is not None and high_share < low_share:
        raise InvalidProblem(obj.field("max_share"), f"must not be less than min_share ({low_share})")
    return Rule(rule_id, obj.text("label", rule_id), tuple(where.items()), funds, low, high, low_share, high_share)


def _parse_options(data: Any, path: str) -> Options:
    obj = Obj(data, path, frozenset({"time_limit_s"}))
    seconds = obj.number("time_limit_s")
    if seconds is None:
        return Options()
    if seconds <= 0:
        raise InvalidProblem(obj.field("time_limit_s"), "must be a positive number of seconds")
    return Options(float(seconds))


def _check_unique_keys(cells: tuple[Cell, ...]) -> None:
    seen: dict[frozenset[tuple[str, str]], int] = {}
    for i, cell in enumerate(cells):
        first = seen.setdefault(frozenset(cell.key), i)
        if first != i:
            raise InvalidProblem(f"cells[{i}].key", f"repeats the key of cells[{first}] ({cells[first].id})")


def _check_unique_ids(ids: list[str], path: str) -> None:
    seen: dict[str, int] = {}
    for i, item_id in enumerate(ids):
        first = seen.setdefault(item_id, i)
        if first != i:
            raise InvalidProblem(f"{path}[{i}].id", f"repeats the id of {path}[{first}] ('{item_id}')")
