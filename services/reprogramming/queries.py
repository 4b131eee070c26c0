"""What the reprogramming pages and the API read: the year's list, a reprogramming's effect on each group,
and the year's cumulative moves per group (several small moves that together cross the threshold)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import Appropriation, Reprogramming, ReprogrammingMove, ReprogrammingStatus, Scenario, db
from services.office.settings import office_settings
from services.reprogramming import workflow
from services.reprogramming.groups import group_base, group_label
from services.reprogramming.law import NoticeLaw, Timing, judge_net


@dataclass(frozen=True)
class ReprogrammingFilter:
    status: ReprogrammingStatus | None = None
    scenario_id: int | None = None
    appropriation_id: int | None = None
    year: int | None = None  # the scenario's budget year


def reprogrammings_query(found: ReprogrammingFilter) -> sa.Select:
    """Newest first."""
    query = (
        sa.select(Reprogramming)
        .join(Scenario, Scenario.id == Reprogramming.scenario_id)
        .options(
            so.selectinload(Reprogramming.moves),
            so.joinedload(Reprogramming.appropriation),
            so.joinedload(Reprogramming.scenario),
        )
        .order_by(Reprogramming.id.desc())
    )
    if found.status is not None:
        query = query.where(Reprogramming.status == found.status)
    if found.scenario_id is not None:
        query = query.where(Reprogramming.scenario_id == found.scenario_id)
    if found.appropriation_id is not None:
        query = query.where(Reprogramming.appropriation_id == found.appropriation_id)
    if found.year is not None:
        query = query.where(Scenario.budget_year == found.year)
    return query


def list_reprogrammings(found: ReprogrammingFilter) -> list[Reprogramming]:
    return list(db.session.scalars(reprogrammings_query(found)).unique())


@dataclass(frozen=True)
class GroupEffect:
    """A group a reprogramming touches: its amount before and after the reprogramming."""

    label: str
    before_cents: int
    after_cents: int

    @property
    def change_cents(self) -> int:
        return self.after_cents - self.before_cents


def effect(reprogramming: Reprogramming) -> list[GroupEffect]:
    """Each group the moves name, before and after them, in the order the moves name them.

    Before execution the bases are the lines now; once executed, the bases the moves were judged on."""
    order: list[tuple] = []
    before: dict[tuple, int] = {}
    change: dict[tuple, int] = {}
    labels: dict[tuple, str] = {}
    for move in reprogramming.moves:
        for group, base, sign in ((move.from_group, move.from_base_cents, -1), (move.to_group, move.to_base_cents, 1)):
            key = tuple(sorted(group.items()))
            if key not in before:
                order.append(key)
                labels[key] = group_label(group)
                before[key] = base
            change[key] = change.get(key, 0) + sign * move.amount_cents
    return [GroupEffect(labels[key], before[key], before[key] + change[key]) for key in order]


@dataclass(frozen=True)
class CumulativeMoves:
    """A group's executed moves of the year, and whether together they cross the notice threshold."""

    appropriation: Appropriation
    label: str
    moved_in_cents: int
    moved_out_cents: int
    base_now_cents: int
    reasons: tuple[str, ...]

    @property
    def net_cents(self) -> int:
        return self.moved_in_cents - self.moved_out_cents

    @property
    def plan_base_cents(self) -> int:
        """The group's operating plan: its base now, less the year's moves."""
        return self.base_now_cents - self.net_cents

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


def cumulative_moves(year: int) -> list[CumulativeMoves]:
    """Per group named by the year's executed reprogrammings: what moved in and out, judged together."""
    law = NoticeLaw.of(office_settings())
    executed = list_reprogrammings(ReprogrammingFilter(status=ReprogrammingStatus.EXECUTED, year=year))
    totals: dict[tuple, list[int]] = {}
    groups: dict[tuple, tuple[Reprogramming, dict]] = {}
    for reprogramming in executed:
        for move in reprogramming.moves:
            for group, side in ((move.to_group, 0), (move.from_group, 1)):
                key = (reprogramming.scenario_id, reprogramming.appropriation_id, tuple(sorted(group.items())))
                totals.setdefault(key, [0, 0])[side] += move.amount_cents
                groups.setdefault(key, (reprogramming, group))
    found = []
    for key, (moved_in, moved_out) in totals.items():
        reprogramming, group = groups[key]
        label = group_label(group)
        base_now = group_base(reprogramming.scenario_id, reprogramming.appropriation_id, group)
        reasons = judge_net(moved_in - moved_out, base_now - (moved_in - moved_out), label, law)
        found.append(CumulativeMoves(reprogramming.appropriation, label, moved_in, moved_out, base_now, reasons))
    return sorted(found, key=lambda row: (row.appropriation.label, not row.flagged, row.label))


@dataclass(frozen=True)
class Standing:
    """What a reprogramming's page and JSON say of it as of today, under the office's settings: when its money
    may first be obligated and why, and, while it is open, where each move and the year's executed moves of
    its groups together would need a notification (by move id)."""

    timing: Timing
    cumulative_reasons: dict[int, list[str]]


def standing(reprogrammings: Sequence[Reprogramming]) -> dict[int, Standing]:
    """By reprogramming id: the settings read once, and the executed moves once per scenario and appropriation
    (a page of the list reads them once, not once a move)."""
    law = NoticeLaw.of(office_settings())
    executed: dict[tuple[int, int], dict[tuple, int]] = {}
    found = {}
    for reprogramming in reprogrammings:
        reasons: dict[int, list[str]] = {move.id: [] for move in reprogramming.moves}
        if reprogramming.is_open:
            where = (reprogramming.scenario_id, reprogramming.appropriation_id)
            if where not in executed:
                executed[where] = _executed_moves(*where)
            reasons = {move.id: _cumulative_reasons(move, executed[where], law) for move in reprogramming.moves}
        found[reprogramming.id] = Standing(workflow.timing(reprogramming, law), reasons)
    return found


def _cumulative_reasons(move: ReprogrammingMove, earlier: dict[tuple, int], law: NoticeLaw) -> list[str]:
    """Before it is executed: where this move and the year's executed moves of the same groups together
    would have needed a notification (each alone may not), in words."""
    reasons: list[str] = []
    for group, sign, base in ((move.to_group, 1, move.to_base_cents), (move.from_group, -1, move.from_base_cents)):
        moved = earlier.get(tuple(sorted(group.items())), 0)
        if moved:  # nothing earlier: the move's own reasons say it all
            reasons += judge_net(moved + sign * move.amount_cents, base - moved, group_label(group), law)
    return reasons


def _executed_moves(scenario_id: int, appropriation_id: int) -> dict[tuple, int]:
    """By group: the net of the executed moves into (+) and out of (−) it in this scenario and appropriation."""
    found = ReprogrammingFilter(ReprogrammingStatus.EXECUTED, scenario_id, appropriation_id)
    net: dict[tuple, int] = {}
    for reprogramming in list_reprogrammings(found):
        for move in reprogramming.moves:
            for group, sign in ((move.to_group, 1), (move.from_group, -1)):
                key = tuple(sorted(group.items()))
                net[key] = net.get(key, 0) + sign * move.amount_cents
    return net
