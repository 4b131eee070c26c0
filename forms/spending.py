"""The spending profile page's form, derived from its declaration."""

from flask_wtf import FlaskForm

from forms.derived import derived_form
from services.execution.profiles import ProfileInput


class ProfileForm(derived_form(ProfileInput, FlaskForm)):
    """A profile's kind and, for percentages typed in, the months' percentages."""
