"""Reading awards: the list with filters, and the out-year mortgage by year, account, region and priority."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from exports.charts import BarChart, BarSeries, bar_chart
from models import Award, AwardFunding, AwardStatus, Priority, ProgramType, Region, db
from services.paging import Page, paginate


@dataclass(frozen=True)
class AwardFilter:
    status: AwardStatus | None = None
    region: str | None = None  # codes, as in the API
    priority: str | None = None
    program_type: str | None = None
    funded_in: int | None = None  # a fiscal year of the funding schedule
    text: str = ""  # number, title or partner contains


def award_query(filters: AwardFilter) -> sa.Select:
    query = sa.select(Award)
    if filters.status is not None:
        query = query.where(Award.status == filters.status)
    if filters.region:
        query = query.join(Region, Award.region_id == Region.id).where(Region.code == filters.region)
    if filters.priority:
        query = query.join(Priority, Award.priority_id == Priority.id).where(Priority.code == filters.priority)
    if filters.program_type:
        query = query.join(ProgramType, Award.program_type_id == ProgramType.id).where(
            ProgramType.code == filters.program_type
        )
    if filters.funded_in is not None:
        query = query.where(
            Award.id.in_(sa.select(AwardFunding.award_id).where(AwardFunding.fiscal_year == filters.funded_in))
        )
    text = filters.text.strip()
    if text:
        pattern = f"%{text}%"
        query = query.where(
            sa.or_(Award.number.ilike(pattern), Award.title.ilike(pattern), Award.partner.ilike(pattern))
        )
    return query


def list_awards(filters: AwardFilter, page: int = 1, per_page: int = 50) -> Page[Award]:
    query = award_query(filters).options(
        so.selectinload(Award.funding),
        so.selectinload(Award.region),
        so.selectinload(Award.country),
        so.selectinload(Award.priority),
        so.selectinload(Award.program_type),
    )
    return paginate(query.order_by(Award.number), page, per_page)


@dataclass(frozen=True)
class YearMatrix:
    """Fiscal years down, `columns` across, amounts in cents, with totals both ways."""

    years: list[int]
    columns: list[str]
    cells: dict[tuple[int, str], int]

    @property
    def year_labels(self) -> list[str]:
        return [f"FY{year}" for year in self.years]

    def cell(self, year: int, column: str) -> int:
        return self.cells.get((year, column), 0)

    def year_total(self, year: int) -> int:
        return sum(self.cell(year, column) for column in self.columns)

    def column_total(self, column: str) -> int:
        return sum(self.cell(year, column) for year in self.years)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def bar_chart(self, title: str, id: str, description: str) -> BarChart:
        """A bar per column in each fiscal year."""
        return bar_chart(
            title,
            self.year_labels,
            [
                BarSeries(column, [self.cell(year, column) for year in self.years], f"chart-series-{index % 8 + 1}")
                for index, column in enumerate(self.columns)
            ],
            id=id,
            description=description,
        )


@dataclass(frozen=True)
class MortgageRow:
    fiscal_year: int
    account_code: str
    region: str
    priority: str
    cents: int


@dataclass(frozen=True)
class Mortgage:
    """What awards claim on each year's appropriations (closed awards claim nothing after the
    current fiscal year, so later years are what pending and active awards still need)."""

    rows: list[MortgageRow]

    @property
    def years(self) -> list[int]:
        return sorted({row.fiscal_year for row in self.rows})

    @property
    def accounts(self) -> list[str]:
        return sorted({row.account_code for row in self.rows})

    def by_year_and_account(self) -> dict[tuple[int, str], int]:
        totals: dict[tuple[int, str], int] = defaultdict(int)
        for row in self.rows:
            totals[(row.fiscal_year, row.account_code)] += row.cents
        return dict(totals)

    def by_year(self) -> dict[int, int]:
        totals: dict[int, int] = defaultdict(int)
        for row in self.rows:
            totals[row.fiscal_year] += row.cents
        return dict(totals)

    def by_year_and(self, dimension: str) -> dict[tuple[int, str], int]:
        """Totals by fiscal year and "region" or "priority"."""
        totals: dict[tuple[int, str], int] = defaultdict(int)
        for row in self.rows:
            totals[(row.fiscal_year, getattr(row, dimension))] += row.cents
        return dict(totals)

    @property
    def total_cents(self) -> int:
        return sum(row.cents for row in self.rows)

    def matrix(self, dimension: str) -> YearMatrix:
        """Years × "account_code", "region" or "priority"."""
        cells = self.by_year_and(dimension)
        return YearMatrix(self.years, sorted({column for _, column in cells}), cells)


def mortgage(from_year: int | None = None, account_code: str | None = None) -> Mortgage:
    """Awards' funding by FY × account × region × priority, from `from_year` on."""
    query = (
        sa.select(
            AwardFunding.fiscal_year,
            AwardFunding.account_code,
            Region.code,
            Priority.code,
            sa.func.sum(AwardFunding.amount_cents),
        )
        .join(Award, AwardFunding.award_id == Award.id)
        .join(Region, Award.region_id == Region.id)
        .join(Priority, Award.priority_id == Priority.id)
        .group_by(AwardFunding.fiscal_year, AwardFunding.account_code, Region.code, Priority.code)
        .order_by(AwardFunding.fiscal_year, AwardFunding.account_code, Region.code, Priority.code)
    )
    if from_year is not None:
        query = query.where(AwardFunding.fiscal_year >= from_year)
    if account_code:
        query = query.where(AwardFunding.account_code == account_code)
    return Mortgage(
        [
            MortgageRow(year, account, region, priority, int(cents))
            for year, account, region, priority, cents in db.session.execute(query)
        ]
    )
