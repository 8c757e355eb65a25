"""The planner's zone editor page (/edit); its behaviour is web/static/edit.js over the zone editing API."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.core.http import templates
from app.pages.basemap import basemap_layers
from layers.registry import REFERENCE_COLOURS, VALUE_WORDS, ZONE_COLORS

router = APIRouter(tags=["pages"])

# The editor asks for a confirmation before saving a change that moves more than this share of the
# zone's area (gained or lost) or of its enterprises.
CONFIRM_SHARE = 0.20
SNAP_PIXELS = 12  # vertices snap to the district, towns, other zones and reference layers within this


@router.get("/edit", response_class=HTMLResponse, summary="The planner's zone editor")
def edit_page(request: Request):
    config = {"basemap": basemap_layers(request.app.state.settings), "confirmShare": CONFIRM_SHARE,
              "snapPixels": SNAP_PIXELS, "kinds": {k: VALUE_WORDS[("kind", k)] for k in ZONE_COLORS},
              "kindColors": ZONE_COLORS, "referenceColors": REFERENCE_COLOURS,
              "referenceKinds": {k: VALUE_WORDS[("kind", k)] for k in REFERENCE_COLOURS}}
    return templates.TemplateResponse(request, "edit.html", {"config": config})
