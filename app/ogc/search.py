"""Search by name over towns, zones, stations and enterprises, as the caller's role sees them."""
from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.core.auth import Principal, current_principal
from app.core.errors import bad_request
from app.ogc.params import check_params, int_param
from layers.registry import LAYERS, role_allows

router = APIRouter(tags=["search"])

SEARCH_LAYERS = ("towns", "zones", "stations", "enterprises")


def _escape_like(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
    with request.app.state.engine.connect() as conn:
        for layer_id in SEARCH_LAYERS:
            layer = LAYERS.get(layer_id)
            if layer is None or not role_allows(principal.role, layer.least_role):
                continue
            visible = {f.name for f in layer.fields_for(principal.role)}
            names = [n for n in dict.fromkeys((layer.label_zh, layer.label_en)) if n in visible]
            if not names:
                continue
            zh, en = names[0], names[-1]
            # A trigram index answers ILIKE for three characters or more; shorter text would make
            # the planner walk the whole index, so it is matched by a plain scan instead.
            if len(q) >= 3:
                match = " OR ".join(f"t.{n} ILIKE :p" for n in names)
            else:
                match = " OR ".join(f"strpos(lower(t.{n}), lower(:q)) > 0" for n in names)
            rows = conn.execute(text(
                f"SELECT t.{layer.id_column}::text AS id, t.{zh} AS name_zh, t.{en} AS name_en, "
                f"ST_AsGeoJSON(ST_PointOnSurface(t.geom), 6) AS point, "
                f"ST_XMin(t.geom) AS x1, ST_YMin(t.geom) AS y1, ST_XMax(t.geom) AS x2, ST_YMax(t.geom) AS y2 "
                f"FROM {layer.table} t WHERE {match} "
                f"ORDER BY (t.{zh} = :q OR t.{en} = :q) DESC, length(t.{zh}), t.{zh} LIMIT :n"),
                {"p": f"%{_escape_like(q)}%", "q": q, "n": limit}).all()
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
