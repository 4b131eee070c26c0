"""Spending profiles: how a resource manager phases the other lines of an appropriation × division ×
object class (the lines that come from no award, trip or position; services/execution/spend_plan.py).

Declared once (`ProfileInput`): the profile's kind and, for percentages typed in, one percentage a
month of the fiscal year, October to September, to two places, adding up to exactly 100.00. A
profile set back to even is deleted: even is what no saved profile means.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa

from models import Appropriation, BudgetLine, Division, ObjectClass, Scenario, SpendingProfile, User, db
from models.spending import ProfileKind
from services import inputs
from services.audit.events import record_event
from services.errors import ConflictError, ValidationError
from services.execution.spend_plan import DATED_SOURCES

MONTH_NAMES = (
    "october",
    "november",
    "december",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
)
_PERCENT = {"minimum": Decimal(0), "maximum": Decimal(100), "places": 2, "default": None}


@dataclass(frozen=True)
class ProfileInput:
    kind: ProfileKind = inputs.choice(
        "Profile",
        ProfileKind,
        default=ProfileKind.EVEN,
        help="Even: 1/12 a month. Front-loaded: 12/78 in October, 11/78 in November, ... 1/78 in September. "
        "Back-loaded: 1/78 in October ... 12/78 in September. Percentages typed in: the months below.",
    )
    october: Decimal | None = inputs.decimal(
        "October", help="Percent of the year's amount, for percentages typed in.", **_PERCENT
    )
    november: Decimal | None = inputs.decimal("November", **_PERCENT)
    december: Decimal | None = inputs.decimal("December", **_PERCENT)
    january: Decimal | None = inputs.decimal("January", **_PERCENT)
    february: Decimal | None = inputs.decimal("February", **_PERCENT)
    march: Decimal | None = inputs.decimal("March", **_PERCENT)
    april: Decimal | None = inputs.decimal("April", **_PERCENT)
    may: Decimal | None = inputs.decimal("May", **_PERCENT)
    june: Decimal | None = inputs.decimal("June", **_PERCENT)
    july: Decimal | None = inputs.decimal("July", **_PERCENT)
    august: Decimal | None = inputs.decimal("August", **_PERCENT)
    september: Decimal | None = inputs.decimal("September", **_PERCENT)

    RULES: ClassVar = (
        inputs.Rule(
            ("kind",),
            "Percentages typed in add up to exactly 100.00 (a month left blank is 0); other kinds ignore them.",
        ),
    )

    @property
    def percentages(self) -> tuple[Decimal, ...]:
        """October to September; a month left blank is 0."""
        return tuple(getattr(self, name) or Decimal(0) for name in MONTH_NAMES)


def _validate(data: ProfileInput) -> None:
    errors = inputs.check(data)
    if data.kind == ProfileKind.CUSTOM and not errors:
        total = sum(data.percentages, Decimal(0))
        if total != 100:
            errors["kind"] = f"The months' percentages add up to {total:.2f}; they must add up to exactly 100.00."
    if errors:
        raise ValidationError("Check the highlighted fields.", fields=errors)


def _hundredths(data: ProfileInput) -> list[int] | None:
    if data.kind != ProfileKind.CUSTOM:
        return None
    return [int(percent.scaleb(2)) for percent in data.percentages]


def _saved(appropriation: Appropriation, division: Division, object_class: ObjectClass) -> SpendingProfile | None:
    return db.session.scalar(
        sa.select(SpendingProfile).where(
            SpendingProfile.appropriation_id == appropriation.id,
            SpendingProfile.division_id == division.id,
            SpendingProfile.object_class_id == object_class.id,
        )
    )


def _described(kind: ProfileKind, hundredths: list[int] | None) -> dict:
    """What the audit trail keeps of a profile: its kind, and a custom one's percentages October to September."""
    percentages = None if hundredths is None else [f"{Decimal(value).scaleb(-2):.2f}" for value in hundredths]
    return {"kind": kind.value, "percentages": percentages}


def profile_version(appropriation: Appropriation, division: Division, object_class: ObjectClass) -> int:
    """The saved profile's version, 0 while none is saved (even): what an editor read."""
    profile = _saved(appropriation, division, object_class)
    return 0 if profile is None else profile.version


def set_profile(
    actor: User,
    appropriation: Appropriation,
    division: Division,
    object_class: ObjectClass,
    data: ProfileInput,
    expected_version: int,
) -> SpendingProfile | None:
    """Save the profile of the appropriation's lines of this division and object class (None: back to
    even), as read at `expected_version` (`profile_version`); a stale version is a ConflictError."""
    _validate(data)
    profile = _saved(appropriation, division, object_class)
    if (0 if profile is None else profile.version) != expected_version:
        raise ConflictError(
            f"Someone changed the spending profile of {division.name}, {object_class.label} since you opened it; "
            "nothing was saved. Open it again to see their change."
        )
    before = _described(profile.kind, profile.month_hundredths) if profile else _described(ProfileKind.EVEN, None)
    after = _described(data.kind, _hundredths(data))
    if before == after:
        return profile
    if data.kind == ProfileKind.EVEN:
        if profile is not None:
            db.session.delete(profile)
        profile = None
    else:
        if profile is None:
            profile = SpendingProfile(
                appropriation_id=appropriation.id, division_id=division.id, object_class_id=object_class.id
            )
            db.session.add(profile)
        profile.kind, profile.month_hundredths, profile.updated_by_id = data.kind, _hundredths(data), actor.id
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:  # another editor saved the first profile of these lines meanwhile
        raise ConflictError(
            f"Someone saved a spending profile of {division.name}, {object_class.label} meanwhile; nothing was saved."
        ) from exc
    dimensions = {"division": division.code, "object_class": object_class.code}
    record_event(
        actor,
        "spending_profile.update",
        "appropriation",
        appropriation.id,
        before=dimensions | before,
        after=dimensions | after,
        reason=f"Spending profile of {division.name}, {object_class.label}",
    )
    db.session.flush()
    return profile


def profile_input(appropriation: Appropriation, division: Division, object_class: ObjectClass) -> ProfileInput:
    """The profile in force, as the form shows it (even when none is saved)."""
    profile = _saved(appropriation, division, object_class)
    if profile is None:
        return ProfileInput()
    if profile.month_hundredths is None:
        return ProfileInput(kind=profile.kind)
    percents = {
        name: Decimal(value).scaleb(-2) for name, value in zip(MONTH_NAMES, profile.month_hundredths, strict=True)
    }
    return ProfileInput(kind=profile.kind, **percents)


def profiles_of(appropriation: Appropriation) -> dict[tuple[int, int], SpendingProfile]:
    """The appropriation's saved profiles by (division id, object class id)."""
    return {
        (profile.division_id, profile.object_class_id): profile
        for profile in db.session.scalars(
            sa.select(SpendingProfile).where(SpendingProfile.appropriation_id == appropriation.id)
        )
    }


@dataclass(frozen=True)
class ProfileRow:
    division: Division
    object_class: ObjectClass
    kind: ProfileKind
    month_hundredths: tuple[int, ...] | None  # a custom profile's percentages
    amount_cents: int  # what it phases in the scenario: its lines from no award, trip or position

    @property
    def percentages(self) -> tuple[Decimal, ...]:
        return tuple(Decimal(value).scaleb(-2) for value in self.month_hundredths or ())


def profile_table(appropriation: Appropriation, scenario: Scenario | None) -> list[ProfileRow]:
    """Every division × object class with lines a profile phases (in any scenario) or a saved profile,
    with its profile and the amount it phases in `scenario`."""
    profiled = BudgetLine.source.not_in(sorted(DATED_SOURCES))
    on_appropriation = sa.and_(BudgetLine.appropriation_id == appropriation.id, profiled)
    in_scenario = sa.and_(on_appropriation, BudgetLine.scenario_id == (scenario.id if scenario else None))
    amounts = {
        (division_id, object_class_id): int(cents)
        for division_id, object_class_id, cents in db.session.execute(
            sa.select(BudgetLine.division_id, BudgetLine.object_class_id, sa.func.sum(BudgetLine.amount_cents))
            .where(in_scenario)
            .group_by(BudgetLine.division_id, BudgetLine.object_class_id)
        )
    }
    keys = set(
        db.session.execute(
            sa.select(BudgetLine.division_id, BudgetLine.object_class_id).where(on_appropriation).distinct()
        ).tuples()
    )
    saved = profiles_of(appropriation)
    keys |= saved.keys()
    divisions = {d.id: d for d in db.session.scalars(sa.select(Division).where(Division.id.in_({k[0] for k in keys})))}
    classes = {
        c.id: c for c in db.session.scalars(sa.select(ObjectClass).where(ObjectClass.id.in_({k[1] for k in keys})))
    }
    rows = []
    for key in keys:
        profile = saved.get(key)
        rows.append(
            ProfileRow(
                divisions[key[0]],
                classes[key[1]],
                profile.kind if profile else ProfileKind.EVEN,
                tuple(profile.month_hundredths) if profile and profile.month_hundredths else None,
                amounts.get(key, 0),
            )
        )
    return sorted(rows, key=lambda row: (row.division.code, row.object_class.code))
