"""The API's plumbing: one decorator that registers a route, checks the caller,
and turns domain errors into the contract's JSON errors; plus pagination."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

import marshmallow
from flask import Blueprint, jsonify, request
from flask_login import current_user

from models import db
from services import inputs
from services.errors import DomainError, ValidationError
from services.inputs import FIRST_YEAR, LAST_YEAR, Rule
from services.paging import Page
from services.permissions import Action, Need
from views.errors import error_body
from views.routing import nul_at
from views.unit_of_work import perform, refusal

bp = Blueprint("api", __name__, url_prefix="/api/v1")
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PAGE = 10**9
MAX_INT_ARG = 10**18 - 1  # int_arg reads at most 18 digits


@dataclass(frozen=True)
class ApiDoc:
    """What the OpenAPI document says about one operation."""

    summary: str
    action: Action | Need  # what the caller needs: the route's one declaration (services.permissions.Need)
    request_schema: type[marshmallow.Schema] | None = None
    response_schema: type[marshmallow.Schema] | None = None
    paginated: bool = False
    status: int = 200
    # name → "integer" (int_arg), an Enum (enum_arg), a JSON schema, or a description of a free string.
    query: dict[str, str | type[enum.Enum] | dict] = field(default_factory=dict)
    body_required: bool = True  # False where every field of the body has a default
    upload: str | None = None  # the multipart field a file is sent in, where the body is one
    rules: tuple[Rule, ...] = ()  # what the request must meet beyond its schema, besides the body's own RULES
    # Where large work becomes a background job: 202 with this schema (the job), its resource in Location.
    queued_as: type[marshmallow.Schema] | None = None


class BadRequest(Exception):
    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message, self.fields = message, fields or {}


def _flatten(messages: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = " ".join(value) if isinstance(value, list) else str(value)
    return flat


def json_refusal(error: marshmallow.ValidationError | BadRequest | DomainError):
    """The contract's JSON error for a body that fails its schema, a bad query, or a domain error."""
    if isinstance(error, marshmallow.ValidationError):
        messages = error.messages if isinstance(error.messages, dict) else {"_body": error.messages}
        return error_body(422, "Some fields are not valid.", _flatten(messages))
    status = 400 if isinstance(error, BadRequest) else refusal(error).status
    return error_body(status, error.message, error.fields)


def operation(rule: str, method: str, doc: ApiDoc) -> Callable:
    """Register an API operation guarded by what `doc.action` declares."""
    need = Need.of(doc.action)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def handler(*args, **kwargs):
            if not current_user.is_authenticated:
                return error_body(401)
            if not need.allows(current_user, kwargs):
                return error_body(403)
            try:
                return view(*args, **kwargs)
            except (marshmallow.ValidationError, BadRequest, DomainError) as exc:
                db.session.rollback()  # a refusal may come before the unit of work, or from it
                return json_refusal(exc)

        handler.api_doc = doc
        handler.need = need
        bp.add_url_rule(rule, view.__name__, handler, methods=[method])
        return handler

    return decorator


def actor():
    """The signed-in user as a plain object, for services."""
    return current_user._get_current_object()


MAX_JSON_DEPTH = 32  # far deeper than any schema here; deeper bodies could exhaust recursion later on


def _depth(value) -> int:
    """How deeply arrays and objects nest, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_JSON_DEPTH:
                stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def parsed_json():
    """The body as JSON, or None when it isn't JSON; a body nested too deeply is a 400, not a RecursionError."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the json module recurses per level, so "[" * 100000 never parses
        data = None
        too_deep = True
    else:
        too_deep = _depth(data) > MAX_JSON_DEPTH
    if too_deep:
        raise BadRequest("The JSON body is nested too deeply.", {"_body": f"More than {MAX_JSON_DEPTH} levels."})
    where = nul_at(data)
    if where is not None:  # well-formed JSON, but no text the office keeps holds NUL: a field error
        raise ValidationError("Text may not contain the NUL character.", fields={where: "A NUL character."})
    return data


@bp.before_request
def refuse_deep_json():
    """Checked for every API call, so a route that ignores its body can't act on one that was refused."""
    try:
        parsed_json()
    except (BadRequest, ValidationError) as exc:
        return json_refusal(exc)
    return None


def json_body() -> dict:
    data = parsed_json()
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object with Content-Type: application/json.", {"_body": "Not a JSON object."})
    return data


def page_args() -> tuple[int, int]:
    page = int_arg("page")
    page = 1 if page is None else page
    per_page = int_arg("per_page")
    per_page = DEFAULT_PER_PAGE if per_page is None else per_page
    if not 1 <= page <= MAX_PAGE:
        raise BadRequest(f"page is between 1 and {MAX_PAGE}.", {"page": f"1 to {MAX_PAGE}."})
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadRequest(f"per_page is between 1 and {MAX_PER_PAGE}.", {"per_page": f"1 to {MAX_PER_PAGE}."})
    return page, per_page


def int_arg(name: str) -> int | None:
    """A whole-number query parameter (ASCII digits, within a 64-bit key), or None when absent."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_INT_ARG))):
        raise BadRequest(f"{name} must be a whole number.", {name: "Not a whole number."})
    return int(raw)


YEAR_ARG = "year"  # an ApiDoc.query kind: a fiscal year, as year_arg reads it


def year_arg(name: str) -> int | None:
    """A fiscal-year query parameter: a whole number within the years a record can hold, or None when absent."""
    year = int_arg(name)
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadRequest(f"{name} is a fiscal year, {FIRST_YEAR} to {LAST_YEAR}.", {name: "Not a fiscal year."})
    return year


def enum_arg(name: str, enum_type: type[enum.Enum]) -> str | None:
    """A query parameter that must be one of an enum's values, or None when absent."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    allowed = [member.value for member in enum_type]
    if raw not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}.", {name: f"One of {', '.join(allowed)}."})
    return raw


def paginated(page: Page, schema: marshmallow.Schema, **further):
    """The list envelope of the contract; `further` fields beside it (a seek to the next page)."""
    return jsonify(
        {
            "items": schema.dump(page.items, many=True),
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            **further,
        }
    )


def created(schema: marshmallow.Schema, record, warning: str | None = None):
    return with_funds_warning(jsonify(schema.dump(record)), warning), 201


def with_funds_warning(response, warning: str | None):
    """A change saved under the office's "warn" funds control says so in a Warning header."""
    if warning:
        response.headers["Warning"] = '299 - "funds: ' + warning.replace('"', "'") + '"'
    return response


def require_version(data: dict) -> int:
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise marshmallow.ValidationError({"version": ["Send the version you read (a whole number)."]})
    return version


def new_record(schema: marshmallow.Schema) -> dict:
    """A POST body loaded by its schema (a version sent with it is checked as a whole number, then ignored:
    records round-trip, and a record not made yet has no version to compare)."""
    return schema.load(json_body())


def changes_sent(schema: marshmallow.Schema) -> tuple[dict, int]:
    """A PATCH body: the fields sent, loaded by the schema, and the version read. Any top-level field
    may be left out; a nested row or rule sent is whole (it replaces the record's, inputs.patched)."""
    body = json_body()
    version = require_version(body)
    return schema.load(body, partial=tuple(schema.fields)), version


def create_record(service: Callable, schema: marshmallow.Schema, declaration: type):
    """A POST: the body built into the use case's input, one service (which answers the record, or the
    record and a funds warning), and 201 with the record."""
    outcome = perform(service, actor(), inputs.build(declaration, new_record(schema)))
    record, warning = outcome if isinstance(outcome, tuple) else (outcome, None)
    return created(schema, record, warning)


def patch_record(service: Callable, record, schema: marshmallow.Schema, declaration: type):
    """A PATCH: the record's current input with the fields sent, one service (which may answer a funds
    warning), and the record as it now is."""
    data, version = changes_sent(schema)
    warning = perform(service, actor(), record, inputs.patched(declaration, record, data), version)
    return with_funds_warning(jsonify(schema.dump(record)), warning)


def version_from_request() -> int:
    """DELETE takes the version as ?version=N or in a JSON body."""
    version = int_arg("version")
    if version is not None:
        return version
    body = parsed_json()
    return require_version(body if isinstance(body, dict) else {})
