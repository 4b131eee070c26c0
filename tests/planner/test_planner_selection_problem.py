"""Reading selection-problem/1: what it accepts, and refusals that name the field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from test_planner_selection_helpers import problem, proposal, rule

from planner import InvalidProblem, parse_selection
from planner.fields import load_json
from planner.selection.model import choose_scale, make_spec


def _valid() -> dict[str, Any]:
    proposals = [
        proposal("P-1", 750_000, 87.5, "EAP", priority="protection"),
        proposal("P-2", 1_250_000, 91, "AF", priority="prevention"),
        proposal("P-3", 300_000, 60.25, "AF", priority="protection"),
        proposal("P-4", 2_000_000, 70, "EUR", priority="protection"),
    ]
    rules = [rule("eap-max", {"region": ["EAP"]}, max_amount=6_000_000, min_count=1)]
    return problem(
        proposals, 3_000_000, rules, must_fund=["P-1"], exclude=["P-4"], options={"time_limit_s": 30, "gap": 0.0}
    )


def test_a_valid_problem() -> None:
    parsed = parse_selection(_valid())
    assert [p.id for p in parsed.proposals] == ["P-1", "P-2", "P-3", "P-4"]
    assert parsed.proposals[0].key == (("region", "EAP"), ("priority", "protection"))
    assert parsed.proposals[2].score == Decimal("60.25")
    assert parsed.budget == 3_000_000
    assert parsed.must_fund == {"P-1"}
    assert parsed.exclude == {"P-4"}
    assert parsed.options.time_limit_s == 30.0
    assert parsed.options.gap == 0
    assert parsed.rules[0].label == "eap-max"  # the id when no label is given
    assert [(limit.id, limit.side, limit.members) for limit in parsed.limits] == [
        ("budget", "max_amount", (0, 1, 2, 3)),
        ("eap-max", "max_amount", (0,)),
        ("eap-max", "min_count", (0,)),
    ]
    assert parsed.score_decimals == 2
    assert parsed.score_units() == [8750, 9100, 6025, 7000]


def test_decimal_text_from_json_stays_exact() -> None:
    text = '{"format": "selection-problem/1", "proposals": [{"id": "A", "cost": 0.1, "score": 0.3}], "budget": 0.3}'
    parsed = parse_selection(load_json(text, "p"))
    assert parsed.proposals[0].cost == Decimal("0.1")
    assert parsed.money_decimals == 1


def test_the_model_works_in_scaled_money() -> None:
    parsed = parse_selection(_valid())
    assert choose_scale(parsed) == 100  # the largest amount, $6,000,000, is 60,000 units
    spec = make_spec(parsed)
    assert spec.costs[:2] == (7500.0, 12500.0)
    assert spec.rows[0].bound == 30000.0
    assert spec.rows[2].bound == 1.0  # counts are not scaled
    assert spec.money_step == 0.01  # a dollar
    assert spec.must == {0}
    assert spec.excluded == {3}


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to the valid problem: ``proposals.3.cost`` = value (a missing value deletes)."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        key: Any = int(last) if last.isdigit() else last
        if value is _DELETE:
            del target[key]
        else:
            target[key] = value

    return change


_DELETE = object()


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (_set("format", "selection-problem/2"), "format: must be 'selection-problem/1'"),
        (_set("proposals.3.cost", -1), "proposals[3].cost: must not be negative"),
        (_set("proposals.3.cost", "lots"), "proposals[3].cost: must be an amount in dollars"),
        (_set("proposals.1.score", -5), "proposals[1].score: must not be negative"),
        (_set("proposals.1.score", True), "proposals[1].score: must be a number, not true or false"),
        (_set("proposals.1.score", 1.1234567), "proposals[1].score: must have at most 6 decimal places"),
        (_set("proposals.0.score", _DELETE), "proposals[0].score: is required"),
        (_set("proposals.2.id", "P-1"), "proposals[2].id: repeats the id of proposals[0] ('P-1')"),
        (_set("proposals.2.id", " "), "proposals[2].id: must not be empty"),
        (_set("proposals.0.colour", "red"), "proposals[0].colour: unknown field"),
        (_set("proposals.0.key", ["EAP"]), "proposals[0].key: must be an object of dimension: value"),
        (_set("proposals.0.key.region", 7), "proposals[0].key.region: must be a string"),
        (_set("proposals", []), "proposals: must not be empty"),
        (_set("budget", _DELETE), "budget: is required"),
        (_set("budget", -3), "budget: must not be negative"),
        (_set("must_fund", ["P-9"]), "must_fund[0]: no proposal has the id 'P-9'"),
        (_set("must_fund", ["P-1", "P-1"]), "must_fund[1]: repeats 'P-1'"),
        (_set("exclude", ["P-2", "P-1"]), "exclude[1]: 'P-1' is also in must_fund"),
        (_set("exclude", "P-2"), "exclude: must be a list"),
        (
            _set("rules.0", {"id": "r", "where": {"region": ["AF"]}}),
            "rules[0]: must set at least one of min_amount, max_amount, min_count, max_count",
        ),
        (_set("rules.0.min_count", 1.5), "rules[0].min_count: must be a whole number of proposals"),
        (_set("rules.0.min_count", 7), "rules[0].max_count: must not be less than min_count (7)"),
        (_set("rules.0.min_amount", 7_000_000), "rules[0].max_amount: must not be less than min_amount (7000000)"),
        (_set("rules.0.id", "budget"), "rules[0].id: 'budget' is reserved for the budget"),
        (_set("rules.0.where.region", []), "rules[0].where.region: must not be empty"),
        (_set("rules.0.share", 0.5), "rules[0].share: unknown field"),
        (_set("options.gap", 1), "options.gap: must be a fraction below 1 (0.01 means 1%)"),
        (_set("options.time_limit_s", 0), "options.time_limit_s: must be a positive number of seconds"),
    ],
)
def test_invalid_input_names_the_field(change: Callable[[dict[str, Any]], None], line: str) -> None:
    data = copy.deepcopy(_valid())
    if line.startswith("rules[0].max_count"):
        data["rules"][0]["max_count"] = 3
    change(data)
    with pytest.raises(InvalidProblem) as caught:
        parse_selection(data)
    assert str(caught.value) == line


def test_duplicate_rule_ids() -> None:
    data = _valid()
    data["rules"].append(rule("eap-max", max_count=3))
    with pytest.raises(InvalidProblem, match=r"^rules\[1\]\.id: repeats the id of rules\[0\] \('eap-max'\)$"):
        parse_selection(data)


def test_not_an_object() -> None:
    with pytest.raises(InvalidProblem, match=r"^problem: must be an object$"):
        parse_selection([])
