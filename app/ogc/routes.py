"""OGC API – Features Parts 1–3 over the registered layers: JSON, HTML and CSV."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

import shapely.geometry
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from app.core.auth import Principal, current_principal
from app.core.db import reader
from app.core.errors import not_found
from app.core.http import base_url, templates, wants_html
from app.core.store import display_names
from app.ogc.access import caller_layers, visible_layer
from app.ogc.crs import CRS84, URIS
from app.ogc.exports import csv_text_rows
from app.ogc.features import EXACT_COUNT_LIMIT, extent, fetch_item, fetch_items, temporal_extent
from app.ogc.params import (
    OPENAPI_ITEM_PARAMETERS,
    OPENAPI_PAGING,
    check_params,
    output_crs,
    parse_as_of,
    parse_items,
    queryables,
)
from app.ogc.tilesets import REL, STYLE_JSON, TILES_CONFORMANCE
from app.zones.store import etag as zone_etag
from layers.registry import Layer, role_allows
from layers.words import field_title_html, value_text_html

router = APIRouter(tags=["OGC API - Features"])

GEOJSON = "application/geo+json"
SCHEMA_JSON = "application/schema+json"
VECTOR_TYPES = {"Point": "Points", "MultiPoint": "Points", "LineString": "Lines", "MultiLineString": "Lines"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_F2 = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/"
_F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_F4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
CONFORMANCE = [
    *(_F1 + c for c in ("core", "oas30", "html", "geojson")),
    _F2 + "crs",
    *(_F3 + c for c in ("filter", "features-filter", "queryables", "queryables-query-parameters")),
    *(_CQL2 + c for c in ("cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators",
                          "basic-spatial-functions", "basic-spatial-functions-plus", "spatial-functions")),
    # Part 4 (zones, for planners; see OPTIONS /collections/zones/items for what a caller may do).
    _F4 + "create-replace-delete", _F4 + "update", _F4 + "features",
    *TILES_CONFORMANCE,
]
NUMBER_MATCHED_NOTE = (
    f" numberMatched is exact when the database planner expects at most {EXACT_COUNT_LIMIT:,} matches; above "
    "that it is left out and numberMatchedEstimate gives the planner's estimate, so that paging a large "
    "table never waits for a full count (the next link is exact either way).")
JSON_SCHEMA_TYPES = {"string": {"type": "string"}, "integer": {"type": "integer"}, "number": {"type": "number"},
                     "boolean": {"type": "boolean"}, "datetime": {"type": "string", "format": "date-time"},
                     "array": {"type": "array", "items": {"type": "string"}}}
GEOMETRY_FORMATS = {"Point": "geometry-point", "LineString": "geometry-linestring", "Polygon": "geometry-polygon",
                    "MultiPolygon": "geometry-multipolygon", "MultiPoint": "geometry-multipoint",
                    "MultiLineString": "geometry-multilinestring"}


def _render(request: Request, template: str, body: dict, media_type: str = "application/json",
            headers: dict | None = None, **ctx):
    if wants_html(request, ("json", "html", "csv") if template == "items.html" else ("json", "html")):
        if "fields" in ctx:  # item pages read values in words: names of towns and zones, local time
            with reader(request, ctx.pop("principal")).connect() as conn:
                names = display_names(conn)
            ctx.update(names=names, value_html=value_text_html, title_html=field_title_html)
        return templates.TemplateResponse(request, template, {"body": body, **ctx}, headers=headers)
    ctx.pop("principal", None)
    return JSONResponse(body, media_type=media_type, headers=headers)


def _link(href: str, rel: str, type_: str, title: str = "", **extra) -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    link.update(extra)
    return link


@router.get("/", summary="Landing page")
def landing(request: Request):
    check_params(request, {"f"})
    root = base_url(request)
    body = {
        "title": "青浦区产业布局 Qingpu industrial layout",
        "description": "一核、一线、多组团: zones, enterprises and analytics of Qingpu District's strategic "
                       "emerging industries plan, as OGC API – Features (Parts 1–3) and vector tiles.",
        "links": [
            _link(f"{root}/?f=json", "self", "application/json", "this document"),
            _link(f"{root}/?f=html", "alternate", "text/html", "this document as HTML"),
            _link(f"{root}/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "API definition"),
            _link(f"{root}/docs", "service-doc", "text/html", "API documentation"),
            _link(f"{root}/conformance", "conformance", "application/json", "conformance classes"),
            _link(f"{root}/collections", "data", "application/json", "collections"),
            _link(f"{root}/tiles", REL + "tilesets-vector", "application/json",
                  "vector tilesets of every collection together"),
            _link(f"{root}/tileMatrixSets", REL + "tiling-schemes", "application/json", "tile matrix sets"),
            _link(f"{root}/tiles/WebMercatorQuad/tilejson.json", "describedby", "application/json",
                  "TileJSON of every collection"),
            _link(f"{root}/styles", REL + "styles", "application/json", "styles"),
            _link(f"{root}/styles/default", REL + "style", STYLE_JSON, "MapLibre style (the colours of /map)"),
            _link(f"{root}/search?q=", "search", "application/geo+json", "search places and enterprises by name"),
            _link(f"{root}/map", "alternate", "text/html", "public map"),
        ],
    }
    return _render(request, "landing.html", body)


@router.get("/conformance", summary="Conformance classes")
def conformance(request: Request):
    check_params(request, {"f"})
    return _render(request, "conformance.html", {"conformsTo": CONFORMANCE})


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _collection_doc(request: Request, layer: Layer, bbox: list[float] | None, interval: list | None = None) -> dict:
    root = base_url(request)
    href = f"{root}/collections/{layer.id}"
    doc = {
        "id": layer.id, "title": layer.title, "description": layer.description + NUMBER_MATCHED_NOTE,
        "itemType": "feature", "crs": URIS, "storageCrs": CRS84.uri,
        "vectorType": VECTOR_TYPES.get(layer.geometry_type, "Polygons"),  # GDAL's OGCAPI driver reads it
        "links": [
            _link(href, "self", "application/json", layer.title),
            _link(f"{href}?f=html", "alternate", "text/html", layer.title),
            _link(f"{href}/items", "items", GEOJSON, "items as GeoJSON"),
            _link(f"{href}/items?f=html", "items", "text/html", "items as HTML"),
            _link(f"{href}/items?f=csv", "items", "text/csv", "items as CSV"),
            _link(f"{href}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA_JSON,
                  "queryable properties"),
            _link(f"{href}/tiles", REL + "tilesets-vector", "application/json", "vector tilesets"),
            _link(f"{href}/tiles/WebMercatorQuad/tilejson.json", "describedby", "application/json", "TileJSON"),
            *(_link(f"{href}/export?format={fmt}", "enclosure", media, f"download as {fmt}")
              for fmt, media in (("geojson", GEOJSON), ("gpkg", "application/geopackage+sqlite3"),
                                 ("csv", "text/csv"), ("xlsx", XLSX))),
        ],
    }
    if bbox:
        doc["extent"] = {"spatial": {"bbox": [bbox], "crs": CRS84.uri}}
    if layer.temporal:  # what `datetime` filters on
        doc.setdefault("extent", {})["temporal"] = {
            "interval": [interval or [None, None]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            "description": f"datetime filters on {layer.temporal}"}
    return doc


@router.get("/collections", summary="Collections")
def collections(request: Request, principal: Principal = Depends(current_principal)):
    check_params(request, {"f"})
    with reader(request, principal).connect() as conn:
        docs = [_collection_doc(request, layer, extent(conn, layer), temporal_extent(conn, layer))
                for layer in caller_layers(request, principal)]
    root = base_url(request)
    body = {"collections": docs, "crs": URIS,
            "links": [_link(f"{root}/collections", "self", "application/json"),
                      _link(f"{root}/collections?f=html", "alternate", "text/html")]}
    return _render(request, "collections.html", body)


@router.get("/collections/{collection_id}", summary="A collection")
def collection(collection_id: str, request: Request, principal: Principal = Depends(current_principal)):
    layer = visible_layer(collection_id, principal, request)
    check_params(request, {"f", *layer.query_params})
    with reader(request, principal).connect() as conn:
        doc = _collection_doc(request, layer, extent(conn, layer), temporal_extent(conn, layer))
    return _render(request, "collection.html", doc)


@router.get("/collections/{collection_id}/queryables", summary="Queryable properties (JSON Schema)")
def collection_queryables(collection_id: str, request: Request, principal: Principal = Depends(current_principal)):
    layer = visible_layer(collection_id, principal, request)
    check_params(request, {"f", *layer.query_params})
    href = f"{base_url(request)}/collections/{layer.id}/queryables"
    props = {"geometry": {"title": "几何 Geometry", "format": GEOMETRY_FORMATS.get(layer.geometry_type, "geometry-any"),
                          "x-ogc-role": "primary-geometry"}}
    for name, f in queryables(layer, principal.role).items():
        props[name] = {"title": f.title, **JSON_SCHEMA_TYPES.get(f.type, {"type": "string"})}
    body = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": href, "type": "object",
            "title": layer.title, "properties": props, "additionalProperties": False}
    return _render(request, "queryables.html", body, SCHEMA_JSON, layer=layer)


def _items_format(request: Request) -> str:
    f = request.query_params.get("f")
    if f == "csv":
        return "csv"
    return "html" if wants_html(request, ("json", "html", "csv")) else "json"


@router.get("/collections/{collection_id}/items", summary="Features of a collection",
            openapi_extra={"parameters": [*OPENAPI_ITEM_PARAMETERS, *OPENAPI_PAGING,
                                          {"name": "f", "in": "query", "required": False,
                                           "schema": {"type": "string", "enum": ["json", "html", "csv"]}}]})
def items(collection_id: str, request: Request, principal: Principal = Depends(current_principal)):
    layer = visible_layer(collection_id, principal, request)
    fmt = _items_format(request)
    max_limit = request.app.state.settings.max_items_limit
    parsed = parse_items(request, layer, principal.role, extra={"f", *layer.query_params},
                         default_limit=50 if fmt == "html" else 100, max_limit=max_limit)
    q = parsed.query
    with reader(request, principal).connect() as conn:
        page = fetch_items(conn, layer, parsed.fields, q)
    headers = {"Content-Crs": f"<{q.crs.uri}>"}
    if fmt == "csv":
        rows = ((f["id"], _wkt(f["geometry"]), f["properties"]) for f in page.features)
        headers["Content-Disposition"] = f'inline; filename="{layer.id}.csv"'
        return StreamingResponse((s.encode("utf-8") for s in csv_text_rows(parsed.fields, rows)),
                                 media_type="text/csv; charset=utf-8", headers=headers)
    root = base_url(request)
    href = f"{root}/collections/{layer.id}/items"
    base_params = {k: v for k, v in request.query_params.items() if k not in ("offset", "f")}

    def page_href(offset: int, f: str | None = None) -> str:
        return f"{href}?{urlencode({**base_params, 'offset': offset, **({'f': f} if f else {})})}"

    links = [_link(page_href(q.offset), "self", GEOJSON), _link(page_href(q.offset, "html"), "alternate", "text/html"),
             _link(page_href(q.offset, "csv"), "alternate", "text/csv"),
             _link(f"{root}/collections/{layer.id}", "collection", "application/json")]
    if page.has_next:
        links.append(_link(page_href(q.offset + q.limit), "next", GEOJSON, "next page"))
    if q.offset > 0:
        links.append(_link(page_href(max(0, q.offset - q.limit)), "prev", GEOJSON, "previous page"))
    body = {"type": "FeatureCollection", "timeStamp": _now(), "features": page.features}
    if page.matched is not None:
        body["numberMatched"] = page.matched
    else:
        body["numberMatchedEstimate"] = page.estimate
    body.update(numberReturned=len(page.features), links=links)
    return _render(request, "items.html", body, GEOJSON, headers=headers, layer=layer, fields=parsed.fields,
                   crs=q.crs, principal=principal)


def _wkt(geometry: dict | None) -> str | None:

    return shapely.geometry.shape(geometry).wkt if geometry else None


@router.get("/collections/{collection_id}/items/{fid}", summary="One feature")
def item(collection_id: str, fid: str, request: Request, principal: Principal = Depends(current_principal)):
    layer = visible_layer(collection_id, principal, request)
    check_params(request, {"f", "crs", *layer.query_params} | ({"asOf"} if layer.history_sql else set()))
    crs = output_crs(request)
    as_of = parse_as_of(request.query_params["asOf"]) if "asOf" in request.query_params else None
    fields = layer.fields_for(principal.role)
    with reader(request, principal).connect() as conn:
        feature = fetch_item(conn, layer, fields, fid, crs, as_of)
    if feature is None:
        raise not_found(f"no feature '{fid}' in collection '{collection_id}'")
    root = base_url(request)
    href = f"{root}/collections/{layer.id}/items/{fid}"
    feature["timeStamp"] = _now()
    feature["links"] = [_link(href, "self", GEOJSON), _link(f"{href}?f=html", "alternate", "text/html"),
                        _link(f"{root}/collections/{layer.id}", "collection", "application/json")]
    headers = {"Content-Crs": f"<{crs.uri}>"}
    if layer.id == "zones" and as_of is None:  # Part 4: editors send this back in If-Match
        headers["ETag"] = zone_etag(fid, feature["properties"]["version"])
    elif layer.etag_prefix and "version" in feature["properties"]:  # a draft's zone (If-Match optional there)
        headers["ETag"] = f'"{layer.etag_prefix}{fid}-v{feature["properties"]["version"]}"'
    return _render(request, "item.html", feature, GEOJSON, headers=headers, layer=layer, fields=fields, crs=crs,
                   principal=principal)



def _allow(principal: Principal, layer: Layer, writes: tuple[str, ...]) -> Response:
    """Part 4 discovery: the methods this caller may use here (QGIS enables editing from this answer)."""
    may_edit = layer.edit_role is not None and role_allows(principal.role, layer.edit_role)
    methods = ["GET", "HEAD", *(writes if may_edit else ()), "OPTIONS"]
    return Response(status_code=204, headers={"Allow": ", ".join(methods), "Vary": "Authorization"})


@router.options("/collections/{collection_id}/items", summary="Methods allowed on the items, for this caller")
def items_options(collection_id: str, request: Request, principal: Principal = Depends(current_principal)):
    return _allow(principal, visible_layer(collection_id, principal, request), ("POST",))


@router.options("/collections/{collection_id}/items/{fid}", summary="Methods allowed on one item, for this caller")
def item_options(collection_id: str, fid: str, request: Request, principal: Principal = Depends(current_principal)):
    return _allow(principal, visible_layer(collection_id, principal, request), ("PUT", "PATCH", "DELETE"))
