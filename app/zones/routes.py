"""Editing zones through OGC API – Features Part 4, with previews, history and rollback.

Create: POST /collections/zones/items; replace: PUT .../items/{id}; update: PATCH; delete:
DELETE. Changes need a planner token, If-Match with the zone's ETag, and a change comment
(the Feature's foreign member "comment", or ?comment=). dryRun=true returns the impact and
commits nothing.
"""
from __future__ import annotations

import re
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from app.core.auth import Principal, current_principal, requires
from app.core.errors import Problem, bad_request
from app.core.http import json_body, request_body
from app.zones.inputs import DEFAULTS
from app.zones.inputs import parse_feature as _feature
from app.zones.inputs import zone_attributes as _attributes
from app.zones.inputs import zone_geometry as _geometry
from app.zones.store import (
    apply_change,
    current,
    diff_versions,
    latest_version,
    list_versions,
    precondition,
    version_feature,
)
from layers.registry import role_allows

router = APIRouter(tags=["zone editing"])
planner = requires("planner")


def _comment(request: Request, body: dict | None) -> str:
    comment = (body or {}).get("comment") or request.query_params.get("comment") \
        or unquote(request.headers.get("x-change-comment", ""))
    if not isinstance(comment, str) or not comment.strip():
        raise bad_request("a change comment is required: add \"comment\" to the Feature or ?comment=")
    return comment.strip()


def _dry_run(request: Request) -> bool:
    raw = request.query_params.get("dryRun", "false").lower()
    if raw not in ("true", "false"):
        raise bad_request("dryRun must be true or false")
    return raw == "true"


def _details(request: Request) -> bool:
    """details=true adds what the editor draws: gained and lost areas, each moving enterprise, overlaps."""
    raw = request.query_params.get("details", "false").lower()
    if raw not in ("true", "false"):
        raise bad_request("details must be true or false")
    return raw == "true"


def _check_params(request: Request, allowed: set[str]) -> None:
    allowed = allowed | {"details"} if "dryRun" in allowed else allowed
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise bad_request(f"unknown query parameter(s): {', '.join(unknown)}")
    if "details" in allowed:
        _details(request)


def _run(request: Request, change) -> JSONResponse:
    """Run a change in one transaction; commit it, or roll it back for a dry run."""
    dry = _dry_run(request)
    engine = request.app.state.engine
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            impact = change(conn)
        except BaseException:
            tx.rollback()
            raise
        if dry:
            tx.rollback()
        else:
            tx.commit()
    impact["dryRun"] = dry
    headers = {"ETag": impact["etag"]} if impact.get("etag") and not dry else {}
    return JSONResponse(impact, headers=headers)


@router.post("/collections/zones/items", summary="Create a zone (planner)")
def create_zone(request: Request, raw: bytes = Depends(request_body), principal: Principal = Depends(planner)):
    _check_params(request, {"dryRun", "comment"})
    body = _feature(request, raw)
    zone_id = body.get("id") or (body.get("properties") or {}).get("id")
    if not isinstance(zone_id, str) or not zone_id:
        raise bad_request("give the new zone an id (lower-case letters, digits, - and _)")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,62}", zone_id):
        raise bad_request(f"zone id '{zone_id}' must be lower-case letters, digits, - and _")
    props = {k: v for k, v in (body.get("properties") or {}).items() if k != "id"}
    attrs = _attributes(props, DEFAULTS)
    geom = _geometry(body, required=True)
    comment = _comment(request, body)
    res = _run(request, lambda conn: apply_change(conn, "create", zone_id, principal.name, comment, attrs, geom,
                                                  details=_details(request), dry_run=_dry_run(request)))
    if not _dry_run(request):
        res.status_code = 201
        res.headers["Location"] = f"{str(request.base_url).rstrip('/')}/collections/zones/items/{zone_id}"
    return res


def _require_if_match(request: Request, zone_id: str) -> None:
    """Say 428 before looking at the body: without If-Match nothing else matters."""
    if request.headers.get("if-match") is None:
        with request.app.state.engine.connect() as conn:
            precondition(current(conn, zone_id), zone_id, None)


def _replace_or_update(zone_id: str, request: Request, raw: bytes, principal: Principal, partial: bool):
    _check_params(request, {"dryRun", "comment"})
    _require_if_match(request, zone_id)
    body = _feature(request, raw)
    comment = _comment(request, body)
    geom_in = _geometry(body, required=not partial)
    props = body.get("properties") or {}

    def change(conn):
        state = current(conn, zone_id)
        if state is None:
            raise Problem(404, "Not found", f"no zone '{zone_id}'")
        base = state.attrs if partial else {**DEFAULTS, "kind": state.attrs["kind"]}
        attrs = _attributes(props, {**base, "target_industries": list(base["target_industries"])})
        geom = geom_in if geom_in is not None else state.geom
        return apply_change(conn, "update", zone_id, principal.name, comment, attrs, geom,
                            if_match=request.headers.get("if-match"), details=_details(request), dry_run=_dry_run(request))
    return _run(request, change)


@router.put("/collections/zones/items/{zone_id}", summary="Replace a zone (planner, If-Match)")
def replace_zone(zone_id: str, request: Request, raw: bytes = Depends(request_body),
                 principal: Principal = Depends(planner)):
    return _replace_or_update(zone_id, request, raw, principal, partial=False)


@router.patch("/collections/zones/items/{zone_id}", summary="Update part of a zone (planner, If-Match)")
def update_zone(zone_id: str, request: Request, raw: bytes = Depends(request_body),
                principal: Principal = Depends(planner)):
    return _replace_or_update(zone_id, request, raw, principal, partial=True)


@router.delete("/collections/zones/items/{zone_id}", summary="Delete a zone (planner, If-Match)")
def delete_zone(zone_id: str, request: Request, principal: Principal = Depends(planner)):
    _check_params(request, {"dryRun", "comment"})
    _require_if_match(request, zone_id)
    comment = _comment(request, None)
    return _run(request, lambda conn: apply_change(conn, "delete", zone_id, principal.name, comment,
                                                   if_match=request.headers.get("if-match"),
                                                   details=_details(request), dry_run=_dry_run(request)))


@router.post("/collections/zones/items/{zone_id}/rollback", summary="Roll a zone back to a version (planner)")
def rollback_zone(zone_id: str, request: Request, raw: bytes = Depends(request_body),
                  principal: Principal = Depends(planner)):
    _check_params(request, {"dryRun", "comment", "version"})
    _require_if_match(request, zone_id)
    body = json_body(request, raw, "send {\"version\": N, \"comment\": \"...\"}") if raw.strip() else {}
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object: {\"version\": N, \"comment\": \"...\"}")
    version = body.get("version", request.query_params.get("version"))
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise bad_request("give the version to roll back to: {\"version\": N, \"comment\": \"...\"}")
    comment = _comment(request, body)
    return _run(request, lambda conn: apply_change(conn, "rollback", zone_id, principal.name,
                                                   f"{comment} (rollback to version {version})",
                                                   if_match=request.headers.get("if-match"), rollback_to=version,
                                                   details=_details(request), dry_run=_dry_run(request)))


# Who edited is planner-only, as updated_by is everywhere else (layers.registry).
EDITOR_FIELDS_LEAST = "planner"


def _without_editor(principal: Principal, record: dict) -> dict:
    if not role_allows(principal.role, EDITOR_FIELDS_LEAST):
        record.pop("author", None)
    return record


@router.get("/collections/zones/items/{zone_id}/versions", summary="A zone's history")
def versions(zone_id: str, request: Request, principal: Principal = Depends(current_principal)):
    _check_params(request, {"f"})
    with request.app.state.engine.connect() as conn:
        rows = [_without_editor(principal, r) for r in list_versions(conn, zone_id)]
    if not rows:
        raise Problem(404, "Not found", f"zone '{zone_id}' has no history")
    base = f"{str(request.base_url).rstrip('/')}/collections/zones/items/{zone_id}/versions"
    for r in rows:
        r["links"] = [{"href": f"{base}/{r['version']}", "rel": "item", "type": "application/geo+json"}]
    return {"zone": zone_id, "versions": rows}


@router.get("/collections/zones/items/{zone_id}/versions/{version}", summary="One version of a zone")
def one_version(zone_id: str, version: int, request: Request, principal: Principal = Depends(current_principal)):
    _check_params(request, {"f"})
    with request.app.state.engine.connect() as conn:
        feature = version_feature(conn, zone_id, version)
    _without_editor(principal, feature["properties"])
    return JSONResponse(feature, media_type="application/geo+json")


@router.get("/collections/zones/items/{zone_id}/versions/{version}/diff", summary="What changed between versions")
def diff(zone_id: str, version: int, request: Request, to: int | None = None):
    _check_params(request, {"to"})
    with request.app.state.engine.connect() as conn:
        if to is None:
            to = latest_version(conn, zone_id)
            if to is None:
                raise Problem(404, "Not found", f"zone '{zone_id}' has no history")
        return diff_versions(conn, zone_id, version, to)
