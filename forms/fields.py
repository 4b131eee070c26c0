"""Form fields shared by every area."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

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


class OptionalIdSelect(SelectField):
    """A select of record ids where the first choice, "", means none."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", _int_or_none)
        kwargs.setdefault("validate_choice", True)
        super().__init__(label, validators, **kwargs)


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


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs → the SelectChoice list WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]
