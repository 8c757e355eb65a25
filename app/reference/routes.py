"""HTTP for reference layers: GET /reference-layers (planners). Their features are the OGC collections
reference_lines and reference_areas of layers/registry.py (items, tiles, exports), planners only."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request

from app.core.auth import Principal, requires
from app.core.http import base_url
from app.core.params import check_params
from app.reference.store import COLLECTIONS, list_layers
from layers.registry import LAYERS

router = APIRouter(tags=["reference layers"])


@router.get("/reference-layers", summary="The planners' reference layers (roads, rivers, parcels, 控规 plots)")
def reference_layers(request: Request, principal: Principal = Depends(requires("planner"))):
    """Each imported layer with its counts of lines and areas, its bounding box (lon/lat), where it came
    from, and links to its features in the collections reference_lines and reference_areas."""
    check_params(request, set())
    root = base_url(request)
    with request.app.state.engine.connect() as conn:
        layers = list_layers(conn)
    for layer in layers:
        layer["links"] = [
            {"href": f"{root}/collections/{c}/items?layer={quote(layer['name'])}", "rel": "items",
             "type": "application/geo+json", "title": LAYERS[c].title}
            for c, n in zip(COLLECTIONS, (layer["lines"], layer["areas"])) if n]
    return {"layers": layers, "collections": list(COLLECTIONS)}
