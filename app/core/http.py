"""Templates and content negotiation shared by the routes."""
from __future__ import annotations

from fastapi import Request
from fastapi.templating import Jinja2Templates

from app.core.errors import bad_request
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
