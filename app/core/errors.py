"""RFC 9457 problem details: every error answers application/problem+json and changes nothing.

Stores and gis/ raise domain errors (below, or gis.errors) that know nothing of HTTP; STATUS is the
one table that turns them into statuses. Routes may raise `Problem` directly for HTTP-level
mistakes (an unknown parameter, a missing header). Anything else is a bug: `RequestContext` answers
it with a problem+json 500 carrying the request's id (also in the X-Request-ID header of every
response) and logs the traceback under that id, so a user's report can be found in the log.
"""
from __future__ import annotations

import json
import logging
import uuid

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gis import errors as gis_errors

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"
log = logging.getLogger("qingpu.errors")


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = "", headers: dict | None = None, **extra):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.headers, self.extra = status, title, detail, headers, extra

    def response(self, instance: str | None = None, request_id: str | None = None) -> JSONResponse:
        return problem_response(self.status, self.title, self.detail, instance, request_id, self.headers,
                                **self.extra)


def problem_response(status: int, title: str, detail: str = "", instance: str | None = None,
                     request_id: str | None = None, headers: dict | None = None, **extra) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if request_id:
        body["requestId"] = request_id
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def bad_request(detail: str, **extra) -> Problem:
    return Problem(400, "Bad request", detail, **extra)


def not_found(detail: str) -> Problem:
    return Problem(404, "Not found", detail)


class MissingLayout(LookupError):
    """A fact of the layout every other part builds on (the district, the towns) is not in the database."""

    def __init__(self, what: str):
        super().__init__(f"{what} is not loaded: run `qingpu layout load` first")


# -- domain errors: raised by stores, mapped to statuses by STATUS ---------------------------------
class DomainError(Exception):
    """A refusal a store makes; `extra` members go into the problem body (e.g. the current version)."""

    def __init__(self, detail: str, *, title: str | None = None, **extra):
        super().__init__(detail)
        self.detail, self.title, self.extra = detail, title, extra


class InvalidInput(DomainError):
    """The request's data cannot be used as given."""


class NotFound(DomainError):
    """What the request names does not exist."""


class Conflict(DomainError):
    """The change contradicts the stored state (an id taken, children still attached)."""


class PreconditionRequired(DomainError):
    """A change needs If-Match and came without it."""


class PreconditionFailed(DomainError):
    """If-Match names a version that is no longer current."""


class RuleViolation(DomainError):
    """Well-formed, but breaks a rule of the plan (a zone outside the district, ...)."""


class PayloadTooLarge(DomainError):
    """The request body is over the configured limit."""


# The one table: error class -> (status, title). The first class in the exception's MRO found here wins.
STATUS: dict[type, tuple[int, str]] = {
    InvalidInput: (400, "Bad request"),
    gis_errors.InvalidInput: (400, "Bad request"),
    NotFound: (404, "Not found"),
    Conflict: (409, "Conflict"),
    PayloadTooLarge: (413, "Payload too large"),
    RuleViolation: (422, "Rules violated"),
    gis_errors.RuleViolation: (422, "Rules violated"),
    PreconditionFailed: (412, "Precondition failed"),
    PreconditionRequired: (428, "Precondition required"),
    MissingLayout: (503, "Service unavailable"),
}

_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
           406: "Not acceptable", 409: "Conflict", 412: "Precondition failed", 413: "Payload too large",
           415: "Unsupported media type", 422: "Unprocessable content", 428: "Precondition required",
           429: "Too many requests", 500: "Internal server error", 503: "Service unavailable"}


def status_of(exc: BaseException) -> tuple[int, str] | None:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return None


def request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


def install(app) -> None:
    """Register the handlers: Problem, the domain table, validation and HTTP errors (RequestContext, the
    catch-all, is a middleware: create_app adds it outermost)."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return exc.response(str(request.url.path), request_id(request))

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError):
        # A lost connection (the database is down or restarting) is temporary: 503 and when to retry;
        # the pool's pre-ping reconnects by itself once the database is back. Anything else is a bug.
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            return problem_response(503, "Service unavailable", "the database cannot be reached; retry shortly",
                                    str(request.url.path), request_id(request), headers={"Retry-After": "5"})
        raise exc

    async def _domain(request: Request, exc: Exception):
        status, title = status_of(exc)
        extra = getattr(exc, "extra", None) or {}
        return problem_response(status, getattr(exc, "title", None) or title, str(exc), str(request.url.path),
                                request_id(request), **extra)

    for cls in STATUS:
        app.add_exception_handler(cls, _domain)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [{"where": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
                  for e in exc.errors()]
        detail = "; ".join(f"{e['where']}: {e['message']}" for e in errors)
        return Problem(400, "Bad request", detail, errors=errors).response(str(request.url.path), request_id(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return Problem(exc.status_code, _TITLES.get(exc.status_code, "Error"), str(exc.detail or ""),
                       headers=getattr(exc, "headers", None)).response(str(request.url.path), request_id(request))


class RequestContext:
    """ASGI middleware: a request id for every request, and a problem+json 500 for anything unexpected.

    It sits outside the exception handlers, so only what no handler knows reaches it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rid = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        started = False

        async def send_with_id(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unexpected error, request %s: %s %s", rid, scope.get("method"), scope.get("path"))
            if started:  # the status line is out; nothing better can be said
                raise
            body = json.dumps({"type": "about:blank", "title": "Internal server error", "status": 500,
                               "detail": "an unexpected error; quote the request id when you report it",
                               "instance": scope.get("path"), "requestId": rid}).encode()
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", PROBLEM_JSON.encode()),
                                    (b"content-length", str(len(body)).encode()), (b"x-request-id", rid.encode())]})
            await send({"type": "http.response.body", "body": body})
