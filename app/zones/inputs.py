"""Reading a zone Feature from a request body: the shape, the attribute rules and their defaults.

Shared by the live zone routes (app.zones.routes) and the drafts (app.drafts), so a zone is checked
the same way wherever it is written."""
from __future__ import annotations

from fastapi import Request
from shapely.geometry import MultiPolygon, Polygon, shape

from app.core.errors import Problem, bad_request
from app.core.http import json_body
from app.zones.store import ATTRIBUTES
from gis.zone_rules import check_shape
from plan.industries import resolve_targets

READ_ONLY = {"area_km2", "version", "updated_at", "updated_by"}
DEFAULTS = {"target_industries": [], "target_phrases": [], "member_towns": [], "parent_zone": None,
            "schematic": False, "description": "", "rank": 60}


def parse_feature(request: Request, raw: bytes) -> dict:
    body = json_body(request, raw, "send a GeoJSON Feature")
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise bad_request("the body must be a GeoJSON Feature (\"type\": \"Feature\")")
    return body


def zone_geometry(body: dict, required: bool):
    if "geometry" not in body or body["geometry"] is None:
        if required:
            raise bad_request("the Feature has no geometry; a zone needs a Polygon or MultiPolygon")
        return None
    try:
        geom = shape(body["geometry"])
    except Exception as exc:
        raise bad_request(f"the geometry is not valid GeoJSON: {exc}")
    problems = check_shape(geom)
    if problems:
        v = problems[0]
        status = 422 if v.rule == "valid-geometry" else 400
        raise Problem(status, "Zone rules violated" if status == 422 else "Bad request", f"{v.rule}: {v.message}",
                      violations=[p.as_dict() for p in problems])
    return MultiPolygon([geom]) if isinstance(geom, Polygon) else geom


def zone_attributes(props: dict, base: dict) -> dict:
    unknown = sorted(set(props) - set(ATTRIBUTES) - READ_ONLY)
    if unknown:
        raise bad_request(f"unknown zone properties: {', '.join(unknown)}; editable: {', '.join(ATTRIBUTES)}")
    attrs = {**base, **{k: v for k, v in props.items() if k in ATTRIBUTES}}
    for key in ("name_zh", "name_en", "kind"):
        if not isinstance(attrs.get(key), str) or not attrs[key].strip():
            raise bad_request(f"property {key} is required and must be text")
    for key in ("target_industries", "target_phrases", "member_towns"):
        if not isinstance(attrs.get(key), list) or not all(isinstance(x, str) for x in attrs[key]):
            raise bad_request(f"property {key} must be a list of text")
    try:
        resolved = resolve_targets(attrs["target_industries"])
        if "target_phrases" in props and "target_industries" not in props:
            resolved = resolve_targets(attrs["target_phrases"])
    except KeyError as exc:
        raise bad_request(f"unknown target industry: {exc.args[0]}")
    attrs["target_industries"] = resolved
    # bool is an int in Python: say no to rank: true explicitly.
    if not isinstance(attrs.get("rank"), int) or isinstance(attrs["rank"], bool):
        raise bad_request("property rank must be a whole number", field="rank")
    if not isinstance(attrs.get("schematic"), bool):
        raise bad_request("property schematic must be true or false", field="schematic")
    if attrs.get("parent_zone") is not None and (not isinstance(attrs["parent_zone"], str) or not attrs["parent_zone"]):
        raise bad_request("property parent_zone must be the id (text) of an existing zone, or null", field="parent_zone")
    if not isinstance(attrs.get("description"), str):
        raise bad_request("property description must be text", field="description")
    return attrs
