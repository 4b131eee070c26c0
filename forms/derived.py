"""Page forms built from a use case's input declaration (services/inputs.py).

`derived_form(AwardInput, RowsForm, blank_rows={"funding": 6})` is a form class
with one field a declared field, named as at the edge ("division", not
"division_id"), with the declared label, limits, default and help text; money
by kind is one money field a kind ("visa", "ground", ...). A subclass adds what
only a page has: the choices of its selects (`set_choices`, called again
whenever rows are added) and widgets of its own. Fields of a row are optional
on the form (a blank row is skipped and RowsForm.check_rows asks for the rest
of a started one) unless the rows are `whole`: every row sent must be complete.
A field the page asks for its own way (a notice's rules typed as text) is
`exclude`d: the subclass adds its field, shows it in `fill_from` and gives its
value to `to_input`.
"""

from __future__ import annotations

import wtforms
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forms.fields import FiniteDecimalField, MoneyField, OptionalIdSelect, options
from services.inputs import MISSING, Kind, Spec, build, current, default_of, specs

SPARE_ROWS = 2  # blank rows offered after a record's own rows, unless the page says otherwise


def _field(spec: Spec, default, required: bool, row_form: type | None, rows: tuple[int, int]):
    default = None if default is MISSING else default
    present = [DataRequired() if spec.kind in (Kind.TEXT, Kind.MONEY) else InputRequired()] if required else []
    validators = present or [Optional()]
    common = {"description": spec.help}
    if spec.kind == Kind.TEXT:
        widget = wtforms.TextAreaField if spec.multiline else wtforms.StringField
        start = spec.suggested or default
        return widget(spec.label, [*validators, Length(max=spec.max_length)], default=start, **common)
    if spec.kind == Kind.MONEY:
        return MoneyField(spec.label, validators, min_value=spec.minimum, **common)
    if spec.kind in (Kind.REFERENCE, Kind.YEAR):
        if required:
            return wtforms.SelectField(spec.label, coerce=int, validators=validators, **common)
        return OptionalIdSelect(spec.label, **common)
    if spec.kind == Kind.DATE:
        return wtforms.DateField(spec.label, validators, **common)
    if spec.kind == Kind.CHOICE:
        members = [(member.value, _label(member)) for member in spec.choices]
        start = _show(spec, default if default is not None else spec.suggested)
        return wtforms.SelectField(spec.label, choices=options(members), default=start, **common)
    if spec.kind == Kind.INTEGER:  # one with a default shows it, and may not be emptied
        present = [InputRequired()] if required or default is not None else [Optional()]
        return wtforms.IntegerField(spec.label, [*present, NumberRange(spec.minimum, spec.maximum)], default=default)
    if spec.kind == Kind.BOOLEAN:
        return wtforms.BooleanField(spec.label, default=default, **common)
    if spec.kind == Kind.FRACTION:
        limits = NumberRange(_show(spec, spec.minimum), _show(spec, spec.maximum))
        label = f"{spec.label} (%)" if spec.percent else spec.label
        return FiniteDecimalField(label, [InputRequired(), limits], places=None, default=_show(spec, default), **common)
    if spec.kind == Kind.DECIMAL:  # its places are the service's check (inputs.check), beside the field
        limits = NumberRange(spec.minimum, spec.maximum)
        return FiniteDecimalField(spec.label, [*validators, limits], places=spec.places, default=default, **common)
    if spec.kind == Kind.CODES:  # the subclass gives the choices
        return wtforms.SelectMultipleField(spec.label, **common)
    if spec.kind == Kind.GROUP:  # a select a dimension, left at "" where the group is not narrowed by it
        selects = {name: OptionalIdSelect(_words(name), choices=[("", "Any")]) for name in spec.options}
        return wtforms.FormField(type(f"{spec.label}Group", (wtforms.Form,), selects), spec.label, **common)
    if spec.kind != Kind.ROWS:
        raise TypeError(f"A page asks for {spec.kind} its own way: exclude {spec.label!r} and add a field.")
    row = row_form or derived_form(spec.rows, wtforms.Form, row=True)
    blank, spare = rows
    return wtforms.FieldList(wtforms.FormField(row), min_entries=blank, max_entries=spec.maximum + spare)


def _fields(name: str, spec: Spec, default, required: bool, row_form: type | None, rows: tuple[int, int]) -> dict:
    """The form fields of one declared field, by name."""
    if spec.kind == Kind.AMOUNTS:
        return {
            member.value: MoneyField(_label(member), [Optional()], min_value=spec.minimum) for member in spec.choices
        }
    return {spec.edge_name(name): _field(spec, default, required, row_form, rows)}


def derived_form(
    declaration: type,
    base: type,
    *,
    row: bool = False,
    whole: bool = False,
    blank_rows=None,
    spare_rows=None,
    row_forms=None,
    exclude=(),
    require=(),
) -> type:
    """A form class for the declaration (`row`: of one row; `whole`: its rows are all or nothing).

    By rows field: `blank_rows` (how many a new form shows), `spare_rows` (how many blank ones follow a
    record's own; SPARE_ROWS unless said) and `row_forms`. `exclude`: fields the page does not ask for
    (the view gives them to `to_input`); `require`: optional fields this page asks for all the same."""
    blank_rows, spare_rows, row_forms = blank_rows or {}, spare_rows or {}, row_forms or {}
    attrs = {"DECLARATION": declaration, "SPARE_ROWS": spare_rows, "EXCLUDED": frozenset(exclude)}
    for name, spec in specs(declaration).items():
        if name not in exclude:
            needed = (spec.required or name in require) and not spec.nullable and (whole or not row)
            rows = (blank_rows.get(name, 0), spare_rows.get(name, SPARE_ROWS))
            attrs |= _fields(name, spec, default_of(declaration, name), needed, row_forms.get(name), rows)
    mixin = _RowOf if row else _DerivedForm
    return type(f"{declaration.__name__}Form", (mixin, base), attrs)


class _RowOf:
    """A row sub-form: values in, values out."""

    DECLARATION: type
    EXCLUDED: frozenset[str]

    def values(self) -> dict:
        return _values(self, self.DECLARATION)


class _DerivedForm:
    """A page form of a declaration: fill it from a record, read the use case's input from it."""

    DECLARATION: type
    SPARE_ROWS: dict[str, int]
    EXCLUDED: frozenset[str]

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
        self.show(current(self.DECLARATION, record))
        self.version.data = str(record.version)
        self.set_choices()

    def show(self, data) -> None:
        """Show the declaration's values `data` (a record's current input, or settings saved elsewhere)."""
        for name, spec in _asked(self):
            value = getattr(data, name)
            if spec.kind == Kind.ROWS:
                self._fill_rows(spec.edge_name(name), value)
            elif spec.kind == Kind.AMOUNTS:
                for kind, amount in value.items():
                    self[kind.value].process_data(amount)
            elif spec.kind == Kind.GROUP:
                for dimension, record_id in value.items():
                    self[spec.edge_name(name)][dimension].process_data(record_id)
            else:
                self[spec.edge_name(name)].process_data(_show(spec, value))

    def _fill_rows(self, name: str, rows) -> None:
        field = self[name]
        while field.entries:
            field.pop_entry()
        for row in rows:
            field.append_entry(_shown(row))
        while len(field.entries) < max(field.min_entries, len(rows) + self.SPARE_ROWS.get(name, SPARE_ROWS)):
            field.append_entry()

    def to_input(self, **given):
        """The use case's input as typed (rows left blank skipped), with the fields the page does not ask for."""
        return build(self.DECLARATION, _values(self, self.DECLARATION) | given)


def _label(member) -> str:
    """An enum member's label, or its value in words: "foreign_assistance" → "Foreign assistance"."""
    return getattr(member, "label", _words(member.value))


def _words(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _asks(form, name: str, spec: Spec) -> bool:
    if name in form.EXCLUDED:
        return False
    if spec.kind == Kind.AMOUNTS:
        return all(member.value in form for member in spec.choices)
    return spec.edge_name(name) in form


def _asked(form) -> list[tuple[str, Spec]]:
    """The declared fields this form has."""
    return [(name, spec) for name, spec in specs(form.DECLARATION).items() if _asks(form, name, spec)]


def _show(spec: Spec, value):
    """A declared value as the form holds it."""
    if value is None:
        return None
    if spec.kind == Kind.CHOICE:
        return value.value
    if spec.kind == Kind.CODES:
        return list(value)
    if spec.kind == Kind.FRACTION and spec.percent:
        shown = value * 100
        return shown.quantize(1) if shown == shown.to_integral_value() else shown.normalize()
    return value


def _read(form, name: str, spec: Spec, default):
    """A declared field's value as the form holds it, in the declaration's terms."""
    if spec.kind == Kind.AMOUNTS:  # a kind left empty (or at zero) is no cost of that kind
        return {member: form[member.value].decimal for member in spec.choices if form[member.value].decimal}
    field = form[spec.edge_name(name)]
    if spec.kind == Kind.ROWS:
        return [entry.form.values() for entry in form.used(spec.edge_name(name))]
    if spec.kind == Kind.MONEY:
        return field.decimal if field.decimal is not None else default
    if spec.kind == Kind.TEXT:
        return field.data or default
    if spec.kind == Kind.CHOICE:
        return spec.choices(field.data)
    if spec.kind == Kind.CODES:
        return tuple(field.data or ())
    if spec.kind == Kind.GROUP:
        return {dimension: record_id for dimension, record_id in field.data.items() if record_id is not None}
    if spec.kind == Kind.FRACTION and spec.percent:
        return field.data / 100
    return field.data


def _shown(row) -> dict:
    return {spec.edge_name(name): _show(spec, getattr(row, name)) for name, spec in specs(type(row)).items()}


def _values(form, declaration: type) -> dict:
    return {
        name: _read(form, name, spec, default_of(declaration, name))
        for name, spec in specs(declaration).items()
        if _asks(form, name, spec)
    }
