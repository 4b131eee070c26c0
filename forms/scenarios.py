"""Scenario forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from forms.fields import OptionalIdSelect, VersionedForm, options
from models import ScenarioKind
from services import reference


class ScenarioForm(VersionedForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    budget_year = SelectField("Budget year", coerce=int)
    kind = SelectField(
        "Kind",
        choices=options([(k.value, k.value.capitalize()) for k in ScenarioKind]),
        default=ScenarioKind.PLAN.value,
    )
    based_on = OptionalIdSelect("Based on")
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
