"""Forms of the jobs' pages."""

from __future__ import annotations

from flask_wtf import FlaskForm


class CancelJobForm(FlaskForm):
    """The Cancel button: only the CSRF token."""


class PrepareWorkbookForm(FlaskForm):
    """The "Prepare the workbook" button of a scenario too large to export at once: only the CSRF token."""
