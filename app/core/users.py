"""The user store: accounts with argon2 password hashes, a role, a token generation; failed sign-ins;
the database's token signing key (the one place their SQL lives)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.core.passwords import password_problem
from layers.registry import ROLES

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class UserError(ValueError):
    """A user-store refusal (unknown user or role, a weak password): one clear sentence."""


@dataclass(frozen=True)
class Account:
    """What a token is checked against on every request."""
    name: str
    role: str
    disabled: bool
    generation: int


def add_user(engine: Engine, name: str, role: str, password: str) -> None:
    """Create a user, or change an existing user's role and password (and re-enable them).

    A change of role or password bumps the token generation, so tokens issued before it stop working."""
    if role not in ROLES:
        raise UserError(f"unknown role {role}; use one of {', '.join(ROLES)}")
    problem = password_problem(password, name)
    if problem:
        raise UserError(problem)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (name, password_hash, role) VALUES (:n, :h, :r) "
            "ON CONFLICT (name) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role, "
            "disabled = false, token_generation = users.token_generation + 1"),
            {"n": name, "h": _hasher.hash(password), "r": role})


def disable_user(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        found = conn.execute(text("UPDATE users SET disabled = true, token_generation = token_generation + 1 "
                                  "WHERE name = :n RETURNING name"), {"n": name}).first()
    if found is None:
        raise UserError(f"no user {name!r}")


def delete_user(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        found = conn.execute(text("DELETE FROM users WHERE name = :n RETURNING name"), {"n": name}).first()
    if found is None:
        raise UserError(f"no user {name!r}")


def revoke_tokens(engine: Engine, name: str) -> None:
    """Logout: every token of this user issued so far stops working."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET token_generation = token_generation + 1 WHERE name = :n"), {"n": name})


def account(engine: Engine, name: str) -> Account | None:
    """One primary-key lookup: the user's role, disabled flag and token generation."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT role, disabled, token_generation FROM users WHERE name = :n"),
                           {"n": name}).first()
    return Account(name, row[0], bool(row[1]), int(row[2])) if row else None


def authenticate(engine: Engine, name: str, password: str) -> Account | None:
    """The account when the password is right and the user is enabled, else None (same cost either way)."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT password_hash, role, token_generation FROM users "
                                "WHERE name = :n AND NOT disabled"), {"n": name}).first()
    try:
        _hasher.verify(row[0] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return Account(name, row[1], False, int(row[2])) if row else None


# -- failed sign-ins, for the throttle (in the database, so every worker sees the same counts) -----------
def record_failure(engine: Engine, name: str, address: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO login_attempts (username, address) VALUES (:n, :a)"),
                     {"n": name, "a": address})
        # Keep the table small: nothing older than a day is ever read.
        conn.execute(text("DELETE FROM login_attempts WHERE at < now() - interval '1 day' "
                          "AND id < (SELECT min(id) + 1000 FROM login_attempts)"))


def clear_failures(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM login_attempts WHERE username = :n"), {"n": name})


def failures(engine: Engine, name: str, address: str, window: timedelta) -> tuple[tuple[int, float], tuple[int, float]]:
    """Failed attempts within `window` for this user name and for this address, each with the seconds
    until the oldest of them leaves the window."""
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT count(*) FILTER (WHERE username = :n), "
            "       extract(epoch FROM min(at) FILTER (WHERE username = :n) + :w - now()), "
            "       count(*) FILTER (WHERE address = :a), "
            "       extract(epoch FROM min(at) FILTER (WHERE address = :a) + :w - now()) "
            "FROM login_attempts WHERE (username = :n OR address = :a) AND at > now() - :w"),
            {"n": name, "a": address, "w": window}).one()
    return (int(row[0]), float(row[1] or 0)), (int(row[2]), float(row[3] or 0))


# -- the signing key belongs to the database --------------------------------------------------------------
def signing_key(engine: Engine) -> bytes:
    """This database's token signing key, generated on first use (every process of it agrees)."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO signing_key (id, key) VALUES (1, :k) ON CONFLICT (id) DO NOTHING"),
                     {"k": secrets.token_urlsafe(32)})
        return conn.execute(text("SELECT key FROM signing_key WHERE id = 1")).scalar_one().encode()
