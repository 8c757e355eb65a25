"""OGC API – Tiles resources over the vector tiles of app.ogc.tiles, and a MapLibre style.

`/tileMatrixSets` (OGC Two Dimensional Tile Matrix Set 2.0 JSON), the tileset lists
`/collections/{id}/tiles` and `/tiles`, tileset metadata with templated tile links, and
`/styles/default`: a MapLibre GL style generated from the layer registry (the colours of /map),
for MapLibre pages and QGIS's vector tile `styleUrl`. Everything follows the caller's role, as
the tiles do.
"""
from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from app.core.auth import Principal, current_principal
from app.core.errors import not_found
from app.core.http import base_url
from app.core.params import check_params
from app.ogc.access import visible_layer, visible_layers
from app.ogc.tiles import MAX_ZOOM, MVT, POINT_DETAIL_ZOOM, tile_fields
from layers.registry import Layer

router = APIRouter(tags=["OGC API - Tiles"])

REL = "http://www.opengis.net/def/rel/ogc/1.0/"
WEB_MERCATOR_QUAD = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TMS_ID = "WebMercatorQuad"
# The area the tiles cover (the district with a margin), lon/lat.
BOUNDS = (120.85, 30.94, 121.32, 31.30)
_ORIGIN = 20037508.3427892
_CELL0 = 2 * _ORIGIN / 256  # metres per pixel at zoom 0
STYLE_JSON = "application/vnd.mapbox.style+json"
TILES_CONF = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
# The Tiles classes served here (the conformance list of app.ogc.routes includes them).
TILES_CONFORMANCE = [TILES_CONF + c for c in ("core", "tileset", "tilesets-list", "geodata-tilesets",
                                               "dataset-tilesets", "mvt")]


def _json(body: dict, media_type: str = "application/json") -> JSONResponse:
    return JSONResponse(body, media_type=media_type)


def web_mercator_quad() -> dict:
    """The WebMercatorQuad tile matrix set (OGC 17-083r4, annex D.1), zoom 0..MAX_ZOOM, TMS 2.0 JSON."""
    matrices = []
    for z in range(MAX_ZOOM + 1):
        cell = _CELL0 / 2 ** z
        matrices.append({"id": str(z), "identifier": str(z), "scaleDenominator": cell / 0.00028, "cellSize": cell,
                         "cornerOfOrigin": "topLeft", "pointOfOrigin": [-_ORIGIN, _ORIGIN],
                         "topLeftCorner": [-_ORIGIN, _ORIGIN],
                         "tileWidth": 256, "tileHeight": 256, "matrixWidth": 2 ** z, "matrixHeight": 2 ** z})
    return {"id": TMS_ID, "title": "Google Maps Compatible for the World", "uri": WEB_MERCATOR_QUAD,
            "crs": EPSG_3857, "orderedAxes": ["X", "Y"],
            "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
            # TMS 1.0 names too, for GDAL 3.6/3.7 (Debian 12), whose parser knows only those.
            "type": "TileMatrixSetType", "identifier": TMS_ID, "supportedCRS": EPSG_3857,
            "boundingBox": {"type": "BoundingBoxType", "crs": EPSG_3857,
                            "lowerCorner": [-_ORIGIN, -_ORIGIN], "upperCorner": [_ORIGIN, _ORIGIN]},
            "tileMatrices": matrices}


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def _limits(min_zoom: int, max_zoom: int) -> list[dict]:
    out = []
    for z in range(min_zoom, max_zoom + 1):
        x0, y0 = _tile_xy(BOUNDS[0], BOUNDS[3], z)
        x1, y1 = _tile_xy(BOUNDS[2], BOUNDS[1], z)
        out.append({"tileMatrix": str(z), "minTileRow": y0, "maxTileRow": y1, "minTileCol": x0, "maxTileCol": x1})
    return out


_SCHEMA_TYPES = {"integer": "integer", "number": "number", "boolean": "boolean"}


def _layer_entry(layer: Layer, role: str) -> dict:
    props = {f.name: {"type": _SCHEMA_TYPES.get(f.type, "string"), "title": f.title} for f in tile_fields(layer, role)}
    if layer.geometry_type == "Point":
        props["point_count"] = {"type": "integer",
                                "description": f"below zoom {POINT_DETAIL_ZOOM}: points merged per 1/64-tile cell"}
    dims = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1}
    return {"id": layer.id, "title": layer.title, "dataType": "vector",
            "geometryDimension": dims.get(layer.geometry_type, 2),
            "minTileMatrix": str(layer.min_zoom), "maxTileMatrix": str(min(layer.max_zoom, MAX_ZOOM)),
            "propertiesSchema": {"type": "object", "properties": props}}


def _tileset(request: Request, layers: list[Layer], role: str, href: str, title: str, query: str = "") -> dict:
    root = base_url(request)
    min_zoom = min((layer.min_zoom for layer in layers), default=0)
    max_zoom = max((min(layer.max_zoom, MAX_ZOOM) for layer in layers), default=MAX_ZOOM)
    return {
        "title": title, "dataType": "vector", "crs": EPSG_3857, "tileMatrixSetURI": WEB_MERCATOR_QUAD,
        "links": [
            {"href": href, "rel": "self", "type": "application/json", "title": "this tileset"},
            {"href": f"{root}/tileMatrixSets/{TMS_ID}", "rel": REL + "tiling-scheme", "type": "application/json",
             "title": "the WebMercatorQuad tile matrix set"},
            {"href": f"{href}/{{tileMatrix}}/{{tileCol}}/{{tileRow}}{query}", "rel": "item", "type": MVT,
             "templated": True, "title": "a Mapbox vector tile"},
            {"href": f"{href}/tilejson.json{query}", "rel": "describedby", "type": "application/json",
             "title": "TileJSON"},
            {"href": f"{root}/styles/default", "rel": REL + "style", "type": STYLE_JSON, "title": "MapLibre style"},
        ],
        "tileMatrixSetLimits": _limits(min_zoom, max_zoom),
        "boundingBox": {"lowerLeft": list(BOUNDS[:2]), "upperRight": list(BOUNDS[2:]), "crs": CRS84_URI},
        "layers": [_layer_entry(layer, role) for layer in layers],
    }


def _tileset_summary(tileset: dict) -> dict:
    keep = ("title", "dataType", "crs", "tileMatrixSetURI")
    links = [dict(link, rel="self") if link["rel"] == "self" else link for link in tileset["links"]
             if link["rel"] in ("self", REL + "tiling-scheme")]
    return {**{k: tileset[k] for k in keep}, "links": links}


def _check_tms(tms: str) -> None:
    if tms != TMS_ID:
        raise not_found(f"no tile matrix set '{tms}'; offered: {TMS_ID}")


@router.get("/tileMatrixSets", summary="Tile matrix sets")
def tile_matrix_sets(request: Request):
    check_params(request, {"f"})
    href = f"{base_url(request)}/tileMatrixSets/{TMS_ID}"
    return _json({"tileMatrixSets": [{"id": TMS_ID, "title": "Google Maps Compatible for the World",
                                      "uri": WEB_MERCATOR_QUAD, "crs": EPSG_3857,
                                      "links": [{"href": href, "rel": "self", "type": "application/json"},
                                                {"href": href, "rel": REL + "tiling-scheme",
                                                 "type": "application/json"}]}]})


@router.get("/tileMatrixSets/{tms}", summary="A tile matrix set (OGC 2D TMS 2.0 JSON)")
def tile_matrix_set(tms: str, request: Request):
    check_params(request, {"f"})
    _check_tms(tms)
    return _json(web_mercator_quad())


def _collection_tileset(request: Request, collection_id: str, principal: Principal) -> dict:
    layer = visible_layer(collection_id, principal, request)
    href = f"{base_url(request)}/collections/{layer.id}/tiles/{TMS_ID}"
    return _tileset(request, [layer], principal.role, href, layer.title)


@router.get("/collections/{collection_id}/tiles", summary="Tilesets of a collection")
def collection_tilesets(collection_id: str, request: Request, principal: Principal = Depends(current_principal)):
    check_params(request, {"f"})
    return _json({"tilesets": [_tileset_summary(_collection_tileset(request, collection_id, principal))]})


@router.get("/collections/{collection_id}/tiles/{tms}", summary="Tileset metadata of a collection")
def collection_tileset(collection_id: str, tms: str, request: Request,
                       principal: Principal = Depends(current_principal)):
    check_params(request, {"f"})
    _check_tms(tms)
    return _json(_collection_tileset(request, collection_id, principal))


def _dataset_tileset(request: Request, principal: Principal) -> dict:
    layers = visible_layers(principal.role)
    query = f"?collections={','.join(layer.id for layer in layers)}"
    return _tileset(request, layers, principal.role, f"{base_url(request)}/tiles/{TMS_ID}",
                    "青浦区产业布局 Qingpu layout (every collection, one layer each)", query)


@router.get("/tiles", summary="Tilesets of every collection together")
def dataset_tilesets(request: Request, principal: Principal = Depends(current_principal)):
    check_params(request, {"f"})
    return _json({"tilesets": [_tileset_summary(_dataset_tileset(request, principal))]})


@router.get("/tiles/{tms}", summary="Tileset metadata of every collection together")
def dataset_tileset(tms: str, request: Request, principal: Principal = Depends(current_principal)):
    check_params(request, {"f"})
    _check_tms(tms)
    return _json(_dataset_tileset(request, principal))


# -- the MapLibre style -------------------------------------------------------------------------

LEAFLET_DEFAULTS = {"color": "#3388ff", "weight": 3, "opacity": 1.0, "fillOpacity": 0.2, "radius": 10}


# Expressions are written in the forms QGIS's style converter (3.22, Debian 12's) also reads: `match` labels as
# one-element arrays and a literal fallback (it drops a nested expression: "Could not parse non-string color").
# A layer with a colour per feature id (the clusters) becomes two style layers, split by a legacy `in` filter.
def _match(prop: str, mapping: dict, fallback):
    return ["match", ["get", prop], *(x for value, out in mapping.items() for x in ([value], out)), fallback]


def _paint_color(style: dict, key: str, own: bool = False):
    """A colour, or a match on style["by"] when the layer colours by a property (as /map does); ``own``: the
    features with a colour of their own (style["by_id"])."""
    if own:
        return _match("id", style["by_id"], "#888888")
    if style.get("by"):
        return _match(style["by"], style["colors"], "#888888")
    if key == "fillColor":
        return style.get("fillColor", style.get("color", LEAFLET_DEFAULTS["color"]))
    return style.get("color", LEAFLET_DEFAULTS["color"])


def _fill_opacity(style: dict):
    if style.get("fillOpacityBy"):
        return _match(style["by"], style["fillOpacityBy"], style["fillOpacity"])
    return style["fillOpacity"]


def _by_id_split(layer_style: dict, base: dict) -> list[tuple[dict, bool]]:
    """(base with its filter, whether it draws the features with their own colour)."""
    ids = list(layer_style.get("by_id") or ())
    if not ids:
        return [(base, False)]
    return [({**base, "filter": ["!in", "id", *ids]}, False), ({**base, "filter": ["in", "id", *ids]}, True)]


def style_layers(layer: Layer) -> list[dict]:
    st = {**LEAFLET_DEFAULTS, **layer.style}
    base = {"source": "qingpu", "source-layer": layer.id, "minzoom": layer.min_zoom,
            "maxzoom": min(layer.max_zoom, MAX_ZOOM) + 1, "metadata": {"title": layer.title}}
    width = st["weight"]

    def line(own: bool) -> dict:
        paint = {"line-color": _paint_color(st, "color", own), "line-width": width, "line-opacity": st["opacity"]}
        if st.get("dashArray"):
            paint["line-dasharray"] = [float(n) / width for n in str(st["dashArray"]).split()]
        return paint
    suffix = {False: "", True: "-own"}
    if layer.geometry_type in ("Polygon", "MultiPolygon"):
        out = []
        if st.get("fill", True):
            out += [{**b, "id": f"{layer.id}-fill{suffix[own]}", "type": "fill",
                     "paint": {"fill-color": _paint_color(st, "fillColor", own), "fill-opacity": _fill_opacity(st)}}
                    for b, own in _by_id_split(st, base)]
        out += [{**b, "id": f"{layer.id}-line{suffix[own]}", "type": "line", "paint": line(own)}
                for b, own in _by_id_split(st, base)]
        return out
    if layer.geometry_type in ("LineString", "MultiLineString"):
        return [{**base, "id": f"{layer.id}-line", "type": "line", "paint": line(False)}]
    return [{**base, "id": f"{layer.id}-circle", "type": "circle",
             "paint": {"circle-color": _paint_color(st, "fillColor"), "circle-radius": st["radius"],
                       "circle-opacity": st["fillOpacity"], "circle-stroke-color": _paint_color(st, "color"),
                       "circle-stroke-width": width}}]


def maplibre_style(root: str, layers: list[Layer]) -> dict:
    query = f"?collections={','.join(layer.id for layer in layers)}"
    return {"version": 8, "name": "青浦区产业布局 Qingpu industrial layout",
            "metadata": {"generator": "layers/registry.py (the colours of /map)"},
            "center": [121.09, 31.12], "zoom": 10.5,
            "sources": {"qingpu": {"type": "vector", "url": f"{root}/tiles/{TMS_ID}/tilejson.json{query}",
                                   "attribution": "青浦区产业布局 Qingpu industrial layout (schematic)"}},
            "layers": [{"id": "background", "type": "background", "paint": {"background-color": "#ffffff"}},
                       *(x for layer in layers for x in style_layers(layer))]}


@router.get("/styles", summary="Styles")
def styles(request: Request):
    check_params(request, {"f"})
    href = f"{base_url(request)}/styles/default"
    return _json({"default": "default", "styles": [{"id": "default", "title": "青浦区产业布局 (the colours of /map)",
                                                     "links": [{"href": href, "rel": "stylesheet",
                                                                "type": STYLE_JSON}]}]})


@router.get("/styles/{style_id}", summary="A MapLibre GL style of the vector tiles",
            responses={200: {"content": {STYLE_JSON: {"schema": {"type": "object"}}}}})
def style(style_id: str, request: Request, principal: Principal = Depends(current_principal)):
    check_params(request, {"f"})
    if style_id != "default":
        raise not_found(f"no style '{style_id}'; offered: default")
    return _json(maplibre_style(base_url(request), visible_layers(principal.role)), STYLE_JSON)
