"""RFC 9457 problem details: every client error is application/problem+json and changes nothing."""
from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = "", headers: dict | None = None, **extra):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.headers, self.extra = status, title, detail, headers, extra

    def response(self, instance: str | None = None) -> JSONResponse:
        body = {"type": "about:blank", "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return JSONResponse(body, status_code=self.status, media_type=PROBLEM_JSON, headers=self.headers)


def bad_request(detail: str, **extra) -> Problem:
    return Problem(400, "Bad request", detail, **extra)


def not_found(detail: str) -> Problem:
    return Problem(404, "Not found", detail)


class MissingLayout(LookupError):
    """A fact of the layout every other part builds on (the district, the towns) is not in the database."""

    def __init__(self, what: str):
        super().__init__(f"{what} is not loaded: run `qingpu layout load` first")


def install(app) -> None:
    @app.exception_handler(MissingLayout)
    async def _missing_layout(request: Request, exc: MissingLayout):
        return Problem(503, "Service unavailable", str(exc)).response(str(request.url.path))

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return exc.response(str(request.url.path))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [{"where": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
                  for e in exc.errors()]
        detail = "; ".join(f"{e['where']}: {e['message']}" for e in errors)
        return Problem(400, "Bad request", detail, errors=errors).response(str(request.url.path))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return Problem(exc.status_code, _TITLES.get(exc.status_code, "Error"), str(exc.detail or ""),
                       headers=getattr(exc, "headers", None)).response(str(request.url.path))


_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
           406: "Not acceptable", 409: "Conflict", 412: "Precondition failed", 415: "Unsupported media type",
           422: "Unprocessable content", 428: "Precondition required", 503: "Service unavailable"}
