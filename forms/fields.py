"""Form fields shared by every area."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DecimalField, FieldList, FormField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError
from wtforms.widgets import Select

from money import MoneyError, format_dollars, parse_money, to_cents


class MoneyField(StringField):
    """Dollars, strictly: "1234", "1234.5", "1,234.50" or "$1,234.50".

    Refuses exponents ("1e3"), underscores ("1_000"), more than two decimal
    places ("12.345") and anything else float() would guess at.
    """

    def __init__(self, label=None, validators=None, *, min_value: Decimal | None = None, **kwargs):
        kwargs.setdefault("render_kw", {}).update({"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.min_value = min_value
        self.decimal: Decimal | None = None

    def process_data(self, value):
        # Populated from an object: cents in the database (int) or dollars (Decimal) → dollars in the box.
        if isinstance(value, int | Decimal):
            self.decimal = Decimal(value) / 100 if isinstance(value, int) else value
            self.data = f"{self.decimal:.2f}"
        else:
            super().process_data(value)

    def pre_validate(self, form):
        self.decimal = None
        if not self.data or not str(self.data).strip():
            return  # DataRequired / Optional decide about emptiness
        try:
            self.decimal = parse_money(str(self.data), allow_grouping=True)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from exc
        if self.min_value is not None and self.decimal < self.min_value:
            raise ValidationError(f"Enter at least {format_dollars(to_cents(self.min_value))}.")


class FiniteDecimalField(DecimalField):
    """A decimal number; "NaN" and "Infinity" are not numbers a person means (and NumberRange can't compare them)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


class PlainOptionsSelect(Select):
    """WTForms' select, with its plain options (a value and a label, no attributes of their own)
    written straight out: the same markup, without building attributes option by option, which
    made the budget lines page's filters (some 270 options) most of its time."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        value = choice.value
        if kwargs or choice.render_kw or value is None or isinstance(value, bool):
            return super().render_option(choice, **kwargs)
        value, label = escape(value), escape(choice.label or value)
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{value}">{label}</option>')  # noqa: S704 - both escaped here


class OptionalIdSelect(SelectField):
    """A select of record ids where the first choice, "", means none."""

    widget = PlainOptionsSelect()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", _int_or_none)
        kwargs.setdefault("validate_choice", True)
        super().__init__(label, validators, **kwargs)


# "scores[0].reviewer"; "moves[0].from.region" (a row's group of selects)
_KEY = re.compile(r"^(?P<name>\w+)(?:\[(?P<index>\d+)\])?(?:\.(?P<sub>\w+))?(?:\.(?P<part>\w+))?")


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class VersionedForm(FlaskForm):
    """A form that edits a record read at a version (optimistic locking)."""

    version = HiddenField()

    @property
    def expected_version(self) -> int:
        """The version the person saw; -1 (never current) when missing or garbled."""
        value = str(self.version.data or "")
        # Bounded: int() raises past 4,300 digits, and no version is that large.
        return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else -1


def _blank(value) -> bool:
    if isinstance(value, dict):  # a group of selects
        return all(_blank(part) for part in value.values())
    return value is None or (isinstance(value, str) and not value.strip())


class RowsForm(VersionedForm):
    """A form with FieldLists of rows; blank rows are skipped when read."""

    ROW_ERROR_FIELD: dict[str, str] = {}  # FieldList → the sub-field that shows a whole row's error

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.list_errors: dict[str, list[str]] = {}
        self.sent_rows: dict[str, list[int]] = {}  # FieldList → form row index of each row sent

    def used(self, name: str) -> list:
        """The non-blank rows of a FieldList, remembering where each sits on the form."""
        rows = [(i, entry) for i, entry in enumerate(getattr(self, name)) if not self.row_is_blank(entry)]
        self.sent_rows[name] = [i for i, _ in rows]
        return [entry for _, entry in rows]

    def row_is_blank(self, entry) -> bool:
        return all(_blank(field.data) for field in entry.form)

    def check_rows(self, name: str, required: tuple[str, ...]) -> bool:
        """A started row needs every field in `required`."""
        valid = True
        for entry in getattr(self, name):
            if self.row_is_blank(entry):
                continue
            for sub in required:
                field = entry.form[sub]
                if isinstance(field, FormField):  # a group's error shows on its first select
                    field = next(iter(field.form))
                    if not _blank(entry.form[sub].data):
                        continue
                if _blank(field.data) and not field.errors:
                    field.errors = [*field.errors, "Fill this in, or clear the whole row."]
                    valid = False
        return valid

    def place_errors(self, errors: dict[str, str]) -> dict[str, str]:
        """Put a service's field errors on this form; return those that fit nowhere."""
        rest = {}
        for key, message in errors.items():
            match = _KEY.match(key)
            field = getattr(self, match["name"], None) if match else None
            if field is None or not hasattr(field, "errors"):
                rest[key] = message
            elif not isinstance(field, FieldList):
                field.errors = [*field.errors, message]
            elif match["index"] is None:
                self.list_errors.setdefault(match["name"], []).append(message)
            else:
                sent = self.sent_rows.get(match["name"], [])
                index = int(match["index"])
                row = field.entries[sent[index] if index < len(sent) else index]
                sub = match["sub"] or self.ROW_ERROR_FIELD[match["name"]]
                target = row.form[sub if sub in row.form else f"{sub}_"]  # JSON's "from" is the row's from_
                if isinstance(target, FormField):  # a group: the error goes on its select, or its first
                    target = target.form[match["part"]] if match["part"] in target.form else next(iter(target.form))
                target.errors = [*target.errors, message]
        return rest


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs → the SelectChoice list WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]
