"""The JSON API of ../shared/contracts/api.md, under /api/v1."""

from views.api import (  # noqa: F401 - modules register their routes on bp
    actuals,
    allocation,
    budget,
    funds,
    jobs,
    office,
    openapi,
    programs,
    reprogramming,
    requests,
    workbooks,
)
from views.api.core import bp
from views.api.office import health_bp

__all__ = ["bp", "health_bp"]
