"""HiGHS in a process of its own, forked as ``python -m planner solve`` starts.

A cold command spent a fifth of its wall time importing highspy and NumPy (about 50 ms
of 230 at 3,760 cells, measured) before it could read a byte of the problem, with the
machine's second core idle. The command now forks first: the child imports them while
the parent reads the problem and builds the model; then it solves each linear program
the parent sends down a pipe, with the same ``HighsBackend.solve_lp`` a web process
runs in-process, and sends back HiGHS's answer. Same code, same doubles: the same result.

Only the command starts a child (``start_for``); a web or job process imports highspy
once and keeps it. This module imports nothing heavy: it runs before anything else.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import time
from typing import TYPE_CHECKING, BinaryIO, NoReturn

if TYPE_CHECKING:
    from collections.abc import Callable

    from planner.deadline import Deadline
    from planner.lp import LinearProgram
    from planner.solvers import Answer

_PROTOCOL = pickle.HIGHEST_PROTOCOL
_ALLOCATION_COMMANDS = ("solve", "sweep")  # `select` builds MIPs with PuLP, in-process


class HighsChild:
    """The parent's end: a request pipe to the child and an answer pipe back."""

    def __init__(self, pid: int, requests: BinaryIO, answers: BinaryIO) -> None:
        self.pid = pid
        self.requests = requests
        self.answers = answers

    def submit(self, lp: LinearProgram, deadline: Deadline, interior_point: bool) -> Callable[[], Answer]:
        """Send ``lp`` to the child; the function returned waits for its answer."""
        try:
            remaining = deadline.remaining()
            # The end as a time on the clock both processes share, so that time the request
            # waits in the pipe (or for the child's imports) counts against the limit.
            ends = None if remaining is None else time.monotonic() + remaining
            pickle.dump((lp.packed(), ends, interior_point), self.requests, _PROTOCOL)
            self.requests.flush()
        except (OSError, ValueError):  # the child is gone, or the command said it was done
            return self._gone
        return self._answer

    def _answer(self) -> Answer:
        from planner.deadline import OutOfTime
        from planner.errors import SolverError

        try:
            kind, payload = pickle.load(self.answers)  # noqa: S301 - our own child, on a private pipe
        except (EOFError, OSError, pickle.UnpicklingError):
            self._gone()
        if kind == "out_of_time":
            raise OutOfTime
        if kind == "failed":
            raise SolverError(payload)
        return payload

    def _gone(self) -> NoReturn:
        from planner.errors import SolverError

        raise SolverError("HiGHS's process ended without an answer")

    def done(self) -> None:
        """No more solves: the child ends on its own while the parent writes the answer."""
        with contextlib.suppress(OSError):  # a child already gone leaves a broken pipe
            self.requests.close()

    def stop(self) -> None:
        """End the child (idle, or solving for nobody) and reap it, so that nothing of
        this command outlives it."""
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass  # already gone
        self.done()
        self.answers.close()


_running: HighsChild | None = None


def running() -> HighsChild | None:
    """The child this process started, if any."""
    return _running


def start_for(args: list[str]) -> None:
    """Fork the child when the command will solve allocations with HiGHS.

    A guess from the raw arguments, before argparse is even imported: a wrong guess only
    costs an idle child that ``stop`` ends. HiGHS must be installed (else CBC solves, in
    the parent as before), and the platform must fork.
    """
    global _running
    if _running is not None or not args or args[0] not in _ALLOCATION_COMMANDS or not hasattr(os, "fork"):
        return
    if any(arg == "cbc" or arg.endswith("=cbc") for arg in args):
        return
    import importlib.util

    if importlib.util.find_spec("highspy") is None:
        return
    parent = os.getpid()
    made: list[int] = []
    try:
        requests_read, requests_write = os.pipe()
        made += (requests_read, requests_write)
        answers_read, answers_write = os.pipe()
        made += (answers_read, answers_write)
        pid = os.fork()
    except OSError:  # out of processes or descriptors: solve in this process, as before
        for fd in made:
            os.close(fd)
        return
    if pid == 0:
        os.close(requests_write)
        os.close(answers_read)
        _serve(requests_read, answers_write, parent)  # never returns
    os.close(requests_read)
    os.close(answers_write)
    _running = HighsChild(pid, os.fdopen(requests_write, "wb"), os.fdopen(answers_read, "rb"))


def done() -> None:
    """The command has no more to solve (see ``HighsChild.done``)."""
    if _running is not None and not _running.requests.closed:
        _running.done()


def stop() -> None:
    global _running
    if _running is not None:
        _running.stop()
        _running = None


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _serve(requests_fd: int, answers_fd: int, parent: int) -> None:
    """The child: import HiGHS, then answer requests until the parent closes its end."""
    try:
        _end_with(parent)
        # Nothing of the child's may reach the command's streams: stdout is for JSON, and
        # a caller reading stderr to its end must not wait for this process.
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        requests, answers = os.fdopen(requests_fd, "rb"), os.fdopen(answers_fd, "wb")
        from planner.deadline import Deadline, OutOfTime
        from planner.lp import LinearProgram
        from planner.solvers import HighsBackend

        backend = HighsBackend()
        try:
            backend.load()
            unavailable = None
        except Exception as error:  # a broken install: the command says why, in one line
            unavailable = f"HiGHS could not be loaded: {_first_line(error)}"
        while True:
            try:
                packed, ends, interior_point = pickle.load(requests)  # noqa: S301 - from our parent
            except EOFError:
                break
            try:
                if unavailable is not None:
                    reply: tuple[str, object] = ("failed", unavailable)
                else:
                    deadline = Deadline(None if ends is None else ends - time.monotonic())
                    reply = ("answer", backend.solve_lp(LinearProgram.unpacked(packed), deadline, interior_point))
            except OutOfTime:
                reply = ("out_of_time", None)
            except Exception as error:  # any failure is the parent's SolverError
                reply = ("failed", f"HiGHS failed: {_first_line(error)}")
            pickle.dump(reply, answers, _PROTOCOL)
            answers.flush()
    finally:
        os._exit(0)  # never back into the parent's code: the parent's work is its own


def _end_with(parent: int) -> None:
    """On Linux, have the kernel kill the child when the parent dies, however it dies (a
    parent killed mid-solve would otherwise leave HiGHS solving for nobody). Elsewhere
    the child still ends when it finds the pipe closed."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (ImportError, OSError, AttributeError):
        return  # not Linux (or no ctypes)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
