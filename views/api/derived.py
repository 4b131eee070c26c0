"""API schemas built from a use case's input declaration (services/inputs.py).

`derived_schema(AwardInput)` is a RecordSchema with one field a declared field:
the JSON key is the edge name ("division" for `division_id`), loading gives the
declaration's own names and types (`total` in Decimal dollars, not cents under
another name), and dumping reads the record's attribute (`total_cents`). The
limits are validators, so the OpenAPI document shows them. A subclass adds
the record's read-only fields (id, version, computed ones).
"""

from __future__ import annotations

from decimal import Decimal

from marshmallow import RAISE, Schema, fields, validate

from services.inputs import Kind, Spec, default_of, specs
from views.api.schemas import Money, RecordSchema, _id


class Fraction(fields.Decimal):
    """Basis points at rest ↔ a decimal string ("0.3645"); a number or a decimal string in."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else super()._serialize(Decimal(value) / 10_000, attr, obj, **kwargs)


class RowSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class _FromRecord:
    """Dump each declared field from the record's attribute that holds it."""

    RECORD: dict[str, str] = {}

    def get_attribute(self, obj, attr, default):
        path = self.RECORD.get(attr)
        if path is None or isinstance(obj, dict):
            return super().get_attribute(obj, attr, default)
        for part in path.split("."):
            obj = None if obj is None else getattr(obj, part)
        return obj


def _field(name: str, spec: Spec, default) -> fields.Field:
    if spec.required:
        presence = {"required": True, "allow_none": spec.nullable}
    else:
        presence = {"load_default": default, "allow_none": default is None}
    common = {**presence, "metadata": {"description": spec.help or spec.label}}
    if spec.edge_name(name) != name:
        common["data_key"] = spec.edge_name(name)
    if spec.kind == Kind.TEXT:
        limits = [validate.Length(min=1 if spec.required else None, max=spec.max_length)]
        return fields.String(validate=[*limits, validate.OneOf(spec.options)] if spec.options else limits, **common)
    if spec.kind == Kind.MONEY:
        if spec.minimum is not None:
            common["metadata"]["description"] += f" (at least {spec.minimum:.2f})"
        return Money(**common)
    if spec.kind == Kind.REFERENCE:
        return _id(**common)
    if spec.kind == Kind.DATE:
        return fields.Date(**common)
    if spec.kind == Kind.CHOICE:
        return fields.Enum(spec.choices, by_value=True, **common)
    if spec.kind in (Kind.INTEGER, Kind.YEAR):
        return fields.Integer(strict=True, validate=validate.Range(spec.minimum, spec.maximum), **common)
    if spec.kind == Kind.FRACTION:
        return Fraction(validate=validate.Range(spec.minimum, spec.maximum), **common)
    rows = derived_schema(spec.rows, RowSchema)
    if not spec.required:
        common["load_default"] = list
    return fields.List(fields.Nested(rows), validate=validate.Length(max=spec.maximum), **common)


def derived_schema(declaration: type, base: type[Schema] = RecordSchema, *, only=None) -> type[Schema]:
    """A schema class whose declared fields (or `only` those) load into the declaration's names and dump
    from the record."""
    declared = {name: spec for name, spec in specs(declaration).items() if only is None or name in only}
    attrs = {name: _field(name, spec, default_of(declaration, name)) for name, spec in declared.items()}
    attrs["RECORD"] = {name: spec.record_attribute(name) for name, spec in declared.items()}
    return type(f"{declaration.__name__}Schema", (_FromRecord, base), attrs)
