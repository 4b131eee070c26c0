"""Run the selection's solves in a worker process that can be stopped at the deadline.

HiGHS overruns a MIP's time limit now and then (measured: 4 s past a 60 s limit on
20,000 proposals), and CBC runs as a program of its own, so the time limit is kept from
outside: the stages run in a worker process, which tells this one about every stage's end
and every improving solution as they happen (HiGHS's improving-solution callback). At the
deadline plus ``GRACE`` the worker's process group (CBC included) is killed, and the best
solution already reported stands.

Workers come from multiprocessing's ``forkserver`` where there is one (a clean process
with the planner and the solvers already imported: a worker starts in about 40 ms, where
``spawn`` takes about 0.5 s), else from ``spawn``. Never a plain ``fork``: HiGHS keeps a
pool of threads in any process that has solved with it, and forking a threaded process
can deadlock.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from planner.deadline import Deadline
from planner.errors import SolverError
from planner.selection.model import Event, Spec, Stage, solve_stages
from planner.solvers import Outcome

GRACE = 0.5  # seconds past the deadline that the worker may take to report on its own
_PRELOAD = ["planner.selection.model"]


@dataclass
class Progress:
    """What the worker has reported: each stage's end and its best solution so far."""

    ended: dict[Stage, Event] = field(default_factory=dict)
    best: dict[Stage, Event] = field(default_factory=dict)  # the latest event with a solution
    bounds: dict[Stage, float] = field(default_factory=dict)  # the latest bound on each stage's objective
    killed: bool = False  # stopped from outside at the deadline

    def record(self, event: Event) -> None:
        if event.outcome is not None:
            self.ended[event.stage] = event
        if event.chosen is not None:
            self.best[event.stage] = event
        if event.bound is not None:
            self.bounds[event.stage] = event.bound

    def outcome(self, stage: Stage) -> Outcome | None:
        event = self.ended.get(stage)
        return None if event is None else event.outcome


def run_stages(
    spec: Spec,
    solver: str,
    deadline: Deadline,
    stages: Callable[..., None] = solve_stages,
    on_event: Callable[[Event], None] | None = None,
) -> Progress:
    """Solve in a worker; return what it reported by the end or by the deadline plus GRACE.

    ``on_event`` hears each event as it arrives (a progress bar); whatever it raises stops the
    worker (its process is killed, as at the deadline) and goes on to the caller.

    ``stages`` (``solve_stages``'s signature, importable by the worker) lets a test put a
    solve there that provably never ends, so stopping at the deadline is tested whatever
    the machine's speed."""
    context = worker_context()
    receiver, sender = context.Pipe(duplex=False)
    ends_at = None if deadline.seconds is None else time.monotonic() + (deadline.remaining() or 0.0)
    progress = Progress()
    with tempfile.TemporaryDirectory(prefix="planner-select-") as tmp_dir:
        process = context.Process(
            target=_work, args=(spec, solver, ends_at, sender, tmp_dir, stages), name="planner-select", daemon=True
        )
        process.start()
        sender.close()  # the worker holds the only writing end: its exit ends the stream
        try:
            _listen(receiver, progress, deadline, on_event)
        finally:
            receiver.close()
            _stop(process, progress)
    return progress


def _listen(
    receiver: Connection, progress: Progress, deadline: Deadline, on_event: Callable[[Event], None] | None = None
) -> None:
    while True:
        # Read from the deadline, not the wall clock, so that a test can say when it has passed.
        timeout = None if deadline.seconds is None else max(deadline.seconds + GRACE - deadline.elapsed(), 0.0)
        if not receiver.poll(timeout):
            progress.killed = True
            return
        try:
            kind, payload = receiver.recv()
        except EOFError:
            raise SolverError("the solver's process ended without an answer") from None
        if kind == "event":
            progress.record(payload)
            if on_event is not None:
                on_event(payload)
        elif kind == "error":
            raise SolverError(payload)
        else:  # "done"
            return


def _stop(process: Any, progress: Progress) -> None:
    """Let a worker that has reported its end exit on its own; kill one that has not."""
    if not progress.killed:
        process.join(timeout=1.0)
    if process.is_alive():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if process.pid is not None and os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, signal.SIGKILL)  # the worker and CBC, if it runs one
        process.kill()
    process.join()
    process.close()


def worker_context() -> Any:
    """The multiprocessing context the worker runs in (a fork server where there is one)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Only takes effect when this process starts its fork server, i.e. the first time.
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _work(
    spec: Spec, solver: str, ends_at: float | None, sender: Connection, tmp_dir: str, stages: Callable[..., None]
) -> None:
    """The worker: its own process group (so that CBC dies with it), then the stages."""
    if hasattr(os, "setpgid"):
        os.setpgid(0, 0)

    def send(event: Event) -> None:
        sender.send(("event", event))

    try:
        stages(spec, solver, ends_at, send, tmp_dir)
        sender.send(("done", None))
    except SolverError as error:
        sender.send(("error", str(error)))
    except Exception as error:  # whatever it is, the parent must hear of it
        sender.send(("error", f"the solver's process failed: {type(error).__name__}: {error}"))
    finally:
        sender.close()
