"""Login throttling: repeated wrong passwords get 429 problem+json with Retry-After, per user name and per
client address, counted in the database (so every worker agrees)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.core import auth
from app.core.users import add_user

PASSWORD = "Throttle-me-not-2026"


@pytest.fixture
def clean_attempts(engine):
    """The test client always comes from one address: start and leave with no failed attempts recorded,
    so other tests' sign-ins are not throttled."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM login_attempts"))
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM login_attempts"))


def test_twenty_wrong_passwords_in_a_row_get_a_429_with_retry_after(client, engine, clean_attempts):
    add_user(engine, "throttled", "planner", PASSWORD)
    statuses = [client.post("/auth/token", data={"username": "throttled", "password": f"wrong-guess-{i:03d}"})
                for i in range(20)]
    codes = [r.status_code for r in statuses]
    assert codes[:auth.MAX_FAILURES_PER_USER] == [401] * auth.MAX_FAILURES_PER_USER
    assert set(codes[auth.MAX_FAILURES_PER_USER:]) == {429}
    last = statuses[-1]
    assert last.headers["content-type"].startswith("application/problem+json")
    retry = int(last.headers["Retry-After"])
    assert 1 <= retry <= auth.THROTTLE_WINDOW.total_seconds()
    assert "try again in" in last.json()["detail"]
    # Even the right password waits until the window passes: guessing gains nothing.
    assert client.post("/auth/token", data={"username": "throttled", "password": PASSWORD}).status_code == 429
    # The attempts are in the database, where another worker reads the same count.
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM login_attempts WHERE username = 'throttled'")).scalar() == 10
    # Another user from the same address is not locked out by this user's failures (below the address limit).
    add_user(engine, "not-throttled", "planner", PASSWORD)
    assert client.post("/auth/token", data={"username": "not-throttled", "password": PASSWORD}).status_code == 200


def test_the_address_limit_spans_user_names(client, engine, clean_attempts):
    for i in range(auth.MAX_FAILURES_PER_ADDRESS):
        res = client.post("/auth/token", data={"username": f"sprayed-{i}", "password": "Wrong-password-spray"})
        assert res.status_code == 401
    add_user(engine, "sprayed-victim", "planner", PASSWORD)
    res = client.post("/auth/token", data={"username": "sprayed-victim", "password": "Wrong-password-spray"})
    assert res.status_code == 429 and int(res.headers["Retry-After"]) >= 1


def test_a_success_clears_the_users_failures(client, engine, clean_attempts):
    add_user(engine, "forgetful", "planner", PASSWORD)
    for i in range(auth.MAX_FAILURES_PER_USER - 1):
        assert client.post("/auth/token", data={"username": "forgetful", "password": f"nope-nope-{i}"}).status_code == 401
    assert client.post("/auth/token", data={"username": "forgetful", "password": PASSWORD}).status_code == 200
    assert client.post("/auth/token", data={"username": "forgetful", "password": "nope-nope-x"}).status_code == 401
