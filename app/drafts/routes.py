"""Drafts (方案): create, list, share, discard; edit a draft's zones with OGC API – Features Part 4
(the way QGIS 3.32+ and OWSLib send: no If-Match, no comment); compare; rebase; publish.

A draft belongs to its planner (and the planners it is shared with), so its edits need neither
If-Match nor a comment: the guarded step is publishing, which checks the whole draft against the
zone rules and against what was published since the draft was made.
"""
from __future__ import annotations

import re
import secrets

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from shapely.geometry import mapping, shape

from app.core.auth import Principal, current_principal, requires
from app.core.errors import Conflict, NotFound, Problem, bad_request
from app.core.http import base_url, json_body, request_body, tag_matches
from app.core.params import check_params
from app.core.store import lock_layout
from app.core.users import account
from app.drafts import compare as comparing
from app.drafts import store
from app.drafts.layers import DRAFT_ROLE, draft_etag, parse_draft_id
from app.ogc.crs import parse_crs
from app.zones.inputs import DEFAULTS, READ_ONLY, parse_feature, zone_attributes, zone_geometry
from layers.registry import role_allows

router = APIRouter(tags=["drafts"])
planner = requires(DRAFT_ROLE)
STATUSES = ("open", "published", "discarded")
DRAFT_READ_ONLY = READ_ONLY | {"draft_state", "id"}
_ZONE_ID = r"^[a-z0-9][a-z0-9_-]{0,62}$"


def _text(body: dict, key: str, required: bool, limit: int = 200) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise bad_request(f"give the draft a {key} (text)", field=key)
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise bad_request(f"{key} must be {'non-empty ' if required else ''}text", field=key)
    if len(value) > limit:
        raise bad_request(f"{key} is longer than {limit} characters", field=key)
    return value.strip()


def _object(request: Request, raw: bytes, hint: str, allowed: set[str]) -> dict:
    body = json_body(request, raw, hint) if raw.strip() else {}
    if not isinstance(body, dict):
        raise bad_request(f"the body must be a JSON object: {hint}")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise bad_request(f"unknown member(s) {', '.join(unknown)}; use {', '.join(sorted(allowed))}")
    return body


def _draft_doc(request: Request, draft: store.Draft, extra: dict | None = None) -> dict:
    root = base_url(request)
    doc = draft.as_dict()
    coll = f"{root}/collections/{doc['collection']}"
    doc["links"] = [
        {"href": f"{root}/drafts/{draft.id}", "rel": "self", "type": "application/json"},
        {"href": coll, "rel": "collection", "type": "application/json", "title": "the draft's zones (OGC API)"},
        {"href": f"{coll}/items", "rel": "items", "type": "application/geo+json"},
        {"href": f"{root}/drafts/{draft.id}/compare", "rel": "compare", "type": "application/json"},
        {"href": f"{root}/drafts/{draft.id}/changes", "rel": "changes", "type": "application/json"},
    ]
    return {**doc, **(extra or {})}


def _draft_id(raw: str) -> int:
    return parse_draft_id(raw)


# -- the drafts ----------------------------------------------------------------------------------
@router.get("/drafts", summary="Drafts I own or that are shared with me (planner)")
def list_drafts(request: Request, principal: Principal = Depends(planner)):
    check_params(request, {"status"})
    raw = request.query_params.get("status", "open")
    statuses = STATUSES if raw == "all" else tuple(s.strip() for s in raw.split(","))
    if not statuses or any(s not in STATUSES for s in statuses):
        raise bad_request(f"status must be one or more of {', '.join(STATUSES)} (comma-separated), or all",
                          field="status")
    with request.app.state.engine.connect() as conn:
        drafts = store.drafts_of(conn, principal.name, statuses)
    return {"drafts": [_draft_doc(request, d) for d in drafts]}


@router.post("/drafts", status_code=201, summary="Make a draft from the published layout or another draft")
def create_draft(request: Request, raw: bytes = Depends(request_body), principal: Principal = Depends(planner)):
    check_params(request, set())
    hint = '{"name": "…", "description": "…", "from": "published" or a draft id}'
    body = _object(request, raw, hint, {"name", "description", "from"})
    name = _text(body, "name", True)
    description = _text(body, "description", False, 4000) or ""
    source_raw = body.get("from", "published")
    with request.app.state.engine.begin() as conn:
        source = None
        if source_raw != "published":
            if isinstance(source_raw, bool) or not isinstance(source_raw, (int, str)):
                raise bad_request('from must be "published" or the id of one of your drafts', field="from")
            source = store.visible_draft(conn, _draft_id(str(source_raw)), principal.name)
        draft = store.create_draft(conn, name, description, principal.name, source)
    doc = _draft_doc(request, draft)
    return JSONResponse(doc, status_code=201, headers={"Location": doc["links"][0]["href"]})


@router.get("/drafts/{draft_id}", summary="One draft: what it changes, whether it can be published")
def get_draft(draft_id: str, request: Request, principal: Principal = Depends(planner)):
    check_params(request, set())
    with request.app.state.engine.connect() as conn:
        draft = store.visible_draft(conn, _draft_id(draft_id), principal.name)
        changed = [{"zone": z.id, "name_zh": z.attrs["name_zh"],
                    "change": "deleted" if z.deleted else ("created" if z.base_version is None else "changed")}
                   for z in store.changed_zones(conn, draft.id)]
        conflicts = store.conflicts(conn, draft.id) if draft.status == "open" else []
    return _draft_doc(request, draft, {"changed_zones": changed, "conflicts": conflicts})


@router.patch("/drafts/{draft_id}", summary="Rename, describe or share a draft (sharing: its owner)")
def edit_draft(draft_id: str, request: Request, raw: bytes = Depends(request_body),
               principal: Principal = Depends(planner)):
    check_params(request, set())
    body = _object(request, raw, '{"name": …, "description": …, "shared_with": ["planner", …]}',
                   {"name", "description", "shared_with"})
    name = _text(body, "name", False)
    if "name" in body and not name:
        raise bad_request("name must be non-empty text", field="name")
    description = _text(body, "description", False, 4000)
    shared = body.get("shared_with")
    engine = request.app.state.engine
    if shared is not None:
        if not isinstance(shared, list) or not all(isinstance(s, str) and s.strip() for s in shared) or len(shared) > 100:
            raise bad_request("shared_with must be a list of user names (at most 100)", field="shared_with")
        shared = sorted({s.strip() for s in shared})
        for user in shared:
            acc = account(engine, user)
            if acc is None or acc.disabled or not role_allows(acc.role, DRAFT_ROLE):
                raise bad_request(f"'{user}' is not a planner: drafts are shared with planners only",
                                  field="shared_with")
    with engine.begin() as conn:
        draft = store.visible_draft(conn, _draft_id(draft_id), principal.name, lock=True)
        if shared is not None and draft.owner != principal.name:
            raise Problem(403, "Forbidden", f"only the draft's owner ({draft.owner}) shares it")
        if draft.status != "open":
            raise Conflict(f"draft {draft.id} is {draft.status}: it can no longer change")
        if shared is not None:
            shared = [s for s in shared if s != draft.owner]
        draft = store.update_draft(conn, draft, principal.name, name=name, description=description,
                                   shared_with=shared)
    return _draft_doc(request, draft)


@router.delete("/drafts/{draft_id}", status_code=204, summary="Discard a draft (its owner); it is kept as a record")
def discard_draft(draft_id: str, request: Request, principal: Principal = Depends(planner)):
    check_params(request, set())
    with request.app.state.engine.begin() as conn:
        draft = store.visible_draft(conn, _draft_id(draft_id), principal.name, lock=True)
        if draft.owner != principal.name:
            raise Problem(403, "Forbidden", f"only the draft's owner ({draft.owner}) discards it")
        if draft.status != "open":
            raise Conflict(f"draft {draft.id} is already {draft.status}")
        store.set_status(conn, draft, principal.name, "discarded")
    return Response(status_code=204)


@router.get("/drafts/{draft_id}/changes", summary="Every change of a draft: who, when, what")
def draft_changes(draft_id: str, request: Request, principal: Principal = Depends(planner)):
    check_params(request, set())
    with request.app.state.engine.connect() as conn:
        draft = store.visible_draft(conn, _draft_id(draft_id), principal.name)
        return {"draft": draft.id, "changes": store.changes(conn, draft.id)}


# -- the draft's zones through OGC API – Features Part 4 -------------------------------------------
def _open_draft(conn, draft_id: int, principal: Principal) -> store.Draft:
    if not role_allows(principal.role, DRAFT_ROLE):
        raise Problem(404, "Not found", f"no collection '{store.collection_id(draft_id)}'; see /collections")
    try:
        draft = store.visible_draft(conn, draft_id, principal.name, lock=True)
    except NotFound:
        raise Problem(404, "Not found", f"no collection '{store.collection_id(draft_id)}'; see /collections") from None
    if draft.status == "discarded":
        raise Problem(404, "Not found", f"no collection '{store.collection_id(draft_id)}'; see /collections")
    if draft.status != "open":
        raise Conflict(f"draft {draft.id} is {draft.status}: its zones can no longer change")
    return draft


def _storage_geometry(request: Request, body: dict) -> dict:
    """The Feature with its geometry in WGS84 lon/lat, from the CRS named in Content-Crs (Part 4)."""
    raw = request.headers.get("content-crs")
    if raw is None:
        return body
    crs = parse_crs(raw.strip().strip("<>"), "Content-Crs")
    if body.get("geometry") is None:
        return body
    try:
        geom = shape(body["geometry"])
    except Exception as exc:
        raise bad_request(f"the geometry is not valid GeoJSON: {exc}")
    return {**body, "geometry": mapping(crs.to_storage(geom))}


def _properties(body: dict) -> dict:
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise bad_request("properties must be a JSON object")
    return {k: v for k, v in props.items() if k not in DRAFT_READ_ONLY}


def _merge_nulls(props: dict) -> dict:
    """JSON merge patch: null removes a member, i.e. the attribute goes back to its default."""
    out = {}
    for k, v in props.items():
        if v is None and k in DEFAULTS:
            out[k] = DEFAULTS[k]
        elif v is not None or k == "parent_zone":
            out[k] = v
    return out


def _zone_response(request: Request, draft_id: int, zone: store.DraftZone, violations, status: int = 200,
                   extra_headers: dict | None = None) -> JSONResponse:
    href = f"{base_url(request)}/collections/{store.collection_id(draft_id)}/items/{zone.id}"
    body = {"type": "Feature", "id": zone.id, "geometry": mapping(zone.geom),
            "properties": {**zone.attrs, "version": zone.version},
            "violations": [v.as_dict() for v in violations],
            "links": [{"href": href, "rel": "self", "type": "application/geo+json"}]}
    if violations:
        body["note"] = "saved in the draft; publishing refuses until these zone rules hold"
    return JSONResponse(body, status_code=status, media_type="application/geo+json",
                        headers={"Location": href, **(extra_headers or {})} if status == 201 else extra_headers)


@router.post("/collections/zones.draft-{draft_id:int}/items", status_code=201,
             summary="Create a zone in a draft (no If-Match, no comment)")
def draft_create(draft_id: int, request: Request, raw: bytes = Depends(request_body),
                 principal: Principal = Depends(current_principal)):
    check_params(request, set())
    with request.app.state.engine.begin() as conn:
        draft = _open_draft(conn, draft_id, principal)
        body = _storage_geometry(request, parse_feature(request, raw))
        props = body.get("properties") or {}
        zone_id = body.get("id") if body.get("id") is not None else (props.get("id") if isinstance(props, dict) else None)
        if zone_id is None:  # QGIS and OWSLib send no id: the server names the zone, Location says how
            zone_id = f"zone-{secrets.token_hex(4)}"
        if not isinstance(zone_id, str) or not re.fullmatch(_ZONE_ID, zone_id):
            raise bad_request("a zone id must be text of lower-case letters, digits, - and _ (at most 63)", field="id")
        attrs = zone_attributes(_merge_nulls(_properties(body)), DEFAULTS)
        geom = zone_geometry(body, required=True)
        existing = store.draft_zone(conn, draft.id, zone_id)
        if existing is not None and not existing.deleted:
            raise Conflict(f"zone '{zone_id}' exists in draft {draft.id}; change it with PUT or PATCH")
        zone = store.write_zone(conn, draft.id, zone_id, attrs, geom, principal.name, "create")
        found = store.violations(conn, draft.id, zone_id, attrs, geom)
    return _zone_response(request, draft.id, zone, found, status=201)


def _change(draft_id: int, zone_id: str, request: Request, raw: bytes, principal: Principal, partial: bool):
    check_params(request, set())
    with request.app.state.engine.begin() as conn:
        draft = _open_draft(conn, draft_id, principal)
        state = store.draft_zone(conn, draft.id, zone_id, lock=True)
        if state is None or state.deleted:
            raise Problem(404, "Not found", f"no zone '{zone_id}' in draft {draft.id}")
        _optional_if_match(request, draft.id, zone_id, state.version)
        body = _storage_geometry(request, parse_feature(request, raw) if not partial else _patch_body(request, raw))
        props = _properties(body)
        if partial:
            base = {**state.attrs}
            attrs = zone_attributes(_merge_nulls(props), {**base, "target_industries": list(base["target_industries"])})
        else:
            attrs = zone_attributes(_merge_nulls(props), {**DEFAULTS, "kind": state.attrs["kind"]})
        geom = zone_geometry(body, required=not partial)
        geom = geom if geom is not None else state.geom
        zone = store.write_zone(conn, draft.id, zone_id, attrs, geom, principal.name, "update" if partial else "replace")
        found = store.violations(conn, draft.id, zone_id, attrs, geom)
    return _zone_response(request, draft.id, zone, found,
                          extra_headers={"ETag": draft_etag(draft.id, zone_id, zone.version)})


def _optional_if_match(request: Request, draft_id: int, zone_id: str, version: int) -> None:
    """Drafts need no If-Match; one that is sent must still name the current version (412 otherwise)."""
    if_match = request.headers.get("if-match")
    if if_match is not None and not tag_matches(draft_etag(draft_id, zone_id, version), if_match):
        raise Problem(412, "Precondition failed", f"zone '{zone_id}' of draft {draft_id} is now version {version}",
                      etag=draft_etag(draft_id, zone_id, version))


def _patch_body(request: Request, raw: bytes) -> dict:
    """A merge patch (RFC 7396) of a Feature: {"geometry": …} and/or {"properties": {…}}."""
    body = json_body(request, raw, 'send a JSON merge patch: {"geometry": …} or {"properties": {…}}')
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object (a merge patch of the Feature)")
    unknown = sorted(set(body) - {"type", "id", "geometry", "properties", "links", "bbox"})
    if unknown:
        raise bad_request(f"unknown member(s) {', '.join(unknown)} in the patch; send geometry and/or properties")
    if "geometry" in body and body["geometry"] is None:
        raise bad_request("a zone cannot lose its geometry; DELETE the zone instead")
    return body


@router.put("/collections/zones.draft-{draft_id:int}/items/{zone_id}",
            summary="Replace a zone of a draft (no If-Match, no comment)")
def draft_replace(draft_id: int, zone_id: str, request: Request, raw: bytes = Depends(request_body),
                  principal: Principal = Depends(current_principal)):
    return _change(draft_id, zone_id, request, raw, principal, partial=False)


@router.patch("/collections/zones.draft-{draft_id:int}/items/{zone_id}",
              summary="Update part of a zone of a draft (JSON merge patch; no If-Match, no comment)")
def draft_update(draft_id: int, zone_id: str, request: Request, raw: bytes = Depends(request_body),
                 principal: Principal = Depends(current_principal)):
    return _change(draft_id, zone_id, request, raw, principal, partial=True)


@router.delete("/collections/zones.draft-{draft_id:int}/items/{zone_id}", status_code=204,
               summary="Delete a zone from a draft (no If-Match, no comment)")
def draft_delete(draft_id: int, zone_id: str, request: Request, principal: Principal = Depends(current_principal)):
    check_params(request, set())
    with request.app.state.engine.begin() as conn:
        draft = _open_draft(conn, draft_id, principal)
        state = store.draft_zone(conn, draft.id, zone_id, lock=True)
        if state is not None and not state.deleted:
            _optional_if_match(request, draft.id, zone_id, state.version)
        store.delete_zone(conn, draft.id, zone_id, principal.name)
    return Response(status_code=204)


# -- compare, rebase, publish -----------------------------------------------------------------------
@router.get("/drafts/{draft_id}/compare", summary="What a draft changes against the published plan (or another draft)")
def compare(draft_id: str, request: Request, principal: Principal = Depends(planner)):
    check_params(request, {"against", "f"})
    against_raw = request.query_params.get("against", "published")
    with request.app.state.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        draft = store.visible_draft(conn, _draft_id(draft_id), principal.name)
        against = None if against_raw == "published" else store.visible_draft(
            conn, _draft_id(against_raw), principal.name)
        result = comparing.compare(conn, draft, against)
    return comparing.render(request, result)


@router.get("/drafts/{draft_id}/analytics/zones", summary="Zone metrics (as /analytics/zones) of the layout the draft would make")
def draft_analytics_zones(draft_id: str, request: Request, principal: Principal = Depends(planner)):
    check_params(request, set())
    with request.app.state.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        draft = store.visible_draft(conn, _draft_id(draft_id), principal.name)
        return JSONResponse(comparing.draft_zone_metrics(conn, draft), media_type="application/geo+json")


@router.post("/drafts/{draft_id}/rebase", summary="Take the published changes made since the draft was made")
def rebase(draft_id: str, request: Request, raw: bytes = Depends(request_body), principal: Principal = Depends(planner)):
    check_params(request, set())
    body = _object(request, raw, '{"take_published": ["zone id", …]}', {"take_published"})
    take = body.get("take_published", [])
    if not isinstance(take, list) or not all(isinstance(z, str) for z in take):
        raise bad_request("take_published must be a list of zone ids", field="take_published")
    with request.app.state.engine.begin() as conn:
        draft = _open_draft(conn, _draft_id(draft_id), principal)
        result = store.rebase(conn, draft, principal.name, set(take))
    return {"draft": draft.id, **result}


@router.post("/drafts/{draft_id}/publish", summary="Publish a draft: all its changes in one transaction")
def publish(draft_id: str, request: Request, raw: bytes = Depends(request_body), principal: Principal = Depends(planner)):
    check_params(request, set())
    body = _object(request, raw, '{"comment": "…", "keep": false}', {"comment", "keep"})
    comment = _text(body, "comment", False, 2000)
    keep = body.get("keep", False)
    if not isinstance(keep, bool):
        raise bad_request("keep must be true or false", field="keep")
    with request.app.state.engine.begin() as conn:
        draft = _open_draft(conn, _draft_id(draft_id), principal)
        lock_layout(conn)  # before reading any zone: the whole publish sees and writes one layout
        result = comparing.publish(conn, draft, principal.name, comment, keep)
    return result
