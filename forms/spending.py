"""The spending profile page's form, derived from its declaration."""

from forms.derived import derived_form
from forms.fields import VersionedForm
from services.execution.profiles import ProfileInput


class ProfileForm(derived_form(ProfileInput, VersionedForm)):
    """A profile's kind and, for percentages typed in, the months' percentages."""
