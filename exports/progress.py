"""How far a reading of an upload has come, for whoever asked (a background job's progress bar).

A reader told of a `ReadProgress` passes its rows through `reported`, which calls it every
`EVERY_ROWS` rows with the fraction of the file read so far (0 to 1, by the bytes the parser has
taken). Whatever the callback raises (a job cancelled meanwhile) comes out of the reader as it was
raised, not as a rejected file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
ReadProgress = Callable[[float], None]
EVERY_ROWS = 5000


class ReadingStopped(Exception):
    """Carries what a progress callback raised through a reader's own handling of bad files."""


def reported(rows: Iterator[T], progress: ReadProgress, fraction: Callable[[], float]) -> Iterator[T]:
    """`rows` as they come, with `progress` told `fraction()` (the share read so far) every EVERY_ROWS."""
    for count, row in enumerate(rows, start=1):
        if count % EVERY_ROWS == 0:
            try:
                progress(min(max(fraction(), 0.0), 1.0))
            except Exception as exc:
                raise ReadingStopped from exc
        yield row
