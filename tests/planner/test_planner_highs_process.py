"""``python -m planner solve`` solves in a HiGHS process of its own (planner/highs_process.py).

What a script calling the command would notice: the same answer as a solve in-process, to
the dollar and the word; no process left behind; a one-line refusal when that process dies.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from planner_helpers import cell, fund, problem, run

ROOT = Path(__file__).resolve().parents[2]


def _python(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
        input=stdin,
    )


def _busy_problem(seed: int) -> dict[str, Any]:
    """Several hundred cells with ties, floors, caps, shares and a partly eligible fund."""
    rng = random.Random(seed)
    cells = []
    for region in ("AF", "EAP", "EUR", "NEA", "SCA", "WHA"):
        for n in range(12):
            for priority in ("prosecution", "protection", "prevention"):
                first = rng.randrange(1, 40) * 1_000
                data = cell(
                    "",
                    (first, rng.choice([1.0, 1.5, 2.0])),  # many equal weights: ties to break alike
                    (None, 0.25),
                    max=first + rng.randrange(0, 60) * 1_000,
                    **({"min": 2_000} if rng.random() < 0.05 else {}),
                )
                program_type = rng.choice(["bilateral", "regional"])
                data["key"] = {"region": region, "country": f"{region}{n:02d}", "priority": priority}
                data["key"]["program_type"] = program_type
                cells.append(data)
    funds = [
        fund("INCLE", 3_000_000, "all"),
        fund("ESF", 900_000, eligible={"program_type": ["bilateral"]}),
    ]
    rules = [
        {"id": "af-floor", "where": {"region": ["AF"]}, "min": 600_000},
        {"id": "eur-cap", "where": {"region": ["EUR"]}, "max": 350_000},
        {"id": "prevention-share", "where": {"priority": ["prevention"], "fund": ["INCLE"]}, "min_share": 0.3},
    ]
    return problem(cells, funds, rules)


def _without_timings(result: dict[str, Any]) -> dict[str, Any]:
    return {**result, "solver": {"name": result["solver"]["name"]}}


@pytest.mark.parametrize("seed", [1, 2])
def test_the_command_answers_as_a_solve_in_process_does(tmp_path: Path, seed: int) -> None:
    data = _busy_problem(seed)
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    done = _python("-m", "planner", "solve", str(path), "--solver", "highs")
    assert (done.returncode, done.stderr) == (0, "")
    command = json.loads(done.stdout)
    in_process = json.loads(json.dumps(run(data, "highs").to_json()))
    assert command["status"] == "optimal"
    assert len(command["allocations"]) > 150  # a real answer, not an empty one
    assert len(command["binding"]) > 5
    assert _without_timings(command) == _without_timings(in_process)


def test_an_infeasible_problem_is_explained_through_the_child(tmp_path: Path) -> None:
    # The least relaxation is a second LP, sent to the same child.
    data = problem([cell("AF", (None, 1.0), min=50), cell("EAP", (None, 1.0), min=30)], [fund("F", 60)])
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    done = _python("-m", "planner", "solve", str(path))
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["status"] == "infeasible"
    assert sum(conflict["relaxed_by"] for conflict in result["conflicts"]) == 20


# Run in a fresh interpreter: forking pytest's own process (threads, locks) would test pytest.
CHILD_GONE = """
import json, os, sys
from planner import highs_process
highs_process.start_for(["solve", "problem.json"])
child = highs_process.running()
pid = child.pid
highs_process.done()
highs_process.stop()
try:
    os.kill(pid, 0)
    print("alive")
except ProcessLookupError:
    print("gone")
"""


def test_no_process_outlives_the_command() -> None:
    done = _python("-c", CHILD_GONE)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "gone", "")


NO_CHILD_FOR = """
from planner import highs_process
for args in (["select", "p.json"], ["solve", "p.json", "--solver", "cbc"], ["solve", "p.json", "--solver=cbc"], []):
    highs_process.start_for(args)
    print(highs_process.running() is None)
"""


def test_only_an_allocation_with_highs_starts_a_child() -> None:
    done = _python("-c", NO_CHILD_FOR)
    assert done.stdout.split() == ["True"] * 4, done.stderr


CHILD_DIES = """
import os, signal, sys
from planner import highs_process
highs_process.start_for(["solve", sys.argv[1]])
child = highs_process.running()
os.kill(child.pid, signal.SIGKILL)  # stop() reaps it, as the command does
from planner.cli import main
code = main(["solve", sys.argv[1]])
highs_process.stop()
sys.exit(code)
"""


def test_a_child_that_dies_is_a_solver_failure_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem([cell("AF", (None, 1.0))], [fund("F", 10)])), encoding="utf-8")
    done = _python("-c", CHILD_DIES, str(path))
    assert done.returncode == 3  # the solver failed: not the input's fault
    assert done.stdout == ""
    assert done.stderr.splitlines() == ["planner: HiGHS's process ended without an answer"]
