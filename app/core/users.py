"""The user store: accounts with argon2 password hashes and a role (the one place their SQL lives)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import text
from sqlalchemy.engine import Engine

from layers.registry import ROLES

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def add_user(engine: Engine, name: str, role: str, password: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role}; use one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise ValueError("the password must have at least 8 characters")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (name, password_hash, role) VALUES (:n, :h, :r) "
                          "ON CONFLICT (name) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role"),
                     {"n": name, "h": _hasher.hash(password), "r": role})


def authenticate(engine: Engine, name: str, password: str) -> str | None:
    """The user's role when the password is right, else None (same cost either way)."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT password_hash, role FROM users WHERE name = :n AND NOT disabled"),
                           {"n": name}).first()
    try:
        _hasher.verify(row[0] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return row[1] if row else None
