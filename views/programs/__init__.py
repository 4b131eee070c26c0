"""Programs: awards and their out-year mortgage, funding notices, proposals and selection."""

from views.programs import awards, notices, selection  # noqa: F401 - modules register their routes on bp
from views.programs.core import bp

__all__ = ["bp"]
