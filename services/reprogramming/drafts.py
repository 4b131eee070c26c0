"""Drafting a reprogramming: its moves checked against the scenario's lines, and each judged by the law."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from sqlalchemy.orm.exc import StaleDataError

from models import (
    Appropriation,
    Country,
    LineSource,
    LineStage,
    Reprogramming,
    ReprogrammingKind,
    ReprogrammingMove,
    ReprogrammingStatus,
    Scenario,
    User,
    db,
)
from money import format_dollars, to_cents
from services import inputs
from services.audit.events import record_event
from services.errors import ConflictError, PermissionDenied, ValidationError, WorkflowError
from services.office.settings import office_settings
from services.permissions import Action, can
from services.reprogramming.groups import DIMENSIONS, group_base, group_label, group_lines, overlap
from services.reprogramming.law import REORGANIZES, NoticeLaw, judge_move

# Lines whose money a reprogramming may take: planned (not yet committed or obligated), and not a
# request's (its lines follow its approved cost) or an award's.
MOVABLE_SOURCES = frozenset({LineSource.MANUAL, LineSource.ALLOCATION, LineSource.IMPORT, LineSource.REPROGRAMMING})


@dataclass(frozen=True, kw_only=True)
class MoveInput:
    """One move: money from a group of the scenario's lines on the appropriation to another group."""

    from_: dict = inputs.group(
        "From",
        dimensions=DIMENSIONS,
        record="from_group",
        help="The lines the money leaves: name one or more of their dimensions.",
    )
    to: dict = inputs.group(
        "To",
        dimensions=DIMENSIONS,
        record="to_group",
        help="Where it goes: the lines taken from, with these dimensions instead (a new program if none has them).",
    )
    amount: Decimal = inputs.money("Amount (dollars)", minimum=Decimal("0.01"))


@dataclass(frozen=True, kw_only=True)
class ReprogrammingInput:
    """What a resource manager drafts."""

    RULES: ClassVar = (
        inputs.Rule(("scenario",), "A draft scenario: a locked or submitted one's lines can't change."),
        inputs.Rule(
            ("moves",),
            "Each move names groups of the scenario's lines on the appropriation by division, object_class, "
            "region, country, priority or program_type (ids); the from group has lines, the two groups differ, "
            "and what a group gives up is at most its planned, movable money (a line can't go below zero).",
        ),
    )

    scenario_id: int = inputs.reference("Scenario", to=Scenario)
    appropriation_id: int = inputs.reference("Appropriation", to=Appropriation)
    kind: ReprogrammingKind = inputs.choice(
        "Kind of change",
        ReprogrammingKind,
        default=ReprogrammingKind.AUGMENT,
        help="A reorganization always needs a notification; the other kinds are computed for each move.",
    )
    justification: str = inputs.text("Justification", max_length=5000, multiline=True)
    moves: tuple[MoveInput, ...] = inputs.rows("Moves", MoveInput, maximum=50, required=True, each_field=True)


def may_draft(user: User) -> bool:
    return can(user, Action.REPROGRAM)


def create_reprogramming(actor: User, data: ReprogrammingInput) -> Reprogramming:
    """Draft a reprogramming; each move is judged against the lines as they are now."""
    if not may_draft(actor):
        raise PermissionDenied("Only a resource manager drafts a reprogramming.")
    scenario, appropriation = _checked(data)
    reprogramming = Reprogramming(
        scenario_id=scenario.id,
        appropriation_id=appropriation.id,
        kind=data.kind,
        justification=data.justification.strip(),
        created_by_id=actor.id,
        status=ReprogrammingStatus.DRAFT,
    )
    reprogramming.moves = [_move(position, move) for position, move in enumerate(data.moves)]
    db.session.add(reprogramming)
    judge(reprogramming)
    db.session.flush()
    record_event(actor, "reprogramming.create", "reprogramming", reprogramming.id, after=summary(reprogramming))
    return reprogramming


def update_reprogramming(
    actor: User, reprogramming: Reprogramming, data: ReprogrammingInput, expected_version: int
) -> Reprogramming:
    """Change a draft read at `expected_version`; its moves are judged again."""
    if not may_draft(actor):
        raise PermissionDenied("Only a resource manager drafts a reprogramming.")
    if reprogramming.version != expected_version:
        raise ConflictError("This reprogramming changed since you opened it. Reload it and try again.")
    if reprogramming.status != ReprogrammingStatus.DRAFT:
        raise WorkflowError(f"It is {reprogramming.status.label.lower()}: only a draft is changed.")
    before = summary(reprogramming)
    scenario, appropriation = _checked(data)
    reprogramming.scenario_id, reprogramming.appropriation_id = scenario.id, appropriation.id
    reprogramming.kind = data.kind
    reprogramming.justification = data.justification.strip()
    reprogramming.moves = [_move(position, move) for position, move in enumerate(data.moves)]
    judge(reprogramming)
    try:
        db.session.flush()
    except StaleDataError as exc:  # another person saved it first
        raise ConflictError("This reprogramming changed since you opened it. Reload it and try again.") from exc
    record_event(
        actor, "reprogramming.update", "reprogramming", reprogramming.id, before=before, after=summary(reprogramming)
    )
    return reprogramming


def _move(position: int, data: MoveInput) -> ReprogrammingMove:
    return ReprogrammingMove(
        position=position, from_group=dict(data.from_), to_group=dict(data.to), amount_cents=to_cents(data.amount)
    )


def _checked(data: ReprogrammingInput) -> tuple[Scenario, Appropriation]:
    """The scenario and appropriation, once every move is possible on their lines now."""
    errors = _outside_the_appropriation(data)
    missing = inputs.missing_references(data)
    if missing:
        raise ValidationError("Some choices no longer exist.", fields=missing | errors)
    errors = inputs.check(data) | errors
    if errors:
        raise ValidationError("Check the highlighted fields.", fields=errors)
    scenario = db.session.get(Scenario, data.scenario_id)
    if not scenario.is_editable:
        raise ValidationError(
            f"The scenario {scenario.name} is {scenario.status.value}: unlock it to reprogram its lines.",
            fields={"scenario": f"{scenario.name} is {scenario.status.value}."},
        )
    appropriation = db.session.get(Appropriation, data.appropriation_id)
    errors = {}
    for index, move in enumerate(data.moves):
        problem = _move_problem(scenario, appropriation, move)
        if problem:
            errors[f"moves[{index}]"] = problem
    if errors:
        raise ValidationError("Some moves are not possible on the scenario's lines.", fields=errors)
    return scenario, appropriation


def _outside_the_appropriation(data: ReprogrammingInput) -> dict[str, str]:
    """A group naming an appropriation, said in the domain's words (the declaration refuses any unknown key)."""
    return {
        f"moves[{index}].{side}.appropriation": (
            "A reprogramming moves money within one appropriation: moving it to another needs a transfer "
            "authority, not a reprogramming."
        )
        for index, move in enumerate(data.moves)
        for side, group in (("from", move.from_), ("to", move.to))
        if "appropriation" in group
    }


def _move_problem(scenario: Scenario, appropriation: Appropriation, move: MoveInput) -> str:
    for group in (move.from_, move.to):
        country = db.session.get(Country, group["country"]) if "country" in group else None
        if country is not None and "region" in group and country.region_id != group["region"]:
            return f"{country.name} is not in the region named with it."
    if overlap(move.from_, move.to):
        return (
            "The from and to groups share lines: name a dimension in both with a different value "
            "(from one region to another, say)."
        )
    lines = group_lines(scenario.id, appropriation.id, move.from_)
    if not lines:
        return f"{group_label(move.from_)} has no lines on {appropriation.label} in {scenario.name}."
    movable = sum(line.amount_cents for line in movable_lines(lines))
    amount = to_cents(move.amount)
    if amount > movable:
        return (
            f"{group_label(move.from_)} has {format_dollars(movable)} planned that can move (committed, obligated, "
            f"request and award lines stay); {format_dollars(amount)} would take its lines below zero."
        )
    return ""


def movable_lines(lines):
    return [line for line in lines if line.stage == LineStage.PLANNED and line.source in MOVABLE_SOURCES]


def judge(reprogramming: Reprogramming) -> None:
    """Each move's bases, whether it needs a notification and why, and the lines it takes from (with their
    versions, so executing refuses once one of them has changed)."""
    scenario_id, appropriation_id = reprogramming.scenario_id, reprogramming.appropriation_id
    with db.session.no_autoflush:  # the reprogramming's own changes are flushed by its caller, with their check
        law = NoticeLaw.of(office_settings())
        for move in reprogramming.moves:
            lines = group_lines(scenario_id, appropriation_id, move.from_group)
            move.from_base_cents = sum(line.amount_cents for line in lines)
            move.to_base_cents = group_base(scenario_id, appropriation_id, move.to_group)
            judged = judge_move(
                move.amount_cents,
                move.from_base_cents,
                move.to_base_cents,
                group_label(move.from_group),
                group_label(move.to_group),
                law,
            )
            move.notification_required = judged.notification_required
            move.reasons = list(judged.reasons)
            move.from_lines = [[line.id, line.version] for line in movable_lines(lines)]
    reorganizes = reprogramming.kind == ReprogrammingKind.REORGANIZE
    reprogramming.notification_required = reorganizes or any(move.notification_required for move in reprogramming.moves)


def reasons_of(reprogramming: Reprogramming) -> list[str]:
    """Every reason a notification is needed, the reprogramming's own first."""
    own = [REORGANIZES] if reprogramming.kind == ReprogrammingKind.REORGANIZE else []
    return own + [reason for move in reprogramming.moves for reason in move.reasons]


def summary(reprogramming: Reprogramming) -> dict:
    """What the audit trail keeps of it."""
    return {
        "status": reprogramming.status.value,
        "total_cents": reprogramming.total_cents,
        "notification_required": reprogramming.notification_required,
        "moves": [
            {"from": move.from_group, "to": move.to_group, "amount_cents": move.amount_cents}
            for move in reprogramming.moves
        ],
    }
