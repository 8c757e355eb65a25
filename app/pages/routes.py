"""The public map page (/map). Other pages (/edit, /sites/finder, /analytics) live in their own modules."""
from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from sqlalchemy.engine import Connection

from app.core.auth import Principal, current_principal
from app.core.db import reader
from app.core.errors import bad_request
from app.core.settings import Settings
from app.ogc.access import visible_layer
from app.ogc.features import ItemQuery, fetch_items
from app.ogc.params import parse_as_of
from app.ogc.tiles import POINT_DETAIL_ZOOM
from app.pages.maps import MAP_LAYERS, bilingual, layout_map
from app.pages.store import enterprise_count
from layers.registry import LAYERS, MAP_OVERLAYS, palette, role_allows
from web import STATIC_DIR

router = APIRouter(tags=["pages"])

MAP_TITLE = ("青浦区战略性新兴产业空间布局", "Qingpu strategic emerging industries layout")
# Up to this many enterprises the browser loads them as GeoJSON and clusters them (leaflet.markercluster);
# above it they come as vector tiles (leaflet.vectorgrid), whose low zooms merge nearby points.
CLUSTER_MAX = 5000
ENTERPRISE_POPUP_FIELDS = ("name", "industry_code", "plan_industry", "town", "primary_zone", "employees",
                           "output_value", "established", "precision")


def map_collections(conn: Connection, role: str, replace: dict[str, dict] | None = None) -> dict[str, dict]:
    """The layout layers of the map as the role sees them; `replace` supplies some from the caller
    (e.g. zones as they stood at an earlier time)."""
    collections = {}
    for layer_id in MAP_LAYERS:
        layer = LAYERS[layer_id]
        if not role_allows(role, layer.least_role):
            continue
        if replace and layer_id in replace:
            collections[layer_id] = replace[layer_id]
            continue
        page = fetch_items(conn, layer, layer.fields_for(role), ItemQuery(limit=None))
        collections[layer_id] = {"type": "FeatureCollection", "features": page.features}
    return collections


def enterprise_config(conn: Connection, role: str, mode: str | None = None, page_max: int = 10_000) -> dict | None:
    """How the browser loads enterprises; `mode` (cluster or tiles) overrides the choice by count."""
    layer = LAYERS.get("enterprises")
    if layer is None or not role_allows(role, layer.least_role):
        return None
    count = enterprise_count(conn, exact_below=50 * CLUSTER_MAX)
    visible = {f.name: f for f in layer.fields_for(role)}
    names = [n for n in ENTERPRISE_POPUP_FIELDS if n in visible]
    fields = [{"name": n, "title": visible[n].title} for n in names]
    if mode == "cluster" or (mode is None and count <= CLUSTER_MAX):
        # Pages of at most the server's item limit; the browser follows the `next` links.
        url = f"/collections/enterprises/items?limit={max(min(count, page_max), 1)}&properties={','.join(names)}"
        return {"mode": "cluster", "count": count, "url": url, "fields": fields, "style": layer.style}
    return {"mode": "tiles", "count": count, "url": "/tiles/WebMercatorQuad/{z}/{x}/{y}?collections=enterprises",
            "fields": fields, "style": layer.style, "detailZoom": POINT_DETAIL_ZOOM}


def map_overlays(role: str) -> list[dict]:
    out = []
    for o in MAP_OVERLAYS:
        if role_allows(role, o.get("least_role", "public")):
            out.append({**o, "label": bilingual(o.get("title_zh"), o.get("title_en"))})
    return out


def render_public_map(conn: Connection, role: str, settings: Settings, replace: dict[str, dict] | None = None,
                      note: str = "", enterprise_mode: str | None = None) -> str:
    return layout_map(map_collections(conn, role, replace), settings, MAP_TITLE, note,
                      enterprises=enterprise_config(conn, role, enterprise_mode, settings.max_items_limit),
                      overlays=map_overlays(role))


@router.get("/map", response_class=HTMLResponse, summary="The public map of the layout")
def public_map(request: Request, principal: Principal = Depends(current_principal)):
    raw = request.query_params.get("asOf")
    mode = request.query_params.get("enterprises")
    if mode not in (None, "cluster", "tiles"):
        raise bad_request(f"enterprises must be cluster or tiles; got '{mode}'")
    with reader(request, principal).connect() as conn:
        replace, note = None, ""
        if raw is not None:  # the zones as they stood then (towns, routes and stations are current)
            when = parse_as_of(raw)
            zones = LAYERS["zones"]
            page = fetch_items(conn, zones, zones.fields_for(principal.role), ItemQuery(limit=None, as_of=when))
            replace = {"zones": {"type": "FeatureCollection", "features": page.features}}
            note = f"分区截至 zones as of {when.isoformat()}"
        elif "draft" in request.query_params:  # a planner's draft (404 for anyone it is not shared with)
            zones = visible_layer("zones", principal, request)
            page = fetch_items(conn, zones, zones.fields_for(principal.role), ItemQuery(limit=None))
            replace = {"zones": {"type": "FeatureCollection", "features": page.features}}
            note = f"{zones.title_zh}（未发布 not published）"
        page = render_public_map(conn, principal.role, request.app.state.settings, replace, note, mode)
    return HTMLResponse(page)


# The API documentation with the npm copy of Swagger UI (an intranet has no CDN). No /redoc: ReDoc's
# bundle fetches its logo from cdn.redoc.ly whatever the options.
DOCS_TITLE = "青浦区产业布局 API · Qingpu industrial layout API"


@router.get("/docs", include_in_schema=False)
def swagger_docs():
    page = get_swagger_ui_html(openapi_url="/openapi.json", title=DOCS_TITLE,
                               swagger_js_url="/vendor/swagger-ui/swagger-ui-bundle.js",
                               swagger_css_url="/vendor/swagger-ui/swagger-ui.css", swagger_favicon_url="/favicon.ico")
    html = page.body.decode().replace("</head>", '<link rel="stylesheet" href="/static/docs.css">\n'
                                      '<meta name="viewport" content="width=device-width, initial-scale=1">\n</head>', 1)
    return HTMLResponse(html)


@router.get("/favicon.ico", include_in_schema=False)
def favicon():
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon",
                        headers={"Cache-Control": "public, max-age=86400"})


# The one palette of layers/registry.py for the pages' scripts (/edit, /analytics, /sites/finder):
# <script src="/palette.js"> sets window.QingpuPalette; /palette.json is the same for other clients.
@router.get("/palette.json", summary="The colours of the maps (zones by kind and cluster, routes, overlays)")
def palette_json():
    return JSONResponse(palette(), headers={"Cache-Control": "public, max-age=300"})


@router.get("/palette.js", include_in_schema=False)
def palette_js():
    body = f"window.QingpuPalette = {json.dumps(palette(), ensure_ascii=False)};\n"
    return Response(body, media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"})
