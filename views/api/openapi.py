"""The OpenAPI 3 document, generated from the registered routes and their ApiDoc."""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify

from services.permissions import Need
from views.access import public
from views.api.core import ApiDoc, bp
from views.api.schemas import ErrorSchema, Money

_CONVERTER = re.compile(r"<(?:([^:<>]+):)?(\w+)>")  # <name>, <int:name>, <any(a, b):name>
_ERRORS = {
    "400": "Malformed request",
    "401": "No or bad token",
    "403": "Not allowed",
    "404": "Not found",
    "409": "Conflict: stale version or a state that no longer allows the action",
    "422": "Validation failed",
}


def _money_property(self, field, **kwargs) -> dict:
    """Money is a decimal string with two places; input also takes whole dollars."""
    if isinstance(field, Money):
        return {
            "type": "string",
            "pattern": r"^-?[0-9]{1,15}\.[0-9]{2}$",
            "example": "1234567.00",
            "description": "Dollars as a decimal string; input also accepts a whole number of dollars.",
        }
    return {}


def _path_parameters(rule: str) -> list[dict]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if converter == "int" else "string"},
        }
        for converter, name in _CONVERTER.findall(rule)
    ]


def _operation(doc: ApiDoc, rule: str, method: str) -> dict:
    parameters = _path_parameters(rule)
    parameters += [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": about,
            "schema": {"type": "integer" if about == "integer" else "string"},
        }
        for name, about in doc.query.items()
        if f"<{name}>" not in rule
    ]
    if doc.paginated:
        parameters += [
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {"name": "per_page", "in": "query", "schema": {"type": "integer", "maximum": 500}},
        ]
    operation: dict = {"summary": doc.summary, "parameters": parameters, "responses": {}}
    operation["description"] = Need.of(doc.action).describe()
    if doc.request_schema is not None:
        operation["requestBody"] = {
            "required": doc.body_required,
            "content": {"application/json": {"schema": doc.request_schema}},
        }
    if doc.response_schema is None:
        success: dict = {"description": "Done"}
    elif doc.paginated:
        success = {
            "description": "A page of records",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "items": {"type": "array", "items": doc.response_schema},
                            "page": {"type": "integer"},
                            "per_page": {"type": "integer"},
                            "total": {"type": "integer"},
                        },
                    }
                }
            },
        }
    else:
        success = {"description": "The record", "content": {"application/json": {"schema": doc.response_schema}}}
    operation["responses"][str(doc.status)] = success
    for status, description in _ERRORS.items():
        operation["responses"][status] = {
            "description": description,
            "content": {"application/json": {"schema": "Error"}},
        }
    return operation


def build_spec() -> dict:
    marshmallow_plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Apportion API",
        version="1",
        openapi_version="3.0.3",
        plugins=[marshmallow_plugin],
        info={"description": "Everything a person can do in the pages, a script can do here."},
    )
    marshmallow_plugin.converter.add_attribute_function(_money_property)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions[rule.endpoint]
        doc = getattr(view, "api_doc", None)
        if doc is None:
            continue
        path = _CONVERTER.sub(r"{\2}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(doc, rule.rule, method)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    document["paths"]["/healthz"] = {
        "get": {
            "summary": "Liveness and database check",
            "security": [],
            "responses": {"200": {"description": "Healthy"}},
        }
    }
    return document


@bp.route("/openapi.json")
@public
def openapi_document():
    return jsonify(build_spec())
