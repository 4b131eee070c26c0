"""The reference for bench_planner.py: the planner's LP written straight in highspy.

    python bench/raw_highspy_allocation.py problem.json result.json
    python -c "...; import raw_highspy_allocation; raw_highspy_allocation.main()" problem.json result.json

Reads an allocation-problem/1 file with the json module (floats), builds the same LP as
planner/allocation/model.py (the same columns, rows and objective: one variable per
(group of alike cells, fund), value pieces per cell, one sum variable per shared sum),
hands it to HiGHS in one passModel call with numpy arrays, solves it with the options
the planner would choose, and writes the allocation per (cell, fund) as JSON. No
validation, no rounding to whole dollars, no explanations: what a person who knows the
model would write by hand. It imports nothing from planner/, so it measures highspy
alone; its objective must equal the planner's (bench_planner.py checks).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

import highspy
import numpy as np

TIE_BREAK = 1e-6
IPM_ABOVE = 50_000
DUST = 1e-7


def value_pieces(cell: dict) -> tuple[list, float]:
    pieces, start = [], 0.0
    for segment in cell.get("value", []):
        if segment["weight"] <= 0:
            break
        upto = segment.get("upto")
        pieces.append((None if upto is None else upto - start, float(segment["weight"])))
        if upto is None:
            return pieces, 0.0
        start = upto
    return [*pieces, (None, 0.0)], 0.0


def target_pieces(cell: dict) -> tuple[list, float]:
    target, penalty = cell.get("target"), cell.get("penalty", 1)
    if target is None or penalty == 0:
        return [(None, 0.0)], 0.0
    return [(target, -penalty), (None, penalty)], penalty * target


def capped(pieces: list, cap: float | None) -> list:
    if cap is None:
        return [piece for piece in pieces if piece[0] != 0]
    cut, start = [], 0.0
    for width, weight in pieces:
        if width == 0:
            continue
        if width is not None and width <= cap - start:
            cut.append((width, weight))
            start += width
            continue
        cut.append((cap - start, weight))
        break
    return cut


def scale_of(problem: dict) -> int:
    amounts = [fund["available"] for fund in problem["funds"]]
    for cell in problem["cells"]:
        amounts += [cell.get("min", 0), cell.get("max") or 0, cell.get("target") or 0]
        amounts += [s["upto"] for s in cell.get("value", []) if s.get("upto") is not None]
    for rule in problem.get("rules", []):
        amounts += [rule.get("min") or 0, rule.get("max") or 0]
    largest = max(amounts, default=0)
    return 10 ** max(0, len(str(int(largest))) - 5) if largest >= 1 else 1


def solve(problem: dict) -> dict:
    cells, funds, rules = problem["cells"], problem["funds"], problem.get("rules", [])
    maximise = problem["objective"] == "value"
    scale = scale_of(problem)

    index: dict = defaultdict(lambda: defaultdict(set))
    for c, cell in enumerate(cells):
        for dimension, value in cell["key"].items():
            index[dimension][value].add(c)
    everything = set(range(len(cells)))

    def matching(where: dict) -> set:
        found = everything
        for dimension, accepted in where.items():
            if dimension != "fund":
                values = index.get(dimension, {})
                found = found & set().union(*(values.get(value, set()) for value in accepted))
        return found

    eligible = [matching(fund.get("eligible", {})) for fund in funds]
    matched = [matching(rule.get("where", {})) for rule in rules]
    members: dict = defaultdict(list)
    for c, cell in enumerate(cells):
        own = tuple(f for f in range(len(funds)) if c in eligible[f])
        if own:
            ruled = tuple(r for r in range(len(rules)) if c in matched[r])
            members[(own, ruled, c if cell.get("min", 0) > 0 else None)].append(c)
    groups = [(signature[0], group) for signature, group in members.items()]
    group_of = {c: g for g, (_, group) in enumerate(groups) for c in group}

    lower: list[float] = []
    upper: list[float] = []
    cost: list[float] = []
    stated: list[float] = []  # the objective without the tie-break

    def column(low: float, high: float, weight: float = 0.0, counted: float = 0.0) -> int:
        lower.append(low)
        upper.append(high)
        cost.append(weight)
        stated.append(counted)
        return len(lower) - 1

    inf = highspy.kHighsInf
    gift = {(g, f): column(0.0, inf) for g, (own, _) in enumerate(groups) for f in own}

    row_lower: list[float] = []
    row_upper: list[float] = []
    starts, indices, values = [0], [], []

    def row(terms: list, low: float, high: float) -> None:
        for j, a in terms:
            indices.append(j)
            values.append(a)
        starts.append(len(indices))
        row_lower.append(low)
        row_upper.append(high)

    pieces_of = value_pieces if maximise else target_pieces
    cell_pieces = [pieces_of(cell) for cell in cells]
    weight_scale = max((abs(w) for pieces, _ in cell_pieces for _, w in pieces), default=0.0) or 1.0
    tie_break = -TIE_BREAK if maximise else TIE_BREAK
    piece_columns: dict[int, list[int]] = {}
    for g, (own, group) in enumerate(groups):
        terms = [(gift[g, f], -1.0) for f in own]
        for c in group:
            pieces = capped(cell_pieces[c][0], cells[c].get("max"))
            piece_columns[c] = []
            for width, weight in pieces:
                high = inf if width is None else width / scale
                j = column(0.0, high, weight / weight_scale, 1.0) if weight else column(0.0, high, tie_break)
                piece_columns[c].append(j)
                terms.append((j, 1.0))
        row(terms, 0.0, 0.0)

    def gifts(cells_in: set, counted: tuple) -> list[int]:
        return [gift[g, f] for g, (own, group) in enumerate(groups) if group[0] in cells_in for f in own if counted[f]]

    sums: dict = {}

    def sum_column(name: object, terms: list[int]) -> int:
        if name not in sums:
            sums[name] = column(0.0, inf)
            row([(sums[name], 1.0)] + [(j, -1.0) for j in terms], 0.0, 0.0)
        return sums[name]

    everyone = tuple(True for _ in funds)
    for f, fund in enumerate(funds):
        counted = tuple(i == f for i in range(len(funds)))
        terms = [(j, 1.0) for j in gifts(everything, counted)]
        rhs = fund["available"] / scale
        row(terms, rhs if fund.get("spend") == "all" else -inf, rhs)
    for c, cell in enumerate(cells):
        if cell.get("min", 0) > 0:
            terms = [(gift[group_of[c], f], 1.0) for f in groups[group_of[c]][0]] if c in group_of else []
            row(terms, cell["min"] / scale, inf)
    counted_funds = []
    for rule in rules:
        allowed = rule.get("where", {}).get("fund")
        counted_funds.append(everyone if allowed is None else tuple(fund["id"] in allowed for fund in funds))
    for r, rule in enumerate(rules):
        for side, low, high in (("min", 1, 0), ("max", 0, 1)):
            amount = rule.get(side)
            if amount is None or (side == "min" and amount <= 0):
                continue
            j = sum_column(("rule", r), gifts(matched[r], counted_funds[r]))
            row([(j, 1.0)], amount / scale if low else -inf, amount / scale if high else inf)
    for r, rule in enumerate(rules):
        for side in ("min_share", "max_share"):
            share = rule.get(side)
            if share is None or (side == "min_share" and share <= 0) or (side == "max_share" and share >= 1):
                continue
            terms = [(sum_column(("rule", r), gifts(matched[r], counted_funds[r])), 1.0)]
            if share:
                base = sum_column(("base", counted_funds[r]), gifts(everything, counted_funds[r]))
                terms.append((base, -share))
            row(terms, 0.0 if side == "min_share" else -inf, inf if side == "min_share" else 0.0)

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    if not maximise and len(lower) > IPM_ABOVE:
        highs.setOptionValue("solver", "ipm")
    else:
        highs.setOptionValue("presolve", "off")
    constant = sum(offset for _, offset in cell_pieces) / scale / weight_scale
    highs.passModel(
        len(lower),
        len(row_lower),
        len(indices),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize),
        constant,
        np.array(cost),
        np.array(lower),
        np.array(upper),
        np.array(row_lower),
        np.array(row_upper),
        np.array(starts, dtype=np.int32),
        np.array(indices, dtype=np.int32),
        np.array(values),
        np.zeros(len(lower), dtype=np.int32),  # every column continuous
    )
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return {"status": str(highs.getModelStatus())}
    x = np.array(highs.getSolution().col_value)
    objective = (float(np.dot(np.array(stated) * np.array(cost), x)) + constant) * scale * weight_scale

    allocations = []
    for g, (own, group) in enumerate(groups):  # each fund's gift to the cells in order (as the planner)
        needs = [float(x[piece_columns[c]].sum()) * scale for c in group]
        given = [float(x[gift[g, f]]) * scale for f in own]
        i = k = 0
        need, left = needs[0], given[0]
        while i < len(needs) and k < len(given):
            amount = min(need, left)
            if amount > 0:
                allocations.append({"key": cells[group[i]]["key"], "fund": funds[own[k]]["id"], "amount": amount})
            need, left = need - amount, left - amount
            if need <= DUST:
                i += 1
                need = needs[i] if i < len(needs) else 0.0
            if left <= DUST:
                k += 1
                left = given[k] if k < len(given) else 0.0
    return {"status": "optimal", "objective": objective, "allocations": allocations}


def main() -> None:
    source, target = sys.argv[-2], sys.argv[-1]
    with open(source, encoding="utf-8") as file:
        problem = json.load(file)
    result = solve(problem)
    with open(target, "w", encoding="utf-8") as file:
        file.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
