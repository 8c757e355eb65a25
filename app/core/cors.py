"""Cross-origin reads, HEAD and OPTIONS for every route, as one ASGI middleware.

Browsers on other origins (a MapLibre page, a district portal) read the layers: any origin may read
(`Access-Control-Allow-Origin: *`, no credentials), and only the configured origins
(QINGPU_CORS_ORIGINS) are answered with their own origin and `Allow-Credentials`. Bearer tokens
are sent explicitly in `Authorization`, never ambiently, so an open read policy exposes nothing a
token does not already grant. Preflights are answered here for every path, errors and tiles included.
HEAD runs the GET route and drops the body; a plain OPTIONS lists the methods of the path (`Allow`),
unless a route answers OPTIONS itself (per role, as the zone items do).
"""
from __future__ import annotations

from starlette.datastructures import Headers
from starlette.routing import Match, Mount

ALLOW_HEADERS = "Authorization, If-Match, If-None-Match, Content-Type, Accept, Accept-Language, X-Change-Comment"
EXPOSE_HEADERS = "ETag, Content-Crs, Location, Link, Content-Disposition, Allow"
PREFLIGHT_MAX_AGE = "600"
# QGIS before 3.44 compares these header names case-sensitively; Starlette writes them in lower case.
HEADER_CASE = {b"allow": b"Allow", b"location": b"Location", b"etag": b"ETag", b"content-crs": b"Content-Crs"}


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _answers(scope, method: str) -> bool:
    """Whether some route (static mounts aside) takes this path with this method."""
    probe = {**scope, "method": method}
    return any(not isinstance(route, Mount) and route.matches(probe)[0] == Match.FULL
               for route in getattr(scope.get("app"), "routes", ()))


def _path_methods(scope) -> set[str]:
    methods = {m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if _answers(scope, m)}
    if "GET" in methods:
        methods.add("HEAD")
    return methods | ({"OPTIONS"} if methods else set())


class CorsMiddleware:
    def __init__(self, app, origins: tuple[str, ...] = (), any_origin: bool = True):
        self.app, self.origins, self.any_origin = app, set(origins), any_origin

    def _cors_headers(self, origin: str | None) -> list[tuple[bytes, bytes]]:
        if origin is None:
            return []
        if origin in self.origins:
            return [(b"access-control-allow-origin", origin.encode()), (b"access-control-allow-credentials", b"true"),
                    (b"access-control-expose-headers", EXPOSE_HEADERS.encode()), (b"vary", b"Origin")]
        if self.any_origin:
            return [(b"access-control-allow-origin", b"*"),
                    (b"access-control-expose-headers", EXPOSE_HEADERS.encode())]
        return []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        cors = self._cors_headers(origin)
        method = scope["method"]
        if method == "OPTIONS" and "access-control-request-method" in headers:
            allowed = bool(cors)
            resp = [(b"content-length", b"0")]
            if allowed:
                resp += [*cors, (b"access-control-allow-methods", b"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
                         (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
                         (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode())]
            await send({"type": "http.response.start", "status": 204 if allowed else 403, "headers": resp})
            return await send({"type": "http.response.body", "body": b""})
        if method == "OPTIONS" and not _answers(scope, "OPTIONS"):
            methods = _path_methods(scope)
            allow = ", ".join(m for m in METHODS if m in methods)
            status = 204 if methods else 404
            await send({"type": "http.response.start", "status": status,
                        "headers": [*cors, (b"Allow", allow.encode()), (b"content-length", b"0")]})
            return await send({"type": "http.response.body", "body": b""})
        head = method == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                kept = [(HEADER_CASE.get(k.lower(), k), v) for k, v in message.get("headers", [])
                        if not (cors and k.lower().startswith(b"access-control-"))]
                message = {**message, "headers": kept + cors}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_wrapper)
