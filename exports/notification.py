"""A reprogramming's notification package as a workbook: the layout the committees receive.

Plain values in, .xlsx bytes out (no Flask, no database). One sheet: the law cited, then the programs
money leaves ("From") and the programs it goes to ("To"), each with its base, the change, the percent
change (a formula of change over base) and the base after it (a formula); each section's change totalled
by SUM, the net of both (zero when the moves balance), and the justification. The printable page reads
the same `NotificationPackage`, so the page and the workbook show one set of figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment

from exports.cells import HEADER, MONEY, NOTE, PERCENT, TITLE, TOTAL, Style, formula, money, text, with_format
from money import from_cents

SHEET = "Notification"
COLUMNS = ("Program, project or activity", "Base", "Change", "Percent change", "Base after")
WIDTHS = (52, 18, 18, 16, 18)
_MONEY = Style(number_format=MONEY)
_PERCENT = Style(number_format=PERCENT)
_WRAP = Style(alignment=Alignment(wrap_text=True, vertical="top"))


@dataclass(frozen=True)
class PackageRow:
    """One side of a move: the program in words, its base and the change to it (negative: money leaves)."""

    label: str
    base_cents: int
    change_cents: int

    @property
    def percent(self) -> Decimal | None:
        """The change as a fraction of the base; None for a program the move creates (no base)."""
        return None if not self.base_cents else Decimal(self.change_cents) / Decimal(self.base_cents)

    @property
    def after_cents(self) -> int:
        return self.base_cents + self.change_cents


@dataclass(frozen=True)
class NotificationPackage:
    reference: str  # "Reprogramming 12"
    appropriation: str
    scenario: str
    kind: str
    citation: str
    justification: str
    reasons: tuple[str, ...]  # why the notification is needed, in words
    from_rows: tuple[PackageRow, ...]
    to_rows: tuple[PackageRow, ...]
    prepared_on: str  # the day in words

    @property
    def from_total_cents(self) -> int:
        return sum(row.change_cents for row in self.from_rows)

    @property
    def to_total_cents(self) -> int:
        return sum(row.change_cents for row in self.to_rows)

    @property
    def net_cents(self) -> int:
        return self.from_total_cents + self.to_total_cents


def download_name(package: NotificationPackage) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in f"{package.reference}-{package.appropriation}")
    return f"{safe}-notification.xlsx"


def write_notification(package: NotificationPackage, out: BinaryIO) -> None:
    """Write the package's workbook to `out`."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(SHEET)
    for index, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.append([text(ws, f"{package.reference}: notification of a reprogramming of {package.appropriation}", TITLE)])
    ws.append([text(ws, f"Notified under {package.citation}", NOTE)])
    ws.append([text(ws, f"{package.scenario} · {package.kind} · prepared {package.prepared_on}", NOTE)])
    row = 3  # rows written so far
    totals = []
    for heading, rows in (("From", package.from_rows), ("To", package.to_rows)):
        ws.append([])
        ws.append([text(ws, f"{heading}: {COLUMNS[0].lower()}", HEADER), *(text(ws, c, HEADER) for c in COLUMNS[1:])])
        row += 2
        first = row + 1
        for item in rows:
            row += 1
            ws.append(
                [
                    text(ws, item.label),
                    money(ws, from_cents(item.base_cents), _MONEY),
                    money(ws, from_cents(item.change_cents), _MONEY),
                    formula(ws, f'=IF(B{row}=0,"new",C{row}/B{row})', _PERCENT),
                    formula(ws, f"=B{row}+C{row}", _MONEY),
                ]
            )
        row += 1
        totals.append(row)
        ws.append(
            [
                text(ws, f"Total {heading.lower()}", TOTAL),
                None,
                formula(ws, f"=SUM(C{first}:C{row - 1})" if rows else "=0", with_format(TOTAL, MONEY)),
            ]
        )
    ws.append([])
    ws.append(
        [
            text(ws, "Net change (the moves balance at zero)", TOTAL),
            None,
            formula(ws, "=" + "+".join(f"C{total}" for total in totals), with_format(TOTAL, MONEY)),
        ]
    )
    ws.append([])
    ws.append([text(ws, "Why the committees are notified", HEADER)])
    for reason in package.reasons or ("No move needs a notification under the settings.",):
        ws.append([text(ws, reason[:1].upper() + reason[1:])])
    ws.append([])
    ws.append([text(ws, "Justification", HEADER)])
    ws.append([text(ws, package.justification, _WRAP)])
    book.save(out)
