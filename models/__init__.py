"""Typed SQLAlchemy models, one module per aggregate."""

from models.allocation import AllocationRun, RunStatus
from models.audit import AuditEvent
from models.base import Base, db
from models.budget import BudgetLine, LineSource, LineStage, Scenario, ScenarioKind, ScenarioStatus
from models.funds import Appropriation, Directive, FundsCategory
from models.organisation import (
    ApiToken,
    Division,
    FundsControl,
    LoginAttempt,
    OfficeSetting,
    Role,
    User,
)
from models.reference import (
    Country,
    CountryTier,
    FiscalYear,
    ObjectClass,
    PerDiemRate,
    Priority,
    ProgramType,
    Region,
    fiscal_year_of,
)

__all__ = [
    "AllocationRun",
    "RunStatus",
    "ApiToken",
    "Appropriation",
    "AuditEvent",
    "Base",
    "BudgetLine",
    "Country",
    "CountryTier",
    "Directive",
    "Division",
    "FiscalYear",
    "FundsCategory",
    "FundsControl",
    "LineSource",
    "LineStage",
    "LoginAttempt",
    "ObjectClass",
    "OfficeSetting",
    "PerDiemRate",
    "Priority",
    "ProgramType",
    "Region",
    "Role",
    "Scenario",
    "ScenarioKind",
    "ScenarioStatus",
    "User",
    "db",
    "fiscal_year_of",
]
