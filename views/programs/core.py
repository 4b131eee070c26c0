"""The programs blueprint. (Who may write is the routes' declared Action: services.permissions.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("programs", __name__, url_prefix="/programs")
