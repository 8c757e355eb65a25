"""The OpenAPI document tells the truth: OpenAPI 3.0 as /conformance claims, and what the routes really do."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def doc(client):
    return client.get("/openapi.json").json()


def test_the_document_is_openapi_3_0_as_the_conformance_class_says(client, doc):
    assert doc["openapi"].startswith("3.0.")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in client.get("/conformance").json()["conformsTo"]
    text = client.get("/openapi.json").text
    assert '"type":"null"' not in text.replace(" ", "") and '"const"' not in text


def test_bearer_security_and_limit_for_qgis(doc, app):
    assert doc["components"]["securitySchemes"]["bearer"] == {**doc["components"]["securitySchemes"]["bearer"],
                                                              "type": "http", "scheme": "bearer"}
    limit = doc["components"]["parameters"]["limit"]["schema"]
    assert limit["maximum"] == app.state.settings.max_items_limit and limit["default"] == 100


def test_errors_are_documented_as_problem_json(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "options":
                continue
            for status in ("400", "401", "404"):
                assert PROBLEM in op["responses"][status]["content"], (method, path, status)


def test_tiles_are_vector_tiles_and_edits_have_bodies_and_if_match(doc):
    tile = doc["paths"]["/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{x}/{y}"]["get"]
    assert list(tile["responses"]["200"]["content"]) == ["application/vnd.mapbox-vector-tile"]
    put = doc["paths"]["/collections/zones/items/{zone_id}"]["put"]
    assert put["requestBody"]["content"]["application/geo+json"]["schema"] == {"$ref": "#/components/schemas/Feature"}
    assert {"$ref": "#/components/parameters/If-Match"} in put["parameters"]
    assert {"412", "428", "403"} <= set(put["responses"])
    post = doc["paths"]["/collections/zones/items"]["post"]
    assert "Location" in post["responses"]["201"]["headers"]


def test_each_collection_lists_its_own_queryables(doc):
    enterprises = doc["paths"]["/collections/enterprises/items"]["get"]
    names = {p.get("name") for p in enterprises["parameters"]}
    assert {"uscc", "industry_code", "employees"} <= names and "output_value" not in names
    zones = {p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in doc["paths"]["/collections/zones/items"]["get"]["parameters"]}
    assert {"kind", "datetime", "asOf", "limit"} <= zones


def test_schemathesis_finds_no_mismatch_on_the_read_routes(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(method="GET").exclude(
        path_regex="^/(sites|analytics|map|edit)")
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    failures, tested = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=4, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(checks=checks)

        tested += 1
        try:
            run()
        except Exception as exc:  # every operation's failure is reported, not only the first
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:400]}")
    assert tested > 20 and failures == []
