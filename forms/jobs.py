"""Forms of the jobs' pages."""

from __future__ import annotations

from flask_wtf import FlaskForm


class CancelJobForm(FlaskForm):
    """The Cancel button: only the CSRF token."""
