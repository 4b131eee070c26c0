"""Marshmallow schemas: the API's record shapes, in and out.

Money goes out as a decimal string with two places and comes in as a
decimal string or a whole number of dollars (money.money_from_json).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

from models import RunStatus
from money import MoneyError, money_from_json, money_str
from services.inputs import FIRST_YEAR, LAST_YEAR, Rule

MONEY_PATTERN = r"^-?[0-9]{1,15}\.[0-9]{2}$"
_DIGITS = 15  # money.money_from_json's limit
MAX_WHOLE_DOLLARS = 10**_DIGITS - 1
# What answers may hold: a total of amounts sent at the limit has more digits than any of them (the
# database's 64-bit cents hold 17 digits of dollars).
ANSWER_MONEY_PATTERN = r"^-?[0-9]{1,17}\.[0-9]{2}$"


def money_pattern(minimum: Decimal) -> str:
    """MONEY_PATTERN for amounts of at least `minimum`: zero or more, or (0.01) more than zero."""
    if minimum == 0:
        return MONEY_PATTERN.replace("-?", "")
    if minimum != Decimal("0.01"):
        raise ValueError(f"no pattern for amounts of at least {minimum}")
    # A non-zero digit within the 15 whole-dollar digits, or zero dollars and some cents.
    whole = "|".join(f"0{{{zeros}}}[1-9][0-9]{{0,{_DIGITS - 1 - zeros}}}\\.[0-9]{{2}}" for zeros in range(_DIGITS))
    return f"^({whole}|0{{1,{_DIGITS}}}\\.(0[1-9]|[1-9][0-9]))$"


FRACTION = {  # what StaffingRequestSchema writes (basis points as a decimal) and load_decimal takes
    "type": "string",
    "pattern": r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$",
    "example": "0.3645",
}


def fraction_pattern(minimum: Decimal, maximum: Decimal) -> str:
    """FRACTION's pattern for shares from `minimum` to `maximum` (within 0 to 1, at most four places)."""
    low, high = int(minimum * 10_000), int(maximum * 10_000)
    places = []
    for count in range(1, 5):  # "0.3" is 3000 basis points, "0.36" 3600, ...
        step = 10 ** (4 - count)
        first, last = -(-low // step), min(high, 9_999) // step
        if first <= last:
            places.append(_digits_between(first, last, count))
    parts = [f"0\\.({'|'.join(places)})"] if places else []
    if low == 0:
        parts.insert(0, "0")
    if high >= 10_000:
        parts.append("1(\\.0{1,4})?")
    return "^(" + "|".join(parts) + ")$"


def _digits_between(low: int, high: int, count: int) -> str:
    """A regular expression for the `count`-digit strings (leading zeros kept) from `low` to `high`."""
    if count == 0:
        return ""
    if low == 0 and high == 10**count - 1:
        return f"[0-9]{{{count}}}"
    rest = 10 ** (count - 1)
    first, last = low // rest, high // rest
    if first == last:
        return f"{first}{_digits_between(low % rest, high % rest, count - 1)}"
    parts = [f"{first}{_digits_between(low % rest, rest - 1, count - 1)}"]
    if last - first > 1:
        between = f"{first + 1}" if last - first == 2 else f"[{first + 1}-{last - 1}]"
        parts.append(between + (f"[0-9]{{{count - 1}}}" if count > 1 else ""))
    parts.append(f"{last}{_digits_between(0, high % rest, count - 1)}")
    return "(" + "|".join(parts) + ")"


class Money(fields.Field):
    """Out: a cents attribute as "1234.50". In: "1234.50" (or whole dollars) as Decimal dollars."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else money_str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return money_from_json(value)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from exc


class RecordSchema(Schema):
    """Records round-trip: what GET returns (less read-only fields) is accepted by POST."""

    class Meta:
        unknown = RAISE
        ordered = True

    @pre_load
    def drop_read_only(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        read_only = {name for name, field in self.fields.items() if field.dump_only}
        return {key: value for key, value in data.items() if key not in read_only}


def utc_text(value: dt.datetime) -> str:
    """RFC 3339 in UTC with Z: the one way the API writes a moment (stored naive, in UTC: models.base.utcnow)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def utc_from_text(text: str) -> dt.datetime:
    """An RFC 3339 date-time (any offset; none means UTC) → naive UTC, as stored; ValueError when it is not one."""
    value = dt.datetime.fromisoformat(text.upper())  # RFC 3339 allows "t" and "z"
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


class UtcDateTime(fields.DateTime):
    """A stored moment, written by utc_text."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else utc_text(value)


def _enum(enum_type, **kwargs) -> fields.Field:
    return fields.Enum(enum_type, by_value=True, **kwargs)


MAX_ID = 2**63 - 1


def _id(**kwargs) -> fields.Integer:
    """A record id: a JSON integer (not 3.7, not "3"), within a 64-bit key."""
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ID), **kwargs)


class FiscalYear(fields.Integer):
    """A year of the office's fiscal-year table: the document lists the years it holds (views.api.openapi)."""


def _year(**kwargs) -> fields.Integer:
    return FiscalYear(strict=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR), **kwargs)


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.Function(lambda user: user.role.value)
    division = fields.Integer(attribute="division_id", allow_none=True)


class VersionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    version = fields.Integer(required=True)


class ErrorSchema(Schema):
    error = fields.Dict()


class TotalsSchema(Schema):
    by = fields.List(fields.String())
    rows = fields.List(fields.Dict())
    total = fields.String()


class StatusSchema(Schema):
    appropriation = fields.Integer()
    enacted = fields.String()
    apportioned = fields.String()
    allotted = fields.String()
    planned = fields.List(fields.Dict())
    scenario = fields.Integer(allow_none=True)
    committed = fields.String()
    obligated = fields.String()
    awarded = fields.String(metadata={"description": "the part of planned that awards' funding lines claim"})
    available = fields.String()
    expires_on = fields.Date(allow_none=True)
    cancels_on = fields.Date(allow_none=True)
    expires_soon = fields.Boolean()


class ExecutionMonthSchema(Schema):
    month = fields.String(attribute="label", metadata={"description": "a calendar month, YYYY-MM"})
    planned = Money(attribute="planned_cents", dump_only=True, metadata={"description": "the spend plan's"})
    obligated = Money(attribute="obligated_cents", dump_only=True)
    expended = Money(attribute="expended_cents", dump_only=True)


class LapseSchema(Schema):
    expires_on = fields.Date(allow_none=True)
    forecast_unobligated = Money(
        attribute="forecast_unobligated_cents",
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "at the pace of the last three months' obligations; null unless the funds expire "
            "in the as-of date's fiscal year (after expiry, what lapsed)"
        },
    )


class BreakdownRowSchema(Schema):
    """One group of a breakdown of plan against actual; a table's rows add up to the appropriation's figures."""

    class Meta:
        ordered = True

    id = fields.Integer(
        allow_none=True,
        metadata={"description": "the division's, object class's, region's or priority's; null for the other rows"},
    )
    name = fields.String(
        metadata={"description": "its name; Office-wide, No region, No priority, Not through an award for the others"}
    )
    planned = Money(attribute="planned_cents", dump_only=True, metadata={"description": "the whole period's plan"})
    planned_to_date = Money(
        attribute="planned_to_date_cents",
        dump_only=True,
        metadata={"description": "its share of the month table's cumulative plan at the as-of month"},
    )
    obligated = Money(attribute="obligated_cents", dump_only=True)
    expended = Money(attribute="expended_cents", dump_only=True)
    variance = Money(
        attribute="variance_cents", dump_only=True, metadata={"description": "obligated less planned to date"}
    )


def _breakdown(table: str, description: str) -> fields.Field:
    return fields.List(
        fields.Nested(BreakdownRowSchema),
        attribute=f"breakdown.{table}.rows",
        metadata={"description": description},
    )


class ExecutionSchema(Schema):
    """Plan against actual as of a date (contracts/execution.md)."""

    class Meta:
        ordered = True

    appropriation = fields.Integer(attribute="appropriation.id")
    scenario = fields.Integer(attribute="scenario_id", allow_none=True)
    as_of = fields.Date()
    allotted = Money(attribute="allotted_cents", dump_only=True)
    planned = Money(attribute="planned_cents", dump_only=True)
    obligated = Money(attribute="obligated_cents", dump_only=True)
    expended = Money(attribute="expended_cents", dump_only=True)
    unliquidated = Money(attribute="unliquidated_cents", dump_only=True)
    unobligated = Money(attribute="unobligated_cents", dump_only=True)
    months = fields.List(fields.Nested(ExecutionMonthSchema))
    lapse = fields.Nested(LapseSchema)
    by_division = _breakdown("by_division", "by division; a transaction with no division is Office-wide")
    by_object_class = _breakdown("by_object_class", "by object class")
    by_region = _breakdown(
        "by_region",
        "by the lines' region; actuals through the award their document number names, else Not through an award",
    )
    by_priority = _breakdown(
        "by_priority",
        "by the lines' priority; actuals through the award their document number names, else Not through an award",
    )


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = UtcDateTime()
    user = fields.Integer(attribute="user_id", allow_none=True)
    action = fields.String()
    entity = fields.String()
    entity_id = fields.Integer(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    reason = fields.String()


class AllocationRunSchema(Schema):
    id = fields.Integer()
    scenario = fields.Integer(attribute="scenario_id")
    name = fields.String()
    status = fields.Enum(RunStatus, by_value=True)
    solver = fields.String()
    seconds = fields.Float()
    created_by = fields.Integer(attribute="created_by_id", allow_none=True)
    created_at = UtcDateTime()
    applied_at = UtcDateTime(allow_none=True)
    settings = fields.Dict(allow_none=True)
    problem = fields.Dict()
    result = fields.Dict()


class AppliedRunSchema(AllocationRunSchema):
    """A run just applied, with what it wrote into the scenario."""

    applied = fields.Dict(
        metadata={
            "type": "object",
            "properties": {
                "lines": {"type": "integer"},
                "amount": {"type": "string"},
                "replaced_lines": {"type": "integer"},
                "replaced_amount": {"type": "string"},
            },
        }
    )


class CloneSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))

    RULES = (Rule(("name",), "Scenario names are unique."),)
