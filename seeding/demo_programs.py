"""The demo office's programs: about 60 awards and an open funding notice with 150 scored proposals.

Deterministic (one seeded random generator), idempotent (skipped when awards
exist), and consistent with the demo scenarios: each scenario's program lines
are lowered, cell by cell, by what the awards' funding for its year claims, so
it spends the same money, part of it now as award lines; the FY2027 plan also
leaves room for what the notice will award.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa

from models import (
    Appropriation,
    Award,
    AwardStatus,
    BudgetLine,
    Country,
    LineSource,
    Priority,
    ProgramType,
    Region,
    Scenario,
    ScenarioStatus,
    db,
)
from services.allocation.problems import program_object_class_id
from services.funds.plan_room import make_room
from services.office.reference import programs_division_id
from services.programs.awards import AwardInput, FundingInput, create_award, write_scenario_award_lines
from services.programs.notice_rules import parse_rules
from services.programs.notices import (
    NoticeInput,
    OutYearInput,
    ProposalInput,
    ScoreInput,
    create_notice,
    create_proposal,
    set_scores,
)

SEED = 2027
PLAN_YEAR = 2027
NOTICE_ACCOUNT = "INCLE"
NOTICE_AMOUNT = Decimal(12_000_000)
NOTICE_RULES = """\
at least 2 awards in WHA
no more than $3,000,000 in EAP
at least 30% protection
at least 1 award in AF
no more than 3 awards for research
"""
# Child Protection Compact partners (ISO 3166 alpha-3).
CPC_COUNTRIES = ("GHA", "PHL", "JAM", "PER", "MNG", "COL", "CIV", "KGZ")
PARTNERS = (
    "International Organization for Migration",
    "UNODC",
    "ILO",
    "UNICEF",
    "Polaris Project",
    "La Strada International",
    "Winrock International",
    "IJM (International Justice Mission)",
    "Freedom Fund",
    "Liberty Shared",
    "Verité",
    "Heartland Alliance International",
    "Catholic Relief Services",
    "World Vision",
    "Save the Children",
    "ECPAT International",
    "Terre des Hommes",
    "ABA Rule of Law Initiative",
    "Global Fund to End Modern Slavery",
    "Justice and Care",
)
APPLICANTS = (
    *PARTNERS,
    "Anti-Slavery International",
    "Plan International",
    "ChildFund",
    "Issara Institute",
    "Walk Free",
    "Centre for Migrant Advocacy",
    "Sahel Women's Network",
    "Andean Legal Aid Foundation",
    "Mekong Migration Network",
    "Balkan Victim Support Alliance",
    "Gulf Labour Rights Observatory",
    "Caribbean Shelter Coalition",
    "Pacific Islands Legal Network",
    "University of Nottingham Rights Lab",
    "Johns Hopkins Bloomberg School of Public Health",
)
ACTIVITIES = {
    "prosecution": (
        "Strengthening prosecution of trafficking cases",
        "Judicial training on victim-centred trials",
        "Specialised anti-trafficking police units",
        "Financial investigations of trafficking networks",
    ),
    "protection": (
        "Shelter and reintegration services for survivors",
        "Trauma-informed care for child victims",
        "Legal aid for trafficking survivors",
        "Victim identification at borders",
    ),
    "prevention": (
        "Fair recruitment in labour migration corridors",
        "Community awareness in source villages",
        "Supply-chain due diligence",
        "Online exploitation prevention in schools",
    ),
    "partnership": (
        "National referral mechanism partnership",
        "Regional cooperation on cross-border cases",
        "Survivor leadership and engagement",
        "Civil society coalition building",
    ),
}
REVIEWERS = ("Panel reviewer A", "Panel reviewer B", "Panel reviewer C")
# Program types of the demo portfolio, with how many awards of each and their length in years.
PORTFOLIO = (("bilateral", 20, (2, 3)), ("regional", 8, (2, 3)), ("cpc", 8, (4, 5)),
             ("ttaa", 10, (1, 2)), ("eva", 6, (1, 1)), ("research", 8, (2, 3)))  # fmt: skip


def load_demo_programs() -> None:
    """Awards and an open notice for the demo office (after load_demo_office); no-op when awards exist."""
    if db.session.scalar(sa.select(Award.id).limit(1)) is not None:
        return
    rng = random.Random(SEED)
    refs = _References()
    specs = _award_specs(rng, refs)
    scenarios = list(db.session.scalars(sa.select(Scenario).order_by(Scenario.budget_year)))
    for scenario in scenarios:
        notice_room = scenario.budget_year == PLAN_YEAR and scenario.status == ScenarioStatus.DRAFT
        _make_room(scenario, specs, NOTICE_AMOUNT if notice_room else Decimal(0))
    for spec in specs:
        create_award(None, spec)  # writes the draft plans' award lines
    for scenario in scenarios:
        if scenario.status != ScenarioStatus.DRAFT:  # the actuals and the enacted year carry theirs too
            write_scenario_award_lines(scenario)
    _load_notice(rng, refs)
    db.session.flush()


class _References:
    def __init__(self) -> None:
        self.division_id = programs_division_id()
        self.regions = {r.code: r for r in db.session.scalars(sa.select(Region))}
        self.priorities = {p.code: p for p in db.session.scalars(sa.select(Priority).order_by(Priority.sort_order))}
        self.program_types = {t.code: t for t in db.session.scalars(sa.select(ProgramType))}
        self.countries_by_region: dict[int, list[Country]] = defaultdict(list)
        for country in db.session.scalars(sa.select(Country).order_by(Country.iso3)):
            self.countries_by_region[country.region_id].append(country)
        self.by_iso3 = {c.iso3: c for cs in self.countries_by_region.values() for c in cs}

    def place(self, rng: random.Random, program_type: str) -> tuple[Region, Country | None]:
        if program_type == "cpc":
            raise AssertionError("CPC places are chosen from CPC_COUNTRIES")
        if program_type in ("regional", "research") or rng.random() < 0.1:
            region = self.regions[rng.choice(["AF", "EAP", "EUR", "NEA", "SCA", "WHA", "GLOBAL"])]
            return region, None
        region = self.regions[rng.choice(["AF", "EAP", "EUR", "NEA", "SCA", "WHA"])]
        return region, rng.choice(self.countries_by_region[region.id])


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    """A round amount in thousands of dollars."""
    return Decimal(rng.randrange(low // 1000, high // 1000) * 1000)


def _award_specs(rng: random.Random, refs: _References) -> list[AwardInput]:
    specs = []
    sequence = 0
    cpc = iter(CPC_COUNTRIES)
    for program_type, count, (shortest, longest) in PORTFOLIO:
        for _ in range(count):
            sequence += 1
            if program_type == "cpc":
                country = refs.by_iso3[next(cpc)]
                region = country.region
                priority = "protection" if sequence % 2 else "partnership"
            else:
                region, country = refs.place(rng, program_type)
                priority = rng.choice(list(refs.priorities))
            first_year = rng.choice([2025, 2025, 2026, 2026, 2027])
            years = rng.randint(shortest, longest)
            status = AwardStatus.ACTIVE
            if first_year + years - 1 < 2027:
                status = AwardStatus.CLOSED
            elif first_year == 2027 and rng.random() < 0.5:
                status = AwardStatus.PENDING
            account = "ESF" if rng.random() < 0.25 and program_type != "cpc" else "INCLE"
            per_year = _amount(rng, 1_200_000, 2_500_000) if program_type == "cpc" else _amount(rng, 200_000, 900_000)
            funding = tuple(
                FundingInput(year, account, per_year if i else per_year + _amount(rng, 0, 300_000))
                for i, year in enumerate(range(first_year, min(first_year + years, 2032)))
            )
            total = sum((f.amount for f in funding), Decimal(0))
            starts_on = dt.date(first_year - 1, 10, 1) + dt.timedelta(days=rng.randrange(0, 150))
            ends_on = dt.date(funding[-1].fiscal_year, 9, 30)
            obligated = (
                total
                if status == AwardStatus.CLOSED
                else sum((f.amount for f in funding if f.fiscal_year <= 2026), Decimal(0))
            )
            if status == AwardStatus.ACTIVE and obligated == 0:
                obligated = funding[0].amount
            if status == AwardStatus.PENDING:
                obligated = Decimal(0)
            expended = obligated if status == AwardStatus.CLOSED else (obligated * Decimal("0.6")).quantize(Decimal(1))
            place = country.name if country else region.name
            activity = rng.choice(ACTIVITIES[priority])
            specs.append(
                AwardInput(
                    number=f"SSJTIP{first_year % 100}CA{sequence:04d}",
                    title=f"{activity}: {place}" if program_type != "cpc" else f"Child Protection Compact: {place}",
                    partner=rng.choice(PARTNERS),
                    division_id=refs.division_id,
                    program_type_id=refs.program_types[program_type].id,
                    region_id=region.id,
                    country_id=country.id if country else None,
                    priority_id=refs.priorities[priority].id,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    total=total,
                    funding=funding,
                    obligated=obligated,
                    expended=expended,
                    status=status,
                    monitoring_notes=rng.choice(
                        [
                            "",
                            "Quarterly report received on time; targets on track.",
                            "Site visit found shelter capacity below plan; corrective action agreed.",
                            "Spending behind plan by one quarter; partner revised the workplan.",
                            "Mid-term evaluation scheduled.",
                        ]
                    ),
                )
            )
    return specs


def _make_room(plan: Scenario, specs: list[AwardInput], notice_amount: Decimal) -> None:
    """Lower the scenario's program lines by what the awards claim in its year (cell by cell where
    the cell has the money, else across the appropriation), plus `notice_amount` from the notice's account."""
    program_class = program_object_class_id()
    appropriations = {
        a.account_code: a
        for a in db.session.scalars(sa.select(Appropriation).where(Appropriation.fiscal_year == plan.budget_year))
    }
    owed: dict[str, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    for spec in specs:
        for row in spec.funding:
            if row.fiscal_year == plan.budget_year:
                owed[row.account_code][(spec.region_id, spec.priority_id)] += int(row.amount * 100)
    if notice_amount:
        owed[NOTICE_ACCOUNT][(0, 0)] += int(notice_amount * 100)  # (0, 0): from anywhere in the account
    # The snapshots' program lines are at every stage (actuals are obligated): all of them give way here.
    for account, cells in owed.items():
        lines = list(
            db.session.scalars(
                sa.select(BudgetLine).where(
                    BudgetLine.scenario_id == plan.id,
                    BudgetLine.appropriation_id == appropriations[account].id,
                    BudgetLine.object_class_id == program_class,
                    BudgetLine.source != LineSource.AWARD,
                )
            )
        )
        needed = sum(cells.values())
        if make_room(lines, {cell: cents for cell, cents in cells.items() if cell != (0, 0)}, needed) < needed:
            raise AssertionError(f"the demo plan has too little {account} program money for the demo awards")
    db.session.flush()


def _load_notice(rng: random.Random, refs: _References) -> None:
    notice = create_notice(
        None,
        NoticeInput(
            number="SFOP0010027",
            title="FY2027 International Programs to Combat Trafficking in Persons",
            fiscal_year=PLAN_YEAR,
            account_code=NOTICE_ACCOUNT,
            amount=NOTICE_AMOUNT,
            program_types=("bilateral", "regional", "ttaa", "research"),
            regions=(),
            priorities=(),
            rules=parse_rules(NOTICE_RULES),
            description="Annual notice of funding opportunity: bilateral and regional projects, training and "
            "technical assistance, research. Awards of $250,000 to $1,500,000 for up to three years.",
        ),
    )
    types = ["bilateral"] * 5 + ["regional"] * 2 + ["ttaa"] * 2 + ["research"] + ["eva"]  # eva: ineligible
    for number in range(1, 151):
        program_type = rng.choice(types)
        region, country = refs.place(rng, program_type)
        priority = rng.choice(list(refs.priorities))
        cost = _amount(rng, 250_000, 1_500_000)
        years = rng.choice([1, 1, 2, 2, 3])
        out_years = {PLAN_YEAR + i: (cost * Decimal(rng.choice(["0.8", "0.9", "1.0"]))).quantize(Decimal(1))
                     for i in range(1, years)}  # fmt: skip
        proposal = create_proposal(
            None,
            notice,
            ProposalInput(
                number=f"P-{number:03d}",
                applicant=rng.choice(APPLICANTS),
                title=f"{rng.choice(ACTIVITIES[priority])}: {country.name if country else region.name}",
                region_id=region.id,
                country_id=country.id if country else None,
                priority_id=refs.priorities[priority].id,
                program_type_id=refs.program_types[program_type].id,
                cost=cost,
                out_years=tuple(OutYearInput(year, amount) for year, amount in out_years.items()),
                months=12 * years,
            ),
        )
        quality = rng.uniform(55, 92)
        set_scores(
            None,
            proposal,
            [
                ScoreInput(reviewer, Decimal(str(round(min(100, max(0, quality + rng.gauss(0, 5))), 1))))
                for reviewer in REVIEWERS
            ],
            proposal.version,
        )
