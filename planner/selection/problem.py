"""The proposal-selection problem (``selection-problem/1``): immutable dataclasses and their parser.

``parse_selection`` is the only way in: it checks everything the contract says and raises
``InvalidProblem(field, message)`` naming the first offending field. Beyond the contract
it refuses what would make the answer ambiguous: negative scores (the objective is "the
most score"), scores with more than six decimal places (they are compared exactly, as
integers), duplicate ids, ids in must_fund or exclude that no proposal has, a proposal in
both, and a rule that sets no bound.

``SelectionProblem.limits`` lists every limit the selection must keep, the budget first,
each with the proposals it covers: the model, the binding report, the reasons and the
least relaxation all read them, so each rule is written down once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from planner.errors import InvalidProblem
from planner.fields import REQUIRED, Obj, as_text, read_json_file
from planner.money import dollars

FORMAT = "selection-problem/1"
SCORE_DECIMALS = 6  # scores are compared as integers: score * 10**decimals
_MAX_SCORE_UNITS = 2**50  # the total of the integer scores stays exact in a double

Key = tuple[tuple[str, str], ...]  # (dimension, value) pairs in the order given
Filter = tuple[tuple[str, frozenset[str]], ...]  # (dimension, accepted values)
Side = Literal["min_amount", "max_amount", "min_count", "max_count"]
SIDES: tuple[Side, ...] = ("min_amount", "max_amount", "min_count", "max_count")


@dataclass(frozen=True)
class Proposal:
    id: str
    cost: Decimal
    score: Decimal
    key: Key = ()
    label: str = ""


@dataclass(frozen=True)
class SelectionRule:
    id: str
    label: str
    where: Filter = ()
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_count: int | None = None
    max_count: int | None = None


@dataclass(frozen=True)
class SelectionOptions:
    time_limit_s: float | None = None
    gap: Decimal = Decimal(0)  # relative gap on the total score at which a selection counts as optimal


@dataclass(frozen=True)
class Limit:
    """One bound the selection must keep: the budget, or one side of a rule."""

    id: str  # the rule id, or "budget"
    kind: Literal["budget", "rule"]
    label: str
    side: Side
    members: tuple[int, ...]  # indices of the proposals it covers, in input order
    bound: Decimal  # dollars (amount sides) or proposals (count sides)

    @property
    def upper(self) -> bool:
        return self.side.startswith("max")

    @property
    def amount(self) -> bool:
        return self.side.endswith("amount")

    def activity(self, costs: list[Decimal], chosen: set[int] | frozenset[int]) -> Decimal:
        """What the chosen proposals put against it: dollars, or a number of proposals."""
        if self.amount:
            return sum((costs[i] for i in self.members if i in chosen), Decimal(0))
        return Decimal(sum(1 for i in self.members if i in chosen))

    def shortfall(self, activity: Decimal) -> Decimal:
        """How far ``activity`` is from keeping the limit (0 when it holds)."""
        return max(activity - self.bound if self.upper else self.bound - activity, Decimal(0))

    def describe(self, amount: Decimal) -> str:
        """``$1,000`` or ``3 proposals``, in this limit's unit."""
        if self.amount:
            return dollars(amount)
        return f"{amount} proposal{'' if amount == 1 else 's'}"


@dataclass(frozen=True)
class SelectionProblem:
    proposals: tuple[Proposal, ...]
    budget: Decimal
    rules: tuple[SelectionRule, ...] = ()
    must_fund: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    options: SelectionOptions = SelectionOptions()
    name: str = ""

    @cached_property
    def index(self) -> dict[str, int]:
        return {proposal.id: i for i, proposal in enumerate(self.proposals)}

    @cached_property
    def limits(self) -> tuple[Limit, ...]:
        """The budget, then each rule's sides in the order min_amount, max_amount, min_count, max_count."""
        everyone = tuple(range(len(self.proposals)))
        found = [Limit("budget", "budget", f"Budget of {dollars(self.budget)}", "max_amount", everyone, self.budget)]
        for rule in self.rules:
            members = self.covered_by(rule.where)
            for side in SIDES:
                bound = getattr(rule, side)
                if bound is not None:
                    found.append(Limit(rule.id, "rule", rule.label, side, members, Decimal(bound)))
        return tuple(found)

    @cached_property
    def _holding(self) -> dict[tuple[str, str], list[int]]:
        """(dimension, value) -> the proposals whose key has it."""
        holding: dict[tuple[str, str], list[int]] = {}
        for i, proposal in enumerate(self.proposals):
            for pair in proposal.key:
                holding.setdefault(pair, []).append(i)
        return holding

    def covered_by(self, where: Filter) -> tuple[int, ...]:
        """The proposals whose value in every dimension ``where`` names is one it accepts."""
        covered: set[int] | None = None
        for dimension, accepted in where:
            having = {i for value in accepted for i in self._holding.get((dimension, value), ())}
            covered = having if covered is None else covered & having
        return tuple(range(len(self.proposals))) if covered is None else tuple(sorted(covered))

    @cached_property
    def score_decimals(self) -> int:
        """The fewest decimal places that write every score exactly."""
        return max((_decimals(proposal.score) for proposal in self.proposals), default=0)

    def score_units(self) -> list[int]:
        """Each score as an exact integer: score * 10**score_decimals."""
        factor = Decimal(10) ** self.score_decimals
        return [int(proposal.score * factor) for proposal in self.proposals]

    @cached_property
    def money_decimals(self) -> int:
        """The fewest decimal places that write every amount (cost, budget, rule bound) exactly."""
        amounts = [proposal.cost for proposal in self.proposals] + [self.budget]
        amounts += [limit.bound for limit in self.limits if limit.amount]
        return max(_decimals(amount) for amount in amounts)


def load_selection(path: str | Path) -> SelectionProblem:
    return parse_selection(read_json_file(path))


def parse_selection(data: Any) -> SelectionProblem:
    top = Obj(
        data, "", frozenset({"format", "name", "proposals", "budget", "rules", "must_fund", "exclude", "options"})
    )
    if top.raw("format") != FORMAT:
        raise InvalidProblem("format", f"must be '{FORMAT}'")
    name = top.raw("name", "")
    if not isinstance(name, str):
        raise InvalidProblem("name", "must be a string")
    items = top.list("proposals", REQUIRED, allow_empty=False)
    proposals = tuple(_parse_proposal(item, f"proposals[{i}]") for i, item in enumerate(items))
    _check_unique_ids([proposal.id for proposal in proposals], "proposals")
    _check_scores(proposals)
    budget = top.money("budget", REQUIRED)
    rules = tuple(_parse_rule(item, f"rules[{i}]") for i, item in enumerate(top.list("rules", [])))
    _check_unique_ids([rule.id for rule in rules], "rules")
    if any(rule.id == "budget" for rule in rules):
        i = next(i for i, rule in enumerate(rules) if rule.id == "budget")
        raise InvalidProblem(f"rules[{i}].id", "'budget' is reserved for the budget")
    ids = frozenset(proposal.id for proposal in proposals)
    must_fund = _parse_ids(top.list("must_fund", []), "must_fund", ids)
    exclude = _parse_ids(top.list("exclude", []), "exclude", ids)
    for j, proposal_id in enumerate(top.list("exclude", [])):
        if proposal_id in must_fund:
            raise InvalidProblem(f"exclude[{j}]", f"'{proposal_id}' is also in must_fund")
    options = _parse_options(top.raw("options", {}), "options")
    return SelectionProblem(proposals, budget, rules, must_fund, exclude, options, name)


def _parse_proposal(data: Any, path: str) -> Proposal:
    obj = Obj(data, path, frozenset({"id", "label", "cost", "score", "key"}))
    proposal_id = obj.text("id", REQUIRED)
    cost = obj.money("cost", REQUIRED)
    score = obj.number("score", REQUIRED)
    if _decimals(score) > SCORE_DECIMALS:
        raise InvalidProblem(obj.field("score"), f"must have at most {SCORE_DECIMALS} decimal places")
    key = _parse_key(obj.raw("key", {}), obj.field("key"))
    return Proposal(proposal_id, cost, score, key, obj.text("label", proposal_id))


def _parse_key(data: Any, path: str) -> Key:
    if not isinstance(data, Mapping):
        raise InvalidProblem(path, "must be an object of dimension: value")
    return tuple((str(dimension), as_text(value, f"{path}.{dimension}")) for dimension, value in data.items())


_BOUNDS = ", ".join(SIDES)


def _parse_rule(data: Any, path: str) -> SelectionRule:
    obj = Obj(data, path, frozenset({"id", "label", "where", *SIDES}))
    rule_id = obj.text("id", REQUIRED)
    where = obj.filter("where")
    low, high = obj.money("min_amount"), obj.money("max_amount")
    fewest, most = _count(obj, "min_count"), _count(obj, "max_count")
    if low is None and high is None and fewest is None and most is None:
        raise InvalidProblem(path, f"must set at least one of {_BOUNDS}")
    if low is not None and high is not None and high < low:
        raise InvalidProblem(obj.field("max_amount"), f"must not be less than min_amount ({low})")
    if fewest is not None and most is not None and most < fewest:
        raise InvalidProblem(obj.field("max_count"), f"must not be less than min_count ({fewest})")
    return SelectionRule(rule_id, obj.text("label", rule_id), tuple(where.items()), low, high, fewest, most)


def _count(obj: Obj, name: str) -> int | None:
    number = obj.number(name)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise InvalidProblem(obj.field(name), "must be a whole number of proposals")
    return int(number)


def _parse_ids(items: list[Any], path: str, known: frozenset[str]) -> frozenset[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        proposal_id = as_text(item, f"{path}[{i}]")
        if proposal_id not in known:
            raise InvalidProblem(f"{path}[{i}]", f"no proposal has the id '{proposal_id}'")
        if proposal_id in seen:
            raise InvalidProblem(f"{path}[{i}]", f"repeats '{proposal_id}'")
        seen.add(proposal_id)
    return frozenset(seen)


def _parse_options(data: Any, path: str) -> SelectionOptions:
    obj = Obj(data, path, frozenset({"time_limit_s", "gap"}))
    seconds = obj.number("time_limit_s")
    if seconds is not None and seconds <= 0:
        raise InvalidProblem(obj.field("time_limit_s"), "must be a positive number of seconds")
    gap = obj.number("gap", Decimal(0))
    if gap >= 1:
        raise InvalidProblem(obj.field("gap"), "must be a fraction below 1 (0.01 means 1%)")
    return SelectionOptions(None if seconds is None else float(seconds), gap)


def _check_unique_ids(ids: list[str], path: str) -> None:
    seen: dict[str, int] = {}
    for i, item_id in enumerate(ids):
        first = seen.setdefault(item_id, i)
        if first != i:
            raise InvalidProblem(f"{path}[{i}].id", f"repeats the id of {path}[{first}] ('{item_id}')")


def _check_scores(proposals: tuple[Proposal, ...]) -> None:
    decimals = max(_decimals(proposal.score) for proposal in proposals)
    total = sum(proposal.score for proposal in proposals) * Decimal(10) ** decimals
    if total > _MAX_SCORE_UNITS:
        raise InvalidProblem("proposals", "the scores add up to more than can be compared exactly; scale them down")


def _decimals(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
