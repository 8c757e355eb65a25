"""The HTML pages: the public map (and later the editor, site finder and analytics)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from app.auth import Principal, current_principal
from app.features import ItemQuery, fetch_items
from app.maps import MAP_LAYERS, layout_map
from app.settings import get_settings
from layers.registry import LAYERS, role_allows

router = APIRouter(tags=["pages"])


@router.get("/map", response_class=HTMLResponse, summary="The public map of the layout")
def public_map(request: Request, principal: Principal = Depends(current_principal)):
    collections = {}
    with request.app.state.engine.connect() as conn:
        for layer_id in MAP_LAYERS:
            layer = LAYERS[layer_id]
            if not role_allows(principal.role, layer.least_role):
                continue
            features, _ = fetch_items(conn, layer, layer.fields_for(principal.role), ItemQuery(limit=100000))
            collections[layer_id] = {"type": "FeatureCollection", "features": features}
    page = layout_map(collections, get_settings(), ("青浦区战略性新兴产业空间布局", "Qingpu strategic emerging industries layout"))
    return HTMLResponse(page)
