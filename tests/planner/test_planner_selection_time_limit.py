"""The time limit on selection is enforced from outside the solver and reported as
time_limit, with the best selection found and its gap; never as optimal.

What happens at the deadline is tested with a solve that provably never ends (a stand-in
for the worker's stages, after a real solver's first improving solution) and a deadline
that passes once the stand-in has reported (however long the worker took to start), so no
outcome depends on how fast the machine is."""

from __future__ import annotations

import dataclasses
import importlib
import math
from functools import partial
from pathlib import Path

import pytest
from test_planner_selection_helpers import hard_problem, run, stalled_stages

from planner import SelectionProblem, SelectionTimeLimitReached, parse_selection, select
from planner.deadline import Deadline
from planner.selection.explain import Selection
from planner.selection.model import Event, make_spec, solve_stages
from planner.selection.worker import run_stages, worker_context
from planner.solvers import Outcome, choose_backend

selection_module = importlib.import_module("planner.selection.solve")  # `planner.select` hides the module


def _improving(problem: SelectionProblem) -> list[Event]:
    """The selections a real HiGHS solve reports on the way to its optimum, in order."""
    events: list[Event] = []
    solve_stages(make_spec(problem), "highs", None, events.append)
    found = [e for e in events if e.chosen is not None]
    assert len(found) > 2  # several, so the early ones are not the proven one
    return found


def _first_improving(problem: SelectionProblem) -> Event:
    return _improving(problem)[0]


LIMIT = 120  # seconds: never reached in real time; the deadline passes when the stand-in has reported


class DeadlineOnceReported(Deadline):
    """A deadline whose time has not started until the worker's stand-in solve has sent what it
    found, and is over from then on: the parent waits for the worker however slowly it starts."""

    def __init__(self, seconds: float | None, reported) -> None:
        super().__init__(seconds)
        self.reported = reported

    def elapsed(self) -> float:
        return (self.seconds or 0) + 1 if self.reported.is_set() else 0.0


def _stalling_after(monkeypatch: pytest.MonkeyPatch, found: Event, cbc: str | None = None) -> None:
    """select() runs its worker with a solve that reports ``found`` and then never ends; its
    deadline passes once that is reported."""
    reported = worker_context().Event()
    stages = partial(stalled_stages, found=(found,), cbc=cbc, reported=reported)
    monkeypatch.setattr(selection_module, "run_stages", partial(run_stages, stages=stages))
    monkeypatch.setattr(selection_module, "Deadline", partial(DeadlineOnceReported, reported=reported))


def test_at_the_deadline_the_best_selection_so_far_is_returned_unproven(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = parse_selection(hard_problem(2_000, seed=3))
    first = next(e for e in _improving(problem) if e.bound is not None and math.isfinite(e.bound))
    _stalling_after(monkeypatch, first)

    result = select(problem, "highs", time_limit=LIMIT)

    assert result.status == "time_limit"
    best = Selection(problem, first.chosen or ())
    assert result.selected == best.ids
    assert result.objective == best.score
    assert result.gap is not None  # from the bound HiGHS reported with that solution
    assert result.gap >= 0
    assert "score" not in result.timings  # no stage ended: nothing was proven
    assert not [m for m in result.messages if m.startswith("Checked exactly")]
    assert (
        f"The time limit of {LIMIT} s ran out before an optimum was proven; this is the best selection found"
        in result.messages[-1]
    )
    with pytest.raises(SelectionTimeLimitReached):
        result.ensure_optimal()


def test_a_solution_found_before_any_bound_is_returned_without_a_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    # HiGHS's first heuristic solution may come before its bound (infinite): that was an OverflowError.
    problem = parse_selection(hard_problem(2_000, seed=3))
    first = dataclasses.replace(_first_improving(problem), bound=math.inf)
    _stalling_after(monkeypatch, first)

    result = select(problem, "highs", time_limit=LIMIT)

    assert result.status == "time_limit"
    assert result.selected == Selection(problem, first.chosen or ()).ids
    assert result.gap is None
    assert result.messages[-1].endswith("before an optimum was proven; this is the best selection found.")


def test_at_the_deadline_cbc_is_stopped_with_its_process(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = parse_selection(hard_problem(2_000, seed=3))
    first = dataclasses.replace(_first_improving(problem), bound=None)  # CBC reports no bound
    cbc = choose_backend("cbc").solver(Deadline(None), False).path
    _stalling_after(monkeypatch, first, cbc)

    result = select(problem, "cbc", time_limit=LIMIT)

    assert result.status == "time_limit"
    assert result.selected == Selection(problem, first.chosen or ()).ids  # reported after CBC was waiting
    assert result.gap is None  # CBC's bound does not come back through PuLP
    assert not _running_cbc_of_ours()


def test_the_worker_is_killed_when_it_overruns() -> None:
    # A solve that never ends and never reports: at the deadline plus the grace the worker is
    # killed, and nothing was found.
    spec = make_spec(parse_selection(hard_problem(50)))
    progress = run_stages(spec, "highs", Deadline(0.2), stages=stalled_stages)
    assert progress.killed
    assert progress.ended == {}
    assert progress.best == {}


def test_a_limit_on_the_problem_and_an_argument_that_overrides_it() -> None:
    data = hard_problem(2_000)
    data["options"] = {"time_limit_s": 1e-9}  # passed before the worker starts, however fast the machine
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
