"""Page forms built from a use case's input declaration (services/inputs.py).

`derived_form(AwardInput, RowsForm, blank_rows={"funding": 6})` is a form class
with one field a declared field, named as at the edge ("division", not
"division_id"), with the declared label, limits, default and help text. A
subclass adds what only a page has: the choices of its selects
(`set_choices`, called again whenever rows are added) and widgets of its own.
Fields of a row are all optional on the form: a blank row is skipped and
RowsForm.check_rows asks for the rest of a started one.
"""

from __future__ import annotations

from dataclasses import MISSING
from decimal import Decimal

from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forms.fields import MoneyField, OptionalIdSelect, options
from services.inputs import Kind, Spec, build, current, default_of, specs

SPARE_ROWS = 2  # blank rows offered after a record's own rows


def _field(spec: Spec, default, required: bool, row_form: type | None, blank_rows: int):
    default = None if default is MISSING else default
    present = [DataRequired() if spec.kind in (Kind.TEXT, Kind.MONEY) else InputRequired()] if required else []
    validators = present or [Optional()]
    common = {"description": spec.help}
    if spec.kind == Kind.TEXT:
        widget = TextAreaField if spec.multiline else StringField
        return widget(spec.label, [*validators, Length(max=spec.max_length)], **common)
    if spec.kind == Kind.MONEY:
        return MoneyField(spec.label, validators, min_value=spec.minimum, **common)
    if spec.kind in (Kind.REFERENCE, Kind.YEAR):
        if required:
            return SelectField(spec.label, coerce=int, validators=validators, **common)
        return OptionalIdSelect(spec.label, **common)
    if spec.kind == Kind.DATE:
        return DateField(spec.label, validators, **common)
    if spec.kind == Kind.CHOICE:
        members = [
            (member.value, getattr(member, "label", member.value.replace("_", " ").capitalize()))
            for member in spec.choices
        ]
        start = _show(spec, default if default is not None else spec.suggested)
        return SelectField(spec.label, choices=options(members), default=start, **common)
    if spec.kind == Kind.INTEGER:  # one with a default shows it, and may not be emptied
        present = [InputRequired()] if required or default is not None else [Optional()]
        return IntegerField(spec.label, [*present, NumberRange(spec.minimum, spec.maximum)], default=default)
    if spec.kind == Kind.FRACTION:
        limits = NumberRange(_show(spec, spec.minimum), _show(spec, spec.maximum))
        label = f"{spec.label} (%)" if spec.percent else spec.label
        return DecimalField(label, [InputRequired(), limits], places=None, default=_show(spec, default), **common)
    row = row_form or derived_form(spec.rows, Form, row=True)
    return FieldList(FormField(row), min_entries=blank_rows, max_entries=spec.maximum + SPARE_ROWS)


def derived_form(
    declaration: type, base: type, *, row: bool = False, blank_rows=None, row_forms=None, exclude=()
) -> type:
    """A form class for the declaration: `blank_rows` and `row_forms` by rows field, for a page's layout;
    `exclude`: fields the page does not ask for (the view gives them to `to_input`)."""
    blank_rows, row_forms = blank_rows or {}, row_forms or {}
    attrs = {
        spec.edge_name(name): _field(
            spec,
            default_of(declaration, name),
            spec.required and not spec.nullable and not row,
            row_forms.get(name),
            blank_rows.get(name, 0),
        )
        for name, spec in specs(declaration).items()
        if name not in exclude
    }
    mixin = _RowOf if row else _DerivedForm
    return type(f"{declaration.__name__}Form", (mixin, base), {**attrs, "DECLARATION": declaration})


class _RowOf:
    """A row sub-form: values in, values out."""

    DECLARATION: type

    def values(self) -> dict:
        return _values(self, self.DECLARATION)


class _DerivedForm:
    """A page form of a declaration: fill it from a record, read the use case's input from it."""

    DECLARATION: type

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices()

    def set_choices(self) -> None:
        """Fill the selects' choices (a subclass knows its reference data)."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, spec in _asked(self):
            if spec.kind == Kind.ROWS:
                needed = tuple(sub.edge_name(key) for key, sub in specs(spec.rows).items() if sub.required)
                valid = self.check_rows(name, needed) and valid
        return valid

    def fill_from(self, record) -> None:
        """Show the record's current input, with blank rows to add more."""
        data = current(self.DECLARATION, record)
        for name, spec in _asked(self):
            field = self[spec.edge_name(name)]
            if spec.kind == Kind.ROWS:
                while field.entries:
                    field.pop_entry()
                rows = getattr(data, name)
                for row in rows:
                    field.append_entry(_shown(row))
                while len(field.entries) < max(field.min_entries, len(rows) + SPARE_ROWS):
                    field.append_entry()
            else:
                field.process_data(_show(spec, getattr(data, name)))
        self.version.data = str(record.version)
        self.set_choices()

    def to_input(self, **given):
        """The use case's input as typed (rows left blank skipped), with the fields the page does not ask for."""
        return build(self.DECLARATION, _values(self, self.DECLARATION) | given)


def _label(member) -> str:
    """An enum member's label, or its value in words: "foreign_assistance" → "Foreign assistance"."""
    return getattr(member, "label", member.value.replace("_", " ").capitalize())


def _asked(form) -> list[tuple[str, Spec]]:
    """The declared fields this form has."""
    return [(name, spec) for name, spec in specs(form.DECLARATION).items() if spec.edge_name(name) in form]


def _show(spec: Spec, value):
    """A declared value as the form holds it."""
    if value is None:
        return None
    if spec.kind == Kind.CHOICE:
        return value.value
    if spec.kind == Kind.FRACTION and spec.percent:
        shown = value * 100
        return shown.quantize(Decimal(1)) if shown == shown.to_integral_value() else shown.normalize()
    return value


def _read(spec: Spec, field, default):
    """A form field's value as the declaration holds it."""
    if spec.kind == Kind.MONEY:
        return field.decimal if field.decimal is not None else default
    if spec.kind == Kind.TEXT:
        return field.data or default
    if spec.kind == Kind.CHOICE:
        return spec.choices(field.data)
    if spec.kind == Kind.FRACTION and spec.percent:
        return field.data / 100
    return field.data


def _shown(row) -> dict:
    return {spec.edge_name(name): _show(spec, getattr(row, name)) for name, spec in specs(type(row)).items()}


def _values(form, declaration: type) -> dict:
    values = {}
    for name, spec in specs(declaration).items():
        if spec.edge_name(name) not in form:
            continue
        if spec.kind == Kind.ROWS:
            values[name] = [entry.form.values() for entry in form.used(spec.edge_name(name))]
        else:
            values[name] = _read(spec, form[spec.edge_name(name)], default_of(declaration, name))
    return values
