"""The one error table: every answer that is not a success is problem+json with a request id."""
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.core.errors import STATUS, NotFound, RuleViolation, status_of
from app.main import create_app
from gis import errors as gis_errors

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def unmigrated_url(database_url, engine):
    """A real, empty PostgreSQL database beside the test one: no tables, so every query fails."""
    name = make_url(database_url).database + "_unmigrated"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_an_unexpected_exception_is_a_problem_500_with_a_logged_request_id(unmigrated_url, caplog):
    app = create_app(unmigrated_url)
    with TestClient(app) as broken, caplog.at_level(logging.ERROR, logger="qingpu.errors"):
        res = broken.get("/collections/zones/items")  # relation "zones" does not exist: a bug, not a client error
    assert res.status_code == 500
    assert res.headers["content-type"] == PROBLEM
    body = res.json()
    assert body["status"] == 500 and body["title"] == "Internal server error"
    assert body["requestId"] == res.headers["x-request-id"] and len(body["requestId"]) == 32
    logged = [r for r in caplog.records if body["requestId"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the traceback is in the log under that id
    assert "zones" in str(logged[0].exc_info[1])


def test_each_request_has_its_own_id(client):
    a, b = client.get("/conformance"), client.get("/collections/nowhere")
    assert a.headers["x-request-id"] != b.headers["x-request-id"]
    assert b.status_code == 404 and b.headers["content-type"] == PROBLEM
    assert b.json()["requestId"] == b.headers["x-request-id"]


@pytest.mark.parametrize("body", [b"not json at all", b"[1, 2]", b'"version 1"', b"3", b"null", b"{\"version\": "])
def test_rollback_with_a_body_that_is_no_json_object_is_a_400(client, planner_auth, engine, body):
    etag = client.get("/collections/zones/items/core").headers["etag"]
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM zone_versions")).scalar_one()
    res = client.post("/collections/zones/items/core/rollback", content=body,
                      headers={**planner_auth, "If-Match": etag, "Content-Type": "application/json"})
    assert res.status_code == 400, res.text
    assert res.headers["content-type"] == PROBLEM and res.json()["requestId"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM zone_versions")).scalar_one() == before


def test_the_table_maps_store_and_gis_errors(client):
    assert status_of(NotFound("x")) == (404, "Not found")
    assert status_of(RuleViolation("x"))[0] == 422
    assert status_of(gis_errors.InvalidInput("x"))[0] == 400
    assert all(100 <= status < 600 for status, _ in STATUS.values())


def test_no_route_answers_text_plain_500(client, unmigrated_url):
    """Every GET route of the OpenAPI document, against a database without tables: never text/plain."""
    app = create_app(unmigrated_url)
    with TestClient(app) as broken:
        paths = [p for p, ops in broken.get("/openapi.json").json()["paths"].items() if "get" in ops]
        assert len(paths) > 20
        server_errors = 0
        for path in paths:
            url = path.replace("{collection_id}", "zones").replace("{zone_id}", "core").replace(
                "{z}", "0").replace("{x}", "0").replace("{y}", "0").replace("{version}", "1")
            url = url.replace("{", "").replace("}", "")
            res = broken.get(url)
            if res.status_code >= 500:
                server_errors += 1
                assert res.headers["content-type"] == PROBLEM, (url, res.text[:200])
                assert res.json()["requestId"] == res.headers["x-request-id"]
        assert server_errors > 5  # the database really failed under them
