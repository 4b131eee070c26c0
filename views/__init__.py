"""The web layer: one blueprint per area, plus the glue every page shares."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_login import current_user

from money import format_amount, format_dollars
from services.permissions import Action, can, line_description
from views import (
    actuals,
    admin,
    allocation,
    api,
    audit,
    auth,
    budget,
    dashboard,
    execution,
    exports,
    jobs,
    programs,
    reprogramming,
    requests,
    scenarios,
    spending,
)
from views.errors import init_error_handlers
from views.history import event_changes
from views.page_cache import init_page_cache
from views.page_links import page_links
from views.routing import IdConverter, refuse_nul_text
from views.security import init_security
from views.transactions import init_transactions

BLUEPRINTS = (
    auth.bp,
    dashboard.bp,
    budget.bp,
    scenarios.bp,
    allocation.bp,
    requests.bp,
    programs.bp,
    reprogramming.bp,
    exports.bp,
    actuals.bp,
    execution.bp,
    spending.bp,
    audit.bp,
    jobs.bp,
    admin.bp,
    api.bp,
    api.health_bp,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


# (label, endpoint, action needed to see it, endpoint prefix that marks it active)
_NAV = (
    ("Dashboard", "dashboard.index", Action.READ, "dashboard."),
    ("Budget lines", "budget.lines", Action.READ, "budget.line"),
    ("Status of funds", "budget.appropriations", Action.READ, "budget.appropriation"),
    ("Actuals", "actuals.index", Action.READ, "actuals."),
    ("Execution", "execution.index", Action.READ, "execution."),
    ("Scenarios", "scenarios.index", Action.READ, "scenarios."),
    ("Allocation", "allocation.index", Action.READ, "allocation."),
    ("Programs", "programs.awards", Action.READ, "programs."),
    ("Reprogramming", "reprogramming.index", Action.READ, "reprogramming."),
    ("Requests", "requests.index", Action.READ, "requests.index"),
    ("Review queue", "requests.review", Action.DECIDE_REQUESTS, "requests.review"),
    ("Audit trail", "audit.index", Action.READ_AUDIT, "audit."),
    ("Users", "admin.users", Action.MANAGE_USERS, "admin.user"),
    ("Reference data", "admin.reference", Action.MANAGE_REFERENCE, "admin.reference"),
    ("Settings", "admin.settings_page", Action.MANAGE_SETTINGS, "admin.settings"),
)


def _nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    endpoint = request.endpoint or ""
    return [
        NavItem(label, url_for(target), endpoint.startswith(prefix))
        for label, target, action, prefix in _NAV
        if can(current_user, action)
    ]


def register_views(app: Flask) -> None:
    init_transactions(app)  # first: the other hooks read the database
    init_page_cache(app)  # next: the data's version is read before anything a kept page shows
    init_security(app)
    init_error_handlers(app)
    # Every <int:...> in a route is a record id: bound it before the blueprints' rules are built.
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_text)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.add_template_filter(format_dollars, "money")
    app.add_template_filter(format_amount, "amount")
    app.add_template_global(Action)
    app.add_template_global(
        lambda line: line_description(current_user, line.source, line.division_id, line.description),
        "line_description",
    )
    app.add_template_global(event_changes)
    app.add_template_global(page_links)

    @app.context_processor
    def inject_navigation():
        return {"nav_items": _nav_items(), "can": lambda action: can(current_user, action)}
