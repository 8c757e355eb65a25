"""Users, argon2 password hashes, and signed bearer tokens (OAuth2 password flow)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from fastapi import APIRouter, Depends, Form, Request

from app.core.errors import Problem
from app.core.settings import Settings
from app.core.users import authenticate
from layers.registry import ROLES, role_allows


def secret_key(settings: Settings) -> bytes:
    """QINGPU_SECRET_KEY, or a key generated once into var/secret_key (shared by all processes)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.var_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_urlsafe(32))
        tmp.chmod(0o600)
        tmp.replace(path)
    return path.read_text().strip().encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def issue_token(name: str, role: str, settings: Settings) -> tuple[str, int]:
    ttl = settings.token_minutes * 60
    payload = _b64(json.dumps({"sub": name, "role": role, "exp": int(time.time()) + ttl}).encode())
    sig = _b64(hmac.new(secret_key(settings), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{sig}", ttl


def read_token(token: str, settings: Settings) -> dict:
    try:
        payload, sig = token.split(".")
        expected = _b64(hmac.new(secret_key(settings), payload.encode(), hashlib.sha256).digest())
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
    claims = read_token(token.strip(), request.app.state.settings)
    return Principal(claims["sub"], claims["role"])


def requires(least: str):
    def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        return principal.require(least)
    return dependency


router = APIRouter()


@router.post("/auth/token", tags=["auth"])
def token(request: Request, username: str = Form(...), password: str = Form(...)):
    """OAuth2 password flow: a bearer token for a user's role."""
    role = authenticate(request.app.state.engine, username, password)
    if role is None:
        raise Problem(401, "Unauthorized", "wrong user name or password", headers={"WWW-Authenticate": "Bearer"})
    access, ttl = issue_token(username, role, request.app.state.settings)
    return {"access_token": access, "token_type": "bearer", "expires_in": ttl, "role": role}
