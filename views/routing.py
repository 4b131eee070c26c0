"""Input the database can't hold is never a 500: ids in URLs (not found in a path, no choice in a
query string), and text with a NUL character (PostgreSQL's text can't hold one: a 400)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import abort, flash, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from models import Scenario, db
from models.reference import fiscal_year_of
from services.inputs import FIRST_YEAR, LAST_YEAR

MAX_ID = 2**63 - 1  # the largest key a BigInteger (and SQLite's INTEGER) column holds


class IdConverter(IntegerConverter):
    """`<int:...>` bounded to 1..2^63-1: a larger number would overflow the driver (a 500)."""

    def to_python(self, value: str) -> int:
        # Length first: int() refuses more than 4,300 digits with a ValueError (a 500 here).
        number = int(value) if len(value) <= len(str(MAX_ID)) else 0
        if not 1 <= number <= MAX_ID:
            # Not werkzeug's ValidationError: that answers 405 when the same path has other methods.
            raise NotFound()
        return number


def this_page_with(**changes) -> str:
    """The URL of this page with its query string, but for `changes` (another page, another sort):
    how every paginated page links to its other pages."""
    return url_for(request.endpoint, **{**(request.view_args or {}), **request.args.to_dict(), **changes})


def record_id(raw: str) -> int:
    """A `type=` for request.args.get: a record id, or ValueError (so the argument reads as absent)."""
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"not a record id: {raw!r}")
    number = int(raw)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"not a record id: {raw!r}")
    return number


def whole_number(low: int, high: int):
    """A `type=` for request.args.get: a whole number in low..high, or ValueError (read as absent)."""

    def parse(raw: str) -> int:
        if not (raw.isascii() and raw.isdigit() and low <= int(raw) <= high):
            raise ValueError(f"not a whole number from {low} to {high}: {raw!r}")
        return int(raw)

    return parse


NUL = "\x00"
NO_NUL_PATTERN = "^[^\\x00]*$"  # what the API document says of its free text


def nul_at(value) -> str | None:
    """Where in a parsed JSON value (keys too) text holds a NUL character ("rules.0.where"), or None;
    without recursion."""
    stack = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return path or "_body"
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{path}.{key}" if path else str(key)
                stack.extend([(key, name), (child, name)])
        elif isinstance(item, list):
            stack.extend((child, f"{path}.{index}" if path else str(index)) for index, child in enumerate(item))
    return None


def refuse_nul_text():
    """Before every request: a query string or form field with a NUL character is a 400."""
    for values in (request.args, request.form):
        # A multipart part without a name is read under the key None.
        if any(NUL in (key or "") or any(NUL in value for value in values.getlist(key)) for key in values):
            abort(400, "Text may not contain the NUL character.")


def as_of_date(raw: str) -> dt.date:
    """A `type=` for request.args.get: a YYYY-MM-DD date in the fiscal years a record holds, else ValueError."""
    day = dt.date.fromisoformat(raw) if len(raw) == 10 else None
    if day is None or not FIRST_YEAR <= fiscal_year_of(day) <= LAST_YEAR:
        raise ValueError(f"not an as-of date: {raw!r}")
    return day


def scenario_arg(default: Callable[[], Scenario | None]) -> Scenario | None:
    """The scenario asked for (?scenario=ID), a 404 when it names none; else `default()`."""
    if not request.args.get("scenario"):
        return default()
    scenario_id = request.args.get("scenario", type=record_id)
    if scenario_id is None:
        abort(404)
    return db.get_or_404(Scenario, scenario_id)


def as_of_arg() -> dt.date:
    """?as_of=YYYY-MM-DD, else today; one that is not such a date is said on the page, and today shown."""
    raw = request.args.get("as_of", "")
    day = request.args.get("as_of", type=as_of_date) if raw else None
    if raw and day is None:
        flash(f"“{raw[:40]}” is not a date (YYYY-MM-DD) in the years Apportion holds: showing today.", "error")
    return day or dt.date.today()
