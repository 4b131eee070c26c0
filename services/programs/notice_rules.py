"""A funding notice's rules as people write them, one per line:

    at least 2 awards in WHA
    no more than $6,000,000 in EAP
    at least 30% protection
    at most 4 awards for research, GLOBAL

A rule names an amount ("$6,000,000" or "6000000 dollars"), a count ("2 awards")
or a share of the notice ("30%"), and the codes or names it covers: regions,
priorities, program types or countries (codes of the same kind are alternatives;
kinds combine). `describe` writes a rule back in the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from models import Country, NoticeRule, Priority, ProgramType, Region, db
from money import format_dollars, from_cents, parse_money, to_cents
from services.errors import ValidationError

DIMENSIONS = ("region", "priority", "program_type", "country")
MAX_COUNT = 100_000  # a count bound above any notice (and within the database's integer)
_RULE = re.compile(
    r"^\s*(?P<side>at least|no less than|minimum of|at most|no more than|maximum of|up to)\s+"
    r"(?P<quantity>\$\s*[\d,]+(?:\.\d{1,2})?|[\d,]+(?:\.\d{1,2})?\s*(?:dollars|usd)"
    r"|\d+(?:\.\d+)?\s*%|\d+\s+awards?|one award)"
    r"(?:(?:\s+(?:in|for|to|on))?\s+(?P<codes>.+?))?\s*$",
    re.IGNORECASE,
)
_LOW_SIDES = ("at least", "no less than", "minimum of")
_EVERYTHING = ("all proposals", "all")  # a rule over the whole notice (what `describe` writes for no codes)
_SEPARATORS = ("and", "or")


@dataclass(frozen=True)
class RuleInput:
    code: str
    label: str
    where: dict[str, list[str]] = field(default_factory=dict)
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_count: int | None = None
    max_count: int | None = None
    min_share: Decimal | None = None  # a fraction of the notice's amount: 0.30
    max_share: Decimal | None = None


def _vocabulary() -> dict[str, tuple[str, str]]:
    """Every code and name (lower case) → (dimension, code)."""
    words: dict[str, tuple[str, str]] = {}
    for dimension, code_column, name_column in (
        ("country", Country.iso3, Country.name),
        ("program_type", ProgramType.code, ProgramType.name),
        ("priority", Priority.code, Priority.name),
    ):
        for code, name in db.session.execute(sa.select(code_column, name_column)):
            words[name.lower()] = (dimension, code)
            words[code.lower()] = (dimension, code)
    for code, name in db.session.execute(sa.select(Region.code, Region.name)):  # regions win a clash
        words[name.lower()] = ("region", code)
        words[code.lower()] = ("region", code)
    return words


def parse_rules(text: str) -> tuple[RuleInput, ...]:
    """Rules from text, one per line; a line that can't be read is a ValidationError naming it."""
    words = _vocabulary()
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            rules.append(_parse_line(line.strip(), number, words))
    codes = [rule.code for rule in rules]
    for number, code in enumerate(codes, start=1):
        if codes.index(code) != number - 1:
            rules[number - 1] = _renumbered(rules[number - 1], number)
    return tuple(rules)


def _renumbered(rule: RuleInput, number: int) -> RuleInput:
    return RuleInput(**{**rule.__dict__, "code": f"{rule.code}-{number}"})


def _fail(number: int, why: str) -> ValidationError:
    return ValidationError(f"Rule on line {number}: {why}", fields={"rules": f"Line {number}: {why}"})


def _parse_line(line: str, number: int, words: dict[str, tuple[str, str]]) -> RuleInput:
    match = _RULE.match(line)
    if match is None:
        raise _fail(
            number,
            f"“{line}” is not a rule I can read. Write, for example, “at least 2 awards in WHA”, "
            "“no more than $6,000,000 in EAP” or “at least 30% protection”.",
        )
    where: dict[str, list[str]] = {}
    codes_text = (match["codes"] or "").strip().rstrip(".")
    if codes_text.lower() not in ("", *_EVERYTHING):
        for dimension, code in _codes(codes_text, number, words):
            if code not in where.setdefault(dimension, []):
                where[dimension].append(code)
    low = match["side"].lower() in _LOW_SIDES
    quantity = match["quantity"].lower().replace(" ", "")
    kind, value = _quantity(quantity, number)
    bounds = {f"{'min' if low else 'max'}_{kind}": value}
    code = "-".join([("min" if low else "max") + "-" + kind, *[c.lower() for codes in where.values() for c in codes]])
    return RuleInput(code=code[:60], label=line, where=where, **bounds)


def _codes(text: str, number: int, words: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """The codes and names in "WHA, EAP", "Ghana or Peru", "East Asia and Pacific and Europe and Eurasia".

    Commas, "and" and "or" separate them, but a name may contain "and" (Trinidad and
    Tobago): within a comma's part the longest known name wins, from the left."""
    found = []
    for part in text.split(","):
        tokens = part.split()
        i = 0
        while i < len(tokens):
            if tokens[i].lower() in _SEPARATORS:
                i += 1
                continue
            for j in range(len(tokens), i, -1):
                known = words.get(" ".join(tokens[i:j]).lower())
                if known is not None:
                    found.append(known)
                    i = j
                    break
            else:
                end = next((k for k in range(i, len(tokens)) if tokens[k].lower() in _SEPARATORS), len(tokens))
                word = " ".join(tokens[i:end])
                raise _fail(number, f"“{word}” is not a region, priority, program type or country.")
    return found


def _quantity(quantity: str, number: int) -> tuple[str, Decimal | int]:
    if quantity.endswith("%"):
        share = Decimal(quantity[:-1]) / 100
        if not 0 <= share <= 1:
            raise _fail(number, "a share must be between 0% and 100%.")
        if share != share.quantize(Decimal("0.0001")):  # kept in basis points: 33.33% is the finest
            raise _fail(number, "a share has at most two decimal places, like 33.33%.")
        return "share", share
    if quantity == "oneaward":
        return "count", 1
    if quantity.endswith(("awards", "award")):
        return "count", int(quantity.removesuffix("s").removesuffix("award"))
    digits = quantity.removeprefix("$").removesuffix("dollars").removesuffix("usd")
    try:
        return "amount", parse_money(digits, allow_grouping=True)
    except (ValueError, InvalidOperation) as exc:
        raise _fail(number, f"“{quantity}” is not an amount of money.") from exc


def describe(rule: NoticeRule) -> str:
    """The rule in the words `parse_rules` reads."""
    codes = ", ".join(code for codes in rule.where.values() for code in codes) or _EVERYTHING[0]
    parts = []
    for side, value, text in (
        ("at least", rule.min_count, "count"),
        ("no more than", rule.max_count, "count"),
        ("at least", rule.min_amount_cents, "amount"),
        ("no more than", rule.max_amount_cents, "amount"),
        ("at least", rule.min_share_bp, "share"),
        ("no more than", rule.max_share_bp, "share"),
    ):
        if value is None:
            continue
        if text == "amount":  # exact: a rule's cents survive the round trip (the page rule keeps them)
            quantity = format_dollars(value)
        elif text == "share":
            quantity = f"{Decimal(value) / 100:g}%"
        else:
            quantity = f"{value} award{'' if value == 1 else 's'}"
        parts.append(f"{side} {quantity} in {codes}")
    return "; ".join(parts)


def to_model(rule: RuleInput) -> NoticeRule:
    return NoticeRule(
        code=rule.code,
        label=rule.label or rule.code,
        where=rule.where,
        min_amount_cents=None if rule.min_amount is None else to_cents(rule.min_amount),
        max_amount_cents=None if rule.max_amount is None else to_cents(rule.max_amount),
        min_count=rule.min_count,
        max_count=rule.max_count,
        min_share_bp=None if rule.min_share is None else int(rule.min_share * 10000),
        max_share_bp=None if rule.max_share is None else int(rule.max_share * 10000),
    )


def to_input(rule: NoticeRule) -> RuleInput:
    return RuleInput(
        code=rule.code,
        label=rule.label,
        where=rule.where,
        min_amount=None if rule.min_amount_cents is None else from_cents(rule.min_amount_cents),
        max_amount=None if rule.max_amount_cents is None else from_cents(rule.max_amount_cents),
        min_count=rule.min_count,
        max_count=rule.max_count,
        min_share=None if rule.min_share_bp is None else Decimal(rule.min_share_bp) / 10000,
        max_share=None if rule.max_share_bp is None else Decimal(rule.max_share_bp) / 10000,
    )


def validate_rule(rule: RuleInput, where_name: str) -> dict[str, str]:
    """Field errors for a structured rule (the API's way in)."""
    errors = {}
    if not rule.code.strip():
        errors[f"{where_name}.code"] = "Give the rule a code."
    unknown = [d for d in rule.where if d not in DIMENSIONS]
    if unknown:
        errors[f"{where_name}.where"] = f"Rules may name {', '.join(DIMENSIONS)}; not {', '.join(unknown)}."
    bounds = (rule.min_amount, rule.max_amount, rule.min_count, rule.max_count, rule.min_share, rule.max_share)
    if all(bound is None for bound in bounds):
        errors[where_name] = "A rule needs at least one bound: an amount, a count or a share."
    for name in ("min_amount", "max_amount", "min_count", "max_count", "min_share", "max_share"):
        value = getattr(rule, name)
        if value is not None and value < 0:
            errors[f"{where_name}.{name}"] = "Must not be negative."
    for name in ("min_share", "max_share"):
        value = getattr(rule, name)
        if value is not None and value > 1:
            errors[f"{where_name}.{name}"] = "A share is a fraction between 0 and 1."
    for name in ("min_count", "max_count"):
        value = getattr(rule, name)
        if value is not None and value > MAX_COUNT:
            errors[f"{where_name}.{name}"] = f"At most {MAX_COUNT:,} awards."
    for low, high in (("min_amount", "max_amount"), ("min_count", "max_count"), ("min_share", "max_share")):
        if (
            getattr(rule, low) is not None
            and getattr(rule, high) is not None
            and getattr(rule, high) < getattr(rule, low)
        ):
            errors[f"{where_name}.{high}"] = f"Must not be less than {low.replace('_', ' ')}."
    return errors
