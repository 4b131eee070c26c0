"""Reference data lookups for forms, filters and the API."""

from __future__ import annotations

import sqlalchemy as sa

from models import (
    Appropriation,
    Country,
    Division,
    FiscalYear,
    ObjectClass,
    Priority,
    ProgramType,
    Region,
    Scenario,
    ScenarioStatus,
    TravelPurpose,
    User,
    db,
)

Choice = tuple[int | str, str]


def _choices(query: sa.Select, label) -> list[Choice]:
    return [(record.id, label(record)) for record in db.session.scalars(query)]


def _pairs(query: sa.Select) -> list[Choice]:
    """(id, name) rows read as columns: the filters of every list page read these, and loading whole
    records to show two of their fields cost more than the rest of the page."""
    return list(db.session.execute(query).tuples())


def scenario_choices() -> list[Choice]:
    return _pairs(sa.select(Scenario.id, Scenario.name).order_by(Scenario.budget_year.desc(), Scenario.name))


def fiscal_year_choices() -> list[Choice]:
    return [(fy.year, fy.label) for fy in db.session.scalars(sa.select(FiscalYear).order_by(FiscalYear.year))]


def appropriation_choices() -> list[Choice]:
    query = sa.select(Appropriation).order_by(Appropriation.fiscal_year.desc(), Appropriation.account_code)
    return _choices(query, lambda a: f"{a.label} ({a.availability_label})")


def division_choices() -> list[Choice]:
    return _pairs(sa.select(Division.id, Division.name).order_by(Division.name))


def programs_division_id() -> int | None:
    """The division that manages programs (the first, if an office marks several): new awards and
    allocated program lines are its own unless someone says otherwise."""
    query = sa.select(Division.id).where(Division.manages_programs).order_by(Division.id).limit(1)
    return db.session.scalar(query)


def object_class_choices() -> list[Choice]:
    rows = db.session.execute(sa.select(ObjectClass.id, ObjectClass.code, ObjectClass.title).order_by(ObjectClass.code))
    return [(record_id, f"{code} {title}") for record_id, code, title in rows]  # ObjectClass.label


def region_choices() -> list[Choice]:
    return _pairs(sa.select(Region.id, Region.name).order_by(Region.name))


def country_choices() -> list[Choice]:
    return _pairs(sa.select(Country.id, Country.name).order_by(Country.name))


def priority_choices() -> list[Choice]:
    return _pairs(sa.select(Priority.id, Priority.name).order_by(Priority.sort_order))


def program_type_choices() -> list[Choice]:
    return _pairs(sa.select(ProgramType.id, ProgramType.name).order_by(ProgramType.name))


# The API's /reference/{kind}: model, order and how each record is shown.
REFERENCE_KINDS = {
    "regions": (Region, Region.code, lambda r: {"id": r.id, "code": r.code, "name": r.name}),
    "countries": (
        Country,
        Country.name,
        lambda c: {
            "id": c.id,
            "iso3": c.iso3,
            "name": c.name,
            "region": c.region_id,
            "tiers": {str(t.report_year): t.tier for t in c.tiers},
        },
    ),
    "priorities": (Priority, Priority.sort_order, lambda p: {"id": p.id, "code": p.code, "name": p.name}),
    "program-types": (ProgramType, ProgramType.code, lambda p: {"id": p.id, "code": p.code, "name": p.name}),
    "object-classes": (
        ObjectClass,
        ObjectClass.code,
        lambda o: {"id": o.id, "code": o.code, "title": o.title, "group": o.group},
    ),
    "divisions": (Division, Division.name, lambda d: {"id": d.id, "code": d.code, "name": d.name}),
    "fiscal-years": (
        FiscalYear,
        FiscalYear.year,
        lambda f: {"year": f.year, "starts_on": f.starts_on.isoformat(), "ends_on": f.ends_on.isoformat()},
    ),
}


def by_id_or_code(model: type, raw: str):
    """A reference record named by its id (as records carry it) or its code; None when there is none."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
        return db.session.get(model, int(raw))
    return db.session.scalar(sa.select(model).where(model.code == raw))


def reference_items(kind: str) -> list[dict]:
    model, order, show = REFERENCE_KINDS[kind]
    query = sa.select(model).order_by(order)
    if model is Country:
        query = query.options(sa.orm.selectinload(Country.tiers))
    return [show(record) for record in db.session.scalars(query)]


def editable_scenario_choices() -> list[Choice]:
    """Draft scenarios (where approved requests can be written), plans first."""
    query = (
        sa.select(Scenario)
        .where(Scenario.status == ScenarioStatus.DRAFT)
        .order_by(Scenario.budget_year.desc(), Scenario.name)
    )
    return _choices(query, lambda s: s.name)


def travel_purpose_choices() -> list[Choice]:
    query = sa.select(TravelPurpose).where(TravelPurpose.active).order_by(TravelPurpose.name)
    return _choices(query, lambda p: p.name)


def region_code_choices() -> list[Choice]:
    """Regions by code, as funding notices and the programs' filters name them."""
    return [
        (code, f"{code}: {name}")
        for code, name in db.session.execute(sa.select(Region.code, Region.name).order_by(Region.code))
    ]


def allocation_grid() -> tuple[list[str], list[str]]:
    """The codes an allocation's settings name: regions by code, priorities in their order."""
    regions = list(db.session.scalars(sa.select(Region.code).order_by(Region.code)))
    priorities = list(db.session.scalars(sa.select(Priority.code).order_by(Priority.sort_order)))
    return regions, priorities


def priority_code_choices() -> list[Choice]:
    return list(db.session.execute(sa.select(Priority.code, Priority.name).order_by(Priority.sort_order)).tuples())


def program_type_code_choices() -> list[Choice]:
    return list(db.session.execute(sa.select(ProgramType.code, ProgramType.name).order_by(ProgramType.name)).tuples())


def country_code_choices() -> list[Choice]:
    return [(c.iso3, c.name) for c in db.session.scalars(sa.select(Country).order_by(Country.name))]


def division_member_choices(division_id: int) -> list[Choice]:
    query = sa.select(User).where(User.division_id == division_id, User.active).order_by(User.name)
    return _choices(query, lambda u: u.name)
