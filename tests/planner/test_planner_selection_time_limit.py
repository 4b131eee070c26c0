"""The time limit on selection is enforced from outside the solver and reported as
time_limit, with the best selection found and its gap; never as optimal."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from test_planner_selection_helpers import hard_problem, run

from planner import SelectionTimeLimitReached, parse_selection
from planner.deadline import Deadline
from planner.selection_explain import Selection
from planner.selection_model import Event, Row, Spec, make_spec, solve_stages
from planner.selection_worker import GRACE, run_stages
from planner.solvers import Outcome


@pytest.fixture(scope="module")
def hard() -> dict[str, Any]:
    return hard_problem()


def test_highs_stops_at_the_limit_with_its_best_selection(hard: dict[str, Any]) -> None:
    started = time.perf_counter()
    result = run(hard, "highs", time_limit=5)
    elapsed = time.perf_counter() - started
    assert result.status == "time_limit"
    assert elapsed < 5 + 2
    assert result.seconds < 5 + 1
    # The best incumbent, checked exactly, with a gap from the solver's bound.
    assert result.selected
    assert result.objective > 0
    assert result.gap is not None
    assert not [m for m in result.messages if m.startswith("Checked exactly")]
    # How far HiGHS gets in 5 s depends on the machine: either the total score is still
    # unproven (a gap from its bound), or it is proven and the cheapest-of-those stage ran out.
    if result.gap > 0:
        assert result.gap < 0.01
        assert (
            "before an optimum was proven; this is the best selection found (no selection scores above"
            in result.messages[-1]
        )
    else:
        assert "score" in result.timings  # the score stage ended: proven
        assert "after the total score was proven the best possible" in result.messages[-1]
    assert {u.reason for u in result.unfunded} <= {"budget", "time_limit"} | {r["id"] for r in hard["rules"]}
    with pytest.raises(SelectionTimeLimitReached):
        result.ensure_optimal()


def test_cbc_is_stopped_with_its_process(hard: dict[str, Any]) -> None:
    started = time.perf_counter()
    result = run(hard, "cbc", time_limit=2)
    assert result.status == "time_limit"
    assert time.perf_counter() - started < 2 + 2
    assert result.gap is None  # CBC's bound does not come back through PuLP
    assert not _running_cbc_of_ours()


def test_the_worker_is_killed_when_it_overruns() -> None:
    # Building the model for 300,000 proposals takes the worker seconds, far past the
    # deadline and the grace: it is killed, and nothing was found.
    n = 300_000
    everyone = tuple(range(n))
    spec = Spec(
        costs=tuple(1.0 + i % 7 for i in range(n)),
        scores=tuple(i % 11 for i in range(n)),
        must=frozenset(),
        excluded=frozenset(),
        rows=(Row(everyone, amount=True, upper=True, bound=n / 3),),
        money_step=1.0,
        gap=0.0,
    )
    started = time.perf_counter()
    progress = run_stages(spec, "highs", Deadline(0.2))
    assert time.perf_counter() - started < 0.2 + GRACE + 1
    assert progress.killed
    assert progress.ended == {}
    assert progress.best == {}


def test_a_limit_on_the_problem_and_an_argument_that_overrides_it() -> None:
    data = hard_problem(2_000)
    data["options"] = {"time_limit_s": 0.001}
    result = run(data)
    assert result.status == "time_limit"
    assert result.selected == ()
    assert result.objective is None
    assert "ran out before any selection was found" in result.messages[-1]
    assert run(data, time_limit=120).status == "optimal"


def test_every_improving_solution_reported_keeps_every_limit() -> None:
    # In this process, without a worker: the events the worker would send.
    problem = parse_selection(hard_problem(2_000, seed=3))
    events: list[Event] = []
    solve_stages(make_spec(problem), "highs", None, events.append)
    assert [(e.stage, e.outcome) for e in events if e.outcome is not None] == [
        ("score", Outcome.OPTIMAL),
        ("cost", Outcome.OPTIMAL),
    ]
    found = [e for e in events if e.chosen is not None]
    assert len(found) > 2
    scores = []
    for event in found:
        selection = Selection(problem, event.chosen or ())
        assert not any(selection.shortfalls())
        if event.stage == "score":
            scores.append(selection.score)
    assert scores == sorted(scores)  # improving: the score never falls


def _running_cbc_of_ours() -> list[str]:
    """Command lines of running processes that work in a planner-select temporary directory."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "planner-select-" in text:
            found.append(text)
    return found
