"""The edge: hostile input is refused before any route sees it.

`InputGuard` (ASGI middleware) refuses, with a 400 problem naming the parameter:
- a NUL character in the path, in a query parameter's name or value, or in a form field;
- in a JSON body: a NUL in any string or key, nesting deeper than MAX_JSON_DEPTH, NaN or Infinity;
and with a 413 a body over the configured limit (Settings.max_body_bytes; multipart uploads keep the
limit of the route that reads them). PostgreSQL cannot store NUL in text, and Python's recursion
stops somewhere around a thousand levels: both used to end as a 500.

A JSON body is parsed once, in a worker thread (a 10 MB zone takes tens of milliseconds), and the
parsed value is kept in the request's state for `json_body`, so routes do not parse it again.
"""
from __future__ import annotations

import json
import math
from urllib.parse import parse_qsl

import anyio

from app.core.errors import InvalidInput, PayloadTooLarge, problem_response

MAX_JSON_DEPTH = 64
_PARSED = "json_body"
NO_BODY = object()


def check_text(where: str, value: str) -> None:
    if "\x00" in value:
        raise InvalidInput(f"{where} contains a NUL character (\\u0000), which no text value may hold",
                           parameter=where)


def _finite(literal: str):
    raise InvalidInput(f"the JSON body holds {literal}; numbers must be finite", parameter="body")


def parse_json(raw: bytes | str, where: str = "body", max_depth: int = MAX_JSON_DEPTH):
    """Parse JSON strictly: ValueError when it is not JSON; InvalidInput for NUL, depth or non-finite numbers."""
    try:
        value = json.loads(raw, parse_constant=_finite)
    except RecursionError:
        raise InvalidInput(f"{where} is nested too deeply (at most {max_depth} levels)", parameter=where) from None
    check_json(value, where, max_depth)
    return value


def check_json(value, where: str = "body", max_depth: int = MAX_JSON_DEPTH) -> None:
    """Walk a parsed JSON value without recursion: depth, and NUL in strings and keys."""
    stack = [(value, 1, where)]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, str):
            check_text(path, node)
        elif isinstance(node, float) and not math.isfinite(node):
            raise InvalidInput(f"{path} is not a finite number", parameter=path)
        elif isinstance(node, (dict, list)):
            if depth > max_depth:
                raise InvalidInput(f"{where} is nested too deeply (at most {max_depth} levels)", parameter=where)
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, child in items:
                if isinstance(key, str):
                    check_text(f"{path}.{key}" if path else key, key)
                stack.append((child, depth + 1, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]"))


def stored_json(request):
    """The JSON body the guard parsed for this request (or NO_BODY when it did not)."""
    return request.scope.get("state", {}).get(_PARSED, NO_BODY)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class InputGuard:
    def __init__(self, app, max_body_bytes: int):
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            self._check_url(scope)
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            content_type = headers.get("content-type", "")
            if content_type.lower().startswith("multipart/"):
                return await self.app(scope, receive, send)  # uploads: the route reads and limits them
            length = headers.get("content-length")
            if length and length.isdigit() and int(length) > self.max_body_bytes:
                raise self._too_large()
            body = await self._read(receive) if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE") else None
            if body:
                await self._check_body(scope, body, content_type)
        except (InvalidInput, PayloadTooLarge) as exc:
            status = 413 if isinstance(exc, PayloadTooLarge) else 400
            title = "Payload too large" if status == 413 else "Bad request"
            response = problem_response(status, title, str(exc), scope.get("path"),
                                        scope.get("state", {}).get("request_id"), **exc.extra)
            return await response(scope, receive, send)
        if body is None:
            return await self.app(scope, receive, send)

        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as the server would say it

        return await self.app(scope, replay, send)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"the request body is over the limit of {self.max_body_bytes // 2**20} MB "
                               f"({self.max_body_bytes} bytes)", limit_bytes=self.max_body_bytes)

    async def _read(self, receive) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    def _check_url(scope) -> None:
        for segment in scope.get("path", "").split("/"):
            if "\x00" in segment:
                raise InvalidInput(f"the path segment {segment!r} contains a NUL character", parameter="path")
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace"):
            check_text(f"query parameter {name!r}" if "\x00" in name else name, name)
            check_text(name, value)

    async def _check_body(self, scope, body: bytes, content_type: str) -> None:
        media = content_type.split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                                         errors="replace"):
                check_text(f"form field {name!r}" if "\x00" in name else name, name)
                check_text(name, value)
            return
        if b"\x00" in body and not _is_json(content_type):
            raise InvalidInput("the request body contains a NUL byte", parameter="body")
        if _is_json(content_type) or (not media and body.lstrip()[:1] in (b"{", b"[")):
            try:
                value = await anyio.to_thread.run_sync(parse_json, body)
            except ValueError:
                return  # not JSON: the route says so in its own words (InvalidInput is no ValueError)
            scope.setdefault("state", {})[_PARSED] = value
