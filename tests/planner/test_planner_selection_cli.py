"""``python -m planner select``: exit statuses 0/1/2, clean JSON on stdout, one line on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_planner_selection_helpers import hard_problem, problem, proposal, rule

ROOT = Path(__file__).resolve().parents[2]

FEASIBLE = problem(
    [proposal("A", 100, 6), proposal("B", 50, 9, "EAP"), proposal("C", 50, 8, "EAP")],
    150,
    [rule("eap-max", {"region": ["EAP"]}, max_amount=60)],
)
INFEASIBLE = problem([proposal("A", 100, 9), proposal("B", 50, 8)], 100, must_fund=["A", "B"])


def _select(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", "planner", "select", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def _write(tmp_path: Path, data: Any, name: str = "proposals.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_optimal_exits_0_with_only_json_on_stdout(tmp_path: Path, solver: str) -> None:
    done = _select(_write(tmp_path, FEASIBLE), "--solver", solver)
    assert (done.returncode, done.stderr) == (0, "")
    result = json.loads(done.stdout)  # nothing but JSON: no solver banner
    assert result["format"] == "selection-result/1"
    assert result["status"] == "optimal"
    assert result["solver"]["name"] == {"highs": "HiGHS", "cbc": "CBC"}[solver]
    # EAP may have $60, so one of B and C: A + B (15) is the best.
    assert result["selected"] == ["A", "B"]
    assert result["objective"] == 15
    assert result["unfunded"] == [{"id": "C", "score": 8, "reason": "eap-max"}]


def test_infeasible_exits_1_with_the_least_relaxation(tmp_path: Path) -> None:
    done = _select(_write(tmp_path, INFEASIBLE))
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["status"] == "infeasible"
    assert result["conflicts"] == [
        {
            "id": "budget",
            "kind": "budget",
            "label": "Budget of $100",
            "side": "max_amount",
            "relaxed_by": 50,
            "unit": "dollars",
        }
    ]


def test_time_limit_exits_1(tmp_path: Path) -> None:
    # A limit that has passed before the worker can start, so the outcome can't depend on
    # the machine's speed (stopping a running solve: test_planner_selection_time_limit.py).
    path = _write(tmp_path, hard_problem())
    done = _select(path, "--time-limit", "1e-9")
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "time_limit"
    assert result["selected"] == []
    assert "ran out before any selection was found" in result["messages"][-1]


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = _select(_write(tmp_path, FEASIBLE), "-o", out)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert json.loads(out.read_text())["status"] == "optimal"


def _refused(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_invalid_input_exits_2_with_one_line_naming_the_field(tmp_path: Path) -> None:
    data = json.loads(json.dumps(FEASIBLE))
    data["proposals"].append(proposal("D", 10, 1))
    data["proposals"][3]["cost"] = -5
    assert _refused(_select(_write(tmp_path, data))) == "proposals[3].cost: must not be negative"


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({"must_fund": ["Z"]}, "must_fund[0]: no proposal has the id 'Z'"),
        ({"must_fund": ["A"], "exclude": ["A"]}, "exclude[0]: 'A' is also in must_fund"),
        ({"format": "allocation-problem/1"}, "format: must be 'selection-problem/1'"),
    ],
)
def test_more_refusals(tmp_path: Path, change: dict[str, Any], line: str) -> None:
    assert _refused(_select(_write(tmp_path, {**FEASIBLE, **change}))) == line


def test_unreadable_input_and_bad_arguments_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    assert _refused(_select(missing)) == f"{missing}: cannot be read (No such file or directory)"
    path = _write(tmp_path, "{not json")
    assert _refused(_select(path)).startswith(f"{path}: not valid JSON (line 1, column 2")
    good = _write(tmp_path, FEASIBLE, "good.json")
    assert _refused(_select(good, "--time-limit", "-1")) == "--time-limit: must be a positive number of seconds"
    assert _refused(_select(good, "--solver", "glpk")).startswith("planner select: argument --solver: invalid choice")
