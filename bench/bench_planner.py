"""Benchmark the planner from problem JSON to result JSON, by phase.

Run by hand from the repository root:

    .venv/bin/python bench/bench_planner.py [--solver highs|cbc] [--repeat 3] [--sizes 1,10]
        [--cold-repeat 5] [--large 54]

Problems are synthetic but shaped like the real one: countries in six regional bureaus,
four priorities, five program types (188 x 4 x 5 = 3,760 cells at size 1), three funds
and twenty rules; size 10 has ten times the countries (37,600 cells).
Targets: size 1 under 2 s in all with model building at most half; size 10 under 20 s.

Then the whole command, each run in a cold interpreter: `python -m planner solve` on
size 1 against the reference, bench/raw_highspy_allocation.py (the same LP written
straight in highspy, its objective checked equal to ours), run alternately so that both
see the same load. Target: ratio at most 1.0. And `--large` (54: 203,040 cells) once
each, against the target of 20 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from planner import parse_problem, solve
from planner.fields import load_json

ROOT = Path(__file__).resolve().parent.parent
RUN_REFERENCE = "import sys; sys.path.insert(0, 'bench'); import raw_highspy_allocation; raw_highspy_allocation.main()"

REGIONS = {"AF": 48, "EAP": 27, "EUR": 49, "NEA": 18, "SCA": 13, "WHA": 33}  # 188 countries
PRIORITIES = ["prosecution", "protection", "prevention", "partnership"]
PROGRAM_TYPES = ["bilateral", "regional", "cpc", "ttaa", "eva"]
TIERS = ["Tier 1", "Tier 2", "Tier 2 Watch List", "Tier 3"]


def synthetic_problem(size: int = 1, seed: int = 2027, objective: str = "value") -> dict[str, Any]:
    """An allocation-problem/1 dict with 188 * size countries (3,760 * size cells).

    Every cell has value segments and a target (a planned amount) with a penalty, so the
    same problem serves either objective.
    """
    rng = random.Random(seed)
    countries = [
        (f"{region}{n:04d}", region, rng.choices(TIERS, weights=[2, 5, 3, 1])[0])
        for region, count in REGIONS.items()
        for n in range(count * size)
    ]
    need = {"Tier 1": 0.4, "Tier 2": 1.0, "Tier 2 Watch List": 1.4, "Tier 3": 1.2}
    cells = []
    for country, region, tier in countries:
        for priority in PRIORITIES:
            for program_type in PROGRAM_TYPES:
                weight = round(need[tier] * rng.uniform(0.6, 1.6), 3)
                first = rng.randrange(20, 120) * 1_000
                second = first + rng.randrange(50, 400) * 1_000
                cell: dict[str, Any] = {
                    "key": {"region": region, "country": country, "priority": priority, "program_type": program_type},
                    "max": second + rng.randrange(0, 300) * 1_000,
                    "value": [
                        {"upto": first, "weight": weight},
                        {"upto": second, "weight": round(weight * 0.5, 3)},
                        {"upto": None, "weight": round(weight * 0.1, 3)},
                    ],
                }
                cell["target"] = rng.randrange(5, 60) * 1_000
                cell["penalty"] = round(need[tier], 1)
                if program_type == "cpc" and tier == "Tier 2 Watch List" and rng.random() < 0.2:
                    cell["min"] = 50_000  # a compact partner's committed floor
                cells.append(cell)
    millions = 1_000_000 * size
    funds = [
        {"id": "INCLE-FY27", "label": "INCLE FY2027", "available": 66 * millions, "spend": "all"},
        {
            "id": "INCLE-FY26",
            "label": "INCLE FY2026 carry-over",
            "available": 12 * millions,
            "spend": "all",
            "eligible": {"program_type": ["bilateral", "cpc"]},
        },
        {
            "id": "ESF-FY27",
            "label": "ESF FY2027",
            "available": 25 * millions,
            "spend": "up_to",
            "eligible": {
                "program_type": ["bilateral", "regional", "ttaa"],
                "priority": ["prevention", "partnership", "protection"],
            },
        },
    ]
    floors = {"AF": 16, "EAP": 8, "EUR": 6, "NEA": 5, "SCA": 5, "WHA": 9}
    rules: list[dict[str, Any]] = [
        {
            "id": f"{region.lower()}-floor",
            "label": f"Not less than ${floor},000,000 for {region}",
            "where": {"region": [region]},
            "min": floor * millions,
        }
        for region, floor in floors.items()
    ]
    rules += [
        {
            "id": f"{priority}-share",
            "label": f"{priority.title()} between 15% and 40% of INCLE FY2027",
            "where": {"priority": [priority], "fund": ["INCLE-FY27"]},
            "min_share": 0.15,
            "max_share": 0.40,
        }
        for priority in PRIORITIES
    ]
    rules += [
        {
            "id": f"{program_type}-cap",
            "label": f"{program_type} at most 35% of all funds",
            "where": {"program_type": [program_type]},
            "max_share": 0.35,
        }
        for program_type in PROGRAM_TYPES
    ]
    rules += [
        {"id": "eur-cap", "label": "Europe at most $15M", "where": {"region": ["EUR"]}, "max": 15 * millions},
        {"id": "nea-cap", "label": "Near East at most $12M", "where": {"region": ["NEA"]}, "max": 12 * millions},
        {
            "id": "eva-min",
            "label": "Emergency victim assistance at least $3M",
            "where": {"program_type": ["eva"]},
            "min": 3 * millions,
        },
        {
            "id": "esf-protection",
            "label": "ESF protection at most $6M",
            "where": {"priority": ["protection"], "fund": ["ESF-FY27"]},
            "max": 6 * millions,
        },
        {
            "id": "cpc-incle",
            "label": "Child Protection Compacts at least $4M of INCLE",
            "where": {"program_type": ["cpc"], "fund": ["INCLE-FY27", "INCLE-FY26"]},
            "min": 4 * millions,
        },
    ]
    return {
        "format": "allocation-problem/1",
        "name": f"Synthetic, {len(cells):,} cells",
        "objective": objective,
        "cells": cells,
        "funds": funds,
        "rules": rules,
    }


def measure(text: str, solver: str | None) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    problem = parse_problem(load_json(text, "problem"))
    parsed = time.perf_counter()
    result = solve(problem, solver)
    solved = time.perf_counter()
    output = json.dumps(result.to_json())
    finished = time.perf_counter()
    assert result.status == "optimal", result.messages
    return {
        "cells": len(problem.cells),
        "parse": parsed - started,
        "build": result.timings["build"],
        "solve": result.timings["solve"],
        "solver": result.timings["solver"],
        "finish": result.timings["finish"],
        "solve_call": solved - parsed,
        "to_json": finished - solved,
        "total": finished - started,
        "cpu": time.process_time() - cpu,
        "bytes": len(output),
    }


def cold_run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one process, from its start (the interpreter's own included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def against_raw_highspy(size: int, repeat: int, objective: str) -> dict[str, Any]:
    """Best (wall, CPU) of ``repeat`` cold runs of ours and of the reference, taken in turn.

    Both read their modules' bytecode from a cache (in a temporary folder, filled by one
    untimed run of each), as an installed program does: this machine sets
    PYTHONDONTWRITEBYTECODE, under which every start would compile the planner's sources.
    """
    with tempfile.TemporaryDirectory() as folder:
        env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        problem, ours, raw = (Path(folder) / name for name in ("problem.json", "ours.json", "raw.json"))
        problem.write_text(json.dumps(synthetic_problem(size, objective=objective)), encoding="utf-8")
        # HiGHS, as the reference: the same solver on the same LP.
        planner = [sys.executable, "-m", "planner", "solve", str(problem), "-o", str(ours), "--solver", "highs"]
        # Imported rather than run as a script, so that its bytecode is cached as ours is.
        reference = [sys.executable, "-c", RUN_REFERENCE, str(problem), str(raw)]
        runs: dict[str, list[tuple[float, float]]] = {"ours": [], "raw": []}
        cold_run(planner, env)
        cold_run(reference, env)
        for _ in range(repeat):
            runs["ours"].append(cold_run(planner, env))
            runs["raw"].append(cold_run(reference, env))
        found = json.loads(ours.read_text(encoding="utf-8"))["objective"]
        expected = json.loads(raw.read_text(encoding="utf-8"))["objective"]
    # The same LP, or the comparison means nothing.
    assert abs(found - expected) <= 1e-9 * max(1.0, abs(expected)), (found, expected)
    best = {name: (min(w for w, _ in times), min(c for _, c in times)) for name, times in runs.items()}
    return {"cells": 3_760 * size, "objective": found, **best}


def print_cold(size: int, repeat: int, objective: str, target: str) -> None:
    figures = against_raw_highspy(size, repeat, objective)
    (ours_wall, ours_cpu), (raw_wall, raw_cpu) = figures["ours"], figures["raw"]
    print(
        f"{figures['cells']:>9,} cells, cold process, best of {repeat}: "
        f"python -m planner solve {ours_wall:.3f} s (CPU {ours_cpu:.3f}), "
        f"raw highspy {raw_wall:.3f} s (CPU {raw_cpu:.3f}); "
        f"ratio {ours_wall / raw_wall:.2f} wall, {ours_cpu / raw_cpu:.2f} CPU ({target}); "
        f"objectives equal ({figures['objective']:,.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solver", choices=("highs", "cbc"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="1,10")
    parser.add_argument("--objective", choices=("value", "targets"), default="value")
    parser.add_argument("--cold-repeat", type=int, default=5, help="cold runs of each command (0: skip)")
    parser.add_argument("--large", type=int, default=54, help="size of the large cold run (0: skip)")
    args = parser.parse_args()
    columns = ["cells", "total", "cpu", "parse", "build", "solve", "solver", "finish", "to_json"]
    print(" ".join(f"{name:>7}" for name in columns), " build/total")
    for size in [int(s) for s in args.sizes.split(",")]:
        text = json.dumps(synthetic_problem(size, objective=args.objective))
        runs = [measure(text, args.solver) for _ in range(args.repeat)]
        best = min(runs, key=lambda run: run["total"])
        figures = [f"{best['cells']:>7,}"] + [f"{best[name]:>7.2f}" for name in columns[1:]]
        print(" ".join(figures), f" {best['build'] / best['total']:.0%}")
    print(f"seconds (wall; cpu = this process's CPU time), best of {args.repeat}.")
    print("build = problem to the LP (planner/lp.py); solve = hand-over and solve; solver = inside the solver alone;")
    print("finish = rounding, checks, explanations; json = result.to_json() and json.dumps")
    if args.cold_repeat:
        print_cold(1, args.cold_repeat, args.objective, "target ratio <= 1.0")
    if args.large:
        figures = against_raw_highspy(args.large, 1, args.objective)
        (ours_wall, ours_cpu), (raw_wall, _) = figures["ours"], figures["raw"]
        print(
            f"{figures['cells']:>9,} cells, cold process: python -m planner solve {ours_wall:.2f} s "
            f"(CPU {ours_cpu:.2f}; target < 20 s), raw highspy {raw_wall:.2f} s, ratio {ours_wall / raw_wall:.2f}"
        )


if __name__ == "__main__":
    main()
