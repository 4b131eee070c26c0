"""Caps on an uploaded workbook, checked before and while it is read; tests pass smaller ones."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * MiB  # the upload itself
    max_entries: int = 1_000  # zip entries: an .xlsx has a few dozen
    max_unpacked_bytes: int = 400 * MiB  # sum of declared sizes; a 200,000-row Detail sheet unpacks to ~140 MiB
    max_ratio: int = 200  # unpacked / packed for any entry above `ratio_floor`; sheet XML deflates ~10-30×
    ratio_floor: int = 1 * MiB  # small entries may compress well without being a bomb
    max_rows: int = 200_000  # Detail data rows, blank ones included
    max_text: int = 500  # characters in a text cell (Apportion keeps 500 for a description)
    max_errors: int = 1_000  # stop collecting after this many: the person has enough to fix


LIMITS = Limits()

# The financial system's actuals extract (contracts/execution.md): a CSV of 200,000 rows is ~25 MB.
ACTUALS_LIMITS = Limits(max_bytes=64 * MiB, max_rows=200_000, max_text=500)
