"""The actuals extract's upload form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class ActualsUploadForm(FlaskForm):
    file = FileField(
        "Actuals extract (.csv or .xlsx)",
        validators=[
            FileRequired("Choose the extract to upload."),
            FileAllowed(["csv", "xlsx"], "Upload the financial system's extract as .csv or .xlsx."),
        ],
    )
