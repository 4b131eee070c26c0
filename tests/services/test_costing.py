"""Travel and staffing estimates, checked against worked examples computed by hand in the comments.

Rates come from the fixtures: fixtures/foreign_per_diem_2026-04.csv (April 2026
foreign per diem table) and fixtures/pay_rates.csv (illustrative GS/FS rates
with Washington DC locality, table year 2026).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import CityPairFare, Country, PayRate, PerDiemRate, StaffingKind, TravelPurpose, db
from seeding import loaders as seeding
from services.errors import ValidationError
from services.requests.costing import (
    LegInput,
    StaffingInput,
    estimate_staffing,
    estimate_travel,
)

D = Decimal
day = dt.date.fromisoformat


def leg(city: str, country: str, depart: str, return_: str, origin: str = "Washington") -> LegInput:
    return LegInput(origin, city, country, day(depart), day(return_))


# --------------------------------------------------------------------------- travel: worked examples


def test_bangkok_contract_example(app):
    # THAILAND / Bangkok (one season, S1): lodging $259, M&IE $118.
    # 2027-03-02 -> 2027-03-06: nights 3/2, 3/3, 3/4, 3/5 = 4 x 259 = 1,036.00
    # M&IE days 3/2..3/6 = 5: first and last at 75% (2 x 88.50 = 177.00) + 3 x 118 = 354.00 -> 531.00
    # total = 1,036 + 531 + airfare 1,800 + other 0 = 3,367.00
    estimate = estimate_travel([leg("Bangkok", "THA", "2027-03-02", "2027-03-06")], D("1800.00"), D("0.00"))
    assert estimate.to_json() == {
        "lodging": "1036.00",
        "mie": "531.00",
        "airfare": "1800.00",
        "other": "0.00",
        "total": "3367.00",
        "legs": [
            {
                "city": "Bangkok",
                "country": "THA",
                "depart": "2027-03-02",
                "return": "2027-03-06",
                "nights": 4,
                "lodging_rate": "259.00",
                "mie_rate": "118.00",
                "rate_source": "THAILAND / Bangkok, April 2026",
                "lodging": "1036.00",
                "mie": "531.00",
            }
        ],
        "notes": [],
    }
    assert estimate.total == D("3367.00")


def test_city_matches_ignoring_case_and_the_country_code_too(app):
    estimate = estimate_travel([leg("  bangKOK ", "tha", "2027-03-02", "2027-03-06")], D("0"), D("0"))
    assert (estimate.lodging, estimate.mie, estimate.legs[0].country) == (D("1036.00"), D("531.00"), "THA")


def test_two_legs_across_two_countries(app):
    # Leg 1 THAILAND / Bangkok ($259 / $118) 2027-03-02 -> 03-06; leg 2 CAMBODIA / Phnom Penh ($182 / $99)
    # 2027-03-06 -> 03-09.
    # Lodging: leg 1 nights 3/2..3/5 = 4 x 259 = 1,036.00; leg 2 nights 3/6, 3/7, 3/8 = 3 x 182 = 546.00 -> 1,582.00
    # M&IE (trip 3/2..3/9, 8 days): 3/2 first day 0.75 x 118 = 88.50; 3/3..3/5 = 3 x 118 = 354.00 -> leg 1 442.50
    #   3/6 (the traveler moves to Phnom Penh that day) 99; 3/7 99; 3/8 99; 3/9 last day 0.75 x 99 = 74.25
    #   -> leg 2 371.25; M&IE 813.75
    # Total = 1,582.00 + 813.75 + airfare 2,400.00 + other 150.00 = 4,945.75
    estimate = estimate_travel(
        [
            leg("Bangkok", "THA", "2027-03-02", "2027-03-06"),
            leg("Phnom Penh", "KHM", "2027-03-06", "2027-03-09", origin="Bangkok"),
        ],
        D("2400.00"),
        D("150.00"),
    )
    first, second = estimate.legs
    assert (first.nights, first.lodging, first.mie) == (4, D("1036.00"), D("442.50"))
    assert (second.nights, second.lodging, second.mie) == (3, D("546.00"), D("371.25"))
    assert second.rate_source == "CAMBODIA / Phnom Penh, April 2026"
    assert (second.lodging_rate, second.mie_rate) == (D("182.00"), D("99.00"))
    assert (estimate.lodging, estimate.mie) == (D("1582.00"), D("813.75"))
    assert estimate.total == D("4945.75")
    assert estimate.notes == ()


def test_a_stay_across_a_season_boundary(app):
    # GREECE / Athens has two seasons: S1 1 May-31 Oct ($341 / $144), S2 1 Nov-30 Apr ($229 / $133).
    # 2027-04-28 -> 2027-05-03: nights 4/28, 4/29, 4/30 in S2 = 3 x 229 = 687; 5/1, 5/2 in S1 = 2 x 341 = 682
    #   -> lodging 1,369.00
    # M&IE: 4/28 first day 0.75 x 133 = 99.75; 4/29, 4/30 = 2 x 133 = 266; 5/1, 5/2 = 2 x 144 = 288;
    #   5/3 last day 0.75 x 144 = 108.00 -> 761.75
    estimate = estimate_travel([leg("Athens", "GRC", "2027-04-28", "2027-05-03")], D("0"), D("0"))
    (athens,) = estimate.legs
    assert (athens.nights, athens.lodging, athens.mie) == (5, D("1369.00"), D("761.75"))
    assert (athens.lodging_rate, athens.mie_rate) == (D("229.00"), D("133.00"))  # the rates on the day of departure
    assert athens.rate_source == "GREECE / Athens, April 2026 (seasons S2, S1)"
    assert estimate.total == D("2130.75")
    assert any("Athens" in note and "S1" in note and "S2" in note for note in estimate.notes)


def test_a_season_that_wraps_the_year_end(app):
    # BARBADOS / Barbados: S2 runs 15 Nov-30 Apr (wrapping the year end): $321 / $178.
    # 2027-12-30 -> 2028-01-02: nights 12/30, 12/31, 1/1 = 3 x 321 = 963.00
    # M&IE: 12/30 and 1/2 at 0.75 x 178 = 133.50 each = 267.00; 12/31, 1/1 = 2 x 178 = 356.00 -> 623.00
    estimate = estimate_travel([leg("Barbados", "BRB", "2027-12-30", "2028-01-02")], D("0"), D("0"))
    assert (estimate.lodging, estimate.mie) == (D("963.00"), D("623.00"))
    assert estimate.legs[0].rate_source == "BARBADOS / Barbados, April 2026 (season S2)"


def test_29_february_is_read_as_28_february(app):
    # JAPAN / Sapporo: S1 1 Jan-28 Feb ($448 / $142), S2 1 Mar-31 Dec ($205 / $117). 2028 is a leap year.
    # 2028-02-28 -> 2028-03-02: nights 2/28 (S1) 448, 2/29 (read as 2/28: S1) 448, 3/1 (S2) 205 -> 1,101.00
    # M&IE: 2/28 first day 0.75 x 142 = 106.50; 2/29 142; 3/1 117; 3/2 last day 0.75 x 117 = 87.75 -> 453.25
    estimate = estimate_travel([leg("Sapporo", "JPN", "2028-02-28", "2028-03-02")], D("0"), D("0"))
    assert (estimate.lodging, estimate.mie) == (D("1101.00"), D("453.25"))


def test_a_city_without_its_own_rate_uses_other_and_says_so(app):
    # Chiang Dao has no row: THAILAND / [Other] is $99 / $63.
    # 2027-03-02 -> 03-04: nights 2 x 99 = 198.00; M&IE 0.75 x 63 = 47.25 twice + 63 = 157.50
    estimate = estimate_travel([leg("Chiang Dao", "THA", "2027-03-02", "2027-03-04")], D("900.00"), D("0"))
    (chiang_dao,) = estimate.legs
    assert (chiang_dao.lodging, chiang_dao.mie) == (D("198.00"), D("157.50"))
    assert (chiang_dao.lodging_rate, chiang_dao.mie_rate) == (D("99.00"), D("63.00"))
    assert chiang_dao.rate_source == "THAILAND / [Other], April 2026"
    assert chiang_dao.city == "Chiang Dao"
    assert len(estimate.notes) == 1
    assert "Chiang Dao" in estimate.notes[0]
    assert "[Other]" in estimate.notes[0]


def test_a_country_without_other_uses_its_country_wide_location(app):
    # BARBADOS publishes no "[Other]": Bridgetown takes the location named after the country (S1 in June: $210).
    estimate = estimate_travel([leg("Bridgetown", "BRB", "2027-06-01", "2027-06-02")], D("0"), D("0"))
    assert estimate.lodging == D("210.00")
    assert "Bridgetown" in estimate.notes[0]


def test_a_location_is_found_by_its_name_before_a_comma(app):
    # MEXICO publishes "Mexico City, D.F." ($250 / $136): 1 night, two 75% days = 250 + 2 x 102 = 454.00
    estimate = estimate_travel([leg("Mexico City", "MEX", "2027-03-02", "2027-03-03")], D("500"), D("0"))
    assert (estimate.lodging, estimate.mie) == (D("250.00"), D("204.00"))
    assert estimate.notes == ()


def test_a_one_day_trip_charges_one_day_at_75_percent(app):
    estimate = estimate_travel([leg("Bangkok", "THA", "2027-03-02", "2027-03-02")], D("0"), D("0"))
    assert (estimate.legs[0].nights, estimate.lodging, estimate.mie) == (0, D("0.00"), D("88.50"))


def test_days_between_legs_are_not_charged_and_are_noted(app):
    # Bangkok 3/2 -> 3/4 then Phnom Penh 3/6 -> 3/7 (3/4..3/6 covered by no leg).
    # Lodging: 2 x 259 + 1 x 182 = 700.00
    # M&IE: 3/2 first 88.50; 3/3 118; 3/4 (leaving Bangkok) 118; 3/5 nothing; 3/6 99; 3/7 last 74.25 -> 497.75
    estimate = estimate_travel(
        [
            leg("Bangkok", "THA", "2027-03-02", "2027-03-04"),
            leg("Phnom Penh", "KHM", "2027-03-06", "2027-03-07", origin="Bangkok"),
        ],
        D("0"),
        D("0"),
    )
    assert (estimate.lodging, estimate.mie) == (D("700.00"), D("497.75"))
    assert any("between leg 1" in note for note in estimate.notes)


def test_airfare_from_the_city_pair_table(app):
    # Washington-Bangkok is $1,800.00 in fixtures/city_pair_fares.csv; 1,036 + 531 + 1,800 = 3,367.00
    estimate = estimate_travel([leg("Bangkok", "THA", "2027-03-02", "2027-03-06", origin="WASHINGTON")], None, D(0))
    assert estimate.airfare == D("1800.00")
    assert estimate.total == D("3367.00")


def test_no_fare_on_file_means_zero_and_a_note(app):
    estimate = estimate_travel([leg("Bangkok", "THA", "2027-03-02", "2027-03-06", origin="Chicago")], None, D(0))
    assert estimate.airfare == D("0.00")
    assert estimate.total == D("1567.00")
    assert "No fare on file for Chicago–Bangkok: type the fare." in estimate.notes


def test_unknown_country_names_the_leg(app):
    with pytest.raises(ValidationError) as caught:
        estimate_travel([leg("Atlantis", "XYZ", "2027-03-02", "2027-03-06")], D("0"), D("0"))
    assert set(caught.value.fields) == {"legs[0].country"}


def test_a_country_without_per_diem_rates_names_the_leg(app):
    # The United States is a country in the reference data but not in the foreign per diem table.
    with pytest.raises(ValidationError) as caught:
        estimate_travel(
            [leg("Bangkok", "THA", "2027-03-02", "2027-03-06"), leg("Boston", "USA", "2027-03-06", "2027-03-08")],
            D("0"),
            D("0"),
        )
    assert set(caught.value.fields) == {"legs[1].country"}


def test_return_before_depart_names_the_leg(app):
    with pytest.raises(ValidationError) as caught:
        estimate_travel(
            [leg("Bangkok", "THA", "2027-03-02", "2027-03-06"), leg("Phnom Penh", "KHM", "2027-03-09", "2027-03-08")],
            D("0"),
            D("0"),
        )
    assert set(caught.value.fields) == {"legs[1].return"}


def test_legs_out_of_order_name_the_later_leg(app):
    with pytest.raises(ValidationError) as caught:
        estimate_travel(
            [leg("Bangkok", "THA", "2027-03-02", "2027-03-06"), leg("Phnom Penh", "KHM", "2027-03-05", "2027-03-08")],
            D("0"),
            D("0"),
        )
    assert set(caught.value.fields) == {"legs[1].depart"}


@pytest.mark.parametrize(
    ("airfare", "other", "field"),
    [(D("-1"), D("0"), "airfare"), (D("1.005"), D("0"), "airfare"), (D("0"), D("-0.01"), "other")],
)
def test_bad_amounts_name_the_field(app, airfare, other, field):
    with pytest.raises(ValidationError) as caught:
        estimate_travel([leg("Bangkok", "THA", "2027-03-02", "2027-03-06")], airfare, other)
    assert set(caught.value.fields) == {field}


def test_no_legs_is_an_error(app):
    with pytest.raises(ValidationError) as caught:
        estimate_travel([], D("0"), D("0"))
    assert "legs" in caught.value.fields


# --------------------------------------------------------------------------- travel: properties

PLACES = [
    ("Bangkok", "THA"),
    ("Chiang Dao", "THA"),  # [Other]
    ("Phnom Penh", "KHM"),
    ("Athens", "GRC"),  # two seasons
    ("Reykjavik", "ISL"),  # two seasons
    ("Sapporo", "JPN"),  # two seasons, one ending 28 February
    ("Barbados", "BRB"),  # a season wrapping the year end
    ("Nairobi", "KEN"),
]
cents = st.integers(min_value=0, max_value=1_000_000).map(lambda c: D(c) / 100)


@st.composite
def itineraries(draw):
    start = draw(st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)))
    legs = []
    depart = start
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        city, country = draw(st.sampled_from(PLACES))
        return_ = depart + dt.timedelta(days=draw(st.integers(min_value=0, max_value=20)))
        legs.append(LegInput("Washington", city, country, depart, return_))
        depart = return_ + dt.timedelta(days=draw(st.sampled_from([0, 0, 0, 1, 3])))
    return legs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(legs=itineraries(), airfare=st.none() | cents, other=cents)
def test_totals_add_up_and_mie_is_bounded(app, legs, airfare, other):
    estimate = estimate_travel(legs, airfare, other)
    assert estimate.total == estimate.lodging + estimate.mie + estimate.airfare + estimate.other
    assert estimate.lodging == sum((e.lodging for e in estimate.legs), D(0))
    assert estimate.mie == sum((e.mie for e in estimate.legs), D(0))
    assert sum(e.nights for e in estimate.legs) == sum((g.return_ - g.depart).days for g in legs)
    for amount in (estimate.lodging, estimate.mie, estimate.airfare, estimate.other, estimate.total):
        assert amount == amount.quantize(D("0.01"))
    max_mie_cents = db.session.scalar(
        sa.select(sa.func.max(PerDiemRate.mie_cents))
        .join(Country, Country.id == PerDiemRate.country_id)
        .where(Country.iso3.in_({g.country for g in legs}))
    )
    trip_days = (legs[-1].return_ - legs[0].depart).days + 1
    assert D(0) < estimate.mie <= trip_days * D(max_mie_cents) / 100


# --------------------------------------------------------------------------- staffing: worked examples


def gs13_row(step: int) -> Decimal:
    cents = db.session.scalar(
        sa.select(PayRate.annual_cents).where(
            PayRate.pay_plan == "GS", PayRate.grade == 13, PayRate.step == step, PayRate.year == 2026
        )
    )
    return D(cents) / 100


def test_gs13_step1_from_11_january_2027(app):
    # fixtures/pay_rates.csv: GS-13 step 1 = 12057900 cents ($120,579), step 2 = 12459900 cents ($124,599).
    assert (gs13_row(1), gs13_row(2)) == (D("120579"), D("124599"))
    # FY2027 (1 Oct 2026 - 30 Sep 2027, 365 days); in service 11 Jan - 30 Sep 2027:
    #   21 (Jan) + 28 + 31 + 30 + 31 + 30 + 31 + 31 + 30 = 263 days
    #   pay = 120,579 x 263 / 365 = 31,712,277 / 365 = 86,882.9507 -> 86,882.95
    #   benefits = 86,882.95 x 0.3645 = 31,668.8353 -> 31,668.84; total 118,551.79
    # annual pay = 120,579.00; annual cost = 120,579 + 120,579 x 0.3645 (43,951.0455 -> 43,951.05) = 164,530.05
    # FY2028 (1 Oct 2027 - 30 Sep 2028, 366 days: 29 Feb 2028): 52 weeks at step 1 -> step 2, and the 2% raise:
    #   rate = 124,599 x 1.02 = 127,090.98; pay = 127,090.98 x 366 / 366 = 127,090.98
    #   benefits = 127,090.98 x 0.3645 = 46,324.6622 -> 46,324.66; total 173,415.64
    estimate = estimate_staffing(
        StaffingInput(StaffingKind.CIVIL_SERVICE, "GS", 13, 1, None, D("1.0"), day("2027-01-11"), None)
    )
    assert (estimate.annual_pay, estimate.annual_cost) == (D("120579.00"), D("164530.05"))
    fy2027, fy2028 = estimate.by_fiscal_year[:2]
    assert fy2027.to_json() == {
        "fiscal_year": 2027,
        "days": 263,
        "pay": "86882.95",
        "benefits": "31668.84",
        "total": "118551.79",
        "pay_object_class": "11.1",
        "benefits_object_class": "12.1",
    }
    assert (fy2028.fiscal_year, fy2028.days, fy2028.step) == (2028, 366, 2)
    assert (fy2028.pay, fy2028.benefits, fy2028.total) == (D("127090.98"), D("46324.66"), D("173415.64"))
    assert [year.fiscal_year for year in estimate.by_fiscal_year] == [2027, 2028, 2029, 2030, 2031]
    assert [year.days for year in estimate.by_fiscal_year] == [263, 366, 365, 365, 365]
    assert list(estimate.to_json()) == ["annual_pay", "annual_cost", "by_fiscal_year"]


def test_half_time_fellow_with_an_end_date(app):
    # Fellow at $80,000 a year, 0.5 FTE, 11 Jan 2027 - 30 Jun 2028; object class 11.3, benefits 12.1.
    # FY2027: 263 days; 80,000 x 0.5 x 263 / 365 = 10,520,000 / 365 = 28,821.9178 -> 28,821.92
    #   benefits 28,821.92 x 0.3645 = 10,505.5898 -> 10,505.59
    # FY2028: 1 Oct 2027 - 30 Jun 2028 = 31+30+31+31+29+31+30+31+30 = 274 days of 366;
    #   rate 80,000 x 1.02 = 81,600; 81,600 x 0.5 x 274 / 366 = 11,179,200 / 366 = 30,544.2623 -> 30,544.26
    # FY2029-FY2031: after the end date: 0 days, nothing, still listed.
    estimate = estimate_staffing(
        StaffingInput(StaffingKind.FELLOW, None, None, None, D("80000"), D("0.5"), day("2027-01-11"), day("2028-06-30"))
    )
    assert estimate.annual_pay == D("40000.00")
    years = estimate.by_fiscal_year
    assert [(y.fiscal_year, y.days) for y in years] == [(2027, 263), (2028, 274), (2029, 0), (2030, 0), (2031, 0)]
    assert (years[0].pay, years[0].benefits) == (D("28821.92"), D("10505.59"))
    assert years[1].pay == D("30544.26")
    assert all(y.pay == y.benefits == y.total == D(0) for y in years[2:])
    assert {(y.pay_object_class, y.benefits_object_class) for y in years} == {("11.3", "12.1")}


def test_contractor_at_an_annual_rate(app):
    # $150,000 fully loaded from 1 Oct 2026: FY2027 365 days = 150,000.00; FY2028 (366 days) x 1.02 = 153,000.00;
    # FY2029 x 1.02 = 156,060.00; no benefits, object class 25.1, no benefits line.
    estimate = estimate_staffing(
        StaffingInput(StaffingKind.CONTRACTOR, None, None, None, D("150000"), D("1"), day("2026-10-01"), None)
    )
    assert estimate.annual_pay == estimate.annual_cost == D("150000.00")
    assert [y.pay for y in estimate.by_fiscal_year[:3]] == [D("150000.00"), D("153000.00"), D("156060.00")]
    assert all(y.benefits == D(0) and y.total == y.pay for y in estimate.by_fiscal_year)
    first = estimate.by_fiscal_year[0].to_json()
    assert (first["pay_object_class"], first["benefits_object_class"], first["benefits"]) == ("25.1", None, "0.00")


@pytest.mark.parametrize(
    ("kind", "end", "fte", "pay_class", "benefits_class"),
    [
        (StaffingKind.CIVIL_SERVICE, None, "1", "11.1", "12.1"),
        (StaffingKind.CIVIL_SERVICE, None, "0.8", "11.3", "12.1"),  # part-time
        (StaffingKind.CIVIL_SERVICE, "2028-09-30", "1", "11.3", "12.1"),  # time-limited
        (StaffingKind.PERSONAL_SERVICES_CONTRACTOR, None, "1", "11.8", "12.1"),
        (StaffingKind.DETAILEE, None, "1", "25.3", None),
    ],
)
def test_object_classes(app, kind, end, fte, pay_class, benefits_class):
    plan = kind == StaffingKind.CIVIL_SERVICE
    estimate = estimate_staffing(
        StaffingInput(
            kind,
            "GS" if plan else None,
            12 if plan else None,
            3 if plan else None,
            None if plan else D("100000"),
            D(fte),
            day("2027-01-11"),
            day(end) if end else None,
        )
    )
    first = estimate.by_fiscal_year[0]
    assert (first.pay_object_class, first.benefits_object_class) == (pay_class, benefits_class)
    assert (first.benefits > 0) == (benefits_class is not None)


@pytest.mark.parametrize(
    ("kind", "plan", "grade", "step", "steps"),
    [
        (StaffingKind.CIVIL_SERVICE, "GS", 9, 1, [1, 2, 3, 4, 4]),  # 52 weeks each to steps 2-4, 104 to step 5
        (StaffingKind.CIVIL_SERVICE, "GS", 9, 4, [4, 4, 5, 5, 6]),  # 104 weeks to steps 5-7
        (StaffingKind.CIVIL_SERVICE, "GS", 9, 7, [7, 7, 7, 8, 8]),  # 156 weeks to steps 8-10
        (StaffingKind.CIVIL_SERVICE, "GS", 9, 10, [10, 10, 10, 10, 10]),
        (StaffingKind.FOREIGN_SERVICE, "FS", 4, 1, [1, 2, 3, 4, 5]),  # one step a year
        (StaffingKind.FOREIGN_SERVICE, "FS", 4, 13, [13, 14, 14, 14, 14]),
    ],
)
def test_step_increases_by_fiscal_year(app, kind, plan, grade, step, steps):
    estimate = estimate_staffing(StaffingInput(kind, plan, grade, step, None, D("1"), day("2026-10-01"), None))
    assert [y.step for y in estimate.by_fiscal_year] == steps
    rates = [y.annual_rate for y in estimate.by_fiscal_year]
    assert rates == sorted(rates)


def test_foreign_service_uses_the_fs_table(app):
    # FS-04 step 1 from 1 Oct 2026 (a full FY2027, 365 days): pay = the CSV row exactly.
    row = db.session.scalar(
        sa.select(PayRate.annual_cents).where(
            PayRate.pay_plan == "FS", PayRate.grade == 4, PayRate.step == 1, PayRate.year == 2026
        )
    )
    estimate = estimate_staffing(
        StaffingInput(StaffingKind.FOREIGN_SERVICE, "FS", 4, 1, None, D("1"), day("2026-10-01"), None)
    )
    assert estimate.by_fiscal_year[0].pay == D(row) / 100
    assert estimate.by_fiscal_year[0].pay_object_class == "11.1"


def test_a_start_before_the_earliest_table_uses_the_earliest(app):
    estimate = estimate_staffing(
        StaffingInput(StaffingKind.CIVIL_SERVICE, "GS", 13, 1, None, D("1"), day("2024-10-01"), None)
    )
    assert estimate.annual_pay == D("120579.00")
    assert estimate.by_fiscal_year[0].fiscal_year == 2025


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"grade": 16}, "grade"),
        ({"grade": 0}, "grade"),
        ({"step": 11}, "step"),
        ({"pay_plan": "FS", "grade": 1, "step": 1}, "pay_plan"),  # civil service is on the GS
        ({"pay_plan": "XX"}, "pay_plan"),
        ({"fte": D("0")}, "fte"),
        ({"fte": D("1.5")}, "fte"),
        ({"end_date": day("2027-01-10")}, "end_date"),
        ({"annual_rate": D("90000")}, "annual_rate"),  # not both
        ({"benefits_rate": D("-0.1")}, "benefits_rate"),
    ],
)
def test_invalid_positions_name_the_field(app, changes, field):
    values = {
        "kind": StaffingKind.CIVIL_SERVICE,
        "pay_plan": "GS",
        "grade": 13,
        "step": 1,
        "annual_rate": None,
        "fte": D("1"),
        "start_date": day("2027-01-11"),
        "end_date": None,
    }
    with pytest.raises(ValidationError) as caught:
        estimate_staffing(StaffingInput(**(values | changes)))
    assert field in caught.value.fields


def test_a_missing_pay_table_row_names_grade_and_step(app):
    db.session.execute(sa.delete(PayRate).where(PayRate.pay_plan == "GS", PayRate.grade == 13, PayRate.step == 4))
    with pytest.raises(ValidationError) as caught:
        estimate_staffing(StaffingInput(StaffingKind.CIVIL_SERVICE, "GS", 13, 4, None, D("1"), day("2027-01-11"), None))
    assert {"grade", "step"} <= set(caught.value.fields)


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        (StaffingKind.CONTRACTOR, {"annual_rate": None}, "annual_rate"),
        (StaffingKind.CONTRACTOR, {"pay_plan": "GS", "grade": 13, "step": 1}, "pay_plan"),
        (StaffingKind.PERSONAL_SERVICES_CONTRACTOR, {"annual_rate": D("0")}, "annual_rate"),
    ],
)
def test_annual_rate_positions_need_a_rate(app, kind, changes, field):
    values = {
        "kind": kind,
        "pay_plan": None,
        "grade": None,
        "step": None,
        "annual_rate": D("100000"),
        "fte": D("1"),
        "start_date": day("2027-01-11"),
        "end_date": None,
    }
    with pytest.raises(ValidationError) as caught:
        estimate_staffing(StaffingInput(**(values | changes)))
    assert field in caught.value.fields


# --------------------------------------------------------------------------- fixtures


def test_costing_fixtures_are_loaded_and_reloading_changes_nothing(app):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PayRate)) == 15 * 10 + 9 * 14
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TravelPurpose)) == 6
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CityPairFare)) == 30
    assert all("illustrative" in source for source in db.session.scalars(sa.select(PayRate.source)))
    changed = seeding.load_reference()
    assert (changed["pay_rate"], changed["travel_purpose"], changed["city_pair_fare"]) == (0, 0, 0)


def test_every_fare_destination_has_its_own_per_diem_rate(app):
    # Each illustrative fare goes to a capital in the per diem table, so no fare silently prices an "[Other]" rate.
    for fare in db.session.scalars(sa.select(CityPairFare)):
        assert fare.origin == "Washington"
        location = db.session.scalar(
            sa.select(PerDiemRate.location).where(
                sa.or_(
                    sa.func.lower(PerDiemRate.location) == fare.destination.lower(),
                    sa.func.lower(PerDiemRate.location).startswith(fare.destination.lower() + ","),
                )
            )
        )
        assert location is not None, fare.destination
