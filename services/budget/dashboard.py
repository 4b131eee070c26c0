"""What the dashboard shows: status of funds for a scenario and its program matrix."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from exports.charts import BarChart, BarSeries, bar_chart
from models import Appropriation, Scenario, ScenarioKind, db
from services.budget.queries import region_priority_matrix
from services.execution.office import AccountExecution, lapse_risks
from services.funds.control import FundsStatus, status_table
from services.office.settings import office_settings


@dataclass(frozen=True)
class Dashboard:
    scenario: Scenario | None
    funds: list[FundsStatus]
    regions: list[str]
    priorities: list[str]
    matrix: dict[tuple[str, str], int]
    lapse_risks: list[AccountExecution]  # expiring this fiscal year, forecast to lapse above the office's threshold

    @property
    def funds_chart(self) -> BarChart:
        return bar_chart(
            "Allotted, planned and obligated by appropriation",
            [status.appropriation.label for status in self.funds],
            [
                BarSeries("Allotted", [status.allotted_cents for status in self.funds], "chart-series-1"),
                BarSeries("Planned", [status.planned_cents for status in self.funds], "chart-series-2"),
                BarSeries("Obligated", [status.obligated_cents for status in self.funds], "chart-series-3"),
            ],
        )

    @property
    def expiring(self) -> list[FundsStatus]:
        return [status for status in self.funds if status.expires_soon]

    @property
    def funded_regions(self) -> list[str]:
        """The matrix's rows: regions with program funds in the scenario."""
        return [region for region in self.regions if self.region_total(region)]

    def region_total(self, region: str) -> int:
        return sum(self.matrix.get((region, p), 0) for p in self.priorities)

    def priority_total(self, priority: str) -> int:
        return sum(self.matrix.get((r, priority), 0) for r in self.regions)

    @property
    def matrix_total(self) -> int:
        return sum(self.matrix.values())


def working_scenario() -> Scenario | None:
    """The latest plan scenario, else the latest of any kind."""
    return db.session.scalar(
        sa.select(Scenario)
        .order_by((Scenario.kind == ScenarioKind.PLAN).desc(), Scenario.budget_year.desc(), Scenario.id.desc())
        .limit(1)
    )


def build_dashboard(scenario: Scenario | None, today: dt.date) -> Dashboard:
    if scenario is None:
        return Dashboard(None, [], [], [], {}, [])
    # Every appropriation, read once: the status of funds shows those up to the scenario's year,
    # the lapse flags pick those expiring this fiscal year.
    every = list(
        db.session.scalars(
            sa.select(Appropriation).order_by(Appropriation.fiscal_year.desc(), Appropriation.account_code)
        )
    )
    appropriations = [a for a in every if a.fiscal_year <= scenario.budget_year]
    funds = [
        s
        for s in status_table(scenario, today, appropriations)
        if s.planned_cents or s.appropriation.fiscal_year == scenario.budget_year
    ]
    regions, priorities, matrix = region_priority_matrix(scenario.id)
    risks = lapse_risks(today, office_settings(), among=every)
    return Dashboard(scenario, funds, regions, priorities, matrix, risks)
