"""Marshmallow schemas for programs: awards, funding notices, proposals and selection runs.

References to other records are ids under the record's own names (`region`,
`notice`, ...), as for budget lines; the codes a notice's eligibility lists
and rules name are reference codes (regions, priorities, program types, and
countries by ISO 3166 alpha-3), as in selection-problem/1.
"""

from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from models import SCORE_SCALE, FundingNotice, NoticeStatus, Proposal, ProposalDecision, RunStatus, db
from money import money_str
from services.inputs import Kind, Rule, Spec, rules_of
from services.programs.awards import AwardInput, award_lines
from services.programs.notice_rules import MAX_COUNT
from services.programs.notices import ProposalInput
from services.programs.selection import DEFAULT_TIME_LIMIT_S
from views.api.derived import Reference, derived_schema
from views.api.schemas import Money, RecordSchema, UtcDateTime, _enum, _year

_SHARE = re.compile(r"^[0-9](\.[0-9]{1,4})?$")  # a fraction with at most four places: basis points
_SCORE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,2})?$")
HUNDREDTHS = Decimal("0.01")


def share_str(basis_points: int) -> str:
    """3000 → "0.30"; 1250 → "0.125": two places at least, more only when needed."""
    share = Decimal(basis_points) / 10_000
    return f"{share:.2f}" if share == share.quantize(HUNDREDTHS) else f"{share.normalize():f}"


class Share(fields.String):
    """A share of the notice's amount: basis points at rest ↔ a decimal string "0.30"."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else share_str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError('A share is a decimal string between 0 and 1, like "0.30".')
        text = str(value).strip()
        if not _SHARE.match(text) or Decimal(text) > 1:
            raise ValidationError('A share is a decimal string between 0 and 1 with at most four places, like "0.30".')
        return Decimal(text)


class Score(fields.String):
    """A reviewer's score or a computed merit: 0–100 to two places, "87.50" out; a decimal string or number in."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value).quantize(HUNDREDTHS)}"

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValidationError('A score is a number from 0 to 100 with at most two places, like "87.50".')
        text = repr(value) if isinstance(value, float) else str(value).strip()  # 87.5 → "87.5"
        if not _SCORE.match(text) or Decimal(text) > 100:
            raise ValidationError("A score is a number from 0 to 100 with at most two places.")
        return Decimal(text)


SHARE_DOC = {"pattern": r"^[0-9](\.[0-9]{1,4})?$", "example": "0.30", "description": "A fraction of the notice."}
SCORE_DOC = {
    "pattern": r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$",
    "example": "87.50",
    "description": "0 to 100, to two places.",
}


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


# --------------------------------------------------------------------------- awards


class AwardSchema(derived_schema(AwardInput)):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    # Set when a selection is turned into awards; a copy made through POST comes from no proposal.
    proposal = fields.Integer(attribute="proposal_id", dump_only=True, allow_none=True)
    lines = fields.Method(
        "dump_lines",
        dump_only=True,
        metadata={
            "type": "object",
            "description": "The budget lines the funding puts in draft plans: their count and total.",
            "properties": {"count": {"type": "integer"}, "total": {"type": "string", "example": "1234567.00"}},
        },
    )

    def dump_lines(self, award) -> dict:
        """The budget lines the award's funding puts in scenarios (source = award)."""
        lines = award_lines(award)
        return {"count": len(lines), "total": money_str(sum(line.amount_cents for line in lines))}


# --------------------------------------------------------------------------- funding notices


class NoticeRuleSchema(_Strict):
    """A limit over the proposals `where` matches: {"region": ["WHA"], "priority": ["protection"]}."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    label = fields.String(load_default="", validate=validate.Length(max=200))
    where = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String(validate=validate.Length(min=1, max=16)), validate=validate.Length(min=1)),
        load_default=dict,
    )
    min_amount = Money(attribute="min_amount_cents", allow_none=True, load_default=None)
    max_amount = Money(attribute="max_amount_cents", allow_none=True, load_default=None)
    min_count = fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(0, MAX_COUNT))
    max_count = fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(0, MAX_COUNT))
    min_share = Share(attribute="min_share_bp", allow_none=True, load_default=None, metadata=SHARE_DOC)
    max_share = Share(attribute="max_share_bp", allow_none=True, load_default=None, metadata=SHARE_DOC)


def _codes() -> fields.List:
    return fields.List(fields.String(validate=validate.Length(min=1, max=16)), load_default=list)


class FundingNoticeSchema(RecordSchema):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    fiscal_year = _year(required=True)
    account_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    amount = Money(attribute="amount_cents", required=True)
    program_types = _codes()  # eligibility by code; empty means any
    regions = _codes()
    priorities = _codes()
    rules = fields.List(fields.Nested(NoticeRuleSchema), load_default=list, validate=validate.Length(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=20_000))
    status = fields.Enum(NoticeStatus, by_value=True, dump_only=True)
    proposal_count = fields.Method("dump_proposal_count", dump_only=True, metadata={"type": "integer"})

    def dump_proposal_count(self, notice) -> int:
        return db.session.scalar(db.select(db.func.count(Proposal.id)).where(Proposal.notice_id == notice.id))


# --------------------------------------------------------------------------- proposals


class ReviewerScoreSchema(_Strict):
    reviewer = fields.String(required=True, validate=validate.Length(min=1, max=120))
    score = Score(required=True, metadata=SCORE_DOC)
    comment = fields.String(load_default="", validate=validate.Length(max=5000))


class ProposalSchema(derived_schema(ProposalInput)):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    notice = Reference(Spec(Kind.REFERENCE, "Funding notice", to=FundingNotice), attribute="notice_id", required=True)
    decision = _enum(ProposalDecision, load_default=ProposalDecision.NONE)
    scores = fields.List(fields.Nested(ReviewerScoreSchema), load_default=list, validate=validate.Length(max=50))
    merit = Score(dump_only=True, allow_none=True, metadata={**SCORE_DOC, "description": "The reviewers' average."})
    spread = Score(dump_only=True, allow_none=True, metadata={**SCORE_DOC, "description": "Highest minus lowest."})

    RULES = (*rules_of(ProposalInput), Rule(("notice",), "A proposal stays under its notice."))

    def get_attribute(self, obj, attr, default):
        if attr == "scores":
            return [
                {"reviewer": s.reviewer, "score": Decimal(s.score_hundredths) / SCORE_SCALE, "comment": s.comment}
                for s in obj.scores
            ]
        return super().get_attribute(obj, attr, default)


# --------------------------------------------------------------------------- selection


class SelectionRequestSchema(_Strict):
    time_limit_s = fields.Integer(strict=True, load_default=DEFAULT_TIME_LIMIT_S, validate=validate.Range(1, 120))


class SelectionRunSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer()
    notice = fields.Integer(attribute="notice_id")
    status = fields.Enum(RunStatus, by_value=True)
    solver = fields.String()
    seconds = fields.Float()  # wall time of the solve, not money
    created_by = fields.Integer(attribute="created_by_id", allow_none=True)
    created_at = UtcDateTime()
    awarded_at = UtcDateTime(allow_none=True)
    selected_proposals = fields.Method(
        "dump_selected",
        metadata={
            "type": "array",
            "items": {"type": "integer"},
            "description": "Ids of the proposals result.selected names by number.",
        },
    )
    problem = fields.Dict()  # selection-problem/1
    result = fields.Dict()  # selection-result/1

    def dump_selected(self, run) -> list[int]:
        by_number = {p.number: p.id for p in run.notice.proposals}
        return [by_number[number] for number in run.selected if number in by_number]
