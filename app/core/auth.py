"""Signed bearer tokens (OAuth2 password flow), checked against the user store on every request.

A token carries the user's name, role and token generation, signed with the database's key. Every
request reads the account (one primary-key query) and refuses the token when the user is gone,
disabled, has another role, or has a newer generation (logout, password or role change).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy.engine import Engine

from app.core.errors import Problem
from app.core.settings import Settings
from app.core.users import (
    Account,
    account,
    authenticate,
    clear_failures,
    failures,
    record_failure,
    revoke_tokens,
    signing_key,
)
from layers.registry import ROLES, role_allows


def secret_key(settings: Settings, engine: Engine) -> bytes:
    """QINGPU_SECRET_KEY when set, else the database's own key (generated there on first use).

    The key belongs to the database, not the checkout: a token minted against one database never
    verifies against another. It never changes once made, so each process keeps it after one read."""
    if settings.secret_key:
        return settings.secret_key.encode()
    url = engine.url.render_as_string(hide_password=False)
    if url not in _KEYS:
        _KEYS[url] = signing_key(engine)
    return _KEYS[url]


_KEYS: dict[str, bytes] = {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def issue_token(user: Account, settings: Settings, engine: Engine) -> tuple[str, int]:
    ttl = settings.token_minutes * 60
    payload = _b64(json.dumps({"sub": user.name, "role": user.role, "gen": user.generation,
                               "exp": int(time.time()) + ttl}).encode())
    sig = _b64(hmac.new(secret_key(settings, engine), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{sig}", ttl


def read_token(token: str, settings: Settings, engine: Engine) -> dict:
    """The claims of a token signed with this database's key and not expired (the user is not checked)."""
    try:
        payload, sig = token.split(".")
        expected = _b64(hmac.new(secret_key(settings, engine), payload.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(sig, expected):
            raise ValueError("bad signature")
        claims = json.loads(_unb64(payload))
    except Exception:
        raise Problem(401, "Unauthorized", "the bearer token is not valid", headers={"WWW-Authenticate": "Bearer"})
    if claims.get("exp", 0) < time.time():
        raise Problem(401, "Unauthorized", "the bearer token has expired", headers={"WWW-Authenticate": "Bearer"})
    if claims.get("role") not in ROLES:
        raise Problem(401, "Unauthorized", "the bearer token names no known role")
    return claims


class Principal:
    def __init__(self, name: str | None, role: str):
        self.name, self.role = name, role

    def require(self, least: str) -> "Principal":
        if not role_allows(self.role, least):
            if self.name is None:
                raise Problem(401, "Unauthorized", f"this needs a token of role {least} or above",
                              headers={"WWW-Authenticate": "Bearer"})
            raise Problem(403, "Forbidden", f"role {self.role} may not do this; it needs {least} or above")
        return self


def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization")
    if not header:
        return Principal(None, "public")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(401, "Unauthorized", "use an Authorization: Bearer token from POST /auth/token",
                      headers={"WWW-Authenticate": "Bearer"})
    engine = request.app.state.engine
    claims = read_token(token.strip(), request.app.state.settings, engine)
    # One primary-key read per request (FastAPI resolves this dependency once per request): a deleted,
    # disabled or re-roled user, or one who logged out, is refused at once.
    user = account(engine, claims["sub"])
    if user is None or user.disabled or user.role != claims["role"] or user.generation != claims.get("gen"):
        raise Problem(401, "Unauthorized", "the bearer token is no longer valid (signed out, or the account "
                      "changed): sign in again", headers={"WWW-Authenticate": "Bearer"})
    return Principal(user.name, user.role)


def requires(least: str):
    def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        return principal.require(least)
    return dependency


router = APIRouter()


# Throttle: failed sign-ins per user name and per client address within the window.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 10
MAX_FAILURES_PER_ADDRESS = 30


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _throttle(engine: Engine, username: str, address: str) -> None:
    (by_user, user_wait), (by_address, address_wait) = failures(engine, username, address, THROTTLE_WINDOW)
    waits = ([user_wait] if by_user >= MAX_FAILURES_PER_USER else []) + \
        ([address_wait] if by_address >= MAX_FAILURES_PER_ADDRESS else [])
    if waits:
        retry = max(1, math.ceil(max(waits)))
        raise Problem(429, "Too many requests",
                      f"too many wrong passwords: sign-in is paused for this account or address; try again in "
                      f"{retry} seconds", headers={"Retry-After": str(retry)}, retry_after=retry)


@router.post("/auth/token", tags=["auth"])
def token(request: Request, username: str = Form(...), password: str = Form(...)):
    """OAuth2 password flow: a bearer token for a user's role (throttled after repeated wrong passwords)."""
    engine, address = request.app.state.engine, _client_address(request)
    _throttle(engine, username, address)
    user = authenticate(engine, username, password)
    if user is None:
        record_failure(engine, username, address)
        raise Problem(401, "Unauthorized", "wrong user name or password", headers={"WWW-Authenticate": "Bearer"})
    clear_failures(engine, username)
    access, ttl = issue_token(user, request.app.state.settings, engine)
    return {"access_token": access, "token_type": "bearer", "expires_in": ttl, "role": user.role}


@router.post("/auth/logout", tags=["auth"], status_code=204)
def logout(request: Request, principal: Principal = Depends(current_principal)):
    """Sign out: every token of this user issued so far stops working."""
    if principal.name is None:
        raise Problem(401, "Unauthorized", "sign in first: there is no token to revoke",
                      headers={"WWW-Authenticate": "Bearer"})
    revoke_tokens(request.app.state.engine, principal.name)
    return Response(status_code=204)
