"""The OpenAPI 3 document, generated from the registered routes and their ApiDoc."""

from __future__ import annotations

import enum
import re
from decimal import Decimal

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify

from services.inputs import FIRST_YEAR, LAST_YEAR, usable_ids
from services.office.reference import fiscal_year_choices
from services.permissions import Need
from views.access import public
from views.api.core import MAX_INT_ARG, MAX_PAGE, MAX_PER_PAGE, YEAR_ARG, ApiDoc, bp
from views.api.derived import Listed, Reference
from views.api.schemas import (
    ANSWER_MONEY_PATTERN,
    MAX_WHOLE_DOLLARS,
    MONEY_PATTERN,
    ErrorSchema,
    FiscalYear,
    Money,
    money_pattern,
)
from views.routing import MAX_ID, NO_NUL_PATTERN

_CONVERTER = re.compile(r"<(?:([^:<>(]+)(?:\(([^)]*)\))?:)?(\w+)>")  # <name>, <int:name>, <any(a, b):name>
_ERRORS = {
    "400": "Malformed request",
    "401": "No or bad token",
    "403": "Not allowed",
    "404": "Not found",
    "409": "Conflict: stale version or a state that no longer allows the action",
    "422": "Validation failed",
    "503": "The database was busy or the solver unavailable: nothing was changed, send it again",
}


def _money_property(self, field, **kwargs) -> dict:
    """Money is a decimal string with two places; input also takes whole dollars."""
    if isinstance(field, Money):
        minimum = field.metadata.get("minimum_dollars")  # declared on the use case's input, if any
        text = {"type": "string", "pattern": MONEY_PATTERN if minimum is None else money_pattern(minimum)}
        if field.dump_only:
            return {
                "type": "string",
                "pattern": ANSWER_MONEY_PATTERN,
                "example": "1234567.00",
                "description": _said(field, "dollars as a decimal string"),
            }
        whole = {"type": "integer", "minimum": -MAX_WHOLE_DOLLARS, "maximum": MAX_WHOLE_DOLLARS}
        if minimum is not None:
            whole["minimum"] = 0 if minimum == 0 else 1
        return {
            "anyOf": [text, whole],
            "example": "1234567.00",
            "description": _said(field, "dollars as a decimal string, or a whole number of dollars"),
        }
    return {}


def _said(field, how: str) -> str:
    """The field's own description, if it has one, and how its money is written."""
    own = field.metadata.get("description")
    return f"{own}: {how}." if own else f"{how[0].upper()}{how[1:]}."


def _query_schema(about) -> dict:
    """What a query parameter accepts: the ranges of int_arg and enum_arg, or a schema given as is."""
    if about == "integer":
        return {"type": "integer", "minimum": 0, "maximum": MAX_INT_ARG}
    if about == YEAR_ARG:
        return {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR}
    if isinstance(about, type) and issubclass(about, enum.Enum):
        return {"type": "string", "enum": [member.value for member in about]}
    if isinstance(about, dict):
        return about
    return {"type": "string"}


def _fiscal_year_property(self, field, **kwargs) -> dict:
    """A fiscal year is one the office's table holds: the services refuse any other ("No such fiscal year.")."""
    if isinstance(field, FiscalYear):
        years = [year for year, _label in fiscal_year_choices()]
        return {"enum": years} if years else {}
    return {}


_USABLE = "x-usable"  # the ids a reference may be given now: an enum in request bodies only


def _reference_property(self, field, **kwargs) -> dict:
    """A declared reference lists the ids it may be given now (services.inputs.usable_ids). A record
    may still name one that is no longer usable (a locked scenario), so answers don't enumerate them."""
    if isinstance(field, Reference):
        return {_USABLE: usable_ids(field.spec)}
    if isinstance(field, Listed):
        return {_USABLE: list(field.spec.listed())}
    return {}


def _request_components(document: dict) -> None:
    """Request bodies refer to `<Name>Input` copies of their components in which a reference's usable ids
    are its enum; answers keep the components as they are."""
    schemas = document["components"]["schemas"]

    def as_input(node):
        if isinstance(node, list):
            return [as_input(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: as_input(value) for key, value in node.items()}
        if _USABLE in node:
            node["enum"] = node[_USABLE] + ([None] if node.get("nullable") else [])
        reference = node.get("$ref", "")
        if reference.startswith("#/components/schemas/") and not reference.endswith("Input"):
            name = reference.rsplit("/", 1)[1]
            if f"{name}Input" not in schemas:
                schemas[f"{name}Input"] = {}  # placed first: a schema may nest itself
                schemas[f"{name}Input"] = as_input(schemas[name])
            node["$ref"] = f"#/components/schemas/{name}Input"
        return node

    for operations in document["paths"].values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["requestBody"] = as_input(operation["requestBody"])


def _path_parameters(rule: str, query: dict) -> list[dict]:
    def schema(converter: str, arguments: str, name: str) -> dict:
        if converter == "int":
            return {"type": "integer", "minimum": 1, "maximum": MAX_ID}  # views.routing.IdConverter
        if converter == "any":
            return {"type": "string", "enum": [choice.strip() for choice in arguments.split(",")]}
        return _query_schema(query.get(name, "string"))

    return [
        {"name": name, "in": "path", "required": True, "schema": schema(converter, arguments, name)}
        for converter, arguments, name in _CONVERTER.findall(rule)
    ]


def _error_statuses(doc: ApiDoc, rule: str, method: str) -> list[str]:
    """Every error the shared plumbing can answer for this operation."""
    statuses = ["400", "401"]  # refuse_deep_json and the query helpers; the token
    if doc.action is not None:
        statuses.append("403")
    if _CONVERTER.search(rule):
        statuses.append("404")
    statuses.append("422")  # a body or a service's domain rule
    if method != "GET":
        # 409: a stale version, a state that no longer allows it, a row changed underneath;
        # 503: database_was_busy, SolverFailed
        statuses += ["409", "503"]
    return sorted(statuses)


def _state_rules(operation: dict, rules: tuple) -> None:
    """What no schema keyword can say, stated so that a valid request refused with 422 is explained: under
    `x-rules` with the fields each names, and in words where the request's fields are described (the
    body's description, or a query parameter's)."""
    if not rules:
        return
    operation["x-rules"] = [{"fields": list(rule.fields), "rule": rule.text} for rule in rules]
    if "requestBody" in operation:
        operation["requestBody"]["description"] = "Also refused with 422, naming the field: " + " ".join(
            rule.text for rule in rules
        )
        return
    for parameter in operation["parameters"]:
        said = [rule.text for rule in rules if parameter["name"] in rule.fields]
        if said:
            parameter["description"] = " ".join([parameter.get("description", ""), *said]).strip()


def _request_schema(doc: ApiDoc, method: str):
    """PATCH must send the version it read (require_version); elsewhere the record's schema as is."""
    if method != "PATCH":
        return doc.request_schema
    return {
        "allOf": [doc.request_schema],
        "required": ["version"],
        "properties": {"version": {"type": "integer"}},
    }


def _operation(doc: ApiDoc, rule: str, method: str) -> dict:
    parameters = _path_parameters(rule, doc.query)
    parameters += [
        {
            "name": name,
            "in": "query",
            "required": False,
            "allowEmptyValue": True,  # the query helpers read an empty value as absent
            **({"description": about} if isinstance(about, str) and about != "integer" else {}),
            "schema": _query_schema(about),
        }
        for name, about in doc.query.items()
        if not re.search(rf"[<:]{name}>", rule)
    ]
    if method == "DELETE":  # every DELETE names the version it read: version_from_request
        parameters.append({"name": "version", "in": "query", "required": True, "schema": _query_schema("integer")})
    if doc.paginated:
        parameters += [
            {
                "name": "page",
                "in": "query",
                "allowEmptyValue": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            },
            {
                "name": "per_page",
                "in": "query",
                "allowEmptyValue": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            },
        ]
    operation: dict = {"summary": doc.summary, "parameters": parameters, "responses": {}}
    operation["description"] = Need.of(doc.action).describe()
    if doc.upload is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {doc.upload: {"type": "string", "format": "binary"}},
                        "required": [doc.upload],
                        # only the file: a field of any other name is ignored, and one whose name holds a
                        # NUL character is refused (refuse_nul_text) before the operation's own checks
                        "additionalProperties": False,
                    }
                }
            },
        }
    if doc.request_schema is not None:
        operation["requestBody"] = {
            "required": doc.body_required,
            "content": {"application/json": {"schema": _request_schema(doc, method)}},
        }
    _state_rules(operation, (*getattr(doc.request_schema, "RULES", ()), *doc.rules))
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
    if doc.queued_as is not None:
        operation["responses"]["202"] = {
            "description": "Accepted: the work is large, so it runs as a background job (the job's resource is in "
            "Location; poll it until its `result` names what it made)",
            "content": {"application/json": {"schema": doc.queued_as}},
            "headers": {"Location": {"description": "The job's resource", "schema": {"type": "string"}}},
        }
    for status in _error_statuses(doc, rule, method):
        operation["responses"][status] = {
            "description": _ERRORS[status],
            "content": {"application/json": {"schema": "Error"}},
        }
    return operation


def _without_nul(node):
    """Free text says it holds no NUL character (refuse_nul_text, parsed_json): each plain string schema."""
    if isinstance(node, dict):
        node = {key: _without_nul(value) for key, value in node.items()}
        if node.get("type") == "string" and not {"pattern", "format", "enum"} & node.keys():
            node["pattern"] = NO_NUL_PATTERN
        return node
    if isinstance(node, list):
        return [_without_nul(value) for value in node]
    return node


_LIMITS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})


def _numbers(node):
    """Limits written from Decimal (validate.Range(0, Decimal(1))) as JSON numbers, not the strings Flask makes;
    and the limits of a Decimal field dumped as a string (as_string=True), which apispec writes as strings."""
    if isinstance(node, Decimal):
        return int(node) if node == node.to_integral_value() else float(node)
    if isinstance(node, dict):
        return {
            key: _numbers(Decimal(value) if key in _LIMITS and isinstance(value, str) else value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_numbers(value) for value in node]
    return node


# Rules between a body's fields that its fields alone can't state: component -> send exactly one of these.
EXACTLY_ONE_OF = {"AllocationRunRequest": ("problem", "settings")}


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
    marshmallow_plugin.converter.add_attribute_function(_fiscal_year_property)
    marshmallow_plugin.converter.add_attribute_function(_reference_property)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions[rule.endpoint]
        doc = getattr(view, "api_doc", None)
        if doc is None:
            continue
        path = _CONVERTER.sub(r"{\3}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(doc, rule.rule, method)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    document = _without_nul(_numbers(spec.to_dict()))
    for name, choices in EXACTLY_ONE_OF.items():
        document["components"]["schemas"][name]["oneOf"] = [{"required": [choice]} for choice in choices]
    _request_components(document)
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
