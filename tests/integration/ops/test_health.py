"""/health and /ready, against the real database and against a port where no database listens."""
from __future__ import annotations

import socket

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.main import create_app


def _dead_port() -> int:
    with socket.socket() as s:  # bound then closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_health_and_ready_on_a_working_database(client):
    assert client.get("/health").json() == {"status": "alive"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_ready_is_503_with_retry_after_when_the_database_is_down(database_url):
    down = make_url(database_url).set(host="127.0.0.1", port=_dead_port()).render_as_string(hide_password=False)
    with TestClient(create_app(down)) as c:
        assert c.get("/health").status_code == 200  # alive without a database
        res = c.get("/ready")
        assert res.status_code == 503
        assert res.headers["content-type"].startswith("application/problem+json")
        assert int(res.headers["Retry-After"]) > 0 and "cannot be reached" in res.json()["detail"]


def test_a_database_outage_answers_503_with_retry_after(database_url):
    down = make_url(database_url).set(host="127.0.0.1", port=_dead_port()).render_as_string(hide_password=False)
    with TestClient(create_app(down)) as c:
        res = c.get("/collections/zones/items")
        assert res.status_code == 503, res.text
        assert res.headers["content-type"].startswith("application/problem+json")
        assert int(res.headers["Retry-After"]) > 0
