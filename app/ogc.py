"""OGC API – Features (Part 1, read) over the registered layers: JSON by default, HTML for browsers."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from app.auth import Principal, current_principal
from app.features import ItemQuery, extent, fetch_item, fetch_items
from app.problems import bad_request, not_found
from app.settings import get_settings
from app.web import base_url, templates, wants_html
from layers.registry import LAYERS, Layer, role_allows

router = APIRouter(tags=["OGC API - Features"])

GEOJSON = "application/geo+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _layer(collection_id: str, principal: Principal) -> Layer:
    layer = LAYERS.get(collection_id)
    if layer is None or not role_allows(principal.role, layer.least_role):
        raise not_found(f"no collection '{collection_id}'; see /collections")
    return layer


def _check_params(request: Request, allowed: set[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise bad_request(f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def _render(request: Request, template: str, body: dict, media_type: str = "application/json", **ctx):
    if wants_html(request):
        return templates.TemplateResponse(request, template, {"body": body, **ctx})
    return JSONResponse(body, media_type=media_type)


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    parts = raw.split(",")
    if len(parts) != 4:
        raise bad_request(f"bbox must be four numbers minLon,minLat,maxLon,maxLat; got {len(parts)} value(s)")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise bad_request(f"bbox must be four numbers minLon,minLat,maxLon,maxLat; got '{raw}'")
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise bad_request("bbox is outside -180..180 longitude / -90..90 latitude")
    if minx > maxx or miny > maxy:
        raise bad_request("bbox minimum exceeds its maximum (order is minLon,minLat,maxLon,maxLat)")
    return minx, miny, maxx, maxy


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a whole number; got '{raw}'")
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}; got {value}")
    return value


def _typed(layer: Layer, name: str, raw: str):
    f = layer.field(name)
    try:
        if f.type == "integer":
            return int(raw)
        if f.type == "number":
            return float(raw)
        if f.type == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError
            return raw.lower() == "true"
    except ValueError:
        raise bad_request(f"{name} must be of type {f.type}; got '{raw}'")
    return raw


def _link(href: str, rel: str, type_: str, title: str = "") -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


@router.get("/", summary="Landing page")
def landing(request: Request):
    _check_params(request, {"f"})
    root = base_url(request)
    body = {
        "title": "青浦区产业布局 Qingpu industrial layout",
        "description": "一核、一线、多组团: zones, enterprises and analytics of Qingpu District's strategic "
                       "emerging industries plan, as OGC API – Features.",
        "links": [
            _link(f"{root}/?f=json", "self", "application/json", "this document"),
            _link(f"{root}/?f=html", "alternate", "text/html", "this document as HTML"),
            _link(f"{root}/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "API definition"),
            _link(f"{root}/docs", "service-doc", "text/html", "API documentation"),
            _link(f"{root}/conformance", "conformance", "application/json", "conformance classes"),
            _link(f"{root}/collections", "data", "application/json", "collections"),
            _link(f"{root}/map", "alternate", "text/html", "public map"),
        ],
    }
    return _render(request, "landing.html", body)


@router.get("/conformance", summary="Conformance classes")
def conformance(request: Request):
    _check_params(request, {"f"})
    return _render(request, "conformance.html", {"conformsTo": CONFORMANCE})


def _collection_doc(request: Request, layer: Layer, bbox: list[float] | None, role: str) -> dict:
    root = base_url(request)
    href = f"{root}/collections/{layer.id}"
    doc = {
        "id": layer.id, "title": layer.title, "description": layer.description, "itemType": "feature",
        "crs": [CRS84], "storageCrs": CRS84,
        "links": [
            _link(href, "self", "application/json", layer.title),
            _link(f"{href}?f=html", "alternate", "text/html", layer.title),
            _link(f"{href}/items", "items", GEOJSON, "items as GeoJSON"),
            _link(f"{href}/items?f=html", "items", "text/html", "items as HTML"),
        ],
    }
    if bbox:
        doc["extent"] = {"spatial": {"bbox": [bbox], "crs": CRS84}}
    return doc


@router.get("/collections", summary="Collections")
def collections(request: Request, principal: Principal = Depends(current_principal)):
    _check_params(request, {"f"})
    engine = request.app.state.engine
    visible = [layer for layer in LAYERS.values() if role_allows(principal.role, layer.least_role)]
    with engine.connect() as conn:
        docs = [_collection_doc(request, layer, extent(conn, layer), principal.role) for layer in visible]
    root = base_url(request)
    body = {"collections": docs, "links": [_link(f"{root}/collections", "self", "application/json"),
                                            _link(f"{root}/collections?f=html", "alternate", "text/html")]}
    return _render(request, "collections.html", body)


@router.get("/collections/{collection_id}", summary="A collection")
def collection(collection_id: str, request: Request, principal: Principal = Depends(current_principal)):
    _check_params(request, {"f"})
    layer = _layer(collection_id, principal)
    with request.app.state.engine.connect() as conn:
        doc = _collection_doc(request, layer, extent(conn, layer), principal.role)
    return _render(request, "collection.html", doc)


@router.get("/collections/{collection_id}/items", summary="Features of a collection")
def items(collection_id: str, request: Request, principal: Principal = Depends(current_principal)):
    layer = _layer(collection_id, principal)
    fields = layer.fields_for(principal.role)
    queryables = {f.name for f in fields if f.queryable}
    _check_params(request, {"f", "bbox", "limit", "offset"} | queryables)
    html = wants_html(request)
    q = ItemQuery(
        bbox=parse_bbox(request.query_params["bbox"]) if "bbox" in request.query_params else None,
        limit=_int_param(request, "limit", 100 if not html else 50, 1, get_settings().max_items_limit),
        offset=_int_param(request, "offset", 0, 0, 10**9),
        equals={n: _typed(layer, n, v) for n, v in request.query_params.items() if n in queryables})
    with request.app.state.engine.connect() as conn:
        features, matched = fetch_items(conn, layer, fields, q)
    root = base_url(request)
    href = f"{root}/collections/{layer.id}/items"
    base_params = {k: v for k, v in request.query_params.items() if k not in ("offset", "f")}

    def page(offset: int, fmt: str | None = None) -> str:
        params = {**base_params, "offset": offset, **({"f": fmt} if fmt else {})}
        return f"{href}?{urlencode(params)}"

    links = [_link(page(q.offset), "self", GEOJSON), _link(page(q.offset, "html"), "alternate", "text/html"),
             _link(f"{root}/collections/{layer.id}", "collection", "application/json")]
    if q.offset + len(features) < matched:
        links.append(_link(page(q.offset + q.limit), "next", GEOJSON, "next page"))
    if q.offset > 0:
        links.append(_link(page(max(0, q.offset - q.limit)), "prev", GEOJSON, "previous page"))
    body = {"type": "FeatureCollection", "features": features, "numberMatched": matched,
            "numberReturned": len(features), "links": links}
    return _render(request, "items.html", body, GEOJSON, layer=layer, fields=fields)


@router.get("/collections/{collection_id}/items/{fid}", summary="One feature")
def item(collection_id: str, fid: str, request: Request, principal: Principal = Depends(current_principal)):
    layer = _layer(collection_id, principal)
    _check_params(request, {"f"})
    fields = layer.fields_for(principal.role)
    with request.app.state.engine.connect() as conn:
        feature = fetch_item(conn, layer, fields, fid)
    if feature is None:
        raise not_found(f"no feature '{fid}' in collection '{collection_id}'")
    root = base_url(request)
    href = f"{root}/collections/{layer.id}/items/{fid}"
    feature["links"] = [_link(href, "self", GEOJSON), _link(f"{href}?f=html", "alternate", "text/html"),
                        _link(f"{root}/collections/{layer.id}", "collection", "application/json")]
    return _render(request, "item.html", feature, GEOJSON, layer=layer, fields=fields)
