"""The one query-parameter parser: every route checks its query string through here.

`check_params` refuses unknown, repeated and NUL-carrying parameters; `parse_query` reads a
route's parameters by a spec {name: (parser, default)}, where a parser turns the text into a value
or raises ValueError with a reason (`int_in`, `choice`, or any function). Every mistake is a 400
problem naming the parameter.
"""
from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from app.core.errors import bad_request

Spec = dict[str, tuple[Callable[[str], object], object]]


def check_params(request: Request, allowed: set[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise bad_request(f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed)) or 'none'}")
    controls = sorted({k for k, v in request.query_params.multi_items() if "\x00" in v})
    if controls:  # PostgreSQL text cannot hold NUL
        raise bad_request(f"parameter(s) {', '.join(controls)} contain a NUL character")
    repeated = sorted({k for k in request.query_params.keys() if len(request.query_params.getlist(k)) > 1})
    if repeated:
        raise bad_request(f"parameter(s) given more than once: {', '.join(repeated)}")


def parse_query(request: Request, spec: Spec) -> dict:
    """The parameters of `spec`, parsed; an empty or missing one takes its default."""
    check_params(request, set(spec))
    out = {}
    for name, (parse, default) in spec.items():
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            out[name] = default
            continue
        try:
            out[name] = parse(raw)
        except ValueError as exc:
            raise bad_request(f"{name}={raw!r}: {exc}") from None
    return out


def int_in(lo: int, hi: int) -> Callable[[str], int]:
    """A parser of whole numbers from lo to hi."""
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError("must be a whole number") from None
        if not lo <= value <= hi:
            raise ValueError(f"must be between {lo} and {hi}")
        return value
    return parse


def choice(*options: str) -> Callable[[str], str]:
    """A parser accepting one of `options`."""
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(f"use one of {', '.join(options)}")
        return raw
    return parse


def int_param(request: Request, name: str, default: int | None, low: int, high: int) -> int | None:
    """One whole-number parameter from low to high (for routes that check the rest themselves)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a whole number; got '{raw}'") from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}; got {value}")
    return value
