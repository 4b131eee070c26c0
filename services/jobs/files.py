"""A file the web servers and the consumers share (an upload, a prepared workbook), which appears whole or
not at all: written under a temporary name beside its own, then renamed into place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def written_whole(target: Path) -> Iterator[BinaryIO]:
    """Write `target` in the block: it takes its name only once the block ends well; the partial file
    (`.<name>-….part`) is removed however the block fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=f"{target.suffix}.part")
    try:
        with os.fdopen(descriptor, "wb") as out:
            yield out
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
