"""Scenario forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from forms.derived import derived_form
from forms.fields import VersionedForm, options
from services.office import reference
from services.scenarios.records import ScenarioInput


class ScenarioForm(derived_form(ScenarioInput, VersionedForm)):
    def set_choices(self) -> None:
        self.budget_year.choices = options(reference.fiscal_year_choices())
        self.based_on.choices = options([("", "—"), *reference.scenario_choices()])


class CloneForm(FlaskForm):
    name = StringField("Name of the copy", validators=[DataRequired(), Length(max=120)])


class StatusForm(VersionedForm):
    """Lock, unlock or mark as submitted: a button carrying the version."""


class WorkbookUploadForm(FlaskForm):
    file = FileField(
        "Edited submission workbook (.xlsx)",
        validators=[FileRequired(), FileAllowed(["xlsx"], "Upload the .xlsx workbook exported from Apportion.")],
    )
