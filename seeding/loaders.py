"""Reference data, the demo office and synthetic scale data, loaded from fixtures/.

Plain functions on models, with no Flask app: they add and flush, never commit;
the caller (`flask seed`, a test fixture) commits once.

- load_reference(): fiscal years, regions, countries and their TIP Report tiers,
  object classes, the Ps, program types, divisions, foreign per diem rates,
  pay rates, travel purposes and city-pair fares.
  Idempotent: rows are matched by their code and updated in place.
- load_demo_office(password): demo users, appropriations with directives, and
  three scenarios with a few hundred budget lines each. Does nothing when the
  demo office exists already.
- load_scale_lines(scenario_id, count): bulk synthetic lines for performance tests.

Money is integer cents throughout; the demo's amounts are generated in whole
hundreds of dollars with integer arithmetic (shares are per mille), never float.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from models import (
    Appropriation,
    BudgetLine,
    CityPairFare,
    Country,
    CountryTier,
    Directive,
    Division,
    FiscalYear,
    FundsCategory,
    LineSource,
    LineStage,
    ObjectClass,
    PayRate,
    PerDiemRate,
    Priority,
    ProgramType,
    Region,
    Role,
    Scenario,
    ScenarioKind,
    ScenarioStatus,
    TravelPurpose,
    User,
    db,
)
from models.base import utcnow
from money import money_str, to_cents
from services.audit.events import record_event
from services.errors import ValidationError
from services.office.accounts import create_user

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
FISCAL_YEARS = range(2025, 2032)  # FY2025 (PY of the demo) to FY2031 (BY FY2027 + 4 out-years)
GLOBAL_REGION = "GLOBAL"  # programs here have no country
# Countries whose csv region is not a regional bureau (the United States: "N/A") go here,
# because Country.region is required.
FALLBACK_REGION = GLOBAL_REGION
# TIP Report year -> column of countries_tiers.csv.
TIER_COLUMNS = {2025: "tier", 2024: "tier_2024"}
PER_DIEM_FILE = "foreign_per_diem_2026-04.csv"
PAY_RATES_FILE = "pay_rates.csv"
TRAVEL_PURPOSES_FILE = "travel_purposes.csv"
CITY_PAIR_FARES_FILE = "city_pair_fares.csv"
DEMO_FILE = "demo_office.json"
SCALE_CHUNK = 5_000
_HUNDRED_CENTS = 100 * 100  # the demo's amounts are whole hundreds of dollars


# --------------------------------------------------------------------------- helpers


def _rows(name: str) -> list[dict[str, str]]:
    with open(FIXTURES_DIR / name, newline="", encoding="utf-8-sig") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def _assign(record: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True if anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(record, key) != value:
            setattr(record, key, value)
            changed = True
    return changed


def _upsert(model: type, key: str, rows: list[dict[str, Any]]) -> tuple[dict[Any, Any], int]:
    """Insert or update `model` rows matched on the `key` attribute; returns (all by key, rows changed)."""
    existing = {getattr(record, key): record for record in db.session.scalars(sa.select(model))}
    changed = 0
    for values in rows:
        record = existing.get(values[key])
        if record is None:
            record = model(**values)
            db.session.add(record)
            existing[values[key]] = record
            changed += 1
        elif _assign(record, values):
            changed += 1
    db.session.flush()
    return existing, changed


def _cents(dollars: str) -> int:
    """A decimal string of dollars ("182.0", "68000000") to integer cents, without float."""
    return to_cents(Decimal(dollars))


def _normalise_name(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(ascii_name.replace("\u2019", "'").casefold().split())


# --------------------------------------------------------------------------- reference data


def load_reference() -> dict[str, int]:
    """Load (or refresh) the reference tables from fixtures/. Returns rows created or changed per table;
    a second run returns zeros."""
    changed: dict[str, int] = {}

    _, changed["fiscal_year"] = _upsert(FiscalYear, "year", [{"year": year} for year in FISCAL_YEARS])
    regions, changed["region"] = _upsert(
        Region, "code", [{"code": row["code"], "name": row["name"]} for row in _rows("regions.csv")]
    )
    _, changed["priority"] = _upsert(
        Priority,
        "code",
        [{"code": r["code"], "name": r["name"], "sort_order": int(r["sort_order"])} for r in _rows("priorities.csv")],
    )
    _, changed["program_type"] = _upsert(
        ProgramType, "code", [{"code": r["code"], "name": r["name"]} for r in _rows("program_types.csv")]
    )
    _, changed["division"] = _upsert(
        Division,
        "code",
        [
            {"code": r["code"], "name": r["name"], "manages_programs": r["manages_programs"] == "true"}
            for r in _rows("divisions.csv")
        ],
    )
    _, changed["object_class"] = _upsert(
        ObjectClass,
        "code",
        [{"code": r["code"], "title": r["title"], "group": r["group"]} for r in _rows("object_classes.csv")],
    )

    country_rows = _rows("countries_tiers.csv")
    fallback = regions[FALLBACK_REGION]
    countries, changed["country"] = _upsert(
        Country,
        "iso3",
        [
            {"iso3": r["iso3"], "name": r["country"], "region_id": regions.get(r["region"], fallback).id}
            for r in country_rows
        ],
    )
    changed["country_tier"] = _load_tiers(country_rows, countries)
    changed["per_diem_rate"] = _load_per_diem(countries)
    changed["pay_rate"] = _load_pay_rates()
    # Only the name is loaded: an administrator's choice to retire a purpose (active) is kept.
    _, changed["travel_purpose"] = _upsert(
        TravelPurpose, "name", [{"name": r["name"]} for r in _rows(TRAVEL_PURPOSES_FILE)]
    )
    changed["city_pair_fare"] = _load_city_pair_fares()
    return changed


def _load_tiers(country_rows: list[dict[str, str]], countries: dict[str, Country]) -> int:
    existing = {(t.country_id, t.report_year): t for t in db.session.scalars(sa.select(CountryTier))}
    changed = 0
    for row in country_rows:
        country_id = countries[row["iso3"]].id
        for report_year, column in TIER_COLUMNS.items():
            tier = row.get(column, "")
            if not tier:
                continue
            record = existing.get((country_id, report_year))
            if record is None:
                db.session.add(CountryTier(country_id=country_id, report_year=report_year, tier=tier))
                changed += 1
            elif _assign(record, {"tier": tier}):
                changed += 1
    db.session.flush()
    return changed


def _country_matcher(countries: dict[str, Country]) -> dict[str, int]:
    """Normalised per diem country name -> country id: exact names (any case) plus the alias table."""
    by_name = {_normalise_name(c.name): c.id for c in db.session.scalars(sa.select(Country))}
    for row in _rows("country_aliases.csv"):
        country = countries.get(row["iso3"])
        if country is not None:
            by_name[_normalise_name(row["per_diem_country"])] = country.id
    return by_name


def _load_per_diem(countries: dict[str, Country]) -> int:
    match = _country_matcher(countries)
    existing = {(r.country_name, r.location, r.season_code): r for r in db.session.scalars(sa.select(PerDiemRate))}
    changed = 0
    for row in _rows(PER_DIEM_FILE):
        key = (row["Country"], row["Location"], row["Season Code"])
        values = {
            "country_id": match.get(_normalise_name(row["Country"])),
            "season_start": dt.date.fromisoformat(row["Season Start Date"]),
            "season_end": dt.date.fromisoformat(row["Season End Date"]),
            "lodging_cents": _cents(row["Lodging"]),
            "mie_cents": _cents(row["Meals & Incidentals"]),
            "effective_on": dt.date.fromisoformat(row["Effective Date"]) if row["Effective Date"] else None,
            "published": row["Publication Date"],
        }
        record = existing.get(key)
        if record is None:
            record = PerDiemRate(country_name=key[0], location=key[1], season_code=key[2], **values)
            db.session.add(record)
            existing[key] = record
            changed += 1
        elif _assign(record, values):
            changed += 1
    db.session.flush()
    return changed


def _load_pay_rates() -> int:
    """Pay rates matched on (pay plan, grade, step, table year); annual_cents is already in cents."""
    existing = {(r.pay_plan, r.grade, r.step, r.year): r for r in db.session.scalars(sa.select(PayRate))}
    changed = 0
    for row in _rows(PAY_RATES_FILE):
        key = (row["pay_plan"], int(row["grade"]), int(row["step"]), int(row["year"]))
        values = {"annual_cents": int(row["annual_cents"]), "locality": row["locality"], "source": row["source"]}
        record = existing.get(key)
        if record is None:
            record = PayRate(pay_plan=key[0], grade=key[1], step=key[2], year=key[3], **values)
            db.session.add(record)
            existing[key] = record
            changed += 1
        elif _assign(record, values):
            changed += 1
    db.session.flush()
    return changed


def _load_city_pair_fares() -> int:
    """Round-trip fares matched on (origin, destination); the fare is a decimal string of dollars."""
    existing = {(r.origin, r.destination): r for r in db.session.scalars(sa.select(CityPairFare))}
    changed = 0
    for row in _rows(CITY_PAIR_FARES_FILE):
        key = (row["origin"], row["destination"])
        values = {"fare_cents": _cents(row["fare"])}
        record = existing.get(key)
        if record is None:
            record = CityPairFare(origin=key[0], destination=key[1], **values)
            db.session.add(record)
            existing[key] = record
            changed += 1
        elif _assign(record, values):
            changed += 1
    db.session.flush()
    return changed


# --------------------------------------------------------------------------- the demo office


def _demo_spec() -> dict[str, Any]:
    with open(FIXTURES_DIR / DEMO_FILE, encoding="utf-8") as handle:
        return json.load(handle)


def demo_operations() -> dict[str, Any]:
    """The demo's operations lines (DP), as the fixture defines them."""
    return _demo_spec()["operations"]


def demo_users() -> list[tuple[str, str, str]]:
    """(email, role, division code) of the demo users, as the fixture defines them."""
    return [(u["email"], u["role"], u["division"]) for u in _demo_spec()["users"]]


@dataclass(frozen=True)
class _Draft:
    """A budget line before it has ids: amounts in whole hundreds of dollars."""

    account_code: str
    object_class: str
    division: str
    hundreds: int
    description: str
    region: str | None = None
    country: str | None = None  # iso3
    priority: str | None = None
    program_type: str | None = None


class _Codes:
    """Reference rows by code, for turning drafts into lines."""

    def __init__(self) -> None:
        def by_code(model: type) -> dict[str, Any]:
            return {record.code: record for record in db.session.scalars(sa.select(model).order_by(model.id))}

        self.regions = by_code(Region)
        self.priorities = by_code(Priority)
        self.program_types = by_code(ProgramType)
        self.divisions = by_code(Division)
        self.object_classes = by_code(ObjectClass)
        self.countries = {c.iso3: c for c in db.session.scalars(sa.select(Country).order_by(Country.iso3))}
        self.tiers = dict(
            db.session.execute(
                sa.select(Country.iso3, CountryTier.tier)
                .join(CountryTier, CountryTier.country_id == Country.id)
                .where(CountryTier.report_year == max(TIER_COLUMNS))
            ).all()
        )

    def require(self, spec: dict[str, Any]) -> None:
        program = spec["program"]
        needed = {
            "division": (self.divisions, {u["division"] for u in spec["users"]}),
            "object class": (
                self.object_classes,
                {program["object_class"]} | {line["object_class"] for line in spec["operations"]["lines"]},
            ),
            "region": (self.regions, set(program["region_percent"])),
            "priority": (self.priorities, {p for w in program["priority_percent"].values() for p in w}),
            "program type": (
                self.program_types,
                set(program["program_type_percent"]) | set(program["global_program_type_percent"]) | {"cpc"},
            ),
            "country": (self.countries, {c["iso3"] for c in program["cpc"]}),
        }
        for label, (table, codes) in needed.items():
            missing = sorted(codes - set(table))
            if missing:
                raise ValidationError(
                    f"Load the reference data first: no {label} {', '.join(missing)}.",
                    fields={label.replace(" ", "_"): "Missing reference data."},
                )


def load_demo_office(demo_password: str) -> list[tuple[str, str, str]]:
    """Create the demo office unless it exists; returns (email, role, division) of the demo users.

    Needs load_reference() first. Existing users (by email) and appropriations
    (by account and year) are kept as they are.
    """
    spec = _demo_spec()
    users = demo_users()
    if db.session.scalar(sa.select(Scenario.id).where(Scenario.name == spec["marker_scenario"])) is not None:
        return users

    codes = _Codes()
    codes.require(spec)
    _create_users(spec, codes, demo_password)
    appropriations = _create_appropriations(spec)
    author = db.session.scalar(sa.select(User).where(User.email == spec["lines_created_by"]))
    rng = random.Random(spec["seed"])
    focus = _focus_countries(rng, spec["program"], codes)

    portfolios: dict[str, list[_Draft]] = {}
    scenarios: dict[str, Scenario] = {}
    for scenario_spec in sorted(spec["scenarios"], key=lambda s: s["budget_year"]):
        year = scenario_spec["budget_year"]
        scenario = db.session.scalar(sa.select(Scenario).where(Scenario.name == scenario_spec["name"]))
        if scenario is not None:  # a half-loaded demo: keep what is there
            scenarios[scenario.name] = scenario
            continue
        scenario = Scenario(
            name=scenario_spec["name"],
            budget_year=year,
            kind=ScenarioKind(scenario_spec["kind"]),
            status=ScenarioStatus(scenario_spec["status"]),
            description=scenario_spec["description"],
            based_on=scenarios.get(scenario_spec["based_on"] or ""),
        )
        db.session.add(scenario)
        db.session.flush()
        scenarios[scenario.name] = scenario

        drafts: list[_Draft] = []
        for account in spec["program"]["appropriations"]:
            appropriation = appropriations.get((account, year))
            if appropriation is None:
                continue
            portfolio, fixed = _program_drafts(
                rng,
                spec["program"],
                codes,
                focus,
                account,
                year,
                appropriation.allotted_cents // _HUNDRED_CENTS,
                portfolios.get(account, []),
            )
            portfolios[account] = portfolio
            drafts += fixed + portfolio
        operations = appropriations.get((spec["operations"]["account_code"], year))
        if operations is not None:
            drafts += _operations_drafts(rng, spec["operations"], year, operations.allotted_cents // _HUNDRED_CENTS)

        lines = _lines(rng, drafts, scenario, scenario_spec["stage_percent"], appropriations, codes, author)
        db.session.add_all(lines)
        db.session.flush()
        record_event(
            None,
            "seed.demo",
            "scenario",
            scenario.id,
            after={
                "name": scenario.name,
                "lines": len(lines),
                "amount": money_str(sum(line.amount_cents for line in lines)),
            },
            reason="Demo office loaded from fixtures",
        )
    db.session.flush()
    return users


def _create_users(spec: dict[str, Any], codes: _Codes, password: str) -> None:
    taken = set(db.session.scalars(sa.select(User.email)))
    for user in spec["users"]:
        if user["email"] in taken:
            continue
        create_user(
            None,
            email=user["email"],
            name=user["name"],
            role=Role(user["role"]),
            division=codes.divisions[user["division"]],
            password=password,
            check_password=False,  # the documented demo password (DEMO_PASSWORD), never in production
        )


def _create_appropriations(spec: dict[str, Any]) -> dict[tuple[str, int], Appropriation]:
    existing = {(a.account_code, a.fiscal_year): a for a in db.session.scalars(sa.select(Appropriation))}
    created: set[tuple[str, int]] = set()
    for account in spec["appropriations"]:
        for year_text, amounts in account["years"].items():
            key = (account["account_code"], int(year_text))
            if key in existing:
                continue
            appropriation = Appropriation(
                account_code=key[0],
                title=account["title"],
                category=FundsCategory(account["category"]),
                fiscal_year=key[1],
                availability_years=account["availability_years"],
                enacted_cents=_cents(amounts["enacted"]),
                apportioned_cents=_cents(amounts["apportioned"]),
                allotted_cents=_cents(amounts["allotted"]),
            )
            db.session.add(appropriation)
            existing[key] = appropriation
            created.add(key)
    for directive in spec["directives"]:
        key = (directive["account_code"], directive["fiscal_year"])
        if key in created:  # directives only on appropriations this run created
            existing[key].directives.append(
                Directive(
                    label=directive["label"],
                    min_cents=_cents(directive["min"]) if "min" in directive else None,
                    max_cents=_cents(directive["max"]) if "max" in directive else None,
                    where=directive["where"],
                    citation=directive["citation"],
                )
            )
    db.session.flush()
    return existing


def _hundreds(dollars: str) -> int:
    return int(Decimal(dollars)) // 100


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _focus_countries(rng: random.Random, program: dict[str, Any], codes: _Codes) -> dict[str, list[str]]:
    """Per region, the countries the office runs bilateral programs in: sampled by TIP tier, stable across years."""
    weights = program["focus_tier_weight"]
    focus: dict[str, list[str]] = {}
    for region, count in program["focus_countries_per_region"].items():
        candidates = [
            iso3
            for iso3, country in codes.countries.items()
            if country.region.code == region and weights.get(codes.tiers.get(iso3, ""), 0) > 0
        ]
        chosen: list[str] = []
        while candidates and len(chosen) < count:
            iso3 = rng.choices(candidates, weights=[weights[codes.tiers[c]] for c in candidates])[0]
            candidates.remove(iso3)
            chosen.append(iso3)
        focus[region] = sorted(chosen)
    return focus


def _new_program_draft(
    rng: random.Random, program: dict[str, Any], codes: _Codes, focus: dict[str, list[str]], account: str
) -> _Draft:
    region = _pick(rng, program["region_percent"])
    priority = _pick(rng, program["priority_percent"][account])
    is_global = region == GLOBAL_REGION or not focus.get(region)
    program_type = _pick(rng, program["global_program_type_percent" if is_global else "program_type_percent"])
    priority = program["type_priority"].get(program_type, priority)
    country = None
    if program_type in program["types_with_country"] and not is_global:
        country = rng.choice(focus[region])
    activity = rng.choice(program["type_activities"].get(program_type) or program["activities"][priority])
    low, high = program["line_size"][program_type]
    hundreds = rng.randint(_hundreds(low), _hundreds(high))
    return _program_draft(program, codes, account, region, country, priority, program_type, activity, hundreds)


def _program_draft(
    program: dict[str, Any],
    codes: _Codes,
    account: str,
    region: str,
    country: str | None,
    priority: str,
    program_type: str,
    activity: str,
    hundreds: int,
) -> _Draft:
    division = program["division"]
    for rule in program["division_rules"]:
        facts = {"region": region, "priority": priority, "program_type": program_type}
        if all(facts[key] == value for key, value in rule.items() if key != "division"):
            division = rule["division"]
            break
    if country is not None:
        place = codes.countries[country].name
    elif region == GLOBAL_REGION:
        place = "global"
    else:
        place = codes.regions[region].name
    description = (
        f"{codes.priorities[priority].name}: {activity} — {place}{program['type_suffix'].get(program_type, '')}"
    )
    return _Draft(
        account_code=account,
        object_class=program["object_class"],
        division=division,
        hundreds=hundreds,
        description=description,
        region=region,
        country=country,
        priority=priority,
        program_type=program_type,
    )


def _program_drafts(
    rng: random.Random,
    program: dict[str, Any],
    codes: _Codes,
    focus: dict[str, list[str]],
    account: str,
    year: int,
    allotted_hundreds: int,
    previous: list[_Draft],
) -> tuple[list[_Draft], list[_Draft]]:
    """(the year's portfolio, carried into next year; the fixed Child Protection Compact lines)."""
    target = allotted_hundreds * rng.randint(*program["planned_permille"]) // 1000
    fixed = [
        _program_draft(
            program,
            codes,
            account,
            codes.countries[cpc["iso3"]].region.code,
            cpc["iso3"],
            part["priority"],
            "cpc",
            part["activity"],
            _hundreds(part["amount"]),
        )
        for cpc in program["cpc"]
        if cpc["account_code"] == account and cpc["from"] <= year <= cpc["to"]
        for part in cpc["components"]
    ]
    target -= sum(d.hundreds for d in fixed)

    low, high = program["carry_over_change_permille"]
    portfolio = [
        replace(d, hundreds=d.hundreds * rng.randint(low, high) // 1000)
        for d in previous
        if rng.randrange(100) < program["carry_over_percent"]
    ]
    total = sum(d.hundreds for d in portfolio)
    if total > target:  # scale down (rounding down keeps the sum within the target)
        portfolio = [replace(d, hundreds=d.hundreds * target // total) for d in portfolio]
        total = sum(d.hundreds for d in portfolio)
    smallest = _hundreds(program["smallest_line"])
    while target - total >= smallest:
        draft = _new_program_draft(rng, program, codes, focus, account)
        draft = replace(draft, hundreds=min(draft.hundreds, target - total))
        portfolio.append(draft)
        total += draft.hundreds
    return [d for d in portfolio if d.hundreds > 0], fixed


def _operations_drafts(
    rng: random.Random, operations: dict[str, Any], year: int, allotted_hundreds: int
) -> list[_Draft]:
    target = allotted_hundreds * rng.randint(*operations["planned_permille"]) // 1000
    growth = 1000 + operations["growth_permille_per_year"]
    drafts = []
    for line in operations["lines"]:
        hundreds = _hundreds(line["amount"])
        for _ in range(year - operations["base_year"]):
            hundreds = hundreds * growth // 1000
        hundreds = hundreds * rng.randint(*operations["change_permille"]) // 1000
        drafts.append(
            _Draft(
                account_code=operations["account_code"],
                object_class=line["object_class"],
                division=line["division"],
                hundreds=hundreds,
                description=line["description"],
            )
        )
    total = sum(d.hundreds for d in drafts)
    if total > target:
        drafts = [replace(d, hundreds=d.hundreds * target // total) for d in drafts]
    return drafts


def _lines(
    rng: random.Random,
    drafts: list[_Draft],
    scenario: Scenario,
    stage_percent: dict[str, int],
    appropriations: dict[tuple[str, int], Appropriation],
    codes: _Codes,
    author: User | None,
) -> list[BudgetLine]:
    region_order = list(codes.regions)
    priority_order = {code: p.sort_order for code, p in codes.priorities.items()}

    def order(d: _Draft) -> tuple:
        return (
            d.account_code,
            d.object_class,
            region_order.index(d.region) if d.region else -1,
            codes.countries[d.country].name if d.country else "",
            priority_order.get(d.priority or "", 0),
            d.program_type or "",
            d.division,
            d.description,
        )

    lines = []
    for draft in sorted(drafts, key=order):
        lines.append(
            BudgetLine(
                scenario_id=scenario.id,
                fiscal_year=scenario.budget_year,
                appropriation_id=appropriations[(draft.account_code, scenario.budget_year)].id,
                division_id=codes.divisions[draft.division].id,
                object_class_id=codes.object_classes[draft.object_class].id,
                region_id=codes.regions[draft.region].id if draft.region else None,
                country_id=codes.countries[draft.country].id if draft.country else None,
                priority_id=codes.priorities[draft.priority].id if draft.priority else None,
                program_type_id=codes.program_types[draft.program_type].id if draft.program_type else None,
                description=draft.description,
                amount_cents=draft.hundreds * _HUNDRED_CENTS,
                stage=LineStage(_pick(rng, stage_percent)),
                source=LineSource.MANUAL,
                created_by_id=author.id if author is not None else None,
            )
        )
    return lines


# --------------------------------------------------------------------------- scale data


def load_scale_lines(scenario_id: int, count: int, seed: int = 1) -> int:
    """Append `count` synthetic lines to a scenario with bulk inserts; returns how many were inserted.

    A performance tool: the lines have valid references but are not checked
    against funds, and may overdraw the scenario's appropriations.
    """
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None:
        raise ValidationError(f"There is no scenario {scenario_id}.", fields={"scenario_id": "No such scenario."})
    if count <= 0:
        return 0
    rng = random.Random(seed)
    year = scenario.budget_year

    def covers(fiscal_year: int, years: int | None) -> bool:
        return fiscal_year <= year and (years is None or year < fiscal_year + years)

    appropriations = db.session.execute(
        sa.select(
            Appropriation.id, Appropriation.fiscal_year, Appropriation.availability_years, Appropriation.category
        ).order_by(Appropriation.id)
    ).all()
    usable = [a for a in appropriations if covers(a.fiscal_year, a.availability_years)] or appropriations
    division_ids = list(db.session.scalars(sa.select(Division.id).order_by(Division.id)))
    object_classes = dict(db.session.execute(sa.select(ObjectClass.code, ObjectClass.id)).all())
    if not usable or not division_ids or not object_classes:
        raise ValidationError(
            "Load the reference data and the demo office (or an appropriation) first.",
            fields={"scenario_id": "Nothing to draw references from."},
        )
    grants_id = object_classes.pop("41.0", None)
    operations_ids = sorted(object_classes.values()) or [grants_id]
    region_ids = list(db.session.scalars(sa.select(Region.id).order_by(Region.id)))
    countries_by_region: dict[int, list[int]] = {}
    for country_id, region_id in db.session.execute(sa.select(Country.id, Country.region_id).order_by(Country.id)):
        countries_by_region.setdefault(region_id, []).append(country_id)
    priority_ids = list(db.session.scalars(sa.select(Priority.id).order_by(Priority.id))) or [None]
    program_type_ids = list(db.session.scalars(sa.select(ProgramType.id).order_by(ProgramType.id))) or [None]
    stages = list(LineStage)
    now = utcnow()

    inserted = 0
    chunk: list[dict[str, Any]] = []
    for number in range(1, count + 1):
        appropriation = rng.choice(usable)
        row = {
            "scenario_id": scenario_id,
            "fiscal_year": year
            if covers(appropriation.fiscal_year, appropriation.availability_years)
            else appropriation.fiscal_year,
            "appropriation_id": appropriation.id,
            "division_id": rng.choice(division_ids),
            "object_class_id": rng.choice(operations_ids),
            "region_id": None,
            "country_id": None,
            "priority_id": None,
            "program_type_id": None,
            "description": f"Scale test line {seed}-{number}",
            "amount_cents": rng.randint(10, 5_000) * _HUNDRED_CENTS,  # $1,000 to $500,000
            "stage": rng.choice(stages),
            "source": LineSource.IMPORT,
            "source_id": None,
            "created_by_id": None,
            "updated_at": now,
            "version": 1,
        }
        if appropriation.category == FundsCategory.FOREIGN_ASSISTANCE and grants_id is not None and region_ids:
            region_id = rng.choice(region_ids)
            countries = countries_by_region.get(region_id)
            row.update(
                object_class_id=grants_id,
                region_id=region_id,
                country_id=rng.choice(countries) if countries and rng.randrange(10) < 7 else None,
                priority_id=rng.choice(priority_ids),
                program_type_id=rng.choice(program_type_ids),
            )
        chunk.append(row)
        if len(chunk) == SCALE_CHUNK:
            inserted += _insert_lines(chunk)
            chunk = []
    if chunk:
        inserted += _insert_lines(chunk)
    record_event(
        None,
        "seed.scale",
        "scenario",
        scenario_id,
        after={"lines": inserted, "seed": seed},
        reason="Synthetic lines for a performance test",
    )
    db.session.flush()
    return inserted


def _insert_lines(rows: list[dict[str, Any]]) -> int:
    # The ORM batches consecutive rows whose None columns match into one multi-row
    # INSERT; interleaved program and operations rows would otherwise go one by one.
    rows.sort(key=lambda row: (row["region_id"] is None, row["country_id"] is None))
    db.session.execute(sa.insert(BudgetLine), rows)
    return len(rows)
