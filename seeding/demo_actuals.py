"""The demo office's actuals: a generated `actuals-extract/1` CSV, loaded like any extract.

`demo_extract` writes what the financial system would have posted for the demo office from
FY2025 to the demo's "today", `DEMO_TODAY` (30 November 2026, early in FY2027, its budget
year). The date is fixed, not the real today, so the file is the same bytes whenever it is
generated from the same demo office (the awards and requests are themselves deterministic):

- awards: each funding line of an award that is not pending is obligated against its number
  (object class 41.0) when the award starts or its fiscal year begins, whichever is later,
  then expended monthly over its budget period (twelve months, or to the award's end if sooner),
  except a few slow awards that spend it over three years, so the pipeline page has something
  to flag; three closed awards deobligate 3% of their last
  year's funding 45 days after they end (and spend that much less);
- payroll: every two-week pay period, DP object classes 11.1 and 12.1 by division, at the
  yearly amounts of the demo's operations lines (3% more each year);
- travel: each approved demo trip is obligated against the request's reference (TR-12) three
  weeks before departure (or on the demo's today, for later trips), vouchered ten days after
  return with what was not spent deobligated; a trip cancelled after approval is deobligated;
- two documents no award or request carries (a contract and an order): unmatched;
- the rest of each appropriation's obligations, office-wide and without a document, in equal
  monthly amounts, so that each ends with 0.1% of its allotment unobligated; all but ESF
  FY2026, which expires at the end of FY2027 and carries only its awards: most of it is still
  unobligated, the appropriation at risk of lapsing.

Amounts are integer cents throughout. `load_demo_actuals` loads the file through the real
preview and commit as the first resource manager, so it is audited like any load; it does
nothing once any transaction is loaded. `seed demo` and `seed if-empty` (`make run`) call it;
the tests' template database is seeded without it, since tests count transactions from zero.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass

import sqlalchemy as sa

from exports.actuals import COLUMNS
from models import (
    ActualTransaction,
    Appropriation,
    Award,
    AwardStatus,
    RequestStatus,
    Role,
    TravelRequest,
    User,
    db,
)
from models.reference import fiscal_year_of
from money import money_str
from seeding.loaders import demo_operations
from services.execution.actuals import commit_load, preview_load

DEMO_TODAY = dt.date(2026, 11, 30)
FILENAME = "demo-actuals-extract.csv"
FIRST_PAY_DATE = dt.date(2024, 10, 11)  # the first payday of FY2025; every 14 days after
PAYROLL_ACCOUNT = "DP"
PAYROLL_CLASSES = ("11.1", "12.1")
PAY_PERIODS = 26
GRANTS_CLASS = "41.0"
TRAVEL_CLASS = "21.0"
AT_RISK = ("ESF", 2026)
OTHER_TARGET_PERMILLE = 999  # the others end with 0.1% of their allotment unobligated
OPERATIONS_OTHER_CLASS = "25.2"
DEOBLIGATING_AWARDS = 3  # closed awards that give back what they did not spend
BUDGET_PERIOD = dt.timedelta(days=364)  # an increment is drawn down over the year it funds
SLOW_AWARD_EVERY = 12  # every twelfth award draws its increments down over three years
SLOW_PERIOD = dt.timedelta(days=3 * 365)
DEOBLIGATED_PERMILLE = 30
UNMATCHED = (
    # (document, account, fiscal year, object class, division, obligated on, obligation cents, monthly outlay cents)
    ("19AQMM25C0117", "INCLE", 2025, "25.1", "IP", dt.date(2025, 3, 14), 18_450_000, 1_230_000),
    ("SAQMMA26F0342", "DP", 2026, "25.2", "RMP", dt.date(2026, 2, 9), 6_234_018, 519_501),
)


@dataclass(frozen=True, order=True)
class _Row:
    posted_on: dt.date
    transaction_id: str
    account: str
    fiscal_year: int
    object_class: str
    division: str
    document_number: str
    obligation_cents: int
    expenditure_cents: int
    description: str

    def cells(self) -> list[str]:
        return [
            self.transaction_id,
            self.posted_on.isoformat(),
            self.account,
            str(self.fiscal_year),
            self.object_class,
            self.division,
            self.document_number,
            money_str(self.obligation_cents),
            money_str(self.expenditure_cents),
            self.description,
        ]


def _share(total: int, part: int, whole: int) -> int:
    """total × part / whole in cents, rounded half up (integers only)."""
    return (2 * total * part + whole) // (2 * whole)


def _month_days(first: dt.date, last: dt.date, day: int = 20) -> list[dt.date]:
    """The `day` of each month after `first`'s, through `last`'s month."""
    days = []
    year, month = first.year, first.month
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if (year, month) > (last.year, last.month):
            return days
        days.append(dt.date(year, month, day))


def _award_rows(today: dt.date, appropriations: set[tuple[str, int]]) -> list[_Row]:
    rows: list[_Row] = []
    awards = db.session.scalars(sa.select(Award).where(Award.status != AwardStatus.PENDING).order_by(Award.number))
    deobligating = DEOBLIGATING_AWARDS
    for number, award in enumerate(awards):
        division = award.division.code
        period = SLOW_PERIOD if number % SLOW_AWARD_EVERY == SLOW_AWARD_EVERY - 1 else BUDGET_PERIOD
        lines = sorted(award.funding, key=lambda f: (f.fiscal_year, f.account_code))
        for index, funding in enumerate(lines):
            key = (funding.account_code, funding.fiscal_year)
            obligated_on = max(award.starts_on, dt.date(funding.fiscal_year - 1, 10, 1))
            if key not in appropriations or obligated_on > today or funding.amount_cents <= 0:
                continue
            label = f"{award.number}-{funding.account_code}{funding.fiscal_year}"
            common = (funding.account_code, funding.fiscal_year, GRANTS_CLASS, division, award.number)
            rows.append(
                _Row(obligated_on, f"{label}-OBL", *common, funding.amount_cents, 0, f"Obligation: {award.title}"[:500])
            )
            spent = funding.amount_cents
            closeout = award.ends_on + dt.timedelta(days=45)
            last_line = index == len(lines) - 1
            if award.status == AwardStatus.CLOSED and last_line and deobligating and closeout <= today:
                deobligating -= 1
                returned = _share(funding.amount_cents, DEOBLIGATED_PERMILLE, 1000)
                spent -= returned
                description = f"Closeout deobligation: {award.title}"[:500]
                rows.append(_Row(closeout, f"{label}-DEOB", *common, -returned, 0, description))
            months = _month_days(obligated_on, min(award.ends_on, obligated_on + period))
            for count, day in enumerate(months, start=1):
                if day > today:
                    break
                amount = _share(spent, count, len(months)) - _share(spent, count - 1, len(months))
                rows.append(_Row(day, f"{label}-EXP-{day:%Y%m}", *common, 0, amount, f"Drawdown: {award.number}"))
    return rows


def _payroll_rows(today: dt.date, appropriations: set[tuple[str, int]]) -> list[_Row]:
    spec = demo_operations()
    annual: dict[tuple[str, str], int] = {}
    for line in spec["lines"]:
        if line["object_class"] in PAYROLL_CLASSES:
            key = (line["object_class"], line["division"])
            annual[key] = annual.get(key, 0) + int(line["amount"]) * 100
    growth, base_year = spec["growth_permille_per_year"], spec["base_year"]
    rng = random.Random(2025)
    rows = []
    payday = FIRST_PAY_DATE
    while payday <= today:
        year = fiscal_year_of(payday)
        if (PAYROLL_ACCOUNT, year) in appropriations:
            grown = (1000 + growth) ** (year - base_year)
            for (object_class, division), cents in sorted(annual.items()):
                varied = 995 + rng.randrange(0, 11)  # overtime, awards and leave move a payroll a little
                amount = _share(cents * grown * varied, 1, 1000 ** (year - base_year) * 1000 * PAY_PERIODS)
                rows.append(
                    _Row(
                        payday,
                        f"PAY-{payday:%Y%m%d}-{division}-{object_class}",
                        PAYROLL_ACCOUNT,
                        year,
                        object_class,
                        division,
                        "",
                        amount,
                        amount,
                        f"Payroll, pay period ending {payday - dt.timedelta(days=6):%Y-%m-%d}",
                    )
                )
        payday += dt.timedelta(days=14)
    return rows


def _travel_rows(today: dt.date) -> list[_Row]:
    rows = []
    trips = db.session.scalars(
        sa.select(TravelRequest)
        .where(TravelRequest.status.in_([RequestStatus.APPROVED, RequestStatus.CANCELLED]))
        .order_by(TravelRequest.id)
    )
    for trip in trips:
        departs, returns = trip.departs_on, trip.returns_on
        if departs is None or returns is None or trip.total_cents <= 0:
            continue
        reference = trip.reference
        appropriation = trip.appropriation
        common = (appropriation.account_code, appropriation.fiscal_year, TRAVEL_CLASS, trip.division.code, reference)
        cancelled = trip.status == RequestStatus.CANCELLED
        authorised = min(departs - dt.timedelta(days=21), today - dt.timedelta(days=7) if cancelled else today)
        rows.append(
            _Row(authorised, f"{reference}-TA", *common, trip.total_cents, 0, f"Travel authorization: {trip.title}")
        )
        if cancelled:
            rows.append(
                _Row(
                    authorised + dt.timedelta(days=7),
                    f"{reference}-CANCEL",
                    *common,
                    -trip.total_cents,
                    0,
                    "Trip cancelled: authorization deobligated",
                )
            )
            continue
        vouchered = returns + dt.timedelta(days=10)
        if vouchered <= today:
            spent = _share(trip.total_cents, 95, 100)
            rows.append(_Row(vouchered, f"{reference}-VOUCHER", *common, 0, spent, "Travel voucher"))
            rows.append(
                _Row(
                    vouchered, f"{reference}-DEOB", *common, spent - trip.total_cents, 0, "Voucher: unspent deobligated"
                )
            )
    return rows


def _unmatched_rows(today: dt.date, appropriations: set[tuple[str, int]]) -> list[_Row]:
    rows = []
    for document, account, year, object_class, division, obligated_on, obligation, monthly in UNMATCHED:
        if (account, year) not in appropriations or obligated_on > today:
            continue
        common = (account, year, object_class, division, document)
        rows.append(_Row(obligated_on, f"{document}-OBL", *common, obligation, 0, "Obligation: contract award"))
        paid = 0
        for day in _month_days(obligated_on, today, day=5):
            amount = min(monthly, obligation - paid)
            if amount <= 0:
                break
            paid += amount
            rows.append(_Row(day, f"{document}-INV-{day:%Y%m}", *common, 0, amount, "Invoice paid"))
    return rows


def _other_rows(today: dt.date, itemised: list[_Row]) -> list[_Row]:
    """What the office obligates beyond the demo's awards, trips and payroll, office-wide and
    without a document, in equal monthly amounts over each appropriation's availability, so
    that all but the one at risk end near their allotment."""
    obligated: dict[tuple[str, int], int] = {}
    for row in itemised:
        key = (row.account, row.fiscal_year)
        obligated[key] = obligated.get(key, 0) + row.obligation_cents
    rows = []
    for appropriation in db.session.scalars(sa.select(Appropriation).order_by(Appropriation.id)):
        key = (appropriation.account_code, appropriation.fiscal_year)
        if key == AT_RISK or appropriation.expires_on is None:
            continue
        rest = _share(appropriation.allotted_cents, OTHER_TARGET_PERMILLE, 1000) - obligated.get(key, 0)
        months = 12 * (appropriation.availability_years or 1)
        object_class = OPERATIONS_OTHER_CLASS if key[0] == PAYROLL_ACCOUNT else GRANTS_CLASS
        for month in range(1, months + 1):
            year, index = divmod((appropriation.fiscal_year - 1) * 12 + 9 + month - 1, 12)
            day = dt.date(year, index + 1, 28)
            amount = _share(rest, month, months) - _share(rest, month - 1, months)
            if day > today or rest <= 0:
                break
            rows.append(
                _Row(
                    day,
                    f"OTHER-{key[0]}{key[1]}-{day:%Y%m}",
                    *key,
                    object_class,
                    "",
                    "",
                    amount,
                    0,
                    "Other obligations of the month (not itemised in the demo)",
                )
            )
    return rows


def demo_extract(today: dt.date = DEMO_TODAY) -> bytes:
    """The demo office's extract as CSV bytes, rows by posting date then transaction id."""
    appropriations = set(db.session.execute(sa.select(Appropriation.account_code, Appropriation.fiscal_year)).tuples())
    itemised = (
        _award_rows(today, appropriations)
        + _payroll_rows(today, appropriations)
        + _travel_rows(today)
        + _unmatched_rows(today, appropriations)
    )
    rows = sorted(itemised + _other_rows(today, itemised))
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(row.cells() for row in rows)
    return stream.getvalue().encode("utf-8")


def load_demo_actuals(today: dt.date = DEMO_TODAY) -> int:
    """Load the demo extract through the preview and the commit as the first resource manager;
    return how many transactions were written (0 when some are loaded already)."""
    if db.session.scalar(sa.select(sa.func.count(ActualTransaction.id))):
        return 0
    manager = db.session.scalars(
        sa.select(User).where(User.role == Role.RESOURCE_MANAGER, User.active).order_by(User.id).limit(1)
    ).first()
    if manager is None or not db.session.scalar(sa.select(sa.func.count(Award.id))):
        return 0
    load = preview_load(manager, FILENAME, demo_extract(today))
    if not load.is_clean:
        first = load.preview["errors"][0]
        raise RuntimeError(f"The demo extract does not load: row {first['row']}, {first['column']}: {first['message']}")
    return commit_load(manager, load)
