"""A use case's input, declared once: a frozen dataclass whose fields say what they hold.

Each field is made by one of the functions below (`text`, `money`, `reference`,
...), which records its label, limits, default and help text. The page form
(forms/derived.py) and the API schema (views/api/derived.py) are built from
these fields, and the service checks its input with `check`, so a limit or a
default is written only here. `current` reads a record's input back; a PATCH
is `patched`: the record's current input, replaced by the fields sent.

A field's edge name (form field, error key) is its name less "_id":
`division_id` is "division" at the edge (JSON keys also drop a trailing "_":
`return_` is "return"). Money is Decimal dollars in the declaration and cents
on the record (`total` ↔ `total_cents`); a fraction is a Decimal in the
declaration and basis points on the record; `record=` names any other attribute
("start_on", or a path such as "country.iso3"). An exact decimal (a share,
a score) is a whole number of its last place on the record: 0.3 to four
places is 3000, 87.25 to two is 8725.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import MISSING, dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from models import db
from money import format_dollars, from_cents, to_cents

SPEC = "input"
FIRST_YEAR, LAST_YEAR = 1900, 2200  # the fiscal years a date column can sensibly hold


class Kind(enum.StrEnum):
    TEXT = "text"
    MONEY = "money"
    REFERENCE = "reference"
    DATE = "date"
    YEAR = "year"  # a fiscal year the office plans
    CHOICE = "choice"
    INTEGER = "integer"
    BOOLEAN = "boolean"  # yes or no, with a default
    FRACTION = "fraction"
    DECIMAL = "decimal"  # exact to `places`: a share of a notice (0.3012), a reviewer's score (87.25)
    AMOUNTS = "amounts"  # money by the members of an enum: {visa: 160.00, ground: 75.00}
    CODES = "codes"  # reference codes: ("WHA", "EAP")
    CODES_BY = "codes_by"  # reference codes by the kind they name: {"region": ["WHA"], "priority": [...]}
    ROWS = "rows"
    GROUP = "group"  # records named by some of several dimensions, each by id: {"region": 3, "priority": 2}


@dataclass(frozen=True)
class Rule:
    """A rule a field's own limits can't state: between fields (allotted within apportioned), or against
    other records (a name in use, a country outside the region). A declaration lists its rules in `RULES`;
    the API document states them (x-rules), naming the fields whose errors they give."""

    fields: tuple[str, ...]
    text: str


def rules_of(declaration: type) -> tuple[Rule, ...]:
    """The declaration's rules, with its rows' rules under the rows' names ("legs.return")."""
    found = list(getattr(declaration, "RULES", ()))
    for name, spec in specs(declaration).items():
        if spec.rows is not None:
            key = spec.edge_name(name)
            found += [Rule(tuple(f"{key}.{field}" for field in rule.fields), rule.text) for rule in rules_of(spec.rows)]
    return tuple(found)


@dataclass(frozen=True)
class Spec:
    kind: Kind
    label: str
    required: bool = True
    nullable: bool = False  # required, and None is a meaning of its own (no-year funds), not a gap
    help: str = ""
    message: str = ""  # what a missing or out-of-limits value is told, where generic words won't do
    max_length: int | None = None
    min_length: int | None = None
    multiline: bool = False
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    choices: type[enum.Enum] | None = None
    suggested: Any = None  # where a new page form starts (a required choice, a usual text)
    positional: bool = False  # optional, yet the dataclass takes it as an argument (callers give it in order)
    fallback: Any = None  # then: the value when it is not sent
    options: tuple[str, ...] = ()  # the only texts accepted, where there is such a list
    percent: bool = False  # a fraction that pages show and take as a percentage
    places: int | None = None  # an exact decimal's most decimal places
    codes_of: str = ""  # what CODES name ("region"); CODES_BY name the kinds in `options`
    rows: type | None = None  # the declaration of one row
    each_field: bool = False  # rows: an error names the row's field ("rules[0].min_count"), not only the row
    record: str = ""  # the record's attribute, where it is not the field's own name
    to: type | None = None  # a reference's model
    usable: Any = None  # then: a criterion (a function giving a WHERE clause) a referenced record must meet
    listed: Any = None  # a text's: a function giving the only texts the service accepts now (codes in a table)
    dimensions: tuple[tuple[str, type], ...] = ()  # a group's: each dimension's name and the model its id names

    def edge_name(self, name: str) -> str:
        """The form field's and the error's name; JSON keys also drop a trailing "_" (`return_` → "return")."""
        return name.removesuffix("_id") if self.kind == Kind.REFERENCE else name

    def record_attribute(self, name: str) -> str:
        suffix = {Kind.MONEY: "_cents", Kind.FRACTION: "_basis_points"}.get(self.kind, "")
        return self.record or name + suffix


def _field(spec: Spec, default=MISSING, default_factory=MISSING):
    return dataclasses.field(default=default, default_factory=default_factory, metadata={SPEC: spec})


def text(
    label: str, *, max_length: int, required: bool = True, default: str | None = "", positional: bool = False, **kw
):
    """A string; a required one must not be blank, an optional one is `default` when left out or blank
    (`positional`: the dataclass still takes it as an argument, for callers that give every field in order)."""
    if required:
        return _field(Spec(Kind.TEXT, label, max_length=max_length, **kw))
    if positional:
        return _field(Spec(Kind.TEXT, label, False, max_length=max_length, positional=True, fallback=default, **kw))
    return _field(Spec(Kind.TEXT, label, False, max_length=max_length, **kw), default=default)


def money(label: str, *, minimum: Decimal | None = None, default=MISSING, **kw):
    """Dollars and cents (Decimal); cents on the record. Required unless it has a default."""
    return _field(Spec(Kind.MONEY, label, default is MISSING, minimum=minimum, **kw), default=default)


def reference(label: str, *, to: type, required: bool = True, usable=None, **kw):
    """The id of a record of the model `to` (one that meets `usable`, where given); an optional one
    defaults to None. The API document lists the ids there are, so a script sees what it may send."""
    spec = Spec(Kind.REFERENCE, label, required, to=to, usable=usable, **kw)
    return _field(spec) if required else _field(spec, default=None)


def _usable(spec: Spec) -> sa.Select:
    """The ids of the records a reference may name: the one query the document and the check share."""
    query = sa.select(spec.to.id)
    return query if spec.usable is None else query.where(spec.usable())


def usable_ids(spec: Spec) -> list[int]:
    """The ids a reference may be given now."""
    return list(db.session.scalars(_usable(spec).order_by(spec.to.id)))


def missing_references(data, message: str = "No such record.") -> dict[str, str]:
    """The references of `data` that name no usable record, by edge name."""
    missing = {}
    for name, spec in specs(type(data)).items():
        value = getattr(data, name)
        key = spec.edge_name(name).rstrip("_")
        named = spec.kind == Kind.REFERENCE and value is not None
        if named and db.session.scalar(_usable(spec).where(spec.to.id == value)) is None:
            missing[key] = message
        if spec.kind == Kind.GROUP and not _problem(spec, value):
            models = dict(spec.dimensions)
            for dimension, record_id in value.items():
                if db.session.get(models[dimension], record_id) is None:
                    missing[f"{key}.{dimension}"] = message
        if spec.kind == Kind.ROWS:
            for index, row in enumerate(value):
                missing |= {f"{key}[{index}].{field}": why for field, why in missing_references(row, message).items()}
    return missing


def year(label: str, *, required: bool = True, **kw):
    """A fiscal year, by its number."""
    spec = Spec(Kind.YEAR, label, required, minimum=FIRST_YEAR, maximum=LAST_YEAR, **kw)
    return _field(spec) if required else _field(spec, default=None)


def date(label: str, *, required: bool = True, **kw):
    spec = Spec(Kind.DATE, label, required, **kw)
    return _field(spec) if required else _field(spec, default=None)


def choice(label: str, choices: type[enum.Enum], *, default=MISSING, **kw):
    """One member of an enum, sent by its value."""
    return _field(Spec(Kind.CHOICE, label, default is MISSING, choices=choices, **kw), default=default)


def integer(label: str, *, minimum: int, maximum: int, default=MISSING, **kw):
    """A whole number in a range; required unless it has a default (None: not given)."""
    return _field(
        Spec(Kind.INTEGER, label, default is MISSING, minimum=minimum, maximum=maximum, **kw), default=default
    )


def boolean(label: str, *, default: bool, **kw):
    """Yes or no: a checkbox on pages, true or false in JSON; `default` when not sent."""
    return _field(Spec(Kind.BOOLEAN, label, False, **kw), default=default)


def fraction(label: str, *, minimum: Decimal, maximum: Decimal, default: Decimal, **kw):
    """A share such as a benefits rate (0.3645 is 36.45%); basis points on the record; `percent` on pages."""
    return _field(Spec(Kind.FRACTION, label, False, minimum=minimum, maximum=maximum, **kw), default=default)


def decimal(label: str, *, minimum: Decimal, maximum: Decimal, places: int, default=MISSING, **kw):
    """A decimal number from `minimum` to `maximum` with at most `places` decimal places, held exactly: on the
    record a whole number of its last place (`record=` names it). Required unless it has a default (None: not
    given)."""
    spec = Spec(Kind.DECIMAL, label, default is MISSING, minimum=minimum, maximum=maximum, places=places, **kw)
    return _field(spec, default=default)


def codes(label: str, *, of: str, max_length: int, **kw):
    """Reference codes of one kind (`of`: "region"), each at most `max_length` characters; a tuple in the
    declaration, a list on the record; none given is none."""
    return _field(Spec(Kind.CODES, label, False, codes_of=of, max_length=max_length, **kw), default=())


def codes_by(label: str, kinds: tuple[str, ...], *, max_length: int, **kw):
    """Reference codes by the kind they name, only `kinds`: {"region": ["WHA"]}; a kind named has a code."""
    spec = Spec(Kind.CODES_BY, label, False, options=kinds, max_length=max_length, **kw)
    return _field(spec, default_factory=dict)


def amounts(label: str, kinds: type[enum.Enum], *, minimum: Decimal, **kw):
    """Money by kind (a dict of enum member → Decimal dollars); the record holds rows with `kind` and
    `amount_cents`."""
    spec = Spec(Kind.AMOUNTS, label, False, choices=kinds, minimum=minimum, **kw)
    return _field(spec, default_factory=dict)


def group(label: str, *, dimensions: dict[str, type], **kw):
    """A group named by at least one of `dimensions` (name → model), each by a record's id; a dict."""
    spec = Spec(Kind.GROUP, label, options=tuple(dimensions), dimensions=tuple(dimensions.items()), **kw)
    return _field(spec)


def rows(label: str, row: type, *, maximum: int, required: bool = False, **kw):
    """Repeated rows, each declared by the dataclass `row`; a tuple in the declaration (`each_field`: an
    error names the row's field, "rules[0].min_count", where the row's fields are not shown side by side)."""
    return _field(Spec(Kind.ROWS, label, required, rows=row, maximum=maximum, **kw), default=())


def scaled(spec: Spec, value: Decimal | None) -> int | None:
    """An exact decimal as the record holds it: a whole number of its last place (0.3012 → 3012)."""
    return None if value is None else int(Decimal(value).scaleb(spec.places))


def specs(declaration: type) -> dict[str, Spec]:
    """The declared fields of a use case's input, in order."""
    return {f.name: f.metadata[SPEC] for f in dataclasses.fields(declaration) if SPEC in f.metadata}


def default_of(declaration: type, name: str) -> Any:
    """A field's default, or MISSING where the field is required."""
    found = next(f for f in dataclasses.fields(declaration) if f.name == name)
    if SPEC in found.metadata and found.metadata[SPEC].positional:
        return found.metadata[SPEC].fallback
    return found.default_factory() if found.default_factory is not MISSING else found.default


def build(declaration: type, values: dict) -> Any:
    """The declaration from values by field name (rows as lists of dicts)."""
    return declaration(**_typed(declaration, values))


def patched(declaration: type, record, sent: dict) -> Any:
    """A PATCH: the record's current input, replaced by the fields sent."""
    return dataclasses.replace(current(declaration, record), **_typed(declaration, sent))


def _typed(declaration: type, values: dict) -> dict:
    """The declared fields among `values`, rows built into their declarations."""
    fields = specs(declaration)
    known = {name: value for name, value in values.items() if name in fields}
    for name, value in known.items():
        row = fields[name].rows
        if row is not None:
            known[name] = tuple(item if isinstance(item, row) else build(row, item) for item in value)
        elif fields[name].kind == Kind.CODES:
            known[name] = tuple(value)
    return known


def current(declaration: type, record) -> Any:
    """The record's current input, as the use case would be given it."""
    values = {}
    for name, spec in specs(declaration).items():
        value = record
        for part in spec.record_attribute(name).split("."):
            value = None if value is None else getattr(value, part)
        if spec.kind == Kind.MONEY and value is not None:
            value = from_cents(value)
        elif spec.kind == Kind.FRACTION:
            value = Decimal(value) / 10_000
        elif spec.kind == Kind.DECIMAL and value is not None:
            value = Decimal(value).scaleb(-spec.places)
        elif spec.kind == Kind.CODES:
            value = tuple(value)
        elif spec.kind == Kind.CODES_BY:
            value = {kind: list(codes) for kind, codes in value.items()}
        elif spec.kind == Kind.GROUP:
            value = dict(value)
        elif spec.kind == Kind.ROWS:
            value = tuple(current(spec.rows, item) for item in value)
        elif spec.kind == Kind.AMOUNTS:
            value = {item.kind: from_cents(item.amount_cents) for item in value}
        values[name] = value
    return declaration(**values)


def check(data) -> dict[str, str]:
    """Errors against the declared limits, by edge name ("funding[2]" for a row)."""
    errors: dict[str, str] = {}
    for name, spec in specs(type(data)).items():
        key = spec.edge_name(name).rstrip("_")  # named as the JSON names it: a move's `from_` is "from"
        problem = _problem(spec, getattr(data, name))
        if problem:
            errors[key] = problem
        elif spec.kind == Kind.ROWS:
            for index, row in enumerate(getattr(data, name)):
                row_errors = check(row)
                if spec.each_field:
                    errors.update({f"{key}[{index}].{field}": why for field, why in row_errors.items()})
                elif row_errors:  # the row's first problem, as the services name a row's error
                    errors[f"{key}[{index}]"] = next(iter(row_errors.values()))
    return errors


def _problem(spec: Spec, value) -> str:
    """What is wrong with one value, or ""."""
    if value is None and spec.nullable:
        return ""
    if value is None or (spec.kind == Kind.TEXT and not value.strip()) or (spec.kind == Kind.ROWS and not value):
        return (spec.message or "Fill this in.") if spec.required else ""
    if spec.kind == Kind.TEXT and len(value.strip()) > spec.max_length:
        return f"At most {spec.max_length} characters."
    if spec.kind == Kind.TEXT and spec.min_length and len(value.strip()) < spec.min_length:
        return spec.message or f"At least {spec.min_length} characters."
    if spec.kind == Kind.TEXT and spec.options and value not in spec.options:
        return f"Choose {' or '.join(spec.options)}."
    if spec.kind == Kind.ROWS and len(value) > spec.maximum:
        return f"At most {spec.maximum} rows."
    if spec.kind == Kind.AMOUNTS and any(amount < spec.minimum for amount in value.values()):
        return spec.message or f"Enter at least {format_dollars(to_cents(spec.minimum))} for each."
    if spec.kind == Kind.MONEY and spec.minimum is not None and value < spec.minimum:
        return spec.message or f"Enter at least {format_dollars(to_cents(spec.minimum))}."
    if spec.kind in (Kind.INTEGER, Kind.YEAR, Kind.FRACTION) and not spec.minimum <= value <= spec.maximum:
        return spec.message or f"Enter a number from {spec.minimum} to {spec.maximum}."
    if spec.kind == Kind.DECIMAL and not _exact(Decimal(value), spec):
        return spec.message or f"Enter a number from {spec.minimum} to {spec.maximum}, to {spec.places} places at most."
    if spec.kind == Kind.CODES:
        return _codes_problem(value, spec.max_length)
    if spec.kind == Kind.GROUP:
        unknown = [str(dimension) for dimension in value if dimension not in spec.options]
        if unknown:
            return f"Name only {', '.join(spec.options)}; not {', '.join(unknown)}."
        if not value:
            return f"Name at least one of {', '.join(spec.options)}."
        if not all(isinstance(record_id, int) and not isinstance(record_id, bool) for record_id in value.values()):
            return "Give each dimension named a record's id."
    if spec.kind == Kind.CODES_BY:
        unknown = [str(kind) for kind in value if kind not in spec.options]
        if unknown:
            return f"Name only {', '.join(spec.options)}; not {', '.join(unknown)}."
        if not all(value.values()):
            return "Give each kind named a code."
        return next(filter(None, (_codes_problem(codes, spec.max_length) for codes in value.values())), "")
    return ""


def _exact(value: Decimal, spec: Spec) -> bool:
    """Within the limits, to the places declared (checked in this order: a huge number can't be rounded)."""
    return value.is_finite() and spec.minimum <= value <= spec.maximum and value == round(value, spec.places)


def _codes_problem(codes, max_length: int) -> str:
    if any(len(code) > max_length for code in codes):
        return f"A code has at most {max_length} characters."
    return ""
