"""Tokens die with their user: deleted, disabled, re-roled and signed-out users lose access at the next
request, and a token from another database is refused there."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.core.users import add_user, delete_user, disable_user

PASSWORD = "Tokens-die-with-users-7"


def _login(client, name: str, password: str = PASSWORD) -> dict:
    res = client.post("/auth/token", data={"username": name, "password": password})
    assert res.status_code == 200, res.text
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def _can_read_staff_data(client, headers) -> int:
    # /sites/searches needs an investment token: 200 with a valid one, 401 when the token is refused.
    return client.get("/sites/searches", headers=headers).status_code


def test_a_deleted_users_token_is_refused(client, engine):
    add_user(engine, "tok-deleted", "investment", PASSWORD)
    headers = _login(client, "tok-deleted")
    assert _can_read_staff_data(client, headers) == 200
    delete_user(engine, "tok-deleted")
    res = client.get("/sites/searches", headers=headers)
    assert res.status_code == 401
    assert res.headers["content-type"].startswith("application/problem+json")
    assert "sign in again" in res.json()["detail"]


def test_a_disabled_users_token_is_refused_and_they_cannot_sign_in(client, engine):
    add_user(engine, "tok-disabled", "investment", PASSWORD)
    headers = _login(client, "tok-disabled")
    assert _can_read_staff_data(client, headers) == 200
    disable_user(engine, "tok-disabled")
    assert _can_read_staff_data(client, headers) == 401
    assert client.post("/auth/token", data={"username": "tok-disabled", "password": PASSWORD}).status_code == 401


def test_a_downgraded_users_old_token_is_refused(client, engine):
    add_user(engine, "tok-downgraded", "investment", PASSWORD)
    old = _login(client, "tok-downgraded")
    assert _can_read_staff_data(client, old) == 200
    add_user(engine, "tok-downgraded", "public", PASSWORD)  # re-roled with `users add` again
    assert _can_read_staff_data(client, old) == 401
    new = _login(client, "tok-downgraded")
    assert _can_read_staff_data(client, new) == 403  # the new token has the new, lower role


def test_logout_revokes_the_token(client, engine):
    add_user(engine, "tok-logout", "investment", PASSWORD)
    headers = _login(client, "tok-logout")
    assert client.post("/auth/logout", headers=headers).status_code == 204
    assert _can_read_staff_data(client, headers) == 401
    assert client.post("/auth/logout", headers=headers).status_code == 401
    assert _can_read_staff_data(client, _login(client, "tok-logout")) == 200  # signing in again works


def test_a_token_from_another_database_is_refused(client, engine, other_database_url, monkeypatch):
    from app.core.db import engine_for
    from app.main import create_app

    monkeypatch.delenv("QINGPU_SECRET_KEY", raising=False)
    add_user(engine, "tok-elsewhere", "admin", PASSWORD)
    add_user(engine_for(other_database_url), "tok-elsewhere", "admin", PASSWORD)  # same name, same role there
    ours = _login(client, "tok-elsewhere")
    with TestClient(create_app(other_database_url)) as other:
        theirs = _login(other, "tok-elsewhere")
        assert other.get("/sites/searches", headers=theirs).status_code == 200
        res = other.get("/sites/searches", headers=ours)
        assert res.status_code == 401 and res.json()["detail"] == "the bearer token is not valid"
    assert client.get("/sites/searches", headers=theirs).status_code == 401


def test_the_signing_key_lives_in_the_database(engine):
    from sqlalchemy import text

    from app.core.users import signing_key

    key = signing_key(engine)
    assert key == signing_key(engine)  # generated once, then kept
    with engine.connect() as conn:
        assert conn.execute(text("SELECT key FROM signing_key")).scalar_one().encode() == key


@pytest.mark.parametrize("password, why", [
    ("aaaaaaaa", "at least 10 characters"),
    ("short-9", "at least 10 characters"),
    ("password", "at least 10 characters"),
    ("password123", "most common"),
    ("Password2026!", "most common"),
    ("qwertyuiop", "most common"),
    ("aaaaaaaaaaaa", "too few characters"),
    ("1234567890", "run of digits"),
    ("rule-admin", "user name"),
    ("rule-admin2026", "user name"),
])
def test_the_password_rule_refuses_the_obvious(engine, password, why):
    from app.core.users import UserError

    with pytest.raises(UserError, match=why):
        add_user(engine, "rule-admin", "admin", password)


def test_the_cli_refuses_a_weak_password_and_manages_users(engine, database_url, capsys, monkeypatch):
    from app.cli.main import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["users", "add", "cli-user", "--role", "planner", "--password", "password1"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    assert main(["users", "add", "cli-user", "--role", "planner", "--password", "cli-user-2026"]) == 1
    assert "user name" in capsys.readouterr().err
    assert main(["users", "add", "cli-user", "--role", "planner", "--password", PASSWORD]) == 0
    assert main(["users", "disable", "cli-user"]) == 0
    assert main(["users", "delete", "cli-user"]) == 0
    assert main(["users", "delete", "cli-user"]) == 1
    assert "no user 'cli-user'" in capsys.readouterr().err
