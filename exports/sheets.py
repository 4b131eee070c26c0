"""The reviewer's sheets: comparisons, the program matrix, staffing, travel, the spend plan and About.

The request's figures (Summary, Object class and pay on Staffing: the FY
Request column; every Program cell) are SUMIFS over the Detail sheet, so an
edit in Detail moves every sheet; the actual and enacted columns come from
other scenarios and are values. Every total, change and percentage is a live
formula over exactly the cells above or beside it. Tables start on row 4,
under a title block.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from xlsxwriter.utility import xl_col_to_name

from exports.cells import (
    FTE,
    MONEY,
    NOTE,
    PERCENT,
    TITLE,
    TOTAL,
    Cell,
    Style,
    day,
    formula,
    money,
    number,
    text,
    with_format,
)
from exports.detail import (
    ABOUT_CHECKSUM,
    ABOUT_SCENARIO,
    ABOUT_SHEET,
    AMOUNT_LETTER,
    DETAIL_SHEET,
    SPARE_ROWS,
    DetailWritten,
)
from exports.rows import ColumnsRow, SpendPlanTable, SubmissionWorkbook, TripRow
from exports.tables import TITLE_BLOCK_ROWS, Book, Column, Sheet, fit_width, write_header, write_title_block

HEADER_ROW = TITLE_BLOCK_ROWS + 1
FIRST_ROW = HEADER_ROW + 1
NO_PROGRAM_TYPE = "(none)"
_MAX_SUM_ARGS = 255  # Excel's limit on a function's arguments
_MONEY = Style(number_format=MONEY)
_FTE = Style(number_format=FTE)
_PERCENT = Style(number_format=PERCENT)
_TOTAL_MONEY = with_format(TOTAL, MONEY)
_TOTAL_FTE = with_format(TOTAL, FTE)
_TOTAL_PERCENT = with_format(TOTAL, PERCENT)

ROUND_TRIP_NOTES = (
    "To send changes back, edit the Detail sheet and upload the file on the scenario's page:",
    "• change amounts and keys in place (choose names from the drop-down lists; codes are accepted too);"
    " add a line as a new row, leaving Line id and Version empty; delete a row to remove its line;",
    "• don't change the hidden Line id and Version columns (A and B), the header row or the sheet names;",
    "• type values, not formulas: amounts in dollars with at most two decimals;",
    "• you will see a preview of lines added, changed and removed; nothing is saved until you commit it.",
    "Totals on the other sheets are formulas over Detail for reviewing (they count lines added in the"
    f" {SPARE_ROWS:,} rows below the last exported line too); they are not imported.",
)


def letter(number: int) -> str:
    """A column's letters from its 1-based number: 1 is A."""
    return xl_col_to_name(number - 1)


def sum_range(column: str, first: int, last: int) -> str:
    return f"=SUM({column}{first}:{column}{last})" if last >= first else "=0"


def sum_cells(column: str, rows: Sequence[int]) -> str:
    """SUM of scattered cells (subtotals), nested when there are more than Excel's 255 arguments."""
    if not rows:
        return "=0"
    chunks = [rows[i : i + _MAX_SUM_ARGS] for i in range(0, len(rows), _MAX_SUM_ARGS)]
    parts = [",".join(f"{column}{row}" for row in chunk) for chunk in chunks]
    return f"=SUM({parts[0]})" if len(parts) == 1 else "=SUM(" + ",".join(f"SUM({part})" for part in parts) + ")"


# Comparisons: Summary and Object class ------------------------------------------------


def write_comparison(
    book: Book,
    title: str,
    heading: str,
    note: str,
    label_headers: Sequence[str],
    rows: Sequence[ColumnsRow],
    budget_year: int,
    detail: DetailWritten,
    *,
    subtotal_by_account: bool = False,
) -> None:
    """Label columns, then PY | CY | BY | change | % change; a total row, and if asked a subtotal per account
    (the first label). BY is a SUMIFS over Detail for a row with a `match`."""
    width = max((len(row.label) for row in rows), default=len(label_headers))
    headers = [*label_headers[:width], *(f"Label {n}" for n in range(len(label_headers) + 1, width + 1))]
    columns = [
        Column(header, fit_width([header, *(row.label[i] for row in rows if i < len(row.label))]))
        for i, header in enumerate(headers)
    ]
    years = [f"FY {budget_year - 2} Actual", f"FY {budget_year - 1} Enacted", f"FY {budget_year} Request"]
    columns += [Column(header, 17) for header in [*years, f"Change from FY {budget_year - 1}"]]
    columns.append(Column("% Change", 10))
    ws = book.sheet(title, columns, header_row=HEADER_ROW, freeze_columns=width)
    write_title_block(ws, heading, note)
    write_header(ws, [column.header for column in columns])
    py, cy, by, change = (letter(width + n) for n in (1, 2, 3, 4))

    def emit(label: Sequence[str], values: Sequence[Decimal | str], row: int, total: bool) -> None:
        money_style, percent_style = (_TOTAL_MONEY, _TOTAL_PERCENT) if total else (_MONEY, _PERCENT)
        ws.append(
            [
                *(text(part, TOTAL if total else None) for part in label),
                *[None] * (width - len(label)),
                *(formula(v, money_style) if isinstance(v, str) else money(v, money_style) for v in values),
                formula(f"={by}{row}-{cy}{row}", money_style),
                formula(f'=IF({cy}{row}=0,"",{change}{row}/{cy}{row})', percent_style),
            ]
        )

    groups: dict[str | None, list[ColumnsRow]] = {}
    for item in rows:  # accounts in the order they first appear, each with all its rows
        groups.setdefault(item.label[0] if subtotal_by_account and width > 1 else None, []).append(item)
    row = FIRST_ROW
    subtotals: list[int] = []
    for account, members in groups.items():
        first = row
        for member in members:
            by_value = detail.sumifs(member.match) if member.match is not None else member.by
            emit(member.label, [member.py, member.cy, by_value], row, total=False)
            row += 1
        if account is not None:
            label = [account, *[""] * (width - 2), f"Total, {account}"]
            emit(label, [sum_range(c, first, row - 1) for c in (py, cy, by)], row, total=True)
            subtotals.append(row)
            row += 1
    if subtotals:
        emit(["Total, all accounts"], [sum_cells(c, subtotals) for c in (py, cy, by)], row, total=True)
    else:
        emit(["Total"], [sum_range(c, FIRST_ROW, row - 1) for c in (py, cy, by)], row, total=True)


# Program funds: region × priority, then program type × priority ------------------------


def _ordered(known: Iterable[str], seen: Iterable[str]) -> list[str]:
    """Reference order first, then anything in the data that the reference lacks."""
    order = list(dict.fromkeys(known))
    return order + sorted(set(seen) - set(order))


def write_program(book: Book, data: SubmissionWorkbook, detail: DetailWritten) -> None:
    """With lists, every cell is a SUMIFS over Detail (lines with a region and a priority); else values."""
    by_region: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    by_type: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for region, priority, program_type, amount in data.program:
        by_region[region, priority] += amount
        by_type[program_type or NO_PROGRAM_TYPE, priority] += amount
    priorities = _ordered(data.priorities, (priority for _, priority in by_region))
    regions = _ordered(data.regions, (region for region, _ in by_region))
    types = _ordered(data.program_types, (program_type for program_type, _ in by_type))
    columns = [Column("Region", fit_width(["Program type", "Total", *regions, *types]))]
    columns += [Column(priority, fit_width([priority], minimum=15)) for priority in priorities]
    columns.append(Column("Total", 17))
    ws = book.sheet("Program", columns, header_row=HEADER_ROW, freeze_columns=1)
    write_title_block(
        ws,
        f"Program funds by region and priority, FY {data.budget_year} Request",
        f"Dollars, scenario {data.scenario}. Below: the same funds by program type and priority.",
    )
    headers = [column.header for column in columns]
    write_header(ws, headers)
    if data.lists is None:
        region_cell = _values(by_region)
        type_cell = _values(by_type)
    else:

        def region_cell(region: str, priority: str) -> str:
            return detail.sumifs({"region": [region], "priority": [priority]})

        def type_cell(program_type: str, priority: str) -> str:
            has_region = [("region", '"<>"')]
            if program_type == NO_PROGRAM_TYPE:
                return detail.sumifs({"priority": [priority]}, [("program_type", '"="'), *has_region])
            return detail.sumifs({"program_type": [program_type], "priority": [priority]}, has_region)

    totals = _write_matrix(ws, FIRST_ROW, regions, priorities, region_cell)
    ws.append([])
    write_header(ws, ["Program type", *headers[1:]])
    _write_matrix(ws, totals + 3, types, priorities, type_cell)


def _values(amounts: dict[tuple[str, str], Decimal]) -> Callable[[str, str], Decimal]:
    return lambda name, priority: amounts.get((name, priority), Decimal(0))


def _write_matrix(
    ws: Sheet,
    first: int,
    names: Sequence[str],
    priorities: Sequence[str],
    amount: Callable[[str, str], Decimal | str],
) -> int:
    """Rows of amounts (values, or formulas as strings) with a SUM across each row and a SUM down each
    column; returns the totals row."""
    last = letter(len(priorities) + 1)
    for row, name in enumerate(names, start=first):
        ws.append(
            [
                text(name),
                *(_amount(amount(name, priority), _MONEY) for priority in priorities),
                formula(f"=SUM(B{row}:{last}{row})" if priorities else "=0", _TOTAL_MONEY),
            ]
        )
    totals = first + len(names)
    sums = (formula(sum_range(letter(c), first, totals - 1), _TOTAL_MONEY) for c in range(2, len(priorities) + 3))
    ws.append([text("Total", TOTAL), *sums])
    return totals


def _amount(value: Decimal | str, style: Style) -> Cell:
    return formula(value, style) if isinstance(value, str) else money(value, style)


# Staffing and travel -------------------------------------------------------------------


def write_staffing(book: Book, data: SubmissionWorkbook, detail: DetailWritten) -> None:
    """The whole workforce in the budget (pay and benefits of every line, by division), then, of which,
    the positions requested (staffing requests: FTE and cost by position kind)."""
    budget_year = data.budget_year
    rows = data.staffing
    years = [f"FY {budget_year - 2}", f"FY {budget_year - 1}", f"FY {budget_year}"]
    kinds = [row.kind for row in rows] + [row.label[0] for row in data.payroll]
    columns = [Column("Position kind", fit_width(["Position kind", "Division", *kinds]))]
    columns += [*(Column(f"{year} FTE", 12) for year in years), Column("FTE change", 12)]
    columns += [*(Column(f"{year} Cost", 16) for year in years), Column("Cost change", 16)]
    ws = book.sheet("Staffing", columns, header_row=HEADER_ROW, freeze_columns=1)
    cost_headers = [column.header for column in columns[5:]]
    if data.payroll:
        write_title_block(
            ws,
            f"Staffing: the workforce in the budget and the positions requested, FY {budget_year - 2} to "
            f"FY {budget_year}",
            "Above: pay and benefits (object classes 11-13) of every line in the budget, by division: the whole "
            "workforce, on board and requested. Below: of which, new positions requested (staffing requests). "
            "Dollars.",
        )
        write_header(ws, ["Division", *[""] * 4, *cost_headers])
        row = FIRST_ROW
        for item in data.payroll:
            by_value = detail.sumifs(item.match) if item.match is not None else item.by
            ws.append(
                [
                    text(item.label[0]),
                    *[None] * 4,
                    *(_amount(value, _MONEY) for value in (item.py, item.cy, by_value)),
                    formula(f"=H{row}-G{row}", _MONEY),
                ]
            )
            row += 1
        ws.append(
            [
                text("Total, workforce in the budget", TOTAL),
                *[None] * 4,
                *(formula(sum_range(c, FIRST_ROW, row - 1), _TOTAL_MONEY) for c in "FGH"),
                formula(f"=H{row}-G{row}", _TOTAL_MONEY),
            ]
        )
        ws.append([])
        ws.append([text("Of which, new positions requested (staffing requests)", TITLE)])
        first = row + 4
    else:
        write_title_block(
            ws,
            f"Staffing: FTE and cost by position kind, FY {budget_year - 2} to FY {budget_year}",
            "Cost in dollars (pay and benefits). Changes are the budget year less the current year.",
        )
        first = FIRST_ROW
    write_header(ws, [column.header for column in columns])
    for row, item in enumerate(rows, start=first):
        ws.append(
            [
                text(item.kind),
                *(number(value, _FTE) for value in (item.fte_py, item.fte_cy, item.fte_by)),
                formula(f"=D{row}-C{row}", _FTE),
                *(money(value, _MONEY) for value in (item.cost_py, item.cost_cy, item.cost_by)),
                formula(f"=H{row}-G{row}", _MONEY),
            ]
        )
    total = first + len(rows)
    ws.append(
        [
            text("Total, positions requested" if data.payroll else "Total", TOTAL),
            *(formula(sum_range(c, first, total - 1), _TOTAL_FTE) for c in "BCD"),
            formula(f"=D{total}-C{total}", _TOTAL_FTE),
            *(formula(sum_range(c, first, total - 1), _TOTAL_MONEY) for c in "FGH"),
            formula(f"=H{total}-G{total}", _TOTAL_MONEY),
        ]
    )


TRAVEL_COLUMNS = (
    Column("Departs", 12),
    Column("Division", 11),
    Column("Traveler", 24),
    Column("Title", 40),
    Column("Destinations", 36),
    Column("Status", 12),
    Column("Amount", 16),
)


def write_travel(book: Book, trips: Sequence[TripRow], budget_year: int) -> None:
    ws = book.sheet("Travel", TRAVEL_COLUMNS, header_row=HEADER_ROW)
    write_title_block(ws, f"Travel plan, FY {budget_year} Request", "Dollars: airfare, lodging and M&IE per trip.")
    write_header(ws, [column.header for column in TRAVEL_COLUMNS])
    for trip in trips:
        ws.append(
            [
                day(trip.departs),
                *(text(value) for value in (trip.division, trip.traveler, trip.title, trip.destinations, trip.status)),
                money(trip.amount, _MONEY),
            ]
        )
    total = FIRST_ROW + len(trips)
    ws.append([text("Total", TOTAL), *[None] * 5, formula(sum_range("G", FIRST_ROW, total - 1), _TOTAL_MONEY)])


# Spend plan ----------------------------------------------------------------------------

SPEND_PLAN_SHEET = "Spend plan"


def write_spend_plan(book: Book, plan: SpendPlanTable, scenario: str) -> None:
    """Months down, one column per appropriation, a Total column (SUM across) and a Total row (SUM down)."""
    labels = [label for label, _ in plan.columns]
    columns = [Column("Month", 10)]
    columns += [Column(label, fit_width([label], minimum=16)) for label in labels]
    columns.append(Column("Total", 17))
    ws = book.sheet(SPEND_PLAN_SHEET, columns, header_row=HEADER_ROW, freeze_columns=1)
    write_title_block(
        ws,
        f"Spend plan: planned obligations by month and appropriation, scenario {scenario}",
        f"Dollars, as of {plan.as_of.isoformat()}: each appropriation's months of availability,"
        " as on its execution page. Totals are formulas.",
    )
    write_header(ws, [column.header for column in columns])
    last = letter(len(labels) + 1)
    for index, month in enumerate(plan.months):
        row = FIRST_ROW + index
        ws.append(
            [
                text(month),
                *(money(amounts[index], _MONEY) for _, amounts in plan.columns),
                formula(f"=SUM(B{row}:{last}{row})" if labels else "=0", _TOTAL_MONEY),
            ]
        )
    total = FIRST_ROW + len(plan.months)
    sums = (formula(sum_range(letter(c), FIRST_ROW, total - 1), _TOTAL_MONEY) for c in range(2, len(labels) + 3))
    ws.append([text("Total", TOTAL), *sums])


# About --------------------------------------------------------------------------------

ABOUT_COLUMNS = (Column("Item", 30), Column("Value", 100))


def write_about(book: Book, data: SubmissionWorkbook, detail: DetailWritten) -> None:
    """What this file is, for the reviewer and for the importer (which reads the scenario and checksum back)."""
    ws = book.sheet(ABOUT_SHEET, ABOUT_COLUMNS, header_row=1)
    exported_at = data.exported_at_utc
    items: list[tuple[str, Cell | str | int | None]] = [
        (ABOUT_SCENARIO, text(data.scenario)),
        ("Budget year", text(f"FY {data.budget_year}")),
        ("PY actual scenario", text(data.py_scenario)),
        ("CY enacted scenario", text(data.cy_scenario)),
        ("Exported by", text(data.exported_by)),
        ("Exported at", text(f"{exported_at:%Y-%m-%d %H:%M:%S} UTC")),
        ("App version", text(f"Apportion {data.app_version}")),
        *((f"Filter: {name}", text(value)) for name, value in data.filters.items()),
        ("Detail rows", detail.rows),
        ("Detail total", formula(f"=SUM({DETAIL_SHEET}!{AMOUNT_LETTER}:{AMOUNT_LETTER})", _MONEY)),
        (ABOUT_CHECKSUM, text(detail.checksum)),
    ]
    write_header(ws, [column.header for column in ABOUT_COLUMNS])
    for label, value in items:
        ws.append([text(label), value])
    ws.append([])
    for line in ROUND_TRIP_NOTES:
        ws.append([None, text(line, NOTE)])
