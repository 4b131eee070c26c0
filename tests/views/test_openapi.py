"""GET /api/v1/openapi.json: a well-formed OpenAPI 3 document that covers every API route.

openapi-spec-validator is not installed, so the document is checked
structurally here (required members, parameters, $refs, security); the list
of routes it must cover is read from app.url_map, so a new route without
documentation fails.
"""

from __future__ import annotations

import json
import re

import pytest

API_PREFIX = "/api/v1"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
TEMPLATE = re.compile(r"{([^{}]+)}")
UNDOCUMENTED = {"api.openapi_document"}  # the document itself


@pytest.fixture
def document(client) -> dict:
    response = client.get(f"{API_PREFIX}/openapi.json")  # public: no token
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def routes(app) -> dict[str, set[str]]:
    """OpenAPI path → lower-case methods, for every /api/v1 rule of the app (and /healthz)."""
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNDOCUMENTED:
            continue
        if rule.rule.startswith(API_PREFIX + "/") or rule.rule == "/healthz":
            path = CONVERTER.sub(r"{\1}", rule.rule)
            found.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return found


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(document: dict, ref: str) -> dict:
    assert ref.startswith("#/"), f"external $ref {ref}"
    node = document
    for part in ref[2:].split("/"):
        assert isinstance(node, dict), f"dangling $ref {ref}"
        assert part in node, f"dangling $ref {ref}"
        node = node[part]
    return node


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def schema_of(document: dict, schema: dict) -> dict:
    return resolve(document, schema["$ref"]) if "$ref" in schema else schema


# --------------------------------------------------------------------------- the document is well formed


def test_it_is_an_openapi_3_document(document):
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert isinstance(document["info"]["title"], str)
    assert document["info"]["title"]
    assert isinstance(document["info"]["version"], str)
    assert document["info"]["version"]
    assert isinstance(document["paths"], dict)
    assert document["paths"]
    json.dumps(document)  # plain JSON all the way down


def test_every_ref_resolves(document):
    found = list(refs(document))
    assert found
    for ref in found:
        resolve(document, ref)


def test_paths_and_operations_are_well_formed(document):
    for path, item in document["paths"].items():
        assert path.startswith("/"), path
        assert set(item) <= METHODS | {"parameters", "summary", "description", "servers"}, path
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        responses = operation["responses"]
        assert responses, where
        assert any(code.startswith("2") for code in responses), where
        for code, response in responses.items():
            assert re.fullmatch(r"[1-5][0-9X]{2}|default", code), where
            assert isinstance(response.get("description"), str), f"{where} {code}"
            for media in response.get("content", {}).values():
                assert "schema" in media, f"{where} {code}"
        if "requestBody" in operation:
            content = operation["requestBody"]["content"]
            assert set(content) in ({"application/json"}, {"multipart/form-data"}), where  # JSON, or an upload
            assert all("schema" in media for media in content.values()), where


def test_parameters_match_the_path_templates(document):
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        parameters = operation.get("parameters", [])
        keys = [(p["name"], p["in"]) for p in parameters]
        assert len(keys) == len(set(keys)), f"{where}: duplicate parameter"
        for parameter in parameters:
            assert parameter["in"] in {"query", "header", "path", "cookie"}, where
            assert "schema" in parameter or "content" in parameter, where
            if parameter["in"] == "path":
                assert parameter.get("required") is True, f"{where}: path parameter {parameter['name']}"
        declared = {p["name"] for p in parameters if p["in"] == "path"}
        assert declared == set(TEMPLATE.findall(path)), where


def test_component_schemas_are_objects_with_their_required_properties(document):
    schemas = document["components"]["schemas"]
    assert schemas
    for name, schema in schemas.items():
        assert schema.get("type") == "object", name
        properties = schema.get("properties", {})
        assert set(schema.get("required", [])) <= set(properties), name


def test_bearer_security_everywhere_but_health(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearer": []}]
    for requirement in document["security"]:
        assert set(requirement) <= set(schemes)
    assert document["paths"]["/healthz"]["get"]["security"] == []
    for path, method, operation in operations(document):
        if path != "/healthz":
            assert "security" not in operation or operation["security"], f"{method.upper()} {path} is not public"
            assert "401" in operation["responses"], f"{method.upper()} {path}"


# --------------------------------------------------------------------------- the document covers the code


def test_every_route_is_documented_with_its_methods(app, document):
    expected = routes(app)
    assert f"{API_PREFIX}/budget-lines" in expected  # the walk found the API at all
    documented = {path: {m for m in item if m in METHODS} for path, item in document["paths"].items()}
    missing = {
        path: sorted(methods - documented.get(path, set()))
        for path, methods in expected.items()
        if methods - documented.get(path, set())
    }
    assert not missing, f"routes without documentation: {missing}"


def test_the_coverage_check_notices_an_undocumented_route(app, client):
    app.add_url_rule(f"{API_PREFIX}/widgets/<int:widget_id>", "undocumented_widget", lambda widget_id: "")
    document = client.get(f"{API_PREFIX}/openapi.json").get_json()
    assert routes(app)[f"{API_PREFIX}/widgets/{{widget_id}}"] == {"get"}
    assert f"{API_PREFIX}/widgets/{{widget_id}}" not in document["paths"]


def test_every_documented_operation_exists(app, document):
    expected = routes(app)
    for path, method, _ in operations(document):
        assert method in expected.get(path, set()), f"{method.upper()} {path} is documented but not served"


def test_status_codes_follow_the_conventions(document):
    for path, method, operation in operations(document):
        if not path.startswith(API_PREFIX):
            continue
        codes = set(operation["responses"])
        where = f"{method.upper()} {path}"
        if method == "delete":
            assert "204" in codes, where
        if method == "patch":
            assert {"200", "409", "422"} <= codes, where
            assert "requestBody" in operation, where
        computing = path.endswith("/estimate")  # costs without saving: 200, nothing created
        if method == "post" and not TEMPLATE.search(path) and not computing:  # creating in a collection
            assert "201" in codes, where
            assert "requestBody" in operation, where
        for code in codes - {"200", "201", "204"}:
            content = operation["responses"][code].get("content", {})
            assert "application/json" in content, f"{where} {code}: errors are JSON"


@pytest.mark.parametrize(
    ("path", "names"),
    [
        (
            "/budget-lines",
            {
                "scenario",
                "fiscal_year",
                "appropriation",
                "division",
                "object_class",
                "region",
                "country",
                "priority",
                "program_type",
                "source",
            },
        ),
        ("/audit", {"entity", "entity_id", "user", "since"}),
        ("/appropriations", set()),
        ("/scenarios", set()),
    ],
)
def test_lists_document_their_filters_and_pages(document, path, names):
    operation = document["paths"][API_PREFIX + path]["get"]
    parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert names <= set(parameters)
    assert parameters["per_page"]["schema"].get("maximum") == 500
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"items", "page", "per_page", "total"} <= set(schema_of(document, schema)["properties"])


def _token(runner) -> str:
    result = runner.invoke(args=["users", "token", "rm@example.gov"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("path", "sample"),
    [
        ("/appropriations/{appropriation_id}", "/appropriations?per_page=1"),
        ("/scenarios/{scenario_id}", "/scenarios?per_page=1"),
        ("/budget-lines/{line_id}", "/budget-lines?per_page=1"),
    ],
)
def test_documented_records_have_the_fields_served(client, runner, document, path, sample):
    headers = {"Authorization": f"Bearer {_token(runner)}"}
    served = client.get(API_PREFIX + sample, headers=headers).get_json()["items"][0]
    operation = document["paths"][API_PREFIX + path]["get"]
    schema = schema_of(document, operation["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(schema["properties"]) == set(served)
    assert schema["properties"]["id"].get("readOnly") is True


def test_the_caller_is_documented(client, runner, document):
    served = client.get(f"{API_PREFIX}/me", headers={"Authorization": f"Bearer {_token(runner)}"}).get_json()
    schema = document["paths"][f"{API_PREFIX}/me"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema_of(document, schema)["properties"]) == set(served)


def test_money_is_documented_as_a_decimal_string(document):
    """A decimal string, or (the contract: input accepts) a whole number of dollars; never a float, and
    never below the amount the use case declares."""
    schemas = document["components"]["schemas"]
    for schema, field in [
        ("BudgetLine", "amount"),
        ("Appropriation", "enacted"),
        ("Appropriation", "apportioned"),
        ("Appropriation", "allotted"),
    ]:
        text, whole = schemas[schema]["properties"][field]["anyOf"]
        assert text["type"] == "string", f"{schema}.{field}"
        assert not re.fullmatch(text["pattern"], "-1.00")
        assert re.fullmatch(text["pattern"], "0.00")
        assert whole == {"type": "integer", "minimum": 0, "maximum": 10**15 - 1}, f"{schema}.{field}"
    total = schemas["Award"]["properties"]["total"]["anyOf"][0]["pattern"]
    assert not re.fullmatch(total, "0.00")
    assert re.fullmatch(total, "0.01")


def test_running_a_selection_needs_no_body(client):
    """Every field of the selection request has a default: the document says the body is optional."""
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/funding-notices/{notice_id}/selection"]["post"]
    assert operation["requestBody"]["required"] is False
    assert document["paths"]["/api/v1/awards"]["post"]["requestBody"]["required"] is True


def _numbers_in(node, key: str):
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key:
                yield value
            yield from _numbers_in(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from _numbers_in(value, key)


def test_limits_are_numbers(document):
    schemas = document["components"]["schemas"]
    assert schemas["StaffingEstimateRequest"]["properties"]["benefits_rate"]["maximum"] == 1
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        for value in _numbers_in(document, key):
            assert isinstance(value, int | float), f"{key}: {value!r}"
            assert not isinstance(value, bool), f"{key}: {value!r}"


def test_what_a_route_requires_is_declared_required(document):
    for path, method, operation in operations(document):
        if method == "delete":
            parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
            assert parameters["version"]["required"] is True, path
        if method == "patch":
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert "version" in schema["required"], path


def test_filters_document_their_choices(document):
    parameters = {p["name"]: p for p in document["paths"][f"{API_PREFIX}/budget-lines"]["get"]["parameters"]}
    assert "manual" in parameters["source"]["schema"]["enum"]
    assert parameters["scenario"]["schema"]["minimum"] == 0
    audit = {p["name"]: p for p in document["paths"][f"{API_PREFIX}/audit"]["get"]["parameters"]}
    assert audit["since"]["schema"]["format"] == "date-time"
    kind = document["paths"][f"{API_PREFIX}/reference/{{kind}}"]["get"]["parameters"][0]
    assert "regions" in kind["schema"]["enum"]


def test_fiscal_years_are_the_offices(client, runner, document):
    headers = {"Authorization": f"Bearer {_token(runner)}"}
    years = [
        item["year"] for item in client.get(f"{API_PREFIX}/reference/fiscal-years", headers=headers).get_json()["items"]
    ]
    schemas = document["components"]["schemas"]
    assert years
    assert schemas["Scenario"]["properties"]["budget_year"]["enum"] == years
    assert schemas["BudgetLine"]["properties"]["fiscal_year"]["enum"] == years


# --------------------------------------------------------------------------- what a request may send, and rules


def test_request_bodies_list_the_ids_a_reference_may_be_given(client, runner, document):
    """The ids there are, in request bodies; answers may name a record no longer usable, so they don't list."""
    headers = {"Authorization": f"Bearer {_token(runner)}"}
    regions = [row["id"] for row in client.get(f"{API_PREFIX}/reference/regions", headers=headers).get_json()["items"]]
    schemas = document["components"]["schemas"]
    sent = document["paths"][f"{API_PREFIX}/budget-lines"]["post"]["requestBody"]["content"]["application/json"]
    line_input = schema_of(document, sent["schema"])
    assert line_input["properties"]["region"]["enum"] == [*sorted(regions), None]  # optional: null too
    assert "enum" not in schemas["BudgetLine"]["properties"]["region"]


def test_a_travelers_and_a_requests_scenario_are_the_usable_ones(app, client):
    from models import Scenario, ScenarioStatus, User, db

    leaver = db.session.scalar(db.select(User).where(User.email == "staff-ip@example.gov"))
    leaver.active = False
    locked = db.session.scalars(db.select(Scenario).where(Scenario.status != ScenarioStatus.DRAFT)).all()
    db.session.commit()
    document = client.get(f"{API_PREFIX}/openapi.json").get_json()
    travel = document["components"]["schemas"]["TravelRequestInput"]["properties"]
    assert leaver.id not in travel["traveler"]["enum"]
    assert locked
    assert not {scenario.id for scenario in locked} & set(travel["scenario"]["enum"])
    assert travel["scenario"]["enum"]  # the demo office has draft plans


def test_rules_no_keyword_can_say_are_stated_on_the_fields_they_name(document):
    """Each operation's x-rules names fields of its own request (a body's, a row's, a query's or the upload's)
    and the request's description says them; awards state the rules people meet most."""
    for path, method, operation in operations(document):
        rules = operation.get("x-rules", [])
        if not rules:
            continue
        names = {parameter["name"] for parameter in operation["parameters"]}
        for media in operation.get("requestBody", {}).get("content", {}).values():
            names |= set(schema_of(document, media["schema"]).get("properties", {}))
            for part in media["schema"].get("allOf", []):
                names |= set(schema_of(document, part).get("properties", {}))
        for rule in rules:
            said = [operation.get("requestBody", {}).get("description", "")]
            said += [parameter.get("description", "") for parameter in operation["parameters"]]
            assert any(rule["rule"] in words for words in said), f"{method} {path}"
            for field in rule["fields"]:
                assert field.split(".")[0] in names, f"{method} {path}: {field}"
    award = {field for rule in document["paths"][f"{API_PREFIX}/awards"]["post"]["x-rules"] for field in rule["fields"]}
    assert {"number", "country", "ends_on", "obligated", "expended"} <= award


def test_a_workbook_upload_is_multipart_with_its_file(document):
    body = document["paths"][f"{API_PREFIX}/scenarios/{{scenario_id}}/imports"]["post"]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    assert body["required"] is True
    assert schema["required"] == ["file"]
    assert schema["properties"]["file"]["format"] == "binary"


@pytest.mark.parametrize(
    ("minimum", "maximum"), [("0", "1"), ("0.01", "1"), ("0", "0.2"), ("0.0001", "0.9999"), ("0.35", "0.35")]
)
def test_a_shares_pattern_admits_exactly_its_range(minimum, maximum):
    from decimal import Decimal

    from views.api.schemas import fraction_pattern

    pattern = re.compile(fraction_pattern(Decimal(minimum), Decimal(maximum)))
    for basis_points in range(0, 10_001):
        value = Decimal(basis_points) / 10_000
        for text in {f"{value:.4f}", f"{value:.4f}".rstrip("0").rstrip("."), f"{value:.1f}"}:
            if Decimal(text) == value:
                assert bool(pattern.fullmatch(text)) == (Decimal(minimum) <= value <= Decimal(maximum)), text
    assert not pattern.fullmatch("0.12345")
    assert not pattern.fullmatch("-0")
    assert not pattern.fullmatch("1.5")
