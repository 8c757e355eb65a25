"""Search by name over towns, zones, stations and enterprises, as the caller's role sees them."""
from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from app.core.auth import Principal, current_principal
from app.core.db import reader
from app.core.errors import bad_request
from app.core.params import check_params, int_param
from app.ogc.features import search_names
from layers.registry import LAYERS, role_allows

router = APIRouter(tags=["search"])

SEARCH_LAYERS = ("towns", "zones", "stations", "enterprises")


@router.get("/search", summary="Places and enterprises whose name contains the words")
def search(request: Request, principal: Principal = Depends(current_principal)):
    check_params(request, {"q", "limit"})
    q = (request.query_params.get("q") or "").strip()
    if not q:
        raise bad_request("q must name what to look for, e.g. q=华新 or q=Xujing")
    if len(q) > 100:
        raise bad_request("q is longer than 100 characters")
    limit = int_param(request, "limit", 10, 1, 50)
    found = []  # (rank, feature)
    with reader(request, principal).connect() as conn:
        for layer_id in SEARCH_LAYERS:
            layer = LAYERS.get(layer_id)
            if layer is None or not role_allows(principal.role, layer.least_role):
                continue
            visible = {f.name for f in layer.fields_for(principal.role)}
            names = [n for n in dict.fromkeys((layer.label_zh, layer.label_en)) if n in visible]
            if not names:
                continue
            rows = search_names(conn, layer, names, q, limit)
            for r in rows:
                exact = q.lower() in ((r.name_zh or "").lower(), (r.name_en or "").lower())
                rank = (not exact, SEARCH_LAYERS.index(layer_id), len(r.name_zh or ""))
                found.append((rank, {"type": "Feature", "id": f"{layer.id}/{r.id}", "geometry": json.loads(r.point),
                                 "bbox": [r.x1, r.y1, r.x2, r.y2],
                                 "properties": {"collection": layer.id, "fid": r.id, "name_zh": r.name_zh,
                                                "name_en": r.name_en, "layer_zh": layer.title_zh,
                                                "layer_en": layer.title_en}}))
    # Exact names first, then places before enterprises, then shorter names.
    features = [f for _, f in sorted(found, key=lambda pair: pair[0])[:limit]]
    return JSONResponse({"type": "FeatureCollection", "features": features, "numberReturned": len(features)},
                        media_type="application/geo+json")
