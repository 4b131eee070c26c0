"""Sign-in, password and API token forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=12, max=1000)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired(),
            EqualTo("password", message="The passwords differ."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class TokenForm(FlaskForm):
    label = StringField("What is this token for?", validators=[DataRequired(), Length(max=80)])


class ConfirmForm(FlaskForm):
    """A bare POST button: only the CSRF token."""
