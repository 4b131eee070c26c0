"""``python -m planner``: exit statuses 0/1/2, clean JSON on stdout, one line on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from planner_helpers import cell, fund, problem

ROOT = Path(__file__).resolve().parents[2]


def _planner(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", "planner", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def _write(tmp_path: Path, data: Any, name: str = "problem.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


FEASIBLE = problem([cell("AF", (10, 2.0), (None, 1.0)), cell("EAP", (None, 1.5))], [fund("F", 30, "all")])
INFEASIBLE = problem([cell("AF", min=50)], [fund("F", 10)])


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_optimal_exits_0_with_only_json_on_stdout(tmp_path: Path, solver: str) -> None:
    done = _planner("solve", _write(tmp_path, FEASIBLE), "--solver", solver)
    assert (done.returncode, done.stderr) == (0, "")
    result = json.loads(done.stdout)  # nothing but JSON: no solver banner
    assert result["format"] == "allocation-result/1"
    assert result["status"] == "optimal"
    assert result["solver"]["name"] == {"highs": "HiGHS", "cbc": "CBC"}[solver]
    # AF: 10 at 2, then 1 per dollar; EAP 1.5 per dollar: AF 10, EAP 20. Value 20 + 30 = 50.
    assert result["objective"] == pytest.approx(50)
    assert {a["key"]["region"]: a["amount"] for a in result["allocations"]} == {"AF": 10, "EAP": 20}


def test_infeasible_exits_1_with_a_result(tmp_path: Path) -> None:
    done = _planner("solve", _write(tmp_path, INFEASIBLE))
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["status"] == "infeasible"
    assert result["conflicts"] == [
        {"id": "AF", "kind": "cell_min", "label": "AF: at least $50", "side": "min", "relaxed_by": 40}
    ]


def test_time_limit_exits_1(tmp_path: Path) -> None:
    cells = [cell(f"R{i}", (1000 + i, 1.0 + i % 7 / 10), (None, 0.2)) for i in range(3000)]
    done = _planner("solve", _write(tmp_path, problem(cells, [fund("F", 10**7, "all")])), "--time-limit", "1e-9")
    assert done.returncode == 1
    assert json.loads(done.stdout)["status"] == "time_limit"


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = _planner("solve", _write(tmp_path, FEASIBLE), "-o", out)
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
    data = problem([cell(f"C{i}", (None, 1.0)) for i in range(4)], [fund("F", 10)])
    data["cells"][3]["value"] = [{"upto": 5, "weight": 1.0}, {"upto": None, "weight": 2.0}]
    assert _refused(_planner("solve", _write(tmp_path, data))) == "cells[3].value: weights must not increase"


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (
            "{not json",
            "problem.json: not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes)",
        ),
        ("[]", "problem: must be an object"),
        (json.dumps({"format": "allocation-problem/2"}), "format: must be 'allocation-problem/1'"),
    ],
)
def test_unreadable_input_exits_2(tmp_path: Path, content: str, line: str) -> None:
    path = _write(tmp_path, content)
    assert _refused(_planner("solve", path)) == line.replace("problem.json", str(path), 1)


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    assert _refused(_planner("solve", missing)) == f"{missing}: cannot be read (No such file or directory)"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["solve", "p.json", "--solver", "glpk"], "planner solve: argument --solver: invalid choice: 'glpk'"),
        (["solve", "p.json", "--time-limit", "0"], "--time-limit: must be a positive number of seconds"),
        (["sweep", "p.json"], "planner sweep: the following arguments are required: --fund"),
        (["frobnicate"], "planner: argument command: invalid choice: 'frobnicate'"),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str], line: str) -> None:
    _write(tmp_path, FEASIBLE, "p.json")
    done = _planner(*[str(tmp_path / a) if a == "p.json" else a for a in args])
    assert _refused(done).startswith(line)  # argparse words the rest differently across Pythons


def test_sweep(tmp_path: Path) -> None:
    out = tmp_path / "sweep.json"
    done = _planner(
        "sweep", _write(tmp_path, FEASIBLE), "--fund", "F", "--from", "0.5", "--to", "1.5", "--steps", "3", "-o", out
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    curve = json.loads(out.read_text())
    assert curve["format"] == "allocation-sweep/1"
    assert curve["fund"] == "F"
    assert [(p["scale"], p["available"]) for p in curve["points"]] == [(0.5, 15), (1.0, 30), (1.5, 45)]
    # 15: AF 10 at 2 then EAP 5 at 1.5 = 27.5; 30: 50 (above); 45: 50 + 15 * 1.5 = 72.5.
    assert [p["result"]["objective"] for p in curve["points"]] == pytest.approx([27.5, 50, 72.5])


def test_sweep_with_an_unknown_fund_exits_2(tmp_path: Path) -> None:
    assert _refused(_planner("sweep", _write(tmp_path, FEASIBLE), "--fund", "X")) == "fund: no fund has the id 'X'"


def test_sweep_exits_1_when_a_point_is_not_optimal(tmp_path: Path) -> None:
    # At half the money the floor of 20 cannot be met.
    data = problem([cell("AF", (None, 1.0), min=20)], [fund("F", 30)])
    done = _planner("sweep", _write(tmp_path, data), "--fund", "F", "--from", "0.5", "--to", "1", "--steps", "2")
    assert done.returncode == 1
    assert [p["result"]["status"] for p in json.loads(done.stdout)["points"]] == ["infeasible", "optimal"]
