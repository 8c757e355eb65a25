"""Templates, content negotiation and request bodies shared by the routes."""
from __future__ import annotations

import hashlib

from fastapi import Request
from fastapi.templating import Jinja2Templates

from app.core.errors import PayloadTooLarge, bad_request
from app.core.guard import NO_BODY, parse_json, stored_json
from web import TEMPLATES_DIR

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def wants_html(request: Request, allowed: tuple[str, ...] = ("json", "html")) -> bool:
    """f=html or f=json decide; without f, a browser (Accept: text/html first) gets HTML."""
    f = request.query_params.get("f")
    if f is not None:
        if f not in allowed:
            raise bad_request(f"unknown format f={f}; use one of {', '.join(allowed)}")
        return f == "html"
    accept = request.headers.get("accept", "")
    first = accept.split(",")[0].strip().lower()
    return first.startswith("text/html")


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def request_body(request: Request) -> bytes:
    """Dependency: the raw body, read on the event loop and bounded by Settings.max_body_bytes, so that
    the route itself can be a plain `def` (run in the thread pool) and never block the loop."""
    limit = request.app.state.settings.max_body_bytes
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body is over the limit of {limit // 2**20} MB ({limit} bytes)",
                                  limit_bytes=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def json_body(request: Request, raw: bytes, hint: str):
    """The body as JSON (as parsed once by the guard, else parsed here): 400 when empty or not JSON."""
    if not raw.strip():
        raise bad_request(f"the request body is empty; {hint}")
    value = stored_json(request)
    if value is not NO_BODY:
        return value
    try:
        return parse_json(raw)
    except ValueError as exc:
        raise bad_request(f"the body is not JSON ({exc}); {hint}") from None


# -- entity tags: the one place that makes and compares them ------------------------------------
def etag_for(*parts) -> str:
    """A strong entity tag for a response determined by `parts` (e.g. its data versions)."""
    return '"' + hashlib.sha1(repr(parts).encode()).hexdigest()[:24] + '"'


def tag_matches(etag: str, header: str | None) -> bool:
    """Whether an If-Match / If-None-Match header names `etag` (or is `*`)."""
    tags = [t.strip() for t in (header or "").split(",")]
    return etag in tags or "*" in tags


def not_modified(request: Request, etag: str) -> bool:
    """A conditional GET whose copy is current: answer 304."""
    return tag_matches(etag, request.headers.get("if-none-match"))
