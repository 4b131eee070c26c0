"""Marshmallow schemas for programs: awards, funding notices, proposals and selection runs.

References to other records are ids under the record's own names (`region`,
`notice`, ...), as for budget lines; the codes a notice's eligibility lists
and rules name are reference codes (regions, priorities, program types, and
countries by ISO 3166 alpha-3), as in selection-problem/1.
"""

from __future__ import annotations

from contextvars import ContextVar

from marshmallow import RAISE, Schema, fields, pre_dump, validate

from models import FundingNotice, NoticeStatus, Proposal, ProposalDecision, RunStatus, db
from money import money_str
from services import inputs
from services.execution.actuals_queries import DocumentActuals, documents_actuals
from services.inputs import Kind, Rule, Spec, rules_of
from services.programs.awards import AwardInput, award_lines
from services.programs.notices import NoticeInput, ProposalInput, ScoreInput, ScoresInput
from services.programs.selection import DEFAULT_TIME_LIMIT_S
from views.api.derived import Exact, Reference, derived_schema
from views.api.schemas import UtcDateTime, _enum

SCORE = inputs.specs(ScoreInput)["score"]  # a merit and a spread are written as a score is


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


# --------------------------------------------------------------------------- awards


_MONEY = {"type": "string", "example": "1234567.00"}


# The actuals of the awards being dumped (a context variable: one schema instance serves every request).
_ACTUALS: ContextVar[dict[str, DocumentActuals] | None] = ContextVar("award_actuals", default=None)


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

    # What the financial system posted against the award's number (services.execution.actuals_queries).
    obligated_actual = fields.Method("dump_obligated_actual", dump_only=True, metadata=_MONEY)
    expended_actual = fields.Method("dump_expended_actual", dump_only=True, metadata=_MONEY)
    unliquidated = fields.Method("dump_unliquidated", dump_only=True, metadata=_MONEY)

    @pre_dump(pass_collection=True)
    def _read_actuals(self, data, many: bool, **_kwargs):
        """The actuals of every award in the answer, in one query (not three an award)."""
        awards = data if many else [data]
        _ACTUALS.set(documents_actuals([award.number for award in awards]))
        return data

    @staticmethod
    def _actuals(award) -> DocumentActuals:
        return (_ACTUALS.get() or {}).get(award.number) or DocumentActuals(award.number)

    def dump_obligated_actual(self, award) -> str:
        return money_str(self._actuals(award).obligated_cents)

    def dump_expended_actual(self, award) -> str:
        return money_str(self._actuals(award).expended_cents)

    def dump_unliquidated(self, award) -> str:
        return money_str(self._actuals(award).unliquidated_cents)

    def dump_lines(self, award) -> dict:
        """The budget lines the award's funding puts in scenarios (source = award)."""
        lines = award_lines(award)
        return {"count": len(lines), "total": money_str(sum(line.amount_cents for line in lines))}


# --------------------------------------------------------------------------- funding notices


class FundingNoticeSchema(derived_schema(NoticeInput)):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    status = fields.Enum(NoticeStatus, by_value=True, dump_only=True)
    proposal_count = fields.Method("dump_proposal_count", dump_only=True, metadata={"type": "integer"})

    def dump_proposal_count(self, notice) -> int:
        return db.session.scalar(db.select(db.func.count(Proposal.id)).where(Proposal.notice_id == notice.id))


# --------------------------------------------------------------------------- proposals


class ProposalSchema(derived_schema(ScoresInput, derived_schema(ProposalInput))):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(strict=True, load_default=None)
    notice = Reference(Spec(Kind.REFERENCE, "Funding notice", to=FundingNotice), attribute="notice_id", required=True)
    decision = _enum(ProposalDecision, load_default=ProposalDecision.NONE)
    merit = Exact(SCORE, dump_only=True, allow_none=True, metadata={"description": "The reviewers' average."})
    spread = Exact(SCORE, dump_only=True, allow_none=True, metadata={"description": "Highest minus lowest."})

    RULES = (*rules_of(ProposalInput), Rule(("notice",), "A proposal stays under its notice."))


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
