"""Typed SQLAlchemy models, one module per aggregate."""

from models.allocation import AllocationRun, RunStatus
from models.audit import AuditEvent
from models.base import Base, db
from models.budget import BudgetLine, LineSource, LineStage, Scenario, ScenarioKind, ScenarioStatus
from models.funds import Appropriation, Directive, FundsCategory
from models.imports import ImportBatch, ImportStatus
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
    CityPairFare,
    Country,
    CountryTier,
    FiscalYear,
    ObjectClass,
    PayRate,
    PerDiemRate,
    Priority,
    ProgramType,
    Region,
    TravelPurpose,
    fiscal_year_of,
)
from models.requests import (
    EDITABLE_STATUSES,
    RequestComment,
    RequestStatus,
    StaffingKind,
    StaffingRequest,
    TravelCost,
    TravelCostKind,
    TravelLeg,
    TravelRequest,
)

__all__ = [
    "EDITABLE_STATUSES",
    "AllocationRun",
    "ApiToken",
    "Appropriation",
    "AuditEvent",
    "Base",
    "BudgetLine",
    "CityPairFare",
    "Country",
    "CountryTier",
    "Directive",
    "Division",
    "FiscalYear",
    "FundsCategory",
    "FundsControl",
    "ImportBatch",
    "ImportStatus",
    "LineSource",
    "LineStage",
    "LoginAttempt",
    "ObjectClass",
    "OfficeSetting",
    "PayRate",
    "PerDiemRate",
    "Priority",
    "ProgramType",
    "Region",
    "RequestComment",
    "RequestStatus",
    "Role",
    "RunStatus",
    "Scenario",
    "ScenarioKind",
    "ScenarioStatus",
    "StaffingKind",
    "StaffingRequest",
    "TravelCost",
    "TravelCostKind",
    "TravelLeg",
    "TravelPurpose",
    "TravelRequest",
    "User",
    "db",
    "fiscal_year_of",
]
