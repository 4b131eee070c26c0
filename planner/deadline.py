"""The time limit as a deadline that every phase of a solve can look at."""

from __future__ import annotations

import time


class OutOfTime(Exception):
    """Raised inside a solve when its deadline passes; ``solve`` reports ``time_limit``."""


class Deadline:
    def __init__(self, seconds: float | None) -> None:
        self.started = time.perf_counter()
        self.seconds = seconds

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def remaining(self) -> float | None:
        """Seconds left (never negative), or None when there is no limit."""
        return None if self.seconds is None else max(self.seconds - self.elapsed(), 0.0)

    def check(self) -> None:
        if self.seconds is not None and self.elapsed() >= self.seconds:
            raise OutOfTime
