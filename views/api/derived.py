"""API schemas built from a use case's input declaration (services/inputs.py).

`derived_schema(AwardInput)` is a RecordSchema with one field a declared field:
the JSON key is the edge name ("division" for `division_id`), loading gives the
declaration's own names and types (`total` in Decimal dollars, not cents under
another name), and dumping reads the record's attribute (`total_cents`). The
limits are validators, so the OpenAPI document shows them; an exact decimal
(a share, a score) is documented by the one pattern its field reads. A
subclass adds the record's read-only fields (id, version, computed ones);
`derived_schema(Other, base=derived_schema(One))` has the fields of both.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from money import money_str
from services.inputs import Kind, Spec, default_of, rules_of, specs
from views.api.schemas import (
    FRACTION,
    MAX_ID,
    MAX_WHOLE_DOLLARS,
    FiscalYear,
    Money,
    RecordSchema,
    fraction_pattern,
    money_pattern,
)


class Fraction(fields.Decimal):
    """A share as a decimal string ("0.3645") in, as the document says; out a Decimal, which the JSON
    provider writes as a string (the record's basis points are read by _FromRecord). Not `as_string`, so
    the document's limits and default stay numbers."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {**FRACTION, **kwargs.get("metadata", {})}  # documented as the string it writes
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(FRACTION["pattern"], value):
            raise ValidationError('A decimal string from 0 to 1 with at most four places, like "0.30".')
        return super()._deserialize(value, attr, data, **kwargs)


class Listed(fields.String):
    """A declared text with a list of the only values the service accepts now (codes in a table), which
    the document gives as its enum in request bodies (views.api.openapi)."""

    def __init__(self, spec: Spec, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec


def exact_pattern(spec: Spec) -> str:
    """The text of an exact decimal (inputs.decimal) from 0 to a power of ten: "0.3012" or "1" for a share,
    "87.25" or "100.00" for a score. Not a sign, an exponent, a space or a trailing point."""
    digits = len(str(int(spec.maximum))) - 1
    if spec.minimum != 0 or spec.maximum != 10**digits:
        raise ValueError(f"{spec.label}: no pattern for {spec.minimum} to {spec.maximum}")
    below = f"[0-9]{{1,{digits}}}" if digits else "0"
    return rf"^({int(spec.maximum)}(\.0{{1,{spec.places}}})?|{below}(\.[0-9]{{1,{spec.places}}})?)$"


def exact_text(value: Decimal) -> str:
    """3012 basis points as 0.3012 → "0.3012"; 0.3 → "0.30"; 87.5 → "87.50": two places at least, more only
    where the value has them."""
    return f"{value:.2f}" if value == round(value, 2) else f"{value.normalize():f}"


class Exact(fields.String):
    """An exact decimal (inputs.decimal), a decimal string in and out: in, the document's pattern or a whole
    number it admits ("0.30", 1); a JSON fraction such as 0.3 is no exact decimal and is refused. Out, the
    record's whole number of its last place (_FromRecord scales it) as `exact_text` writes it."""

    def __init__(self, spec: Spec, **kwargs):
        self.pattern = re.compile(exact_pattern(spec))
        example = exact_text(spec.maximum * Decimal("0.3"))
        kwargs["metadata"] = {"pattern": self.pattern.pattern, "example": example, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)
        self.problem = spec.message or f"A decimal string from {spec.minimum} to {spec.maximum}, like {example!r}."

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else exact_text(Decimal(value))

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(text, str) or not self.pattern.fullmatch(text):
            raise ValidationError(self.problem)
        return Decimal(text)


class Codes(fields.List):
    """Reference codes of one kind (`of`: "region", as inputs.codes declares it)."""

    def __init__(self, spec: Spec, **kwargs):
        self.of = spec.codes_of
        super().__init__(fields.String(validate=validate.Length(min=1, max=spec.max_length)), **kwargs)


class Amounts(fields.Field):
    """Money by kind: {"visa": "160.00"} in and out; rows with `kind` and `amount_cents` on the record."""

    def __init__(self, kinds, **kwargs):
        super().__init__(**kwargs)
        self.kinds = {kind.value: kind for kind in kinds}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else {row.kind.value: money_str(row.amount_cents) for row in value}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("An object of kind → amount.")
        unknown = [key for key in value if key not in self.kinds]
        if unknown:
            raise ValidationError(f"Unknown kind {unknown[0]!r}; use {', '.join(self.kinds)}.")
        return {self.kinds[key]: Money().deserialize(amount) for key, amount in value.items()}


class Reference(fields.Integer):
    """A declared reference: a record id, which the document lists (views.api.openapi) from the declaration's
    model and criterion, so a script learns the ids it may send."""

    def __init__(self, spec: Spec, **kwargs):
        super().__init__(strict=True, validate=validate.Range(1, MAX_ID), **kwargs)
        self.spec = spec


class RowSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class _FromRecord:
    """Dump each declared field from the record's attribute that holds it."""

    RECORD: dict[str, str] = {}
    FRACTIONS: frozenset[str] = frozenset()  # held in basis points on the record
    PLACES: dict[str, int] = {}  # exact decimals: a whole number of their last place on the record

    def get_attribute(self, obj, attr, default):
        path = self.RECORD.get(attr)
        if path is None or isinstance(obj, dict):
            return super().get_attribute(obj, attr, default)
        for part in path.split("."):
            obj = None if obj is None else getattr(obj, part)
        if obj is not None and attr in self.PLACES:
            return Decimal(obj).scaleb(-self.PLACES[attr])
        return Decimal(obj) / 10_000 if attr in self.FRACTIONS and obj is not None else obj


def _field(name: str, spec: Spec, default) -> fields.Field:
    if spec.required:
        presence = {"required": True, "allow_none": spec.nullable}
    else:
        presence = {"load_default": default, "allow_none": default is None}
    common = {**presence, "metadata": {"description": spec.help or spec.label}}
    key = spec.edge_name(name).rstrip("_")  # `return_` is "return" in JSON
    if key != name:
        common["data_key"] = key
    if spec.kind == Kind.TEXT and spec.listed is not None:
        return Listed(spec, validate=validate.Length(max=spec.max_length), **common)
    if spec.kind == Kind.TEXT:
        shortest = spec.min_length or (1 if spec.required else None)
        limits = [validate.Length(min=shortest, max=spec.max_length)]
        return fields.String(validate=[*limits, validate.OneOf(spec.options)] if spec.options else limits, **common)
    if spec.kind == Kind.MONEY:
        if spec.minimum is not None:
            common["metadata"]["description"] += f" (at least {spec.minimum:.2f})"
            common["metadata"]["minimum_dollars"] = spec.minimum  # the document's pattern (views.api.openapi)
        return Money(**common)
    if spec.kind == Kind.REFERENCE:
        return Reference(spec, **common)
    if spec.kind == Kind.DATE:
        return fields.Date(**common)
    if spec.kind == Kind.CHOICE:
        return fields.Enum(spec.choices, by_value=True, **common)
    if spec.kind == Kind.YEAR:  # the document lists the office's fiscal years
        return FiscalYear(strict=True, validate=validate.Range(spec.minimum, spec.maximum), **common)
    if spec.kind == Kind.INTEGER:
        return fields.Integer(strict=True, validate=validate.Range(spec.minimum, spec.maximum), **common)
    if spec.kind == Kind.BOOLEAN:
        return fields.Boolean(**common)
    if spec.kind == Kind.FRACTION:
        common["metadata"]["pattern"] = fraction_pattern(spec.minimum, spec.maximum)
        return Fraction(validate=validate.Range(spec.minimum, spec.maximum), **common)
    if spec.kind == Kind.DECIMAL:
        return Exact(spec, **common)
    if spec.kind == Kind.CODES:
        return Codes(spec, **(common | {"load_default": list}))
    if spec.kind == Kind.CODES_BY:
        codes = fields.List(
            fields.String(validate=validate.Length(min=1, max=spec.max_length)), validate=validate.Length(min=1)
        )
        return fields.Dict(keys=fields.String(), values=codes, **(common | {"load_default": dict}))
    if spec.kind == Kind.GROUP:
        common["metadata"] |= {
            "type": "object",
            "properties": {
                dimension: {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": f"a {dimension}'s id"}
                for dimension in spec.options
            },
            "additionalProperties": False,
            "minProperties": 1,
        }
        ids = fields.Integer(strict=True, validate=validate.Range(1, MAX_ID))
        keys = fields.String(validate=validate.OneOf(spec.options))
        return fields.Dict(keys=keys, values=ids, validate=validate.Length(min=1), **common)
    if spec.kind == Kind.AMOUNTS:
        common["metadata"] |= {
            "type": "object",
            "properties": {
                kind.value: {
                    "anyOf": [
                        {"type": "string", "pattern": money_pattern(spec.minimum)},
                        {"type": "integer", "minimum": 0 if spec.minimum == 0 else 1, "maximum": MAX_WHOLE_DOLLARS},
                    ],
                    "description": "dollars as a decimal string, or a whole number of dollars",
                }
                for kind in spec.choices
            },
            "additionalProperties": False,
        }
        return Amounts(spec.choices, **(common | {"load_default": dict}))
    rows = _row_schema(spec.rows)
    if not spec.required:
        common["load_default"] = list
    least = 1 if spec.required else None  # a required list is refused when empty (inputs.check)
    return fields.List(fields.Nested(rows), validate=validate.Length(min=least, max=spec.maximum), **common)


def derived_schema(declaration: type, base: type[Schema] = RecordSchema, *, only=None) -> type[Schema]:
    """A schema class whose declared fields (or `only` those) load into the declaration's names and dump
    from the record (over a `base` derived from another declaration: the fields of both)."""
    declared = {name: spec for name, spec in specs(declaration).items() if only is None or name in only}
    attrs = {name: _field(name, spec, default_of(declaration, name)) for name, spec in declared.items()}
    attrs["RECORD"] = getattr(base, "RECORD", {}) | {
        name: spec.record_attribute(name) for name, spec in declared.items()
    }
    attrs["FRACTIONS"] = getattr(base, "FRACTIONS", frozenset()) | {
        name for name, spec in declared.items() if spec.kind == Kind.FRACTION
    }
    attrs["PLACES"] = getattr(base, "PLACES", {}) | {
        name: spec.places for name, spec in declared.items() if spec.kind == Kind.DECIMAL
    }
    edge = {spec.edge_name(name).rstrip("_") for name, spec in declared.items()}
    own = tuple(rule for rule in rules_of(declaration) if edge & {f.split(".")[0] for f in rule.fields})
    attrs["RULES"] = getattr(base, "RULES", ()) + own
    bases = (base,) if issubclass(base, _FromRecord) else (_FromRecord, base)
    return type(f"{declaration.__name__}Schema", bases, attrs)


@cache
def _row_schema(row: type) -> type[Schema]:
    """One schema class a row declaration, however many schemas nest it (one name in the OpenAPI document)."""
    return derived_schema(row, RowSchema)
