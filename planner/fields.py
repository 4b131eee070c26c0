"""Readers for JSON input that name the offending field when they refuse a value.

Shared by every problem format the planner reads (allocation now, selection later).
Numbers become Decimal so that money is exact from the edge inwards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from planner.errors import InvalidProblem

if TYPE_CHECKING:
    from pathlib import Path

_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")
TOO_LARGE = Decimal(10) ** 15  # beyond this, floats inside the solver lose whole dollars
REQUIRED: Any = object()  # a default that means "the field must be there"


def load_json(text: str, source: str) -> Any:
    """Parse JSON text with exact decimals; refuse NaN and Infinity."""

    def refuse_constant(name: str) -> None:
        raise InvalidProblem(source, f"{name} is not a number JSON allows")

    try:
        return json.loads(text, parse_float=Decimal, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        raise InvalidProblem(
            source, f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except RecursionError:
        raise InvalidProblem(source, "is nested too deeply to be a problem") from None
    except InvalidProblem:
        raise
    except ValueError as error:  # e.g. a number longer than int() reads (4,300 digits)
        raise InvalidProblem(source, f"not valid JSON ({error})") from None


def read_json_file(path: str | Path) -> Any:
    # open, not pathlib: the CLI's cold start does without pathlib's imports
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InvalidProblem(str(path), f"cannot be read ({reason})") from None
    return load_json(text, str(path))


def _is_object(data: Any) -> bool:
    return type(data) is dict or isinstance(data, Mapping)  # dict first: the ABC check is slow


class Obj:
    """A JSON object being read, with its path for messages (``cells[3]``).

    Each getter returns ``default`` when the field is absent or null; with the default
    ``REQUIRED`` it refuses a missing field instead.
    """

    def __init__(self, data: Any, path: str, known: frozenset[str]) -> None:
        if not _is_object(data):
            raise InvalidProblem(path or "problem", "must be an object")
        if not known.issuperset(data):
            unknown = next(name for name in data if name not in known)
            raise InvalidProblem(f"{path}.{unknown}" if path else str(unknown), "unknown field")
        self.data = data
        self.path = path

    def field(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def _get(self, name: str, default: Any) -> Any:
        value = self.data.get(name)
        if value is None and default is REQUIRED:
            raise InvalidProblem(self.field(name), "is required")
        return value

    def raw(self, name: str, default: Any = None) -> Any:
        value = self._get(name, default)
        return default if value is None else value

    def money(self, name: str, default: Any = None) -> Any:
        value = self._get(name, default)
        return default if value is None else as_money(value, self.field(name))

    def number(self, name: str, default: Any = None, *, nonnegative: bool = True) -> Any:
        value = self._get(name, default)
        if value is None:
            return default
        number = as_decimal(value, self.field(name))
        if nonnegative and number < 0:
            raise InvalidProblem(self.field(name), "must not be negative")
        return number

    def share(self, name: str) -> Decimal | None:
        value = self.data.get(name)
        return None if value is None else as_share(value, self.field(name))

    def text(self, name: str, default: Any = None) -> Any:
        value = self._get(name, default)
        return default if value is None else as_text(value, self.field(name))

    def choice(self, name: str, choices: tuple[str, ...], default: Any = None) -> Any:
        value = self._get(name, default)
        if value is None:
            return default
        if value not in choices:
            quoted = " or ".join(f"'{choice}'" for choice in choices)
            raise InvalidProblem(self.field(name), f"must be {quoted}")
        return value

    def list(self, name: str, default: Any = None, *, allow_empty: bool = True) -> Any:
        value = self._get(name, default)
        return default if value is None else as_list(value, self.field(name), allow_empty=allow_empty)

    def filter(self, name: str) -> dict[str, frozenset[str]]:
        value = self.data.get(name)
        return {} if value is None else as_filter(value, self.field(name))


def as_decimal(value: Any, field: str, what: str = "a number") -> Decimal:
    """An int, a decimal, a float or a plain decimal string, as an exact Decimal."""
    kind = type(value)
    if kind is Decimal or kind is int:
        number = Decimal(value)
    elif kind is float:
        number = Decimal(repr(value))  # the shortest repr is what the writer meant
    elif kind is str and _DECIMAL_TEXT.fullmatch(value.strip()):
        number = Decimal(value.strip())
    elif isinstance(value, bool):
        raise InvalidProblem(field, f"must be {what}, not true or false")
    else:
        raise InvalidProblem(field, f"must be {what}")
    if not number.is_finite():
        raise InvalidProblem(field, f"must be {what}")
    if abs(number) >= TOO_LARGE:
        raise InvalidProblem(field, "is too large (the limit is 10^15)")
    return number


def as_money(value: Any, field: str) -> Decimal:
    amount = as_decimal(value, field, "an amount in dollars")
    if amount < 0:
        raise InvalidProblem(field, "must not be negative")
    return amount


def as_share(value: Any, field: str) -> Decimal:
    share = as_decimal(value, field, "a share between 0 and 1")
    if not 0 <= share <= 1:
        raise InvalidProblem(field, "must be a share between 0 and 1 (0.3 means 30%)")
    return share


def as_text(value: Any, field: str) -> str:
    if type(value) is not str:
        raise InvalidProblem(field, "must be a string")
    if not value.strip():
        raise InvalidProblem(field, "must not be empty")
    return value


def as_list(value: Any, field: str, *, allow_empty: bool = True) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidProblem(field, "must be a list")
    if not allow_empty and not value:
        raise InvalidProblem(field, "must not be empty")
    return value


def as_filter(value: Any, field: str) -> dict[str, frozenset[str]]:
    """``{"region": ["AF", "EAP"]}``: each dimension to the values it accepts."""
    if not _is_object(value):
        raise InvalidProblem(field, "must be an object of dimension: [values]")
    result: dict[str, frozenset[str]] = {}
    for dimension, accepted in value.items():
        path = f"{field}.{dimension}"
        items = as_list(accepted, path, allow_empty=False)
        result[str(dimension)] = frozenset(as_text(item, f"{path}[{i}]") for i, item in enumerate(items))
    return result
