"""Parsing allocation-problem/1: what it accepts, and one test per refusal message."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from planner_helpers import cell, fund, problem

from planner import InvalidProblem, load_problem, parse_problem
from planner.fields import load_json

CONTRACT_EXAMPLE = {
    "format": "allocation-problem/1",
    "name": "FY2027 INCLE program funds",
    "objective": "value",
    "cells": [
        {
            "key": {"region": "AF", "priority": "protection"},
            "min": 0,
            "max": 9000000,
            "value": [{"upto": 2000000, "weight": 3.0}, {"upto": None, "weight": 1.0}],
            "target": 6000000,
            "penalty": 1.0,
        }
    ],
    "funds": [
        {
            "id": "INCLE-FY27",
            "label": "INCLE FY2027",
            "available": 66000000,
            "spend": "all",
            "eligible": {"priority": ["prosecution", "protection", "prevention", "partnership"]},
        }
    ],
    "rules": [
        {"id": "af-floor", "label": "Not less than $8,000,000 for Africa", "where": {"region": ["AF"]}, "min": 8000000},
        {
            "id": "protection-share",
            "label": "Protection between 30% and 50% of INCLE",
            "where": {"priority": ["protection"], "fund": ["INCLE-FY27"]},
            "min_share": 0.30,
            "max_share": 0.50,
        },
    ],
    "options": {"time_limit_s": 30},
}


def test_the_contract_example_parses_into_exact_values() -> None:
    parsed = parse_problem(CONTRACT_EXAMPLE)
    (only,) = parsed.cells
    assert only.key == (("region", "AF"), ("priority", "protection"))
    assert only.id == "AF/protection"
    assert only.max == Decimal(9000000)
    assert [(s.upto, s.weight) for s in only.value] == [(Decimal(2000000), Decimal("3.0")), (None, Decimal("1.0"))]
    assert parsed.funds[0].spend == "all"
    assert parsed.funds[0].eligible == (
        ("priority", frozenset({"prosecution", "protection", "prevention", "partnership"})),
    )
    share = parsed.rules[1]
    assert share.funds == frozenset({"INCLE-FY27"})
    assert share.where == (("priority", frozenset({"protection"})),)
    assert (share.min_share, share.max_share) == (Decimal("0.3"), Decimal("0.5"))
    assert parsed.options.time_limit_s == 30


def test_defaults() -> None:
    parsed = parse_problem(problem([cell("AF")], [fund("F", 10)]))
    (only,) = parsed.cells
    assert (only.min, only.max, only.value, only.target, only.penalty) == (0, None, (), None, 1)
    assert (parsed.funds[0].label, parsed.funds[0].spend, parsed.funds[0].eligible) == ("F", "up_to", ())
    assert parsed.rules == ()
    assert parsed.options.time_limit_s is None
    assert parsed.name == ""


def test_amounts_may_be_integers_decimals_floats_or_decimal_strings() -> None:
    data = problem([cell("AF", max=1000.5), cell("EAP", max="2000.25"), cell("EUR", max=3)], [fund("F", 10)])
    maxima = [c.max for c in parse_problem(data).cells]
    assert maxima == [Decimal("1000.5"), Decimal("2000.25"), Decimal(3)]


def test_json_text_keeps_decimals_exact() -> None:
    text = json.dumps(problem([cell("AF")], [fund("F", 10)])).replace('"available": 10', '"available": 0.1')
    assert parse_problem(load_json(text, "p.json")).funds[0].available == Decimal("0.1")


def _base() -> dict[str, Any]:
    return problem(
        [cell("AF/protection", (100, 2.0), (None, 1.0), min=0, max=500), cell("EAP/protection", (None, 1.0))],
        [fund("F", 1000, "all")],
        [{"id": "af", "where": {"region": ["AF"]}, "min": 10}],
    )


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting ``value`` at a dotted path such as ``cells.0.min``."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


_DELETE = object()

REFUSALS = [
    ("format", "x", "format: must be 'allocation-problem/1'"),
    ("format", _DELETE, "format: must be 'allocation-problem/1'"),
    ("objective", "max", "objective: must be 'value' or 'targets'"),
    ("objective", _DELETE, "objective: is required"),
    ("name", 5, "name: must be a string"),
    ("cels", [], "cels: unknown field"),
    ("cells", _DELETE, "cells: is required"),
    ("cells", [], "cells: must not be empty"),
    ("cells", "AF", "cells: must be a list"),
    ("cells.0", 7, "cells[0]: must be an object"),
    ("cells.0.maxx", 1, "cells[0].maxx: unknown field"),
    ("cells.0.key", _DELETE, "cells[0].key: is required"),
    ("cells.0.key", {}, "cells[0].key: must be an object of dimension: value, with at least one dimension"),
    ("cells.0.key.region", 5, "cells[0].key.region: must be a string"),
    ("cells.0.key.region", " ", "cells[0].key.region: must not be empty"),
    ("cells.0.key.fund", "F", "cells[0].key.fund: 'fund' is reserved: rules use it for fund ids"),
    (
        "cells.1.key",
        {"priority": "protection", "region": "AF"},
        "cells[1].key: repeats the key of cells[0] (AF/protection)",
    ),
    ("cells.0.min", -1, "cells[0].min: must not be negative"),
    ("cells.0.min", "lots", "cells[0].min: must be an amount in dollars"),
    ("cells.0.min", "1e3", "cells[0].min: must be an amount in dollars"),
    ("cells.0.min", True, "cells[0].min: must be an amount in dollars, not true or false"),
    ("cells.0.min", 600, "cells[0].max: must not be less than min (600)"),
    ("cells.0.max", 10**16, "cells[0].max: is too large (the limit is 10^15)"),
    ("cells.0.value", {"upto": 1}, "cells[0].value: must be a list"),
    ("cells.0.value.0", 3, "cells[0].value[0]: must be an object"),
    ("cells.0.value.0.upto", None, "cells[0].value[0].upto: only the last segment may have no end (null)"),
    ("cells.0.value.1.upto", 100, "cells[0].value[1].upto: must be greater than the previous upto (100)"),
    ("cells.0.value.1.upto", 50, "cells[0].value[1].upto: must be greater than the previous upto (100)"),
    ("cells.0.value.0.upto", 0, "cells[0].value[0].upto: must be greater than the previous upto (0)"),
    ("cells.0.value.0.weight", _DELETE, "cells[0].value[0].weight: is required"),
    ("cells.0.value.0.weight", -1, "cells[0].value[0].weight: must not be negative"),
    ("cells.0.value.1.weight", 2.5, "cells[0].value: weights must not increase"),
    ("cells.0.target", -5, "cells[0].target: must not be negative"),
    ("cells.0.penalty", -1, "cells[0].penalty: must not be negative"),
    ("funds", _DELETE, "funds: is required"),
    ("funds", [], "funds: must not be empty"),
    ("funds.0.id", _DELETE, "funds[0].id: is required"),
    ("funds.0.id", "", "funds[0].id: must not be empty"),
    ("funds.0.available", _DELETE, "funds[0].available: is required"),
    ("funds.0.available", -1, "funds[0].available: must not be negative"),
    ("funds.0.spend", "some", "funds[0].spend: must be 'all' or 'up_to'"),
    ("funds.0.label", 3, "funds[0].label: must be a string"),
    ("funds.0.eligible", ["AF"], "funds[0].eligible: must be an object of dimension: [values]"),
    ("funds.0.eligible", {"region": []}, "funds[0].eligible.region: must not be empty"),
    ("funds.0.eligible", {"region": "AF"}, "funds[0].eligible.region: must be a list"),
    ("funds.0.eligible", {"region": ["AF", 3]}, "funds[0].eligible.region[1]: must be a string"),
    ("funds.0.eligible", {"fund": ["F"]}, "funds[0].eligible.fund: 'fund' is not a cell dimension"),
    ("rules.0.id", _DELETE, "rules[0].id: is required"),
    ("rules.0.min", _DELETE, "rules[0]: must set at least one of min, max, min_share, max_share"),
    ("rules.0.max", 5, "rules[0].max: must not be less than min (10)"),
    ("rules.0.min_share", 1.5, "rules[0].min_share: must be a share between 0 and 1 (0.3 means 30%)"),
    ("rules.0.where", {"fund": ["G"]}, "rules[0].where.fund: no fund has the id 'G'"),
    ("rules.0.where", {"region": "AF"}, "rules[0].where.region: must be a list"),
    ("rules.0.scope", "all", "rules[0].scope: unknown field"),
    ("options", {"time_limit_s": 0}, "options.time_limit_s: must be a positive number of seconds"),
    ("options", {"time_limit_s": "soon"}, "options.time_limit_s: must be a number"),
    ("options", {"threads": 2}, "options.threads: unknown field"),
    ("options", [], "options: must be an object"),
]


@pytest.mark.parametrize(("path", "value", "message"), REFUSALS, ids=[message for _, _, message in REFUSALS])
def test_each_refusal_names_its_field(path: str, value: Any, message: str) -> None:
    data = _base()
    _set(path, value)(data)
    with pytest.raises(InvalidProblem) as caught:
        parse_problem(data)
    assert str(caught.value) == message
    assert caught.value.field == message.split(": ", 1)[0]


def test_the_contracts_example_message_for_increasing_weights() -> None:
    data = _base()
    data["cells"] += [cell(f"C{i}", (None, 1.0)) for i in range(2)]
    data["cells"][3]["value"] = [{"upto": 10, "weight": 1.0}, {"upto": None, "weight": 2.0}]
    with pytest.raises(InvalidProblem, match=r"^cells\[3\]\.value: weights must not increase$"):
        parse_problem(data)


def test_a_repeated_fund_or_rule_id() -> None:
    data = _base()
    data["funds"].append(fund("F", 5))
    with pytest.raises(InvalidProblem, match=r"^funds\[1\]\.id: repeats the id of funds\[0\] \('F'\)$"):
        parse_problem(data)
    data = _base()
    data["rules"].append({"id": "af", "max": 5})
    with pytest.raises(InvalidProblem, match=r"^rules\[1\]\.id: repeats the id of rules\[0\] \('af'\)$"):
        parse_problem(data)


def test_max_share_below_min_share() -> None:
    data = _base()
    data["rules"][0] = {"id": "s", "min_share": 0.5, "max_share": 0.2}
    with pytest.raises(InvalidProblem, match=r"^rules\[0\]\.max_share: must not be less than min_share \(0\.5\)$"):
        parse_problem(data)


def test_not_an_object_at_the_top() -> None:
    with pytest.raises(InvalidProblem, match=r"^problem: must be an object$"):
        parse_problem([])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "p.json: not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes)"),
        ('{"a": NaN}', "p.json: NaN is not a number JSON allows"),
        ('{"a": Infinity}', "p.json: Infinity is not a number JSON allows"),
        ("[" * 100_000 + "]" * 100_000, "p.json: is nested too deeply to be a problem"),
        ("[" + "9" * 5000 + "]", "p.json: not valid JSON (Exceeds the limit (4300 digits)"),
    ],
    ids=["truncated", "nan", "infinity", "nested", "number-past-int"],
)
def test_text_that_is_not_json(text: str, message: str) -> None:
    with pytest.raises(InvalidProblem) as caught:
        load_json(text, "p.json")
    assert str(caught.value).startswith(message)


def test_load_problem_names_a_missing_file(tmp_path: Any) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(InvalidProblem, match=r"nope\.json: cannot be read \(No such file or directory\)$"):
        load_problem(missing)


def test_parsing_never_changes_the_input() -> None:
    data = _base()
    before = copy.deepcopy(data)
    parse_problem(data)
    assert data == before
