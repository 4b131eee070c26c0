"""``python -m planner solve|sweep|select``: JSON in, JSON out, one line on stderr when refused.

Exit status: 0 optimal; 1 a result that is infeasible or stopped at the time limit
(for sweep: any point); 2 invalid input (one line naming the field); 3 the solver failed.
``select`` reads selection-problem/1 and writes selection-result/1.
"""

from __future__ import annotations

import argparse
import json
import json.encoder
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from planner import highs_process
from planner.collector import collector_paused
from planner.errors import InvalidProblem, SolverError

EXIT_OPTIMAL, EXIT_NOT_OPTIMAL, EXIT_INVALID, EXIT_SOLVER = 0, 1, 2, 3


class _Formatter(argparse.HelpFormatter):
    """argparse's help, as wide as the terminal as ``shutil.get_terminal_size`` reads it.

    argparse makes a formatter for every argument it adds, and its own reads the width
    through shutil, whose import (with bz2 and lzma) cost 2 ms of every cold command.
    """

    def __init__(self, prog: str) -> None:
        try:
            columns = int(os.environ["COLUMNS"])
        except (KeyError, ValueError):
            columns = 0
        if columns <= 0:
            try:
                columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
            except (AttributeError, ValueError, OSError):  # not a terminal, or none
                columns = 80
        super().__init__(prog, width=(columns or 80) - 2)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage block), like every other refusal;
    and the help's width read without shutil, in the command's sub-parsers too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise InvalidProblem(self.prog, message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="planner", description="Allocate funds with a linear program; select proposals with a MIP.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sub: argparse.ArgumentParser, what: str = "allocation-problem/1") -> None:
        sub.add_argument("problem", help=f"{what} JSON file")
        sub.add_argument("-o", "--output", help="write the JSON here instead of stdout")
        sub.add_argument("--solver", choices=("highs", "cbc"), help="default: HiGHS when installed, else CBC")
        sub.add_argument("--time-limit", type=float, metavar="S", help="seconds per solve (overrides the problem's)")

    common(commands.add_parser("solve", help="solve once"))
    sweep_parser = commands.add_parser("sweep", help="solve with one fund's available scaled over a range")
    common(sweep_parser)
    sweep_parser.add_argument("--fund", required=True, help="the fund id to scale")
    sweep_parser.add_argument("--from", dest="low", type=str, default="0.7", help="first scale (default 0.7)")
    sweep_parser.add_argument("--to", dest="high", type=str, default="1.3", help="last scale (default 1.3)")
    sweep_parser.add_argument("--steps", type=int, default=7, help="number of points (default 7)")
    common(
        commands.add_parser("select", help="choose which proposals to fund, each in full or not at all"),
        "selection-problem/1",
    )
    return parser


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send whatever the solver libraries print on fd 1 to /dev/null: stdout is for JSON."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _compact_encoder() -> Callable[[Any], str]:
    """``json.dumps(item)``, with the C encoder made once rather than once per item (that
    making was half the cost of writing a 3,760-cell result)."""
    make = json.encoder.c_make_encoder
    if make is None:  # an interpreter without json's C accelerator
        return json.JSONEncoder().encode
    chunks = make(
        None,  # no check for cycles: results are trees
        json.JSONEncoder().default,
        json.encoder.encode_basestring_ascii,
        None,  # no indent
        ": ",
        ", ",
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan, as json.dumps
    )
    return lambda item: "".join(chunks(item, 0))


def to_text(data: Any, depth: int = 0, compact: Callable[[Any], str] | None = None) -> str:
    """JSON with the top object's fields one per line and each item of their lists on a
    line of its own; anything deeper on that line. As readable as ``indent=2`` for these
    results (one allocation a line), and written by json's C encoder: indenting every
    level is pure Python, a tenth of the whole command's time at 3,760 cells."""
    compact = compact or _compact_encoder()
    pad, inner = "  " * depth, "  " * (depth + 1)
    if depth < 2 and isinstance(data, dict) and data:
        fields = (f"{inner}{compact(str(key))}: {to_text(value, depth + 1, compact)}" for key, value in data.items())
        return "{\n" + ",\n".join(fields) + f"\n{pad}}}"
    if depth < 2 and isinstance(data, list) and data:
        return f"[\n{inner}" + f",\n{inner}".join(map(compact, data)) + f"\n{pad}]"
    return compact(data)


def _write(data: dict[str, Any], output: str | None) -> None:
    text = to_text(data) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as file:  # open, not pathlib: one import less
            file.write(text)
    except OSError as error:
        raise InvalidProblem(output, f"cannot be written ({error.strerror})") from None


def _run(args: argparse.Namespace) -> int:
    if args.time_limit is not None and not args.time_limit > 0:
        raise InvalidProblem("--time-limit", "must be a positive number of seconds")
    # Each command imports what it runs, and nothing else: a cold process pays for its own work.
    if args.command == "select":
        from planner.selection.problem import load_selection
        from planner.selection.solve import select

        proposals = load_selection(args.problem)
        with _quiet_stdout():
            selection = select(proposals, args.solver, time_limit=args.time_limit)
        _write(selection.to_json(), args.output)
        return EXIT_OPTIMAL if selection.optimal else EXIT_NOT_OPTIMAL
    from planner.allocation.problem import load_problem

    problem = load_problem(args.problem)
    with _quiet_stdout():
        if args.command == "solve":
            from planner.allocation.solve import solve

            result = solve(problem, args.solver, time_limit=args.time_limit)
            data, optimal = result.to_json(), result.optimal
        else:
            from planner.allocation.sweep import sweep

            curve = sweep(problem, args.fund, args.low, args.high, args.steps, args.solver, time_limit=args.time_limit)
            data, optimal = curve.to_json(), all(point.result.optimal for point in curve.points)
    highs_process.done()
    _write(data, args.output)
    return EXIT_OPTIMAL if optimal else EXIT_NOT_OPTIMAL


def main(argv: Sequence[str] | None = None) -> int:
    # One command, then the process ends: nothing it makes needs the cycle collector, whose
    # passes over the parsed problem cost a fifth of a 3,760-cell solve (measured).
    try:
        with collector_paused():
            return _run(_parser().parse_args(argv))
    except InvalidProblem as error:
        print(error, file=sys.stderr)  # "field: message", as the contract shows
        return EXIT_INVALID
    except SolverError as error:
        print(f"planner: {error}", file=sys.stderr)
        return EXIT_SOLVER
