"""API: awards, funding notices, proposals, and running a notice's proposal selection.

Everyone signed in reads programs; writes need Action.MANAGE_PROGRAMS, which division
heads and staff hold only in a division that manages programs (services.permissions).
"""

from __future__ import annotations

from flask import current_app, jsonify, request

from models import (
    Award,
    AwardStatus,
    FundingNotice,
    Job,
    NoticeStatus,
    Priority,
    ProgramType,
    Proposal,
    ProposalDecision,
    Region,
    SelectionRun,
    db,
)
from services import inputs
from services.errors import ValidationError
from services.office.reference import by_id_or_code
from services.paging import Page, paginate
from services.permissions import Action
from services.programs import awards as award_service
from services.programs import notices as notice_service
from services.programs import selection_jobs
from services.programs.award_queries import AwardFilter
from services.programs.award_queries import list_awards as query_awards
from services.programs.awards import AwardInput
from services.programs.notices import NoticeInput, ProposalChanges, ProposalInput, ScoreInput, ScoresInput
from services.programs.queries import ProposalFilter, notice_query, proposal_query
from views.api.core import (
    YEAR_ARG,
    ApiDoc,
    actor,
    changes_sent,
    create_record,
    created,
    enum_arg,
    int_arg,
    json_body,
    new_record,
    operation,
    page_args,
    paginated,
    patch_record,
    year_arg,
)
from views.api.jobs import JobSchema, accepted
from views.api.program_schemas import (
    AwardSchema,
    FundingNoticeSchema,
    ProposalSchema,
    SelectionRequestSchema,
    SelectionRunSchema,
)
from views.jobs import launch
from views.transactions import reads_until_write
from views.unit_of_work import perform

award_schema = AwardSchema()
notice_schema = FundingNoticeSchema()
proposal_schema = ProposalSchema()
run_schema = SelectionRunSchema()
REFERENCE = "id or code"
AWARD_FILTERS = {
    "status": AwardStatus,
    "region": REFERENCE,
    "priority": REFERENCE,
    "program_type": REFERENCE,
    "funded_in": YEAR_ARG,
    "fiscal_year": YEAR_ARG,
    "q": "string",
}
PROPOSAL_FILTERS = {
    "notice": "integer",
    "region": REFERENCE,
    "priority": REFERENCE,
    "program_type": REFERENCE,
    "decision": ProposalDecision,
}
NOTICE_FILTERS = {"fiscal_year": YEAR_ARG, "account_code": "string", "status": NoticeStatus}


class _NoMatch(Exception):
    """A filter names a record that does not exist: the page is empty."""


def _reference_arg(name: str, model):
    """A reference filter given by id (as records carry it) or by code; None when absent."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    record = by_id_or_code(model, raw)
    if record is None:
        raise _NoMatch
    return record


# --------------------------------------------------------------------------- awards


@operation(
    "/awards",
    "GET",
    ApiDoc(
        "List awards (funded_in or fiscal_year: a year of the funding schedule)",
        Action.READ,
        response_schema=AwardSchema,
        paginated=True,
        query=AWARD_FILTERS,
    ),
)
def list_awards():
    page, per_page = page_args()
    status = enum_arg("status", AwardStatus)
    funded_in, fiscal_year = year_arg("funded_in"), year_arg("fiscal_year")  # both checked, before any early answer
    try:
        region, priority, program_type = (
            _reference_arg(name, model)
            for name, model in (("region", Region), ("priority", Priority), ("program_type", ProgramType))
        )
    except _NoMatch:
        return paginated(Page([], page, per_page, 0), award_schema)
    found = query_awards(
        AwardFilter(
            status=AwardStatus(status) if status else None,
            region=region.code if region else None,
            priority=priority.code if priority else None,
            program_type=program_type.code if program_type else None,
            funded_in=funded_in if funded_in is not None else fiscal_year,
            text=request.args.get("q", ""),
        ),
        page,
        per_page,
    )
    return paginated(found, award_schema)


@operation(
    "/awards",
    "POST",
    ApiDoc(
        "Record an award with its funding schedule (it reaches the draft plans of its years)",
        Action.MANAGE_PROGRAMS,
        AwardSchema,
        AwardSchema,
        status=201,
    ),
)
def create_award():
    return create_record(award_service.create_award, award_schema, AwardInput)


@operation("/awards/<int:award_id>", "GET", ApiDoc("An award", Action.READ, response_schema=AwardSchema))
def get_award(award_id: int):
    return jsonify(award_schema.dump(db.get_or_404(Award, award_id)))


@operation(
    "/awards/<int:award_id>",
    "PATCH",
    ApiDoc("Change an award (send the version you read)", Action.MANAGE_PROGRAMS, AwardSchema, AwardSchema),
)
def patch_award(award_id: int):
    award = db.get_or_404(Award, award_id)
    return patch_record(award_service.update_award, award, award_schema, AwardInput)


# --------------------------------------------------------------------------- funding notices


@operation(
    "/funding-notices",
    "GET",
    ApiDoc(
        "List funding notices",
        Action.READ,
        response_schema=FundingNoticeSchema,
        paginated=True,
        query=NOTICE_FILTERS,
    ),
)
def list_funding_notices():
    page, per_page = page_args()
    query = notice_query(
        fiscal_year=year_arg("fiscal_year"),
        account_code=request.args.get("account_code"),
        status=enum_arg("status", NoticeStatus),
    )
    return paginated(paginate(query, page, per_page), notice_schema)


@operation(
    "/funding-notices",
    "POST",
    ApiDoc(
        "Create a funding notice with its eligibility and rules",
        Action.MANAGE_PROGRAMS,
        FundingNoticeSchema,
        FundingNoticeSchema,
        status=201,
    ),
)
def create_funding_notice():
    return create_record(notice_service.create_notice, notice_schema, NoticeInput)


@operation(
    "/funding-notices/<int:notice_id>",
    "GET",
    ApiDoc("A funding notice", Action.READ, response_schema=FundingNoticeSchema),
)
def get_funding_notice(notice_id: int):
    return jsonify(notice_schema.dump(db.get_or_404(FundingNotice, notice_id)))


@operation(
    "/funding-notices/<int:notice_id>",
    "PATCH",
    ApiDoc(
        "Change an open funding notice (send the version you read); rules sent replace them all",
        Action.MANAGE_PROGRAMS,
        FundingNoticeSchema,
        FundingNoticeSchema,
    ),
)
def patch_funding_notice(notice_id: int):
    notice = db.get_or_404(FundingNotice, notice_id)
    return patch_record(notice_service.update_notice, notice, notice_schema, NoticeInput)


@operation(
    "/funding-notices/<int:notice_id>/selection",
    "POST",
    ApiDoc(
        "Run proposal selection on the notice as it stands (selection-problem/1 built from it); "
        "an infeasible rule set is a run too, with its conflicts. The body is optional. A notice of more "
        "proposals than the office's threshold (JOBS_SELECTION_PROPOSALS) is solved as a background job: "
        "202 with the job in Location, whose result links to the run.",
        Action.MANAGE_PROGRAMS,
        SelectionRequestSchema,
        SelectionRunSchema,
        status=201,
        body_required=False,
        queued_as=JobSchema,
    ),
)
@reads_until_write  # a long solve or parse before one write: no lock held meanwhile
def run_notice_selection(notice_id: int):
    notice = db.get_or_404(FundingNotice, notice_id)
    options = SelectionRequestSchema().load(json_body() if request.get_data() else {})
    most = current_app.config["JOBS_SELECTION_PROPOSALS"]
    made = perform(selection_jobs.run_or_queue, actor(), notice, most, options["time_limit_s"])
    if isinstance(made, Job):
        launch(made, at_once=False)
        return accepted(made)
    return created(run_schema, made)


@operation(
    "/selection-runs/<int:selection_run_id>",
    "GET",
    ApiDoc(
        "A proposal selection run: its status, selection and conflicts", Action.READ, response_schema=SelectionRunSchema
    ),
)
def get_selection_run(selection_run_id: int):
    return jsonify(run_schema.dump(db.get_or_404(SelectionRun, selection_run_id)))


# --------------------------------------------------------------------------- proposals


def _scores(data: dict) -> tuple[ScoreInput, ...]:
    return inputs.build(ScoresInput, data).scores


@operation(
    "/proposals",
    "GET",
    ApiDoc("List proposals", Action.READ, response_schema=ProposalSchema, paginated=True, query=PROPOSAL_FILTERS),
)
def list_proposals():
    page, per_page = page_args()
    notice, decision = int_arg("notice"), enum_arg("decision", ProposalDecision)
    try:
        region, priority, program_type = (
            _reference_arg(name, model)
            for name, model in (("region", Region), ("priority", Priority), ("program_type", ProgramType))
        )
    except _NoMatch:
        return paginated(Page([], page, per_page, 0), proposal_schema)
    chosen = ProposalFilter(
        notice_id=notice,
        decision=decision,
        region_id=region.id if region else None,
        priority_id=priority.id if priority else None,
        program_type_id=program_type.id if program_type else None,
    )
    return paginated(paginate(proposal_query(chosen), page, per_page), proposal_schema)


@operation(
    "/proposals",
    "POST",
    ApiDoc(
        "Add a proposal to an open notice, with its reviewers' scores and decision if given",
        Action.MANAGE_PROGRAMS,
        ProposalSchema,
        ProposalSchema,
        status=201,
    ),
)
def create_proposal():
    data = new_record(proposal_schema)
    notice = db.session.get(FundingNotice, data["notice_id"])
    if notice is None:
        raise ValidationError("No such funding notice.", fields={"notice": "No such record."})
    changes = ProposalChanges(
        inputs.build(ProposalInput, data), data["decision"], _scores(data) if data["scores"] else None
    )
    proposal = perform(notice_service.save_proposal, actor(), notice, None, changes)
    return created(proposal_schema, proposal)


@operation("/proposals/<int:proposal_id>", "GET", ApiDoc("A proposal", Action.READ, response_schema=ProposalSchema))
def get_proposal(proposal_id: int):
    return jsonify(proposal_schema.dump(db.get_or_404(Proposal, proposal_id)))


@operation(
    "/proposals/<int:proposal_id>",
    "PATCH",
    ApiDoc(
        "Change a proposal of an open notice (send the version you read); "
        "decision forces it in or out, scores sent replace the panel's",
        Action.MANAGE_PROGRAMS,
        ProposalSchema,
        ProposalSchema,
    ),
)
def patch_proposal(proposal_id: int):
    proposal = db.get_or_404(Proposal, proposal_id)
    data, version = changes_sent(proposal_schema)
    if data.get("notice_id", proposal.notice_id) != proposal.notice_id:
        raise ValidationError(
            "A proposal stays under its notice.", fields={"notice": "Create the proposal under the other notice."}
        )
    declared_sent = data.keys() & inputs.specs(ProposalInput).keys()
    changes = ProposalChanges(
        inputs.patched(ProposalInput, proposal, data) if declared_sent else None,
        data.get("decision"),
        _scores(data) if "scores" in data else None,
    )
    perform(notice_service.save_proposal, actor(), proposal.notice, proposal, changes, version)
    return jsonify(proposal_schema.dump(proposal))
