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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import ClassVar

import sqlalchemy as sa

from models import Country, NoticeRule, Priority, ProgramType, Region, db
from money import format_dollars, parse_money, to_cents
from services import inputs
from services.errors import ValidationError

DIMENSIONS = ("region", "priority", "program_type", "country")
MAX_COUNT = 100_000  # a count bound above any notice (and within the database's integer)
CODE_LENGTH = 16  # the longest reference code a notice names (a region's)
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
_WORDS = ("no", "one", "two", "three", "four")
_NEGATIVE = "Must not be negative."
_COUNT = f"A count is 0 to {MAX_COUNT:,} awards."
_SHARE = 'A share is a decimal string between 0 and 1 with at most four places, like "0.30".'
_ZERO, _ONE = Decimal(0), Decimal(1)


@dataclass(frozen=True)
class RuleInput:
    """A limit over the proposals `where` matches; at least one bound (validate_rule). A share is a fraction
    of the notice's amount (0.30), basis points on the record: four places at most."""

    code: str = inputs.text("Code", max_length=60, message="Give the rule a code.")
    label: str = inputs.text("Label", max_length=200, required=False, positional=True)
    where: dict[str, list[str]] = inputs.codes_by(
        "Proposals it covers (none: all)",
        DIMENSIONS,
        max_length=CODE_LENGTH,
        help="Codes by kind: codes of one kind are alternatives, kinds combine.",
    )
    min_amount: Decimal | None = inputs.money("At least (dollars)", minimum=_ZERO, default=None, message=_NEGATIVE)
    max_amount: Decimal | None = inputs.money("At most (dollars)", minimum=_ZERO, default=None, message=_NEGATIVE)
    min_count: int | None = inputs.integer(
        "At least (awards)", minimum=0, maximum=MAX_COUNT, default=None, message=_COUNT
    )
    max_count: int | None = inputs.integer(
        "At most (awards)", minimum=0, maximum=MAX_COUNT, default=None, message=_COUNT
    )
    min_share: Decimal | None = inputs.decimal(
        "At least (share)", minimum=_ZERO, maximum=_ONE, places=4, default=None, record="min_share_bp", message=_SHARE
    )
    max_share: Decimal | None = inputs.decimal(
        "At most (share)", minimum=_ZERO, maximum=_ONE, places=4, default=None, record="max_share_bp", message=_SHARE
    )

    RULES: ClassVar = (
        inputs.Rule(("code",), "Each rule's code once in its notice."),
        inputs.Rule(("where",), "Codes the office holds, of the kinds named."),
        inputs.Rule(
            ("min_amount", "max_amount", "min_count", "max_count", "min_share", "max_share"),
            "At least one bound; no bound below its lower one.",
        ),
    )


RULE = inputs.specs(RuleInput)


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
    rule = RuleInput(code=code[: RULE["code"].max_length], label=line, where=where, **bounds)
    problems = inputs.check(rule)
    if problems:
        raise _fail(number, next(iter(problems.values())))
    return rule


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
    if quantity.endswith("%"):  # the declared share as a percentage: its limits × 100, two places fewer
        share, spec = Decimal(quantity[:-1]) / 100, RULE["min_share"]
        if not spec.minimum <= share <= spec.maximum:
            raise _fail(number, f"a share must be between {spec.minimum * 100:f}% and {spec.maximum * 100:f}%.")
        if share != round(share, spec.places):  # kept in basis points: 33.33% is the finest
            raise _fail(number, f"a share has at most {_WORDS[spec.places - 2]} decimal places, like 33.33%.")
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


def names_by_dimension() -> dict[str, dict[str, str]]:
    """Code → the name pages show, per dimension. Regions keep their bureau codes ("WHA"): that is
    how the office names them."""
    return {
        dimension: dict(db.session.execute(sa.select(code_column, name_column)).tuples().all())
        for dimension, code_column, name_column in (
            ("country", Country.iso3, Country.name),
            ("program_type", ProgramType.code, ProgramType.name),
            ("priority", Priority.code, Priority.name),
        )
    }


def describe(rule: NoticeRule, names: dict[str, dict[str, str]] | None = None) -> str:
    """The rule in the words `parse_rules` reads: with codes, or with `names` (names_by_dimension) as pages
    show it ("at least 30% in Protection")."""
    names = names or {}
    codes = (
        ", ".join(names.get(kind, {}).get(code, code) for kind, codes in rule.where.items() for code in codes)
        or _EVERYTHING[0]
    )
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
        min_share_bp=inputs.scaled(RULE["min_share"], rule.min_share),
        max_share_bp=inputs.scaled(RULE["max_share"], rule.max_share),
    )


def to_input(rule: NoticeRule) -> RuleInput:
    return inputs.current(RuleInput, rule)


BOUNDS = (("min_amount", "max_amount"), ("min_count", "max_count"), ("min_share", "max_share"))


def validate_rule(rule: RuleInput, where_name: str) -> dict[str, str]:
    """Field errors for a rule beyond its declared limits (inputs.check): a bound at least, none below its pair."""
    errors = {}
    if all(getattr(rule, name) is None for pair in BOUNDS for name in pair):
        errors[where_name] = "A rule needs at least one bound: an amount, a count or a share."
    for low, high in BOUNDS:
        if (
            getattr(rule, low) is not None
            and getattr(rule, high) is not None
            and getattr(rule, high) < getattr(rule, low)
        ):
            errors[f"{where_name}.{high}"] = f"Must not be less than {low.replace('_', ' ')}."
    return errors
