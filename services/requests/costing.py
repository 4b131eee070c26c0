"""Cost estimates: a trip by per diem and airfare, a position by pay and benefits per fiscal year.

Plain functions on the reference tables (PerDiemRate, Country, CityPairFare,
PayRate) returning frozen dataclasses; no Flask. Bad input raises
ValidationError with field names the forms and the API use ("legs[0].country",
"legs[1].return", "grade"). Money is Decimal to the cent; every rounding goes
through money.quantize; never float.

Travel (41 CFR 301-11.101 and the API contract, "Estimates"):
- lodging for each night of each leg (depart to return) at that night's rate;
- M&IE for each day of the whole trip (first departure to last return,
  inclusive) at the rate of the place the traveler is that day: the last leg
  with depart <= day <= return (so on a day one leg hands over to the next the
  next leg's rate applies, and the final day uses the last leg's destination),
  at 75% on the first and last day of the whole trip. Days between one leg's
  return and a later leg's departure are covered by no leg and charged nothing
  (a note says so);
- a city matches a per diem location ignoring case, accents and spacing, or the
  location's name before a comma or parenthesis ("Mexico City" is "Mexico City,
  D.F."); a city without its own row takes the country's "[Other]" rate (or, in
  a country without one, the location named after the country, or its only
  location) and a note says so;
- seasons repeat every year: a date takes the season whose (month, day) range
  holds the date's (month, day), wrapping the year end, with 29 February read
  as 28 February; a location with several publications uses the latest.
- airfare: as typed, or the city-pair table's fare from the first leg's origin
  to its city (ignoring case); without one, zero and a note asking for it.

Staffing (DESIGN.md "Domain vocabulary"; OMB Circular A-11 section 83):
- GS and FS positions take the PayRate row (annual pay with locality) of the most
  recent table year on or before the start date's calendar year (else the
  earliest table); that rate is taken as the rate in force in the start fiscal
  year. Other positions give an annual rate.
- Each fiscal year after the first adds the pay raise (compounding) and any
  within-grade step increase. Step increases work at fiscal-year granularity:
  the waiting period is counted in whole fiscal years from the start year
  (GS: 52 weeks = 1 year to reach steps 2-4, 104 weeks = 2 years for 5-7,
  156 weeks = 3 years for 8-10; FS: one step a year up to step 14), and an
  increase applies for the whole fiscal year in which it falls due.
- Pay for a fiscal year = annual rate in force x FTE x days in service / days
  in the fiscal year, to the cent; benefits = pay x benefits rate, to the cent.
- Benefits (object class 12.1) for civil service, Foreign Service, personal
  services contractors (federal employees for most purposes) and fellows (paid
  as other than full-time permanent personnel, 11.3). Contractors (25.1) and
  reimbursable detailees (25.3) give a fully loaded annual rate: no benefits.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from models import CityPairFare, Country, PayRate, PerDiemRate, StaffingKind, db, fiscal_year_of
from money import money_str, quantize, to_cents
from services.errors import ValidationError

# --------------------------------------------------------------------------- shared

ONE_DAY = dt.timedelta(days=1)
FIRST_AND_LAST_DAY_SHARE = Decimal("0.75")  # 41 CFR 301-11.101
MAX_TRIP_DAYS = 366  # a longer stay is a change of station, not a trip
OTHER_LOCATION = "[Other]"


def _money(amount: Decimal) -> str:
    return money_str(to_cents(amount))


def _normalise(text: str) -> str:
    """Compare names ignoring case, accents and spacing: "  bogotá " == "Bogota"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.casefold().split())


def _cents_exact(amount: Decimal) -> bool:
    return amount.is_finite() and quantize(amount) == amount


def _raise(summary: str, errors: dict[str, str]) -> None:
    if errors:
        first = next(iter(errors.values()))
        more = f" ({len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise ValidationError(f"{summary}: {first}{more}", fields=errors)


def _dates(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


# --------------------------------------------------------------------------- travel: data


@dataclass(frozen=True)
class LegInput:
    """One leg of an itinerary: from `origin` to `city` (in `country`, ISO alpha-3), there from depart to return_."""

    origin: str
    city: str
    country: str
    depart: dt.date
    return_: dt.date


@dataclass(frozen=True)
class LegEstimate:
    """A leg's per diem. `lodging_rate` and `mie_rate` are the rates on the day of departure; where the
    season changes during the leg, `rate_source` names the seasons and a note gives each season's rates."""

    city: str
    country: str
    depart: dt.date
    return_: dt.date
    nights: int
    lodging_rate: Decimal
    mie_rate: Decimal
    rate_source: str
    lodging: Decimal
    mie: Decimal

    def to_json(self) -> dict:
        return {
            "city": self.city,
            "country": self.country,
            "depart": self.depart.isoformat(),
            "return": self.return_.isoformat(),
            "nights": self.nights,
            "lodging_rate": _money(self.lodging_rate),
            "mie_rate": _money(self.mie_rate),
            "rate_source": self.rate_source,
            "lodging": _money(self.lodging),
            "mie": _money(self.mie),
        }


@dataclass(frozen=True)
class TravelEstimate:
    lodging: Decimal
    mie: Decimal
    airfare: Decimal
    other: Decimal
    total: Decimal
    legs: tuple[LegEstimate, ...]
    notes: tuple[str, ...]

    def to_json(self) -> dict:
        """The API contract's shape: money as decimal strings with two places, dates ISO."""
        return {
            "lodging": _money(self.lodging),
            "mie": _money(self.mie),
            "airfare": _money(self.airfare),
            "other": _money(self.other),
            "total": _money(self.total),
            "legs": [leg.to_json() for leg in self.legs],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class _Season:
    code: str
    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]
    lodging: Decimal
    mie: Decimal

    def holds(self, month_day: tuple[int, int]) -> bool:
        if self.start <= self.end:
            return self.start <= month_day <= self.end
        return month_day >= self.start or month_day <= self.end  # wraps the year end


def _month_day(day: dt.date) -> tuple[int, int]:
    return (2, 28) if (day.month, day.day) == (2, 29) else (day.month, day.day)


@dataclass(frozen=True)
class _Place:
    """One per diem location of one publication, with its seasons."""

    country_name: str
    location: str
    published: str
    seasons: tuple[_Season, ...]

    def season_on(self, day: dt.date) -> _Season:
        month_day = _month_day(day)
        for season in self.seasons:
            if season.holds(month_day):
                return season
        # A table with a gap between seasons (none so far): the season that began most recently.
        earlier = [s for s in self.seasons if s.start <= month_day]
        return max(earlier or self.seasons, key=lambda s: s.start)

    def source(self, codes: list[str]) -> str:
        text = f"{self.country_name} / {self.location}, {self.published}"
        if len(self.seasons) > 1 and codes:
            text += f" (season{'s' if len(codes) > 1 else ''} {', '.join(codes)})"
        return text


def _publication_label(published: str) -> str:
    """The table's month: "April 1, 2026" -> "April 2026"."""
    try:
        return dt.datetime.strptime(published, "%B %d, %Y").strftime("%B %Y")
    except ValueError:
        return published


def _publication_date(published: str) -> dt.date:
    try:
        return dt.datetime.strptime(published, "%B %d, %Y").date()
    except ValueError:
        return dt.date.min


def _places(country_id: int) -> list[_Place]:
    rows = db.session.scalars(
        sa.select(PerDiemRate)
        .where(PerDiemRate.country_id == country_id)
        .order_by(PerDiemRate.country_name, PerDiemRate.location, PerDiemRate.season_code)
    ).all()
    groups: dict[tuple[str, str], list[PerDiemRate]] = {}
    for row in rows:
        groups.setdefault((row.country_name, row.location), []).append(row)
    places = []
    for (country_name, location), group in groups.items():
        latest = max(_publication_date(r.published) for r in group)
        current = [r for r in group if _publication_date(r.published) == latest]
        places.append(
            _Place(
                country_name=country_name,
                location=location,
                published=_publication_label(current[0].published),
                seasons=tuple(
                    _Season(
                        code=r.season_code,
                        start=_month_day(r.season_start),
                        end=_month_day(r.season_end),
                        lodging=Decimal(r.lodging_cents) / 100,
                        mie=Decimal(r.mie_cents) / 100,
                    )
                    for r in current
                ),
            )
        )
    return places


def _head(location: str) -> str:
    """A location's name before a comma or parenthesis: "Mexico City, D.F." -> "Mexico City"."""
    for mark in (",", "("):
        location = location.split(mark, 1)[0]
    return location


def _match_place(city: str, country: Country, places: list[_Place]) -> tuple[_Place | None, str | None]:
    """(place, note): the city's own row, or the country's fallback with a note; (None, None) if neither."""
    wanted = _normalise(city)
    for matcher in (lambda p: _normalise(p.location), lambda p: _normalise(_head(p.location))):
        found = [p for p in places if matcher(p) == wanted]
        if found:
            return found[0], None
    fallback = [p for p in places if p.location == OTHER_LOCATION]
    if not fallback:  # small countries publish one location named after the country
        names = {_normalise(country.name)} | {_normalise(p.country_name) for p in places}
        fallback = [p for p in places if _normalise(p.location) in names]
    if not fallback and len(places) == 1:
        fallback = places
    if not fallback:
        return None, None
    place = fallback[0]
    note = f'No per diem rate for {city} ({country.iso3}): using the {place.country_name} "{place.location}" rate.'
    return place, note


# --------------------------------------------------------------------------- travel: estimate


def _check_itinerary(legs: list[LegInput], airfare: Decimal | None, other: Decimal) -> dict[str, str]:
    """Shape errors by field: dates, order, amounts."""
    errors: dict[str, str] = {}
    if not legs:
        errors["legs"] = "Add at least one leg."
    for i, leg in enumerate(legs):
        if not leg.city.strip():
            errors[f"legs[{i}].city"] = "Enter the city."
        if not leg.country.strip():
            errors[f"legs[{i}].country"] = "Choose the country."
        if leg.return_ < leg.depart:
            errors[f"legs[{i}].return"] = f"Leg {i + 1} returns ({leg.return_}) before it departs ({leg.depart})."
        if i > 0 and leg.depart < legs[i - 1].return_:
            errors[f"legs[{i}].depart"] = (
                f"Leg {i + 1} departs ({leg.depart}) before leg {i} returns ({legs[i - 1].return_}): "
                "list the legs in order."
            )
    if legs and not errors and (legs[-1].return_ - legs[0].depart).days + 1 > MAX_TRIP_DAYS:
        errors[f"legs[{len(legs) - 1}].return"] = f"A trip can last at most {MAX_TRIP_DAYS} days."
    if airfare is not None and (not _cents_exact(airfare) or airfare < 0):
        errors["airfare"] = "Enter the airfare in dollars and cents, zero or more."
    if not _cents_exact(other) or other < 0:
        errors["other"] = "Enter other costs in dollars and cents, zero or more."
    return errors


def _resolve_places(legs: list[LegInput], errors: dict[str, str]) -> tuple[list[_Place], list[str]]:
    """Each leg's per diem place, and notes on fallbacks; problems go into `errors` (first one per field wins)."""
    notes: list[str] = []
    resolved: list[_Place] = []
    codes = {leg.country.strip().upper() for leg in legs}
    countries = {c.iso3: c for c in db.session.scalars(sa.select(Country).where(Country.iso3.in_(codes)))}
    places_by_country: dict[int, list[_Place]] = {}
    for i, leg in enumerate(legs):
        code = leg.country.strip().upper()
        country = countries.get(code)
        if country is None:
            errors.setdefault(f"legs[{i}].country", f"There is no country with the ISO code {code!r}.")
            continue
        if country.id not in places_by_country:
            places_by_country[country.id] = _places(country.id)
        places = places_by_country[country.id]
        if not places:
            errors.setdefault(f"legs[{i}].country", f"There are no per diem rates on file for {country.name}.")
            continue
        place, note = _match_place(leg.city.strip(), country, places)
        if place is None:
            examples = ", ".join(p.location for p in places[:5])
            errors.setdefault(
                f"legs[{i}].city",
                f"No per diem rate for {leg.city.strip()} in {country.name}: "
                f"choose one of its locations ({examples}, ...).",
            )
            continue
        if note and note not in notes:
            notes.append(note)
        resolved.append(place)
    return resolved, notes


def _fare(origin: str, destination: str) -> CityPairFare | None:
    """The city-pair table's fare for the route, ignoring case, accents and spacing."""
    wanted = (_normalise(origin), _normalise(destination))
    for fare in db.session.scalars(sa.select(CityPairFare).order_by(CityPairFare.id)):
        if (_normalise(fare.origin), _normalise(fare.destination)) == wanted:
            return fare
    return None


def _season_note(city: str, place: _Place, days: list[dt.date]) -> str | None:
    """Where the season changes during a leg: each season's rates and dates."""
    if len(place.seasons) < 2 or not days:
        return None
    spans: list[tuple[_Season, dt.date, dt.date]] = []
    for day in days:
        season = place.season_on(day)
        if spans and spans[-1][0] == season:
            spans[-1] = (season, spans[-1][1], day)
        else:
            spans.append((season, day, day))
    if len(spans) < 2:
        return None
    parts = [
        f"{first} to {last} season {season.code} (lodging ${_money(season.lodging)}, M&IE ${_money(season.mie)})"
        for season, first, last in spans
    ]
    return f"{city}: the rate changes with the season: " + "; ".join(parts) + "."


def estimate_travel(legs: list[LegInput], airfare: Decimal | None, other: Decimal) -> TravelEstimate:
    """Cost an itinerary: per diem by leg, airfare (typed, or from the city-pair table) and other costs."""
    legs = list(legs)
    errors = _check_itinerary(legs, airfare, other)
    places, notes = _resolve_places(legs, errors)
    _raise("Check the itinerary", errors)

    trip_start, trip_end = legs[0].depart, legs[-1].return_
    lodging = [Decimal(0)] * len(legs)
    mie = [Decimal(0)] * len(legs)
    seasons_used: list[list[str]] = [[] for _ in legs]
    charged_days: list[set[dt.date]] = [set() for _ in legs]  # nights and M&IE days charged to each leg

    def use(i: int, season: _Season, on: dt.date) -> None:
        if season.code not in seasons_used[i]:
            seasons_used[i].append(season.code)
        charged_days[i].add(on)

    for i, (leg, place) in enumerate(zip(legs, places, strict=True)):
        for night in _dates(leg.depart, leg.return_ - ONE_DAY):
            season = place.season_on(night)
            lodging[i] += season.lodging
            use(i, season, night)

    for day in _dates(trip_start, trip_end):
        # The leg the traveler is on that day: the last one with depart <= day <= return.
        i = next((j for j in reversed(range(len(legs))) if legs[j].depart <= day <= legs[j].return_), None)
        if i is None:
            continue  # between legs: noted below
        season = places[i].season_on(day)
        rate = season.mie
        if day in (trip_start, trip_end):
            rate = quantize(rate * FIRST_AND_LAST_DAY_SHARE)
        mie[i] += rate
        use(i, season, day)

    for i in range(len(legs) - 1):
        if legs[i + 1].depart > legs[i].return_:
            notes.append(
                f"Nothing is charged between leg {i + 1}'s return ({legs[i].return_}) and leg {i + 2}'s "
                f"departure ({legs[i + 1].depart}): add a leg if the traveler is on duty then."
            )

    estimates = []
    for i, (leg, place) in enumerate(zip(legs, places, strict=True)):
        first = place.season_on(leg.depart)
        note = _season_note(leg.city.strip(), place, sorted(charged_days[i]))
        if note:
            notes.append(note)
        estimates.append(
            LegEstimate(
                city=leg.city.strip(),
                country=leg.country.strip().upper(),
                depart=leg.depart,
                return_=leg.return_,
                nights=(leg.return_ - leg.depart).days,
                lodging_rate=quantize(first.lodging),
                mie_rate=quantize(first.mie),
                rate_source=place.source(seasons_used[i] or [first.code]),
                lodging=quantize(lodging[i]),
                mie=quantize(mie[i]),
            )
        )

    if airfare is None:
        origin, destination = legs[0].origin.strip(), legs[0].city.strip()
        fare = _fare(origin, destination)
        if fare is None:
            notes.append(f"No fare on file for {origin}–{destination}: type the fare.")
            airfare = Decimal(0)
        else:
            notes.append(f"Airfare from the city-pair fare table: {fare.origin}–{fare.destination}, round trip.")
            airfare = Decimal(fare.fare_cents) / 100

    total_lodging = quantize(sum((e.lodging for e in estimates), Decimal(0)))
    total_mie = quantize(sum((e.mie for e in estimates), Decimal(0)))
    airfare, other = quantize(airfare), quantize(other)
    return TravelEstimate(
        lodging=total_lodging,
        mie=total_mie,
        airfare=airfare,
        other=other,
        total=total_lodging + total_mie + airfare + other,
        legs=tuple(estimates),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- staffing: data


BENEFITS_RATE = Decimal("0.3645")  # OMB M-07-02 full fringe benefit factor
PAY_RAISE = Decimal("0.02")  # a yearly pay raise assumption
MAX_PAY_RAISE = Decimal("0.2")


@dataclass(frozen=True)
class StaffingInput:
    kind: StaffingKind
    pay_plan: str | None
    grade: int | None
    step: int | None
    annual_rate: Decimal | None
    fte: Decimal
    start_date: dt.date
    end_date: dt.date | None
    benefits_rate: Decimal = BENEFITS_RATE
    pay_raise: Decimal = PAY_RAISE


@dataclass(frozen=True)
class FiscalYearCost:
    """One fiscal year of a position. `benefits_object_class` is None where there are no benefits.
    `step` and `annual_rate` (the full-year, full-time rate in force) show how the pay was found."""

    fiscal_year: int
    days: int
    pay: Decimal
    benefits: Decimal
    total: Decimal
    pay_object_class: str
    benefits_object_class: str | None
    step: int | None = None
    annual_rate: Decimal = Decimal(0)

    def to_json(self) -> dict:
        return {
            "fiscal_year": self.fiscal_year,
            "days": self.days,
            "pay": _money(self.pay),
            "benefits": _money(self.benefits),
            "total": _money(self.total),
            "pay_object_class": self.pay_object_class,
            "benefits_object_class": self.benefits_object_class,
        }


@dataclass(frozen=True)
class StaffingEstimate:
    """`annual_pay`: a full year at the start year's rate x FTE; `annual_cost`: with benefits where they apply."""

    annual_pay: Decimal
    annual_cost: Decimal
    by_fiscal_year: tuple[FiscalYearCost, ...]
    rate_source: str = ""
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "annual_pay": _money(self.annual_pay),
            "annual_cost": _money(self.annual_cost),
            "by_fiscal_year": [year.to_json() for year in self.by_fiscal_year],
        }


@dataclass(frozen=True)
class _PayPlan:
    code: str
    label: str
    grades: range
    steps: range
    waiting_years: dict[int, int]  # step -> whole years to wait before the next one


PAY_PLANS = {
    "GS": _PayPlan(
        "GS",
        "GS-{grade}",
        range(1, 16),
        range(1, 11),
        # 5 CFR 531.405: 52 weeks to reach steps 2-4, 104 weeks for 5-7, 156 weeks for 8-10.
        {1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2, 7: 3, 8: 3, 9: 3},
    ),
    "FS": _PayPlan("FS", "FS-{grade:02d}", range(1, 10), range(1, 15), dict.fromkeys(range(1, 14), 1)),
}
PLAN_OF_KIND = {StaffingKind.CIVIL_SERVICE: "GS", StaffingKind.FOREIGN_SERVICE: "FS"}
# Kinds whose cost is a fully loaded annual rate (no pay table, no separate benefits).
LOADED_RATE_KINDS = frozenset({StaffingKind.CONTRACTOR, StaffingKind.DETAILEE})
BENEFITS_OBJECT_CLASS = "12.1"
OUT_YEARS = 4


def _fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year - 1, 10, 1), dt.date(year, 9, 30)


def _has_benefits(kind: StaffingKind) -> bool:
    return kind not in LOADED_RATE_KINDS


def _pay_object_class(data: StaffingInput) -> str:
    if data.kind in (StaffingKind.CIVIL_SERVICE, StaffingKind.FOREIGN_SERVICE):
        return "11.1" if data.fte == 1 and data.end_date is None else "11.3"
    return {
        StaffingKind.FELLOW: "11.3",
        StaffingKind.PERSONAL_SERVICES_CONTRACTOR: "11.8",
        StaffingKind.CONTRACTOR: "25.1",
        StaffingKind.DETAILEE: "25.3",
    }[data.kind]


def _check_staffing(data: StaffingInput) -> str | None:
    """Validate the input; returns the pay plan to use (None: the annual rate)."""
    errors: dict[str, str] = {}
    plan_code = (data.pay_plan or "").strip().upper() or PLAN_OF_KIND.get(data.kind)
    if data.kind in LOADED_RATE_KINDS and data.pay_plan:
        errors["pay_plan"] = (
            f"A {data.kind.label.lower()}'s cost is a fully loaded annual rate: leave the pay plan empty."
        )
        plan_code = None
    if plan_code is not None:
        plan = PAY_PLANS.get(plan_code)
        expected = PLAN_OF_KIND.get(data.kind)
        if plan is None:
            errors["pay_plan"] = f"Choose a pay plan: {' or '.join(PAY_PLANS)}."
        elif expected is not None and plan_code != expected:
            errors["pay_plan"] = f"{data.kind.label} positions are paid on the {expected} schedule."
        else:
            if data.grade is None or data.grade not in plan.grades:
                errors["grade"] = f"{plan_code} grades run from {plan.grades[0]} to {plan.grades[-1]}."
            if data.step is None or data.step not in plan.steps:
                errors["step"] = f"{plan_code} steps run from {plan.steps[0]} to {plan.steps[-1]}."
        if data.annual_rate is not None:
            errors["annual_rate"] = "Give either a pay plan, grade and step or an annual rate, not both."
    elif data.annual_rate is None:
        errors["annual_rate"] = "Enter the annual rate (or a pay plan, grade and step)."
    elif not _cents_exact(data.annual_rate) or data.annual_rate <= 0:
        errors["annual_rate"] = "Enter the annual rate in dollars and cents, more than zero."
    if not data.fte.is_finite() or not 0 < data.fte <= 1:
        errors["fte"] = "FTE is more than 0 and at most 1 (0.5 is half time)."
    if data.end_date is not None and data.end_date < data.start_date:
        errors["end_date"] = "The end date is before the start date."
    if not data.benefits_rate.is_finite() or not 0 <= data.benefits_rate <= 1:
        errors["benefits_rate"] = "The benefits rate is a fraction from 0 to 1 (0.3645 is 36.45%)."
    if not data.pay_raise.is_finite() or not 0 <= data.pay_raise <= MAX_PAY_RAISE:
        errors["pay_raise"] = f"The pay raise is a fraction from 0 to {MAX_PAY_RAISE} (0.02 is 2%)."
    _raise("Check the position", errors)
    return plan_code


def _table_year(plan_code: str, start: dt.date) -> int:
    years = db.session.scalars(sa.select(PayRate.year).where(PayRate.pay_plan == plan_code).distinct()).all()
    if not years:
        raise ValidationError(f"No {plan_code} pay table is loaded.", fields={"pay_plan": "No pay table."})
    earlier = [year for year in years if year <= start.year]
    return max(earlier) if earlier else min(years)


def _table_rates(data: StaffingInput, plan_code: str) -> tuple[dict[int, Decimal], str]:
    """Annual rates by step for the grade, from the chosen table year; and a label saying where from."""
    plan = PAY_PLANS[plan_code]
    year = _table_year(plan_code, data.start_date)
    rows = db.session.scalars(
        sa.select(PayRate).where(PayRate.pay_plan == plan_code, PayRate.grade == data.grade, PayRate.year == year)
    ).all()
    by_step = {row.step: Decimal(row.annual_cents) / 100 for row in rows}
    label = plan.label.format(grade=data.grade)
    if data.step not in by_step:
        why = f"The {year} {plan_code} table has no rate for {label} step {data.step}."
        raise ValidationError(why, fields={"grade": why, "step": why})
    locality = next((row.locality for row in rows if row.step == data.step), "")
    return by_step, f"{label} step {data.step}, {year} {plan_code} table" + (f" ({locality})" if locality else "")


def _step_after(plan: _PayPlan, start_step: int, years: int, available: Iterable[int]) -> int:
    """The step `years` whole fiscal years after starting at `start_step` (within-grade increases)."""
    available = set(available)
    step = start_step
    while step + 1 in available and step in plan.waiting_years and years >= plan.waiting_years[step]:
        years -= plan.waiting_years[step]
        step += 1
    return step


def estimate_staffing(data: StaffingInput) -> StaffingEstimate:
    """Cost a position for its start fiscal year and four out-years."""
    plan_code = _check_staffing(data)
    notes: list[str] = []
    if plan_code is not None:
        by_step, rate_source = _table_rates(data, plan_code)
        notes.append("Step increases apply for the whole fiscal year in which they fall due.")
    else:
        by_step, rate_source = {}, "Annual rate as entered"
    if data.kind in LOADED_RATE_KINDS:
        notes.append(f"A {data.kind.label.lower()}'s rate is fully loaded: no separate benefits.")

    benefits_rate = data.benefits_rate if _has_benefits(data.kind) else Decimal(0)
    benefits_class = BENEFITS_OBJECT_CLASS if _has_benefits(data.kind) else None
    pay_class = _pay_object_class(data)
    first_year = fiscal_year_of(data.start_date)
    end = data.end_date or dt.date.max

    years = []
    first_rate = Decimal(0)
    for offset in range(OUT_YEARS + 1):
        fiscal_year = first_year + offset
        if plan_code is not None:
            step: int | None = _step_after(PAY_PLANS[plan_code], data.step, offset, by_step)
            base = by_step[step]
        else:
            step, base = None, data.annual_rate
        rate = quantize(base * (1 + data.pay_raise) ** offset)
        if offset == 0:
            first_rate = rate
        fy_start, fy_end = _fiscal_year_bounds(fiscal_year)
        first_day, last_day = max(fy_start, data.start_date), min(fy_end, end)
        days = max((last_day - first_day).days + 1, 0)
        fy_days = (fy_end - fy_start).days + 1
        pay = quantize(rate * data.fte * days / fy_days)
        benefits = quantize(pay * benefits_rate)
        years.append(
            FiscalYearCost(
                fiscal_year=fiscal_year,
                days=days,
                pay=pay,
                benefits=benefits,
                total=pay + benefits,
                pay_object_class=pay_class,
                benefits_object_class=benefits_class,
                step=step,
                annual_rate=rate,
            )
        )

    annual_pay = quantize(first_rate * data.fte)
    return StaffingEstimate(
        annual_pay=annual_pay,
        annual_cost=annual_pay + quantize(annual_pay * benefits_rate),
        by_fiscal_year=tuple(years),
        rate_source=rate_source,
        notes=tuple(notes),
    )
