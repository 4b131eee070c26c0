"""A reprogramming's notification package as a workbook: the layout the committees receive.

Plain values in, .xlsx bytes out (no Flask, no database), written by XlsxWriter through the cells the
submission workbook uses (exports.cells: text is never a formula, money is exact to the cent). One sheet:
the law cited, then the programs money leaves ("From") and the programs it goes to ("To"), each with its
base, the change, the percent change (a formula of change over base) and the base after it (a formula);
each section's change totalled by SUM, the net of both (zero when the moves balance), why the committees
are notified and the justification. The printable page reads the same `NotificationPackage`, so the page
and the workbook show one set of figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from xlsxwriter.workbook import Workbook

from exports.cells import HEADER, MONEY, NOTE, PERCENT, TITLE, TOTAL, Style, formula, money, text, with_format
from exports.tables import Book, Column, Sheet
from money import from_cents

SHEET = "Notification"
COLUMNS = (
    Column("Program, project or activity", 52),
    Column("Base", 18),
    Column("Change", 18),
    Column("Percent change", 16),
    Column("Base after", 18),
)
_MONEY = Style(number_format=MONEY)
_PERCENT = Style(number_format=PERCENT)


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
    """Write the package's workbook to `out` (left open). Raises ValueError, before anything is written, for
    an amount too large for Excel to hold to the cent."""
    rows = _rows(package)
    workbook = Workbook(out, {"in_memory": True})  # a page of rows: no temporary files
    ws = workbook.add_worksheet(SHEET)
    for index, column in enumerate(COLUMNS):
        ws.set_column(index, index, column.width)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)  # one page wide, as many down as it takes
    sheet = Sheet(Book(workbook), ws)
    for row in rows:
        sheet.append(row)
    workbook.close()


def _rows(package: NotificationPackage) -> list[list]:
    """The sheet's rows, in order, as cells (exports.cells)."""
    rows: list[list] = [
        [text(f"{package.reference}: notification of a reprogramming of {package.appropriation}", TITLE)],
        [text(f"Notified under {package.citation}", NOTE)],
        [text(f"{package.scenario} · {package.kind} · prepared {package.prepared_on}", NOTE)],
    ]
    totals = []
    for heading, section in (("From", package.from_rows), ("To", package.to_rows)):
        rows.append([])
        rows.append(
            [text(f"{heading}: {COLUMNS[0].header.lower()}", HEADER), *(text(c.header, HEADER) for c in COLUMNS[1:])]
        )
        first = len(rows) + 1  # Excel's row number of the section's first program
        for item in section:
            row = len(rows) + 1
            rows.append(
                [
                    text(item.label),
                    money(from_cents(item.base_cents), _MONEY),
                    money(from_cents(item.change_cents), _MONEY),
                    formula(f'=IF(B{row}=0,"new",C{row}/B{row})', _PERCENT),
                    formula(f"=B{row}+C{row}", _MONEY),
                ]
            )
        last = len(rows)
        total = formula(f"=SUM(C{first}:C{last})" if section else "=0", with_format(TOTAL, MONEY))
        rows.append([text(f"Total {heading.lower()}", TOTAL), None, total])
        totals.append(len(rows))
    rows.append([])
    net = formula("=" + "+".join(f"C{total}" for total in totals), with_format(TOTAL, MONEY))
    rows.append([text("Net change (the moves balance at zero)", TOTAL), None, net])
    rows.append([])
    rows.append([text("Why the committees are notified", HEADER)])
    for reason in package.reasons or ("No move needs a notification under the settings.",):
        rows.append([text(reason[:1].upper() + reason[1:])])
    rows.append([])
    rows.append([text("Justification", HEADER)])
    rows.append([text(package.justification)])
    return rows
