"""A funding notice's rules as people write them: parse_rules reads them, describe writes them back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.errors import ValidationError
from services.programs.notice_rules import RuleInput, describe, parse_rules, to_model

BOUNDS = ("min_amount", "max_amount", "min_count", "max_count", "min_share", "max_share")


def _bounds(rule: RuleInput) -> dict:
    """The bounds a rule sets (the ones left unset are None and left out)."""
    return {name: getattr(rule, name) for name in BOUNDS if getattr(rule, name) is not None}


def _one(text: str) -> RuleInput:
    rules = parse_rules(text)
    assert len(rules) == 1
    return rules[0]


@pytest.mark.parametrize(
    ("text", "where", "bounds"),
    [
        ("at least 2 awards in WHA", {"region": ["WHA"]}, {"min_count": 2}),
        ("no more than $6,000,000 in EAP", {"region": ["EAP"]}, {"max_amount": Decimal(6_000_000)}),
        ("at least 30% protection", {"priority": ["protection"]}, {"min_share": Decimal("0.30")}),
        ("at most 4 awards for research", {"program_type": ["research"]}, {"max_count": 4}),
        ("up to 1500000 dollars in AF", {"region": ["AF"]}, {"max_amount": Decimal(1_500_000)}),
        ("minimum of one award in GLOBAL", {"region": ["GLOBAL"]}, {"min_count": 1}),
        ("no less than $250,000.50 for prevention", {"priority": ["prevention"]}, {"min_amount": Decimal("250000.50")}),
        ("maximum of 12.5% to partnership", {"priority": ["partnership"]}, {"max_share": Decimal("0.125")}),
        ("AT LEAST 3 AWARDS IN wha", {"region": ["WHA"]}, {"min_count": 3}),
    ],
)
def test_the_written_examples(app, text, where, bounds):
    rule = _one(text)
    assert rule.where == where
    assert _bounds(rule) == bounds
    assert rule.label == text


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("at least 2 awards in Western Hemisphere", {"region": ["WHA"]}),
        ("no more than $6,000,000 in East Asia and Pacific", {"region": ["EAP"]}),  # a name with "and" in it
        ("at least 1 award in Europe and Eurasia", {"region": ["EUR"]}),
        ("at least 30% Protection", {"priority": ["protection"]}),
        ("at most 4 awards for Research and innovation", {"program_type": ["research"]}),
        ("at least 1 award in Ghana", {"country": ["GHA"]}),
        ("at least 1 award in Trinidad and Tobago", {"country": ["TTO"]}),
        ("at least 1 award in gha", {"country": ["GHA"]}),  # an ISO 3166 alpha-3 code, any case
    ],
)
def test_names_as_well_as_codes(app, text, where):
    assert _one(text).where == where


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("at least 2 awards in WHA, EAP", {"region": ["WHA", "EAP"]}),
        ("at least $1,000,000 in AF, WHA or EAP", {"region": ["AF", "WHA", "EAP"]}),
        ("at least 1 award in Ghana and Peru", {"country": ["GHA", "PER"]}),
        ("at most 4 awards for research, GLOBAL", {"program_type": ["research"], "region": ["GLOBAL"]}),
        ("at least 20% protection and prosecution", {"priority": ["protection", "prosecution"]}),
        (
            "no more than 5 awards in East Asia and Pacific, Europe and Eurasia",
            {"region": ["EAP", "EUR"]},
        ),
        ("at least 1 award in Trinidad and Tobago or Jamaica", {"country": ["TTO", "JAM"]}),
        ("at least 2 awards in WHA, WHA", {"region": ["WHA"]}),  # a code named twice counts once
    ],
)
def test_several_codes_per_rule(app, text, where):
    assert _one(text).where == where


def test_a_rule_over_the_whole_notice(app):
    assert _one("no more than 10 awards").where == {}
    assert _bounds(_one("no more than 10 awards")) == {"max_count": 10}
    assert _one("at most 40 awards in all proposals").where == {}


def test_one_rule_per_line_blank_lines_skipped_and_codes_kept_apart(app):
    rules = parse_rules("at least 2 awards in WHA\n\n   \nat least 2 awards in WHA\nno more than $3,000,000 in EAP\n")
    assert len(rules) == 3
    assert len({rule.code for rule in rules}) == 3  # the same rule twice still gets two codes
    assert [_bounds(rule) for rule in rules] == [
        {"min_count": 2},
        {"min_count": 2},
        {"max_amount": Decimal(3_000_000)},
    ]
    assert parse_rules("") == ()


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("at least 2 awards in WHA\nplease fund good proposals\n", 2, "please fund good proposals"),
        ("at least 2 awards in WHA\nno more than $3,000,000 in EAP\nat least 2 awards in Narnia", 3, "Narnia"),
        ("at least 150% protection", 1, "between 0% and 100%"),
        ("at least 33.333% protection", 1, "at most two decimal places"),  # kept in basis points: not 33.33%
        ("at least 2 awards in WHA\n\nat least lots in EAP", 3, "at least lots in EAP"),
        ("no more than $6,000,000 in East Asia and Pacific and Narnia", 1, "“Narnia”"),
        ("no more than $6,000,000 in East Asia and Narnia", 1, "“East Asia”"),
    ],
)
def test_unreadable_lines_are_refused_naming_the_line(app, text, line, says):
    with pytest.raises(ValidationError) as refused:
        parse_rules(text)
    assert f"line {line}" in refused.value.message
    assert f"Line {line}" in refused.value.fields["rules"]
    assert says in refused.value.message


def _read_back(rule: RuleInput) -> list[RuleInput]:
    """describe() the rule as stored, then read it as the notice form does (a rule with two bounds is two lines)."""
    text = describe(to_model(rule))
    return list(parse_rules("\n".join(text.split("; "))))


@pytest.mark.parametrize(
    "text",
    [
        "at least 2 awards in WHA",
        "no more than $6,000,000 in EAP",
        "at least 30% protection",
        "at least 1 award in AF",
        "no more than 3 awards for research",
        "at most 4 awards for research, GLOBAL",
        "at least 1 award in Trinidad and Tobago or Ghana",
        "no less than $250,000.50 for prevention",
        "maximum of 12.5% to partnership",
        "no more than 10 awards",
        "at least $1,000,000 in East Asia and Pacific, prosecution",
    ],
)
def test_describe_reads_back_to_the_same_bounds(app, text):
    rule = _one(text)
    (again,) = _read_back(rule)
    assert again.where == rule.where
    assert _bounds(again) == _bounds(rule)


def test_describe_of_a_rule_with_two_bounds_reads_back_to_both(app):
    rule = RuleInput(
        code="wha",
        label="WHA between two and four awards, at most $2,000,000.25",
        where={"region": ["WHA"], "priority": ["protection"]},
        min_count=2,
        max_count=4,
        max_amount=Decimal("2000000.25"),
    )
    again = _read_back(rule)
    assert all(part.where == rule.where for part in again)
    merged = {name: value for part in again for name, value in _bounds(part).items()}
    assert merged == {"min_count": 2, "max_count": 4, "max_amount": Decimal("2000000.25")}


def test_describe_writes_plain_words(app):
    assert describe(to_model(_one("at least 2 awards in WHA"))) == "at least 2 awards in WHA"
    assert describe(to_model(_one("at least 1 award in AF"))) == "at least 1 award in AF"
    assert describe(to_model(_one("no more than $3,000,000 in EAP"))) == "no more than $3,000,000 in EAP"
    assert describe(to_model(_one("at least 30% protection"))) == "at least 30% in protection"
