"""Flask extensions, created without an app and bound in create_app."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from models import db

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

csrf = CSRFProtect()
migrate = Migrate(render_as_batch=True, compare_type=True)

__all__ = ["csrf", "db", "login_manager", "migrate"]
