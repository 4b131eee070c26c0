"""Small builders for allocation problems in tests (plain dicts, as the contract has them)."""

from __future__ import annotations

from typing import Any

from planner import Result, parse_problem, solve

DIMENSIONS = ("region", "priority", "program_type")


def key(cell_id: str) -> dict[str, str]:
    """ "AF/protection" -> {"region": "AF", "priority": "protection"}."""
    return dict(zip(DIMENSIONS, cell_id.split("/"), strict=False))


def cell(cell_id: str, *segments: tuple[float | None, float], **fields: Any) -> dict[str, Any]:
    """A cell; each segment is (upto, weight)."""
    data: dict[str, Any] = {"key": key(cell_id), **fields}
    if segments:
        data["value"] = [{"upto": upto, "weight": weight} for upto, weight in segments]
    return data


def fund(fund_id: str, available: float, spend: str = "up_to", **fields: Any) -> dict[str, Any]:
    return {"id": fund_id, "available": available, "spend": spend, **fields}


def problem(
    cells: list[dict[str, Any]],
    funds: list[dict[str, Any]],
    rules: list[dict[str, Any]] | None = None,
    objective: str = "value",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "format": "allocation-problem/1",
        "objective": objective,
        "cells": cells,
        "funds": funds,
        "rules": rules or [],
        **extra,
    }


def run(data: dict[str, Any], solver: str | None = None, **options: Any) -> Result:
    return solve(parse_problem(data), solver, **options)


def amounts(result: Result) -> dict[tuple[str, str], int]:
    """(cell id, fund id) -> dollars, for the non-zero allocations."""
    return {("/".join(v for _, v in a.key), a.fund): a.amount for a in result.allocations}


def totals(result: Result) -> dict[str, int]:
    return {"/".join(v for _, v in c.key): c.total for c in result.cells}


def binding(result: Result) -> dict[tuple[str, str, str], float | None]:
    """(kind, id, side) -> shadow price, for the binding constraints."""
    return {(b.kind, b.id, b.side): b.shadow_price for b in result.binding}


SOLVERS = ("highs", "cbc")
