"""The result and sweep JSON (allocation-result/1, allocation-sweep/1) and the sweep API."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from planner_helpers import cell, fund, problem, run

from planner import InvalidProblem, parse_problem, sweep

RESULT_KEYS = {
    "format",
    "status",
    "objective",
    "allocations",
    "cells",
    "funds",
    "binding",
    "conflicts",
    "messages",
    "solver",
}
DATA = problem(
    [cell("AF/protection", (10, 2.0), (None, 1.0), max=40), cell("EAP/protection", (None, 1.5))],
    [fund("F", 30.5, "all"), fund("G", 20, label="Fund G")],
)


def test_an_optimal_result_as_json() -> None:
    result = run(DATA).to_json()
    assert set(result) == RESULT_KEYS
    assert result["format"] == "allocation-result/1"
    assert json.loads(json.dumps(result)) == result  # plain JSON types only
    # Whole dollars everywhere; F's 30.5 cannot all be spent in whole dollars: 30, and a note.
    assert all(isinstance(a["amount"], int) and a["amount"] > 0 for a in result["allocations"])
    assert all(isinstance(c["total"], int) for c in result["cells"])
    assert result["funds"][0] == {"id": "F", "available": 30.5, "allocated": 30, "unallocated": 0.5}
    assert result["cells"][0]["key"] == {"region": "AF", "priority": "protection"}
    assert any(m.startswith("After rounding to whole dollars, fund F (spend_all)") for m in result["messages"])
    assert set(result["solver"]) == {"name", "seconds"}
    for entry in result["binding"]:
        assert set(entry) == {"id", "kind", "label", "side", "shadow_price", "explanation"}


def test_an_infeasible_result_as_json() -> None:
    result = run(problem([cell("AF", min=5)], [fund("F", 1)])).to_json()
    assert set(result) == RESULT_KEYS
    assert (result["status"], result["objective"], result["allocations"]) == ("infeasible", None, [])
    assert result["conflicts"] == [
        {"id": "AF", "kind": "cell_min", "label": "AF: at least $5", "side": "min", "relaxed_by": 4}
    ]


def test_sweep_scales_one_funds_available() -> None:
    curve = sweep(parse_problem(DATA), "G", Decimal("0"), Decimal("1"), 3)
    assert [(point.scale, point.available) for point in curve.points] == [
        (Decimal(0), 0),
        (Decimal("0.5"), 10),
        (Decimal(1), 20),
    ]
    objectives = [point.result.objective for point in curve.points]
    assert objectives == sorted(objectives)  # more money never lowers the value
    data = curve.to_json()
    assert (data["format"], data["fund"]) == ("allocation-sweep/1", "G")
    assert [p["scale"] for p in data["points"]] == [0.0, 0.5, 1.0]
    assert data["points"][1]["result"]["format"] == "allocation-result/1"


def test_the_contracts_default_sweep_has_seven_points() -> None:
    curve = sweep(parse_problem(DATA), "G")
    assert [float(point.scale) for point in curve.points] == pytest.approx([0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3])
    assert [point.available for point in curve.points] == [14, 16, 18, 20, 22, 24, 26]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("X", 0.7, 1.3, 7), "fund: no fund has the id 'X'"),
        (("G", -1, 1.3, 7), "from: must not be negative"),
        (("G", 1.3, 0.7, 7), "to: must not be less than from (1.3)"),
        (("G", 0.7, 1.3, 0), "steps: must be a whole number, at least 1"),
        (("G", "a", 1.3, 7), "from: must be a number"),
    ],
)
def test_sweep_refuses_bad_arguments(arguments: tuple, message: str) -> None:
    with pytest.raises(InvalidProblem) as caught:
        sweep(parse_problem(DATA), *arguments)
    assert str(caught.value) == message
